"""A replication streams its log to Parquet and is summarised from the file: same KPIs, same log."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

import reports.logstream
from bridge.engine.errors import UnknownChat
from reports.log import events_to_frame, load
from simulator.cli import main
from simulator.driver import Simulation
from simulator.loader import load_scenario
from simulator.replications import run_task, tasks
from simulator.summary import summarize

from .recorded_runs import Collected

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("name", ["mmc-textbook", "skilled-desk", "service-provider"])
def test_a_streamed_run_gives_the_kpis_and_the_log_of_a_run_kept_in_memory(
    name, tmp_path, monkeypatch
):
    monkeypatch.setattr(reports.logstream, "BATCH_EVENTS", 1000)  # many row groups
    scenario = load_scenario(name)
    kept = Simulation(scenario, 5).run()
    expected = summarize(kept, scenario)
    got = run_task(tasks(scenario, 1, seed=5, out=tmp_path)[0])
    assert got.tables.keys() == expected.tables.keys()
    for level, table in expected.tables.items():
        pd.testing.assert_frame_equal(got.tables[level], table, check_exact=True)
    assert got.counters["events"] == expected.counters["events"] == len(kept.events)
    log = load(tmp_path / "events.parquet")
    pd.testing.assert_frame_equal(log.drop(columns="seq"), events_to_frame(kept.events).drop(
        columns="seq"), check_categorical=False)  # fmt: skip
    assert list(log["seq"]) == list(range(len(kept.events)))


def test_a_streaming_run_holds_one_batch_not_the_log(tmp_path):
    written: list[int] = []

    class Counting:
        batch = 500

        def write(self, events) -> None:
            assert len(events) < 500 + 100  # a batch, plus what one arrival's callbacks add
            written.append(len(events))

    result = Simulation(load_scenario("skilled-desk"), 2, log=Counting()).run()
    assert result.events == []
    assert len(written) > 3
    assert (
        result.logged
        == sum(written)
        == len(Simulation(load_scenario("skilled-desk"), 2).run().events)
    )


def test_horizon_on_the_command_line_runs_the_scenario_longer(tmp_path, capsys):
    assert main(["run", "mmc-textbook", "--horizon", "3h", "--out", str(tmp_path)]) == 0
    opened = load(tmp_path / "events.parquet").query("type == 'ChatOpened'")
    assert 2.5 * 3600 < opened["at"].max() <= 3 * 3600  # 540 an hour, none after 3 h


def test_a_horizon_inside_the_warm_up_is_refused_and_nothing_is_written(tmp_path, capsys):
    assert main(["run", "mmc-textbook", "--horizon", "30m", "--out", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err
    assert "error (simulator_error): --horizon 1800s must end after the warm-up (3600s)" in err
    assert not (tmp_path / "o").exists()


def test_the_end_to_end_benchmark_runs_quick_and_prints_its_ratios():
    done = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "end_to_end.py"), "--quick"],
                          capture_output=True, text=True, timeout=300, check=True)  # fmt: skip
    lines = done.stdout.strip().splitlines()
    assert "(10x)" in lines[-2] and "x the 1x peak" in lines[-2]
    assert lines[-1].startswith("end-to-end: ") and lines[-1].endswith("x Ciw memory")
    time_ratio = float(lines[-1].split()[1].rstrip("x"))
    assert time_ratio > 0


@pytest.mark.parametrize("name", ["mmc-textbook", "skilled-desk", "small-helpdesk"])
def test_a_streamed_run_forgets_every_chat_once_it_is_closed(name, tmp_path):
    """Wrap-ups and survey answers still to come hold a chat back until they are done; at the
    end nothing closed is left in the engine or the driver, whatever the run's length."""
    scenario = load_scenario(name)
    log = Collected()
    sim = Simulation(scenario, 5, log=log)
    sim.run()
    opened = [e.chat_id for e in log.events if type(e).__name__ == "ChatOpened"]
    assert len(opened) > 100 and sim.records == {} and sim.closed == []
    with pytest.raises(UnknownChat):
        sim.engine.chat_state(opened[0])


def test_the_batches_kept_by_the_writer_read_as_the_file_it_wrote(tmp_path, monkeypatch):
    """What the summary reads (``LogWriter.frame``) is the frame ``load`` gives for the file."""
    monkeypatch.setattr(reports.logstream, "BATCH_EVENTS", 500)
    scenario = load_scenario("skilled-desk")
    path = tmp_path / "events.parquet"
    with reports.logstream.LogWriter(path, None, keep=True) as writer:
        Simulation(scenario, 2, log=writer).run()
    kept, written = writer.frame(), load(path)
    assert writer.written > 2000
    pd.testing.assert_frame_equal(kept, written, check_exact=True)
    assert kept.attrs == written.attrs
