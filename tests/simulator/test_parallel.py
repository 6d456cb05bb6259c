"""Replications in parallel: local processes and a Dask cluster give the same answers."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from dask.distributed import LocalCluster

from simulator.cli import main
from simulator.loader import parse_scenario
from simulator.replications import Runner, run_task, tasks

from .conftest import TINY


@pytest.fixture(scope="module")
def cluster():
    with LocalCluster(n_workers=1, threads_per_worker=1, processes=False,
                      dashboard_address=None) as local:  # fmt: skip
        yield local


def overall(summaries) -> pd.DataFrame:
    return pd.concat([s.tables["overall"] for s in summaries], ignore_index=True)


def test_local_processes_and_dask_run_the_same_replications_to_the_same_kpis(cluster):
    scenario = parse_scenario(TINY.read_text())
    jobs = tasks(scenario, 3, seed=11)
    with Runner(workers=2) as local:
        by_processes = local.map(run_task, jobs, desc=None)
    with Runner(dask=cluster.scheduler_address) as remote:
        by_dask = remote.map(run_task, jobs, desc=None)
    assert "run_task" in cluster.scheduler.task_prefixes  # the work really went to Dask
    assert [s.seed for s in by_dask] == [11, 12, 13]
    pd.testing.assert_frame_equal(overall(by_processes), overall(by_dask))


def test_the_cli_runs_replications_on_a_dask_scheduler_and_writes_its_files(
    cluster, tmp_path, capsys
):
    out = tmp_path / "run"
    code = main(["run", str(TINY), "-n", "2", "--dask", cluster.scheduler_address,
                 "--out", str(out)])  # fmt: skip
    assert code == 0
    text = capsys.readouterr().out
    assert "2 replications" in text and "±" in text
    summary = json.loads((out / "summary.json").read_text())
    assert summary["replications"] == 2
    assert summary["levels"]["overall"][0]["volume"]["ci95"] is not None
    for rep in ("rep-01", "rep-02"):
        log = pd.read_parquet(out / rep / "events.parquet")
        assert {"ChatOpened", "ChatAssigned", "ChatClosed"} <= set(log["type"].astype(str))
