"""Scenario files: the shipped ones are valid, and a bad file says what is wrong and where."""

from __future__ import annotations

import pytest

from simulator.cli import main
from simulator.distributions import parse_duration
from simulator.errors import ScenarioError
from simulator.loader import load_scenario, parse_scenario

from .conftest import SCENARIOS

SHIPPED = sorted(SCENARIOS.glob("*.yaml"))


def issues_of(text: str) -> list[str]:
    with pytest.raises(ScenarioError) as caught:
        parse_scenario(text, "s.yaml")
    assert caught.value.code == "invalid_scenario"
    return str(caught.value).splitlines()


def test_every_shipped_scenario_is_valid_and_documented():
    assert {p.stem for p in SHIPPED} >= {
        "small-helpdesk", "service-provider", "va-surge", "mmc-textbook", "timers-overflow",
    }  # fmt: skip
    for path in SHIPPED:
        scenario = load_scenario(path)
        assert scenario.name
        assert path.read_text().startswith("#"), f"{path.name} opens with no explanation"


def test_the_tiny_scenario_used_by_these_tests_is_valid(scenario_text):
    assert parse_scenario(scenario_text).agents[0].capacity == 2


def test_a_wrong_value_is_reported_with_its_line_and_field(scenario_text):
    text = scenario_text.replace("rate: 30", "rate: lots")
    assert issues_of(text) == [
        "s.yaml:12: streams[0].rate: Input should be a valid number, unable to parse string "
        "as a number"
    ]


def test_an_unknown_key_is_reported_where_it_is_written(scenario_text):
    text = scenario_text.replace("    capacity: 2", "    capacity: 2\n    capacty: 3")
    assert issues_of(text) == ["s.yaml:21: agents[0].capacty: Extra inputs are not permitted"]


def test_a_missing_distribution_parameter_names_the_distribution_field(scenario_text):
    text = scenario_text.replace("{dist: exponential, mean: 4m}", "{dist: lognormal, mean: 4m}")
    assert issues_of(text) == ["s.yaml:14: behaviour.handle_time.sd: Field required"]


def test_every_problem_is_listed_not_only_the_first(scenario_text):
    text = scenario_text.replace("rate: 30", "rate: -1").replace("count: 2", "count: two")
    lines = issues_of(text)
    assert [line.split(": ")[0:2] for line in lines] == [
        ["s.yaml:12", "streams[0].rate"],
        ["s.yaml:18", "agents[0].count"],
        ["s.yaml:18", "agents[0].count"],
    ]


def test_an_unknown_queue_reference_names_the_known_queues(scenario_text):
    text = scenario_text.replace("queues: [GENERAL, Tier2]", "queues: [GENERAL, Tier3]")
    (line,) = issues_of(text)
    assert line.startswith("s.yaml:19: agents[0].queues[1]: no support queue 'Acme/Tier3'")
    assert "Acme/GENERAL, Acme/Tier2" in line


def test_broken_yaml_is_reported_with_its_line(scenario_text):
    text = scenario_text.replace("  - name: desk", "  - name: desk\n   bad: [unclosed")
    (line,) = issues_of(text)
    assert line.startswith("s.yaml:18: not valid YAML")


def test_clock_times_stay_strings_rather_than_base_60_numbers(scenario_text):
    text = scenario_text.replace(
        "      - name: Tier2",
        "      - name: Tier2\n        hours: {weekly: {mon: [[08:00, 18:00]]}}",
    )
    hours = parse_scenario(text).companies[0].queues[1].hours
    assert hours is not None and hours.weekly["mon"] == [("08:00", "18:00")]


def test_a_stream_needs_exactly_one_of_rate_and_profile(scenario_text):
    text = scenario_text.replace("rate: 30", "rate: 30\n    profile: [1, 2]")
    (line,) = issues_of(text)
    assert line == (
        "s.yaml:10: streams[0]: give exactly one of rate (per hour) or profile (per interval)"
    )


def test_pickup_delay_is_refused_under_auto_accept(scenario_text):
    text = scenario_text.replace("    capacity: 2", "    capacity: 2\n    pickup_delay: 20s")
    (line,) = issues_of(text)
    assert line == (
        "s.yaml:21: agents[0].pickup_delay: applies to manual accept only (routing.accept)"
    )


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("90", 90.0), ("90s", 90.0), ("5m", 300.0), ("1.5h", 5400.0), ("2d", 172800.0),
     ("01:30", 5400.0), (45, 45)],
)  # fmt: skip
def test_durations_read_with_or_without_a_unit(text, seconds):
    assert parse_duration(text) == seconds


def test_validate_prints_the_problem_without_a_traceback(tmp_path, scenario_text, capsys):
    bad = tmp_path / "bad.yaml"
    bad.write_text(scenario_text.replace("mean: 3m", "mean: soon"))
    assert main(["validate", str(bad)]) == 2
    err = capsys.readouterr().err
    assert "bad.yaml:15: behaviour.patience.mean:" in err
    assert "Traceback" not in err


def test_validate_accepts_a_good_file(capsys):
    assert main(["validate", str(SCENARIOS / "small-helpdesk.yaml")]) == 0
    assert "OK" in capsys.readouterr().out


def test_an_overflow_rule_without_its_trigger_is_refused_where_it_is_written(scenario_text):
    text = scenario_text.replace(
        "      - name: GENERAL\n", "      - name: GENERAL\n        closed_overflow: Tier2\n", 1
    )
    (line,) = issues_of(text)
    assert line.startswith("s.yaml:8: companies[0].queues[0].closed_overflow: needs hours")
