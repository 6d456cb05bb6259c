"""Legs: KPIs per queue of service, so a queue fed by transfers is measured too."""

from __future__ import annotations

import pytest

from reports.legs import chat_legs, service_kpis
from reports.log import events_to_frame

from .logs import ACME, ACME_HR, GLOBEX, GLOBEX_AFTER, day_log


@pytest.fixture(scope="module")
def by_queue():
    legs = chat_legs(events_to_frame(day_log()))
    return legs, service_kpis(legs, target=30).set_index("queue")


def test_a_transfer_starts_a_leg_in_the_queue_it_goes_to(by_queue):
    legs, _ = by_queue
    c2 = legs[legs["chat_id"] == "c2"]
    assert list(c2["queue"].astype(str)) == [ACME, ACME_HR]
    assert list(c2["wait"]) == [40.0, 10.0]  # second leg: transfer at 100 -> assigned at 110


def test_a_queue_fed_only_by_transfers_gets_a_row_with_its_waits(by_queue):
    _, table = by_queue
    hr = table.loc[ACME_HR]  # c2 arrives via transfer, c8 directly
    assert (hr["legs"], hr["answered"]) == (2, 2)
    assert hr["wait_mean"] == pytest.approx(7.5)
    assert hr["service_level"] == 1.0


def test_legs_follow_the_service_level_rule_of_the_definitions(by_queue):
    _, table = by_queue
    general = table.loc[ACME]  # c1 met; c2 (40 s), c3 (cancelled), c6 (110 s open) missed; c7 out
    assert (general["legs"], general["sl_eligible"], general["sl_met"]) == (5, 4, 1)
    assert general["cancelled_waiting"] == 1 and general["open_at_end"] == 2
    globex = table.loc[GLOBEX]  # c4 overflowed away; c5 answered twice (arrival, requeue)
    assert (globex["legs"], globex["moved_on"], globex["sl_met"]) == (3, 1, 2)
    after = table.loc[GLOBEX_AFTER]  # c4 closed by the max-wait timer after 300 s
    assert (after["legs"], after["answered"], after["service_level"]) == (1, 0, 0.0)
