"""``livechat-report compare --align`` and the intervals of replications (issue 14.5).

A simulated log and a live one share no clock interval (the live run happened on another
day); aligned by offset from each run's start they line up interval by interval. With a
folder of replications on one side, each KPI of the other side is said to be inside or
outside the replications' intervals.
"""

from __future__ import annotations

import pandas as pd
import pytest

from reports.cli import main as report
from reports.log import load, write_parquet
from simulator.cli import main as sim
from tests.scenario_text import one_desk

DESK = one_desk("desk", horizon="3h", interval="30m", rate=40, handle_mean="4m", agents=3,
                patience_mean="3m", service_level=("30s", 0.8))  # fmt: skip
LIVE_DAY = 1_790_000_000.0  # 2026-09-21: another day than the scenario's 2024-01-01


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """(a folder of 3 replications, the same desk with one agent, a 'live' copy of rep 1)."""
    folder = tmp_path_factory.mktemp("align")
    (folder / "desk.yaml").write_text(DESK)
    (folder / "short.yaml").write_text(DESK.replace("count: 3", "count: 1"))
    assert sim(["run", str(folder / "desk.yaml"), "-n", "3", "--out", str(folder / "reps")]) == 0
    assert sim(["run", str(folder / "short.yaml"), "--out", str(folder / "short")]) == 0
    rep = load(folder / "reps" / "rep-01" / "events.parquet")
    live = rep.assign(at=rep["at"] + LIVE_DAY)  # as a bridge would record it, another day
    live.attrs.clear()  # ... and without the simulator's metadata
    write_parquet(live, folder / "live.parquet")
    return folder


def compare(runs, a: str, b: str, name: str, *extra: str) -> int:
    return report(["compare", str(runs / a), str(runs / b), "--out", str(runs / name), *extra])


def test_on_the_clock_a_live_run_of_another_day_shares_no_interval(runs):
    assert compare(runs, "reps/rep-01/events.parquet", "live.parquet", "clock") == 0
    table = pd.read_csv(runs / "clock" / "compare_interval.csv")
    volume = table[table["kpi"] == "volume"]
    assert not (volume["a"].notna() & volume["b"].notna()).any()


def test_aligned_by_start_the_same_run_gives_the_same_kpis_interval_by_interval(runs):
    args = ("--align", "start")
    assert compare(runs, "reps/rep-01/events.parquet", "live.parquet", "start", *args) == 0
    table = pd.read_csv(runs / "start" / "compare_interval.csv")
    for kpi in ("volume", "service_level", "wait_mean", "occupancy"):
        rows = table[table["kpi"] == kpi].dropna(subset=["a", "b"], how="all")
        assert len(rows) >= 6, kpi  # three hours of 30-minute intervals, on both sides
        assert rows["a"].to_numpy() == pytest.approx(rows["b"].to_numpy(), nan_ok=True), kpi
    overall = pd.read_csv(runs / "start" / "compare_overall.csv").set_index("kpi")
    assert not overall["flagged"].any()  # the live side measured with the simulated settings
    html = (runs / "start" / "compare.html").read_text()
    assert "offsets from each run" in html and "d0 00:30" in html


def test_each_live_kpi_is_checked_against_the_replications_intervals(runs):
    assert compare(runs, "reps", "live.parquet", "inside", "--align", "start") == 0
    check = pd.read_csv(runs / "inside" / "compare_coverage_overall.csv").set_index("kpi")
    for kpi in ("service_level", "abandonment", "wait_mean", "occupancy"):
        row = check.loc[kpi]
        assert row["runs"] == 3 and row["ci_low"] <= row["sim_mean"] <= row["ci_high"]
        assert row["pi_low"] <= row["ci_low"] and row["pi_high"] >= row["ci_high"]
        assert row["inside"]  # one of three runs lies inside their one-run interval
    assert (runs / "inside" / "compare_coverage_interval.csv").is_file()
    html = (runs / "inside" / "compare.html").read_text()
    assert "mean of 3 replications" in html and "prediction interval of one run" in html


def test_a_run_of_another_desk_falls_outside_the_intervals(runs):
    assert compare(runs, "reps", "short/events.parquet", "outside", "--align", "start") == 0
    check = pd.read_csv(runs / "outside" / "compare_coverage_overall.csv").set_index("kpi")
    for kpi in ("abandonment", "wait_mean", "served"):  # one agent instead of three
        assert not check.loc[kpi, "inside"], kpi
    assert "NO" in (runs / "outside" / "compare.html").read_text()


def test_bad_alignment_input_is_one_clear_error_and_writes_nothing(runs, capsys):
    folder = runs / "report"
    assert report(["build", str(runs / "live.parquet"), "--out", str(folder)]) == 0
    capsys.readouterr()
    out = runs / "bad"
    assert report(["compare", str(folder), str(runs / "live.parquet"), "--out", str(out),
                   "--align", "start"]) == 2  # fmt: skip
    err = capsys.readouterr().err
    assert "a report folder is on the clock already; --align start needs event logs" in err
    assert report(["compare", str(runs / "reps"), str(runs / "live.parquet"), "--out", str(out),
                   "--level", "1.5"]) == 2  # fmt: skip
    assert "give a level such as 0.95" in capsys.readouterr().err
    assert not out.exists()
