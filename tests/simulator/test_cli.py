"""The livechat-sim command line: run, erlang and staff, as a planner would use them."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from simulator.cli import main
from simulator.erlang import StaffingGoal, erlang, required_agents
from simulator.loader import parse_scenario
from simulator.staffing import StaffingTarget, erlang_seed, plan_staffing

from .conftest import TINY


def test_run_prints_every_section_and_writes_the_log_and_summary(tmp_path, capsys):
    assert main(["run", str(TINY), "--seed", "3", "--out", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    for heading in ("Overall", "By queue", "By interval", "Occupancy by agent group"):
        assert f"\n{heading}" in out
    assert "share of ALL arrivals answered within 30s" in out
    log = pd.read_parquet(tmp_path / "events.parquet")
    summary = json.loads((tmp_path / "summary.json").read_text())
    opened = int((log["type"] == "ChatOpened").sum())
    assert summary["levels"]["overall"][0]["volume"] == {"mean": opened, "ci95": None, "n": 1}
    assert summary["seeds"] == [3]


def test_the_same_seed_prints_the_same_report(capsys):
    main(["run", str(TINY), "--seed", "9"])
    first = capsys.readouterr().out.splitlines()[1:]  # line 0 holds the wall-clock speed
    main(["run", str(TINY), "--seed", "9"])
    assert capsys.readouterr().out.splitlines()[1:] == first


def test_erlang_answers_from_the_command_line(capsys):
    code = main(["erlang", "--model", "A", "--rate", "540", "--aht", "5m", "--agents", "50",
                 "--patience", "10m", "--target", "30s"])  # fmt: skip
    assert code == 0
    out = capsys.readouterr().out
    expected = erlang("A", 0.15, 1 / 300, 50, 30.0, 1 / 600)
    assert "Erlang A (M/M/c+M): 50 agents" in out
    assert f"{expected.service_level:.2%}" in out and f"{expected.p_abandon:.2%}" in out


def test_erlang_counts_chat_slots_for_agents_with_several_chats(capsys):
    main(["erlang", "--rate", "60", "--aht", "10m", "--agents", "4", "--capacity", "3"])
    out = capsys.readouterr().out
    assert "4 agents x capacity 3 = 12 chat slots" in out and "Erlang C" in out


def test_an_impossible_erlang_question_is_an_error_not_a_traceback(capsys):
    assert main(["erlang", "--model", "C", "--rate", "100", "--aht", "1h", "--agents", "2"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error (unstable_queue):") and "Traceback" not in err


def test_the_erlang_seed_of_a_constant_stream_is_erlang_a_per_interval():
    scenario = parse_scenario(TINY.read_text())
    target = StaffingTarget(0.8, 20.0)
    seeded = erlang_seed(scenario, target)["desk"]
    slots = required_agents("A", 30 / 3600, 1 / 240, StaffingGoal(0.8, 20.0), 1 / 180)
    assert seeded == [-(-slots // 2)] * scenario.intervals  # capacity 2: slots / 2, rounded up


def test_staffing_meets_the_target_in_every_interval_with_the_fewest_agents_found(capsys):
    scenario = parse_scenario(TINY.read_text())
    target = StaffingTarget(0.8, 60.0, max_abandon=0.1)
    plan = plan_staffing(scenario, target, replications=3, seed=1, workers=1, max_rounds=8)
    assert plan.met
    kpis = plan.kpis.dropna()
    assert (kpis["service_level"] >= 0.8).all() and (kpis["abandonment"] <= 0.1).all()
    assert all(n >= 1 for n in plan.counts["desk"])


def test_staff_prints_a_table_of_counts_per_interval(capsys):
    code = main(["staff", str(TINY), "--service-level", "80%", "--within", "60s",
                 "--replications", "2", "--workers", "1", "--max-rounds", "4"])  # fmt: skip
    assert code == 0
    out = capsys.readouterr().out
    assert "Erlang A seed -> count confirmed by simulation" in out
    assert out.count(" -> ") >= 4 and "agent-hours" in out


def test_staff_without_any_target_says_what_to_give(capsys):
    assert main(["staff", str(TINY)]) == 2  # tiny.yaml sets no service-level goal
    err = capsys.readouterr().err
    assert "give --service-level" in err and "Traceback" not in err


def test_a_bad_option_value_exits_with_status_2(capsys):
    with pytest.raises(SystemExit) as stop:
        main(["run", str(TINY), "--replications", "0"])
    assert stop.value.code == 2
    assert "must be at least 1" in capsys.readouterr().err


# --- issue 19.8, 19.9, 19.11: shipped scenarios by name, one duration reading, dask paths


def test_scenarios_lists_every_shipped_scenario_by_name(capsys):
    import scenarios

    assert main(["scenarios"]) == 0
    out = capsys.readouterr().out
    names = [line.split()[0] for line in out.splitlines() if line and not line.startswith("Files")]
    assert names == scenarios.shipped()
    assert {"small-helpdesk", "mmc-textbook", "service-provider"} <= set(names)
    assert "Four agents, each working up to two chats at once" in out


def test_a_shipped_scenario_runs_by_name_from_any_folder(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)  # no scenarios/ folder here
    assert main(["validate", "small-helpdesk"]) == 0
    assert "'Small helpdesk'" in capsys.readouterr().out
    assert main(["run", "mmc-textbook", "--out", "out"]) == 0
    assert (tmp_path / "out" / "events.parquet").is_file()


def test_an_unknown_scenario_name_is_one_line_with_status_2(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert main(["run", "no-such-desk"]) == 2
    err = capsys.readouterr().err
    assert "no-such-desk: cannot read the file" in err and "Traceback" not in err


def test_a_relative_out_is_made_absolute_before_tasks_leave(tmp_path, monkeypatch):
    from simulator.replications import tasks

    monkeypatch.chdir(tmp_path)
    paths = [t.events_path for t in tasks(parse_scenario(TINY.read_text()), 2, out="rel")]
    assert paths == [str(tmp_path / "rel" / f"rep-0{i}" / "events.parquet") for i in (1, 2)]


def test_dask_workers_in_another_folder_write_where_the_cli_says(tmp_path, monkeypatch, capsys):
    """A worker started in its own folder, as on another machine: a relative --out used to land
    in the worker's folder while the CLI named the client's."""
    import subprocess
    import sys

    from dask.distributed import Client, LocalCluster

    client_dir, worker_dir = tmp_path / "client", tmp_path / "worker"
    client_dir.mkdir(), worker_dir.mkdir()
    with LocalCluster(n_workers=0, processes=False, protocol="tcp", host="127.0.0.1",
                      scheduler_port=0, dashboard_address=None) as cluster:  # fmt: skip
        worker = subprocess.Popen(
            [sys.executable, "-m", "distributed.cli.dask_worker", cluster.scheduler_address,
             "--nworkers", "1", "--nthreads", "1", "--no-dashboard"],
            cwd=worker_dir, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        try:
            with Client(cluster.scheduler_address) as client:
                client.wait_for_workers(1, timeout=60)
            monkeypatch.chdir(client_dir)
            assert main(["run", str(TINY), "-n", "2", "--dask", cluster.scheduler_address,
                         "--out", "rel"]) == 0  # fmt: skip
        finally:
            worker.terminate()
            worker.wait(timeout=30)
    out = capsys.readouterr().out
    assert f"{client_dir / 'rel' / 'rep-01' / 'events.parquet'}" in out
    assert "written by the Dask workers" in out
    assert (client_dir / "rel" / "rep-02" / "events.parquet").is_file()
    assert not (worker_dir / "rel").exists()
