"""Scenario files: the shipped ones are valid, and a bad file says what is wrong and where."""

from __future__ import annotations

import pytest

from simulator.cli import main
from simulator.distributions import parse_duration
from simulator.errors import ScenarioError
from simulator.loader import load_scenario, parse_scenario

from .conftest import SCENARIOS, TINY

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


# --- issue 12.9: one reading for config and scenarios; what the schema accepts, the engine runs


def with_hours(scenario_text: str, spans: str) -> str:
    return scenario_text.replace(
        "      - name: Tier2", f"      - name: Tier2\n        hours: {{weekly: {{mon: [{spans}]}}}}"
    )


def test_a_one_digit_hour_is_read_by_the_engine_the_schema_accepts_and_the_run_uses():
    from bridge.engine.hours import parse_time_of_day
    from simulator.config import engine_config

    text = with_hours(TINY.read_text(), "[8:00, 18:00]")
    scenario = parse_scenario(text)  # used to pass here, then crash the engine
    hours = engine_config(scenario).queues["Acme/Tier2"].hours
    assert hours is not None
    monday_0830 = scenario.start.replace(hour=8, minute=30).timestamp() - hours.offset
    assert hours.is_open(monday_0830)
    assert not hours.is_open(monday_0830 - 3600)
    assert parse_time_of_day("8:00") == parse_time_of_day("08:00")


@pytest.mark.parametrize("bad", ['["8:0", "18:00"]', '["08:00", "25:00"]', '["nine", "18:00"]'])
def test_a_time_of_day_the_engine_cannot_read_is_refused_on_its_line(scenario_text, bad):
    (line,) = issues_of(with_hours(scenario_text, bad))
    assert line.startswith("s.yaml:9: companies[0].queues[1].hours: ")
    assert "is not a time of day" in line


def test_a_start_date_with_month_13_is_a_line_not_a_traceback(scenario_text):
    (line,) = issues_of("start: 2024-13-04T08:00:00+01:00\n" + scenario_text)
    assert line.startswith("s.yaml:1: start: ")
    assert "month" in line


@pytest.mark.parametrize("start", ["2024-03-04T08:00:00", "2024-03-04 08:00", "2024-03-04"])
def test_a_start_without_a_time_zone_is_refused(scenario_text, start):
    (line,) = issues_of(f"start: {start}\n" + scenario_text)
    assert line.startswith("s.yaml:1: start: ") and "no time zone" in line


def test_a_start_with_a_zone_is_kept_with_its_offset(scenario_text):
    scenario = parse_scenario("start: 2024-03-04T08:00:00+01:00\n" + scenario_text)
    assert scenario.start.utcoffset() is not None
    assert scenario.start.isoformat() == "2024-03-04T08:00:00+01:00"


def test_yes_and_no_are_strings_not_booleans_as_in_yaml_1_1(scenario_text):
    scenario = parse_scenario(scenario_text.replace("Tier2", "NO"))
    assert scenario.companies[0].queues[1].name == "NO"  # YAML 1.1 would read False


def test_a_scenario_and_a_bridge_config_read_the_same_hours_the_same_way(tmp_path):
    from bridge.settings import load_settings

    config = tmp_path / "bridge.yaml"
    config.write_text(
        'engine:\n  queues:\n    "Acme/Tier2":\n      hours: {weekly: {mon: [[08:00, 18:00]]}}\n'
    )
    bridge_hours = load_settings(config_file=config).engine.queues["Acme/Tier2"].hours
    scenario_hours = parse_scenario(with_hours(TINY.read_text(), "[08:00, 18:00]"))
    assert bridge_hours is not None
    assert bridge_hours.weekly == scenario_hours.companies[0].queues[1].hours.weekly


def test_a_missing_file_is_one_line_with_exit_status_2(capsys):
    assert main(["validate", "no-such-scenario.yaml"]) == 2
    err = capsys.readouterr().err
    assert "no-such-scenario.yaml: cannot read the file" in err and "Traceback" not in err
