"""Summaries: confidence intervals across replications and the issue-8 outcome counts."""

from __future__ import annotations

import json
import math

import pandas as pd
import pytest

from simulator.loader import load_scenario
from simulator.replications import run_task, tasks
from simulator.summary import Summary, combine, to_json
from tests.scenario_text import one_desk

from .conftest import SCENARIOS


def fake(seed: int, sl: float, chats: int) -> Summary:
    table = pd.DataFrame({"queue": ["A/GENERAL"], "service_level": [sl], "volume": [chats]})
    return Summary(seed, {"queue": table}, {"arrivals": chats, "events": 10.0})


def test_each_kpi_gets_the_mean_and_a_student_t_95_percent_half_width():
    pooled = combine([fake(1, 0.70, 100), fake(2, 0.80, 120), fake(3, 0.90, 110)])
    row = pooled.tables["queue"].iloc[0]
    assert row["service_level"] == pytest.approx(0.80)
    # sd = 0.1, n = 3: t(0.975, 2) = 4.3027 -> 4.3027 * 0.1 / sqrt(3)
    assert row["service_level_ci"] == pytest.approx(4.302653 * 0.1 / math.sqrt(3), rel=1e-6)
    assert row["replications"] == 3
    assert pooled.seeds == [1, 2, 3]


def test_a_single_run_has_no_interval():
    row = combine([fake(1, 0.7, 100)]).tables["queue"].iloc[0]
    assert math.isnan(row["service_level_ci"])


@pytest.fixture(scope="module")
def timers_run() -> tuple[object, Summary]:
    scenario = load_scenario(SCENARIOS / "timers-overflow.yaml")
    return scenario, run_task(tasks(scenario, 1, seed=5)[0])


def test_the_timers_scenario_reports_each_outcome_apart_from_cancellations(timers_run):
    _, summary = timers_run
    queues = summary.tables["queue"].set_index("queue")
    contoso = queues.loc["Contoso/GENERAL"]
    assert contoso["overflowed"] > 0  # max wait and closing time moved chats on
    assert contoso["inactive"] > 0  # silent users were closed
    assert queues.loc["Fabrikam/GENERAL", "refused"] > 0  # closed at 18:00, no overflow
    assert contoso["cancelled_waiting"] < contoso["volume"]


def test_estimate_accuracy_is_reported_per_estimator(timers_run):
    _, summary = timers_run
    ewt = summary.tables["ewt"]
    overall = ewt[ewt["queue"] == "(all)"].set_index("estimator")
    assert set(overall.index) == {"recent_history", "queue_state"}
    assert (overall["n"] > 0).all()
    assert ((overall["within"] >= 0) & (overall["within"] <= 1)).all()


def test_summary_json_is_strict_json_with_every_level(timers_run):
    scenario, summary = timers_run
    text = json.dumps(to_json(combine([summary]), scenario), allow_nan=False)
    data = json.loads(text)
    assert set(data["levels"]) >= {"overall", "company", "queue", "source", "interval", "group",
                                   "ewt"}  # fmt: skip


SPARSE = one_desk("sparse", horizon="10h", rate=1, handle_mean="4m", agents=2)


@pytest.fixture(scope="module")
def sparse_runs(tmp_path_factory) -> tuple[object, list[Summary]]:
    path = tmp_path_factory.mktemp("sparse") / "sparse.yaml"
    path.write_text(SPARSE)
    scenario = load_scenario(path)
    return scenario, [run_task(t) for t in tasks(scenario, 40, seed=1)]


def test_hourly_chat_counts_average_every_replication_including_empty_ones(sparse_runs):
    # 1 chat/h in 1-hour intervals over 10 h: about 10 chats a run and 1.0 per hour, not the
    # 1.4-1.8 of averaging only the runs that had a chat in the hour.
    _, summaries = sparse_runs
    combined = combine(summaries)
    hourly = combined.tables["interval"]
    assert len(hourly) == 10
    assert (hourly["replications"] == 40).all()
    assert (hourly["replications_with_chats"] < 40).any()  # some hours were empty somewhere
    assert hourly["volume"].sum() == pytest.approx(combined.tables["overall"]["volume"].iloc[0])
    assert hourly["volume"].mean() == pytest.approx(1.0, abs=0.2)
    assert hourly["volume"].max() < 1.4


def test_waits_of_a_group_rest_on_the_replications_that_had_one_and_say_so(sparse_runs):
    scenario, summaries = sparse_runs
    hourly = combine(summaries).tables["interval"]
    row = hourly.iloc[0]
    assert row["volume_n"] == 40
    assert row["wait_mean_n"] == row["replications_with_chats"] < 40
    data = to_json(combine(summaries), scenario)["levels"]["interval"][0]
    assert data["replications"] == 40
    assert data["wait_mean"]["n"] == row["wait_mean_n"]
    assert data["volume"]["n"] == 40


def test_an_empty_replication_counts_as_zero_chats():
    table = pd.DataFrame({"queue": [], "service_level": [], "volume": []})
    empty = Summary(2, {"queue": table}, {"arrivals": 0.0, "events": 0.0})
    row = combine([fake(1, 0.8, 10), empty]).tables["queue"].iloc[0]
    assert row["volume"] == 5
    assert row["service_level"] == pytest.approx(0.8)
    assert row["service_level_n"] == 1
    assert (row["replications"], row["replications_with_chats"]) == (2, 1)
