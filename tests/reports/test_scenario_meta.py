"""A simulated log carries its scenario (Parquet metadata) and the report measures with it."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone

import pandas as pd
import pytest

from reports.cli import main as report_main
from reports.log import load, write_parquet
from reports.logmeta import log_meta
from simulator.cli import main as sim_main
from tests.scenario_text import one_desk

SCENARIO = one_desk(
    "Busy desk",
    start="2024-05-06T09:00:00+02:00",
    horizon="4h",
    warmup="1h",
    service_level=("45s", 0.9),
    rate=55,
    handle_mean="4m",
    patience_mean="3m",
    agents=4,
)


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    """One replication of a busy desk: (its folder, summary.json as a dict)."""
    folder = tmp_path_factory.mktemp("busy")
    (folder / "busy.yaml").write_text(SCENARIO)
    out = folder / "out"
    assert sim_main(["run", str(folder / "busy.yaml"), "--seed", "3", "--out", str(out)]) == 0
    return out, json.loads((out / "summary.json").read_text())


def test_the_log_file_says_which_scenario_and_settings_wrote_it(run):
    out, _ = run
    meta = log_meta(out / "events.parquet")
    assert meta.scenario == "Busy desk"
    assert meta.start == datetime(2024, 5, 6, 9, tzinfo=timezone(timedelta(hours=2)))
    assert (meta.interval_s, meta.sl_target_s, meta.sl_goal) == (3600.0, 45.0, 0.9)
    assert (meta.horizon_s, meta.warmup_s, meta.seed, meta.replication) == (14400.0, 3600.0, 3, 1)
    assert log_meta(load(out / "events.parquet")) == meta  # load() keeps it on the frame


def test_the_cli_summary_and_the_report_give_the_same_service_level(run, tmp_path):
    out, summary = run
    assert report_main(["build", str(out / "events.parquet"), "--out", str(tmp_path)]) == 0
    overall = pd.read_csv(tmp_path / "kpis_overall.csv").iloc[0]
    cli = summary["levels"]["overall"][0]
    assert 0.3 < cli["service_level"]["mean"] < 0.95  # a target of 30 s would read differently
    assert overall["service_level"] == pytest.approx(cli["service_level"]["mean"], abs=1e-12)
    assert overall["volume"] == cli["volume"]["mean"]  # the warm-up hour is left out in both
    assert overall["sl_target_s"] == 45.0
    html = (tmp_path / "report.html").read_text()
    assert "Busy desk" in html and "2024-05-06 09:00" in html and "d0 " not in html
    assert "goal 90.0%" in html and "intervals of 1 h" in html
    hours = pd.read_csv(tmp_path / "kpis_interval.csv")["interval"]
    assert hours.min() == datetime(2024, 5, 6, 8, tzinfo=UTC).timestamp()  # 10:00+02


def test_an_option_given_on_the_command_line_still_wins(run, tmp_path):
    out, _ = run
    args = ["build", str(out / "events.parquet"), "--out", str(tmp_path), "--target", "600"]
    assert report_main(args) == 0
    assert pd.read_csv(tmp_path / "kpis_overall.csv").loc[0, "sl_target_s"] == 600.0


def test_compare_lines_up_a_simulated_and_a_live_log_by_clock_interval(run, tmp_path):
    out, _ = run
    sim = load(out / "events.parquet")
    origin = log_meta(sim).start.timestamp()
    live = sim.assign(at=sim["at"] + origin)  # the same chats as a bridge would record them
    live = live[live["at"] >= origin + 3600]  # ... without the simulator's warm-up hour
    live.attrs.clear()  # and without the simulator's metadata
    live_path = write_parquet(live.reset_index(drop=True), tmp_path / "live.parquet")
    cmp = tmp_path / "cmp"
    args = ["compare", str(out / "events.parquet"), str(live_path), "--out", str(cmp)]
    args += ["--interval", "3600"]
    assert report_main(args) == 0
    table = pd.read_csv(cmp / "compare_interval.csv")
    volume = table[(table["kpi"] == "volume") & (table[["a", "b"]].fillna(0).sum(axis=1) > 0)]
    assert len(volume) == 3  # 10:00, 11:00, 12:00 local: the same three hours on both sides
    assert volume["a"].tolist() == volume["b"].tolist()
    html = (cmp / "compare.html").read_text()
    assert "2024-05-06 10:00" in html and "SL, % A" in html
