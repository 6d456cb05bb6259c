"""Calibration of what issue 13 added: wrap-up time and limit, retrials, presence states.

The truth: four days of an overloaded desk (so that many users give up), a 3-minute wrap-up
limit with gamma wrap-up times of 70 s (sd 30 s) inside it, a third of those who give up
retrying after about five minutes, and a 30-minute lunch in presence state Lunch.
"""

from __future__ import annotations

import pytest

from reports.log import events_to_frame, write_parquet
from reports.logmeta import LogMeta
from simulator.calibrate import calibrate, scenario_text
from simulator.driver import Simulation
from simulator.loader import parse_scenario

WRAP_MEAN, WRAP_SD, WRAP_LIMIT = 70.0, 30.0, 180.0
RETRIAL, RETRIAL_DELAY, AGENTS = 0.35, 300.0, 5
TRUTH = f"""
name: Aftercare truth
start: 2024-03-04T00:00:00+00:00
horizon: 4d
interval: 1h
seed: 5
companies:
  - name: Acme
    queues: [{{name: GENERAL, wrap_up: {WRAP_LIMIT}}}]
streams:
  - {{company: Acme, queue: GENERAL, rate: 60}}
behaviour:
  handle_time: {{dist: exponential, mean: 5m}}
  patience: {{dist: exponential, mean: 4m}}
  wrap_up: {{dist: gamma, mean: {WRAP_MEAN}, sd: {WRAP_SD}}}
  retrial: {{probability: {RETRIAL}, delay: {{dist: exponential, mean: {RETRIAL_DELAY}}}}}
agents:
  - name: desk
    count: {AGENTS}
    queues: [GENERAL]
    breaks: [{{start: 12h, duration: 30m, stagger: 1h, state: Lunch}}]
"""


@pytest.fixture(scope="module")
def cal(tmp_path_factory):
    scenario = parse_scenario(TRUTH)
    events = Simulation(scenario).run().events
    path = tmp_path_factory.mktemp("aftercare") / "events.parquet"
    return calibrate(write_parquet(events_to_frame(events), path, LogMeta.of_scenario(scenario)))


def test_wrap_up_time_is_fitted_with_the_limit_as_censoring(cal):
    fitted = cal.wrap_ups.by_arrival["Acme/GENERAL"]
    assert cal.wrap_ups.limits["Acme/GENERAL"] == pytest.approx(WRAP_LIMIT)
    assert len(fitted.censored) > 0  # some wrap-ups ran into the limit
    # ~5,000 wrap-ups: SE of the mean under 1%; the censored fit keeps the tail's shape.
    assert fitted.best.mean == pytest.approx(WRAP_MEAN, rel=0.05)
    assert fitted.best.sd == pytest.approx(WRAP_SD, rel=0.15)


def test_retrial_probability_and_delay_are_recovered(cal):
    r = cal.retrials["Acme/GENERAL"]
    assert r.abandoned > 500 and r.to_queue is None
    assert r.probability == pytest.approx(RETRIAL, abs=0.06)  # SE about 0.015
    assert r.delay.best.mean == pytest.approx(RETRIAL_DELAY, rel=0.15)  # SE about 5%


def test_retrials_are_not_counted_as_fresh_arrivals(cal):
    (stream,) = cal.streams
    # 60 fresh chats an hour; with the retrials counted the profile would read about 70.
    assert stream.profile.mean() == pytest.approx(60, rel=0.05)


def test_presence_states_show_up_as_shrinkage_by_reason(cal):
    lunch = cal.presence[(cal.presence["state"] == "Lunch")]
    # Each agent's lunch is 30 minutes, less the time it took to finish its chat first (a
    # 5-minute chat and its wrap-up): 18% less over seeds 1, 2, 3 and 5 at worst.
    assert 0.6 * AGENTS * 1800 <= lunch["seconds"].sum() <= AGENTS * 1800 * 1.001


def test_the_written_scenario_carries_wrap_up_and_retrials(cal):
    scenario = parse_scenario(scenario_text(cal))
    assert scenario.companies[0].queues[0].wrap_up == pytest.approx(WRAP_LIMIT)
    behaviour = scenario.streams[0].behaviour
    assert behaviour.wrap_up.mean == pytest.approx(WRAP_MEAN, rel=0.05)
    assert behaviour.retrial.probability == pytest.approx(RETRIAL, abs=0.06)
