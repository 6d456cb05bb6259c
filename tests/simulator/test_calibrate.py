"""``livechat-sim calibrate`` recovers the parameters of a simulated log, within stated tolerances.

The truth: four weeks of one stream with a daily profile and gamma day and interval factors,
lognormal work at one-chat speed on agents holding two chats at 0.75 speed each, exponential
patience of 20 minutes (over 90% of users are served: heavy censoring), and known
cancel, transfer and ticket probabilities. Each tolerance is several standard errors of its
estimate at this sample size (about 20,000 chats), stated beside the assertion.
"""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

from reports.log import events_to_frame, write_parquet
from reports.logmeta import LogMeta
from simulator.calibrate import calibrate, scenario_text
from simulator.cli import main
from simulator.driver import Simulation
from simulator.loader import load_scenario, parse_scenario

PROFILE = [10, 10, 10, 10, 10, 10, 20, 30, 40, 50, 60, 60,
           50, 50, 60, 60, 50, 40, 30, 20, 10, 10, 10, 10]  # fmt: skip
HANDLE_MEAN, HANDLE_SD, RATE_2 = 360.0, 180.0, 0.75
SECOND_MEAN, PATIENCE_MEAN = 240.0, 1200.0
CANCEL, TRANSFER, INCIDENT, WORK_ORDER = 0.05, 0.10, 0.30, 0.10
DAY_CV, INTERVAL_CV = 0.25, 0.10
TRUTH = f"""
name: Known truth
start: 2024-03-04T00:00:00+00:00
horizon: 28d
interval: 1h
seed: 11
companies:
  - name: Acme
    queues: [{{name: GENERAL}}, {{name: SECOND}}]
streams:
  - company: Acme
    queue: GENERAL
    profile: {PROFILE}
    overdispersion: {{day_cv: {DAY_CV}, interval_cv: {INTERVAL_CV}}}
behaviour:
  handle_time: {{dist: lognormal, mean: {HANDLE_MEAN}, sd: {HANDLE_SD}}}
  patience: {{dist: exponential, mean: {PATIENCE_MEAN}}}
  cancel_after_assign: {CANCEL}
  transfer:
    probability: {TRANSFER}
    to_queue: SECOND
    handle_time: {{dist: exponential, mean: {SECOND_MEAN}}}
  tickets: {{incident: {INCIDENT}, work_order: {WORK_ORDER}}}
agents:
  - {{name: first, count: 4, queues: [GENERAL], capacity: 2, concurrency_rates: [1.0, {RATE_2}]}}
  - {{name: second, count: 1, queues: [SECOND]}}
"""


def _simulated_log(text: str, path):
    scenario = parse_scenario(text)
    result = Simulation(scenario).run()
    return write_parquet(events_to_frame(result.events), path, LogMeta.of_scenario(scenario))


@pytest.fixture(scope="module")
def log(tmp_path_factory):
    return _simulated_log(TRUTH, tmp_path_factory.mktemp("truth") / "events.parquet")


@pytest.fixture(scope="module")
def cal(log):
    return calibrate(log)


def within(value: float, truth: float, rel: float) -> bool:
    return abs(value - truth) <= rel * truth


def test_the_profile_per_weekday_and_hour_matches_the_truth(cal):
    (stream,) = cal.streams
    week = stream.profile.reshape(7, 24)  # a typical week: 7 days x 24 hours
    level = week.sum() / (7 * sum(PROFILE))
    # The common level carries the day factor's noise: SE 0.25/sqrt(28) = 4.7%.
    assert within(level, 1.0, 0.15)  # 3 SE
    # Each hour of the day (28 days each) after the level: SE <= 6.3%; 25% is 4 SE.
    by_hour = week.mean(axis=0) / level
    assert all(within(obs, truth, 0.25) for obs, truth in zip(by_hour, PROFILE, strict=True))


def test_overdispersion_is_measured_as_gamma_day_and_interval_factors(cal):
    d = cal.streams[0].overdispersion
    assert d.days == 28
    assert d.vmr > 1.5  # far from Poisson at these counts
    # 21 degrees of freedom across weekdays: the CV estimates carry ~20% relative error.
    assert abs(d.day_cv - DAY_CV) <= 0.10
    assert abs(d.interval_cv - INTERVAL_CV) <= 0.08


def test_handle_time_is_fitted_at_one_chat_speed_and_lognormal_wins(cal):
    fitted = cal.handle.first["Acme/GENERAL"]
    assert fitted.best.dist == "lognormal"
    assert [c.aic for c in fitted.candidates] == sorted(c.aic for c in fitted.candidates)
    assert within(fitted.best.mean, HANDLE_MEAN, 0.03)  # SE 0.4%
    assert within(fitted.best.sd, HANDLE_SD, 0.06)
    # The slowdown while holding two chats (SE about 0.005 here).
    assert cal.handle.rates is not None and abs(cal.handle.rates[1] - RATE_2) <= 0.03


def test_the_work_after_a_transfer_is_fitted_for_the_queue_it_went_to(cal):
    fitted = cal.handle.second["Acme/SECOND"]
    assert within(fitted.best.mean, SECOND_MEAN, 0.08)  # ~1,800 values: SE 2.4%


def test_patience_is_estimated_with_heavy_censoring(cal):
    p = cal.patience["Acme/GENERAL"]
    assert p.censored / (p.censored + p.gave_up) > 0.9  # most users were served
    assert p.gave_up > 300
    # The naive mean of abandon times measures the waits, not the patience.
    assert p.naive_mean < 0.25 * PATIENCE_MEAN
    assert within(p.fit.best.mean, PATIENCE_MEAN, 0.15)  # ~1,000 events: SE about 3%
    assert p.km_survival[0] > 0.99 and np.all(np.diff(p.km_survival) <= 0)


def test_cancel_transfer_and_ticket_probabilities_are_recovered(cal):
    s = cal.shares["Acme/GENERAL"]
    assert abs(s.cancel_after_assign - CANCEL) <= 0.01  # SE 0.0016
    assert abs(s.transfer - TRANSFER) <= 0.015 and s.transfer_to == "Acme/SECOND"  # SE 0.002
    assert abs(s.tickets["incident"] - INCIDENT) <= 0.02  # SE 0.0035
    assert abs(s.tickets["work_order"] - WORK_ORDER) <= 0.015


def test_the_roster_shows_each_group_with_its_heads_and_capacity(cal):
    groups = {g.queues: g for g in cal.groups}
    first, second = groups[("Acme/GENERAL",)], groups[("Acme/SECOND",)]
    assert set(first.counts) == {4} and first.capacity == 2
    assert set(second.counts) == {1} and second.capacity == 1


def test_the_written_scenario_loads_and_carries_the_measured_values(cal, tmp_path):
    scenario = parse_scenario(scenario_text(cal), "calibrated.yaml")
    (stream,) = scenario.streams
    assert len(stream.profile) == 7 * 24 and scenario.interval == 3600
    b = stream.behaviour
    assert b.handle_time.dist == "lognormal" and within(b.handle_time.mean, HANDLE_MEAN, 0.03)
    assert within(b.patience.mean, PATIENCE_MEAN, 0.15)
    assert b.transfer.to_queue == "Acme/SECOND"
    assert stream.overdispersion is not None and stream.overdispersion.day_cv > 0.1
    first = next(g for g in scenario.agents if g.queues == ["Acme/GENERAL"])
    assert first.count == 4 and first.capacity == 2
    assert abs(first.concurrency_rates[1] - RATE_2) < 0.03


def test_the_command_writes_a_commented_scenario_that_runs(log, tmp_path, capsys):
    out = tmp_path / "plan" / "calibrated.yaml"
    assert main(["calibrate", str(log), "--out", str(out)]) == 0
    assert f"Wrote {out}" in capsys.readouterr().out
    text = out.read_text()
    assert "chose lognormal by AIC" in text and "right-censored" in text and "Kaplan-Meier" in text
    assert load_scenario(out).streams[0].behaviour.patience is not None


def test_a_poisson_log_measures_no_overdispersion(tmp_path):
    factors = f"    overdispersion: {{day_cv: {DAY_CV}, interval_cv: {INTERVAL_CV}}}\n"
    text = TRUTH.replace(factors, "")
    assert text != TRUTH
    text = text.replace("count: 4", "count: 20")
    d = calibrate(_simulated_log(text, tmp_path / "poisson.parquet")).streams[0].overdispersion
    assert abs(d.vmr - 1.0) <= 0.15 and d.day_cv <= 0.08 and d.interval_cv <= 0.1


def test_a_bridge_sqlite_store_is_calibrated_too(tmp_path):
    from bridge.engine.events import to_row
    from tests.reports.logs import day_log
    from tests.reports.test_log import make_store

    make_store(tmp_path / "bridge.db", [to_row(e, i + 1) for i, e in enumerate(day_log())]).close()
    out = tmp_path / "from-bridge.yaml"
    assert main(["calibrate", str(tmp_path / "bridge.db"), "--out", str(out), "--tz", "UTC"]) == 0
    scenario = load_scenario(out)
    assert {f"{c.name}/{q.name}" for c in scenario.companies for q in c.queues} >= {
        "Acme/GENERAL", "Acme/HR", "Globex/GENERAL"}  # fmt: skip
    assert scenario.streams and all(sum(s.profile) > 0 for s in scenario.streams)


def _run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "simulator.cli", "calibrate", *args],
                          capture_output=True, text=True, timeout=120)  # fmt: skip


def test_a_missing_log_is_a_clear_error_with_status_2_and_writes_nothing(tmp_path):
    out = tmp_path / "x.yaml"
    done = _run_cli(str(tmp_path / "nope.db"), "--out", str(out))
    assert done.returncode == 2
    assert "error (log_not_found)" in done.stderr and "no such file" in done.stderr
    assert "Traceback" not in done.stderr and not out.exists()


def test_a_log_without_chats_is_a_clear_error_with_status_2_and_writes_nothing(tmp_path):
    from tests.reports.logs import day_log

    log = write_parquet(day_log()[:3], tmp_path / "agents-only.parquet")  # sign-ins only
    out = tmp_path / "x.yaml"
    done = _run_cli(str(log), "--out", str(out))
    assert done.returncode == 2
    assert "error (log_has_no_chats)" in done.stderr and "no chats" in done.stderr
    assert not out.exists()


def test_the_interval_option_sets_the_profile_resolution(log, tmp_path, capsys):
    out = tmp_path / "two-hourly.yaml"
    assert main(["calibrate", str(log), "--out", str(out), "--interval", "2h"]) == 0
    scenario = load_scenario(out)
    assert scenario.interval == 7200 and len(scenario.streams[0].profile) == 7 * 12
    # Two hours hold the chats of two: a day's mean total stays the same (the level's 3 SE).
    per_day = sum(scenario.streams[0].profile) * 2 / 7
    assert within(per_day, sum(PROFILE), 0.15)


def test_a_bad_interval_is_refused_by_the_parser_with_status_2(log, tmp_path, capsys):
    with pytest.raises(SystemExit) as exc:
        main(["calibrate", str(log), "--out", str(tmp_path / "x.yaml"), "--interval", "0"])
    assert exc.value.code == 2 and "longer than zero" in capsys.readouterr().err
    assert not (tmp_path / "x.yaml").exists()


def test_a_log_where_nobody_was_answered_still_gives_a_scenario_that_loads():
    from bridge.engine.events import ChatCancelled, ChatClosed, ChatOpened

    events = []
    for i in range(6):
        at = 600.0 * i
        events += [ChatOpened(at, f"c{i}", "self_service", "Acme", "Acme/GENERAL"),
                   ChatCancelled(at + 90, f"c{i}", None),
                   ChatClosed(at + 90, f"c{i}", None, "cancelled")]  # fmt: skip
    cal = calibrate(events_to_frame(events), interval=900)
    text = scenario_text(cal)
    scenario = parse_scenario(text)
    assert "no chat was answered" in text and "nobody signed in" in text
    assert scenario.agents[0].count == 0
    # Everyone gave up after 90 s and nobody was censored: the patience is 90 s.
    assert scenario.streams[0].behaviour.patience.mean == pytest.approx(90.0)
