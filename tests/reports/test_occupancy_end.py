"""Occupancy's denominator (issue 19.2): available time runs to the run's end, not to the log's
last event; and only agents who are there and permitted count as available."""

from __future__ import annotations

import pandas as pd
import pytest

from bridge.engine import Engine, EngineConfig
from bridge.engine.events import Event
from reports.agents import agent_interval_facts
from reports.log import events_to_frame, load, write_parquet
from reports.logmeta import LogMeta
from reports.metrics import occupancy_table
from tests.engine.support import ACME, PERMISSIONS, ROLES, FakeClock

HOUR = 3600.0
DAY = 24 * HOUR


def two_agents_busy_only_in_the_first_half_day() -> list[Event]:
    """Two agents on duty 24 h; 16 chats of 36 min, all within the first 12 h: 20% busy."""
    clock, log = FakeClock(), []
    engine = Engine(clock, EngineConfig(), sink=log.append)
    for agent in ("a1", "a2"):
        engine.sign_in(agent, "A", agent, [ACME], ROLES, PERMISSIONS)
    for n in range(8):
        clock.now = n * 1.5 * HOUR
        engine.hand_off(f"c{n}a", "self_service", "Acme")
        engine.hand_off(f"c{n}b", "self_service", "Acme")
        clock.now += 0.6 * HOUR
        for chat in (f"c{n}a", f"c{n}b"):
            engine.end(chat, engine.chats[chat].agent_id)
    return log  # the last event: the last two chats end at 11.1 h


def overall(facts: pd.DataFrame) -> float:
    return float(occupancy_table(facts, ())["occupancy"].iloc[0])


def test_without_an_end_the_denominator_stops_at_the_last_event():
    facts = agent_interval_facts(events_to_frame(two_agents_busy_only_in_the_first_half_day()))
    # The "39% instead of 20%": the quiet half day is missing from the denominator.
    assert overall(facts) == pytest.approx(9.6 / (2 * 11.1))


def test_a_passed_end_counts_the_quiet_half_day_too():
    log = events_to_frame(two_agents_busy_only_in_the_first_half_day())
    facts = agent_interval_facts(log, 3600.0, end=DAY)
    assert overall(facts) == pytest.approx(0.20)
    assert facts["available_s"].sum() == pytest.approx(2 * DAY)
    assert facts["interval"].max() == 23 * HOUR


def test_the_horizon_in_the_logs_metadata_is_the_end(tmp_path):
    path = tmp_path / "events.parquet"
    meta = LogMeta(horizon_s=DAY, cooldown_s=0.0)
    write_parquet(two_agents_busy_only_in_the_first_half_day(), path, meta)
    assert overall(agent_interval_facts(load(path), 3600.0)) == pytest.approx(0.20)


def test_an_end_before_the_last_event_never_cuts_the_log_short():
    log = events_to_frame(two_agents_busy_only_in_the_first_half_day())
    assert overall(agent_interval_facts(log, end=HOUR)) == pytest.approx(9.6 / (2 * 11.1))


def live_log_with_bystanders() -> list[Event]:
    """A bridge log: one agent on duty by its stream, one who only made one API call, one
    without the role and permission (connected), over one hour."""
    clock, log = FakeClock(), []
    engine = Engine(clock, EngineConfig(auto_accept=False), sink=log.append)
    engine.sign_in("on", "O", "N", [ACME], ROLES, PERMISSIONS, connected=True)
    engine.sign_in("once", "O", "C", [ACME], ROLES, PERMISSIONS, connected=False)
    engine.sign_in("viewer", "V", "W", [ACME], ["Viewer"], [], connected=True)
    engine.hand_off("c1", "self_service", "Acme")
    engine.accept("c1", "on")
    clock.now = HOUR
    engine.end("c1", "on")
    return log


def test_only_agents_there_and_permitted_count_as_available_in_a_live_log():
    facts = agent_interval_facts(events_to_frame(live_log_with_bystanders()), 3600.0)
    available = facts.groupby("agent_id", observed=True)["available_s"].sum()
    assert available.to_dict() == {"on": HOUR, "once": 0.0, "viewer": 0.0}
    assert overall(facts) == pytest.approx(1.0)  # the one agent there was busy all along


def test_a_lease_counts_as_there_until_it_expires():
    clock, log = FakeClock(), []
    engine = Engine(clock, EngineConfig(agent_lease=600.0), sink=log.append)
    engine.sign_in("api", "A", "P", [ACME], ROLES, PERMISSIONS, connected=False)
    engine.heartbeat("api")
    engine.advance(HOUR)  # expired at 600 s: nothing renewed it
    clock.now = HOUR
    engine.hand_off("c1", "self_service", "Acme")  # the log runs to the hour
    facts = agent_interval_facts(events_to_frame(log), 3600.0)
    assert facts["available_s"].sum() == pytest.approx(600.0)


def test_a_chat_still_held_at_the_end_counts_as_busy_up_to_the_end():
    clock, log = FakeClock(), []
    engine = Engine(clock, EngineConfig(), sink=log.append)
    engine.sign_in("a1", "A", "B", [ACME], ROLES, PERMISSIONS)
    engine.hand_off("c1", "self_service", "Acme")  # assigned at 0, never closed
    clock.now = HOUR
    engine.hand_off("c2", "self_service", "Acme")  # the last event: waits behind c1
    facts = agent_interval_facts(events_to_frame(log), 3600.0, end=4 * HOUR)
    assert facts["busy_s"].sum() == pytest.approx(4 * HOUR)
    assert overall(facts) == pytest.approx(1.0)
