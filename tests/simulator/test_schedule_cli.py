"""``livechat-sim schedule`` run as a planner runs it, on the shipped day-profile scenario."""

from __future__ import annotations

import json

import numpy as np

from simulator.cli import main
from simulator.loader import load_scenario

from .conftest import SCENARIOS

SHIFTS = SCENARIOS / "shifts" / "day.yaml"
# Fewer replications than the defaults (10, up to 40), so the test runs in seconds.
ARGS = ["--service-level", "0.8", "--within", "30s", "--max-abandon", "0.05", "--workers", "2",
        "--replications", "4", "--max-replications", "12"]  # fmt: skip


def test_the_schedule_of_the_day_profile_meets_the_target_in_every_interval(
    tmp_path, capsys, monkeypatch
):
    out = tmp_path / "plan"
    # Both shipped files by name, from a folder that has neither.
    monkeypatch.chdir(tmp_path)
    code = main(["schedule", "day-profile", "--shifts", "day", *ARGS, "--out", str(out)])
    text, err = capsys.readouterr()
    assert code == 0, (text, err)
    assert "met in every interval in simulation" in text
    for heading in ("Heads per shift", "Coverage per interval", "Simulated KPIs"):
        assert heading in text
    record = json.loads((out / "schedule.json").read_text())
    assert record["met"] is True
    intervals = record["intervals"]
    assert len(intervals) == 32
    for row in intervals:
        assert row["on_duty"] >= row["required"] - 1e-9, row
        assert row["service_level"] >= 0.8 and row["abandonment"] <= 0.05, row
    heads = {row["shift"]: row["heads"] for row in record["shifts"]}
    assert heads["late"] >= 2  # its min_heads
    hours = sum(row["agent-hours"] for row in record["shifts"])
    assert record["agent_hours"] == hours and f"{hours:g} agent-hours" in text
    # The written scenario runs as it is, and holds every scheduled head.
    scenario = load_scenario(out / "schedule-scenario.yaml")
    assert sum(g.count for g in scenario.agents) == sum(heads.values())
    assert (out / "schedule.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "schedule.png" in (out / "schedule.html").read_text()


def test_a_bad_shifts_file_stops_the_command_with_its_line_and_writes_nothing(tmp_path, capsys):
    bad = tmp_path / "shifts.yaml"
    bad.write_text(SHIFTS.read_text().replace("length: 8h", "length: eight hours", 1))
    out = tmp_path / "plan"
    code = main(["schedule", "day-profile", "--shifts", str(bad), *ARGS, "--out", str(out)])
    err = capsys.readouterr()
    assert code == 2
    line = 1 + SHIFTS.read_text().splitlines().index("    length: 8h")
    assert err.err.startswith("error (invalid_shifts): ")
    assert f"{bad}:{line}: shifts[0].length: 'eight hours' is not a duration" in err.err
    assert "Traceback" not in err.err and err.out == ""
    assert not out.exists()


def test_a_missing_shifts_file_is_an_error_not_a_traceback(tmp_path, capsys):
    missing = tmp_path / "nope.yaml"
    assert main(["schedule", "day-profile", "--shifts", str(missing), *ARGS]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error (invalid_shifts): ") and "cannot read the file" in err


def test_shifts_that_cannot_reach_the_evening_are_refused_before_any_simulation(tmp_path, capsys):
    short = tmp_path / "shifts.yaml"
    short.write_text('shifts:\n  - {name: only, start: "06:00", length: 8h, max_heads: 30}\n')
    assert main(["schedule", "day-profile", "--shifts", str(short), *ARGS]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error (schedule_infeasible): no shift covers 14:00, 14:30, ")
    assert "where chats arrive" in err


def test_the_shipped_files_fit_together():
    s = load_scenario("day-profile")
    assert s.intervals == 32 and np.isclose(s.horizon, 16 * 3600)
