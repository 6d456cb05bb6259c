"""Summaries: confidence intervals across replications and the issue-8 outcome counts."""

from __future__ import annotations

import json
import math

import pandas as pd
import pytest

from simulator.loader import load_scenario
from simulator.replications import run_task, tasks
from simulator.summary import Summary, combine, to_json

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
