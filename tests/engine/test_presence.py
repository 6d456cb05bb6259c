"""Presence ends by itself: an open stream or a heartbeat's lease, never a one-off command."""

from __future__ import annotations

from bridge.engine import Engine, EngineConfig
from bridge.engine import errors as err
from bridge.engine.events import (
    AgentLeaseExpired,
    AgentLeaseRenewed,
    AgentSignedIn,
    ChatAssigned,
    ChatRequeued,
    from_row,
    to_row,
)

from .support import ACME, PERMISSIONS, ROLES, FakeClock, check_invariants, of_type, refused, rig


def away(r, agent_id: str = "a1") -> list:
    """Sign in the way the bridge signs in an agent with no open stream."""
    return r.engine.sign_in(agent_id, "Ada", "L", [ACME], ROLES, PERMISSIONS, connected=False)


def test_the_default_grace_is_safe_and_leases_expire():
    config = EngineConfig()
    assert config.agent_gone_grace == 90.0
    assert config.agent_lease == 60.0


def test_an_agent_signed_in_without_a_stream_or_lease_gets_no_chat():
    r = rig()
    r.chat("c1")
    assert of_type(away(r), ChatAssigned) == []
    agent = r.engine.agents["a1"]
    assert not agent.present and not agent.serving
    assert r.engine.staffing(ACME)["available"] == 0


def test_an_agent_without_a_stream_or_lease_cannot_accept_by_hand():
    r = rig(auto_accept=False)
    r.chat("c1")
    away(r)
    refused(r, err.AgentUnavailable, r.engine.accept, "c1", "a1")


def test_a_heartbeat_makes_the_agent_present_and_hands_it_the_waiting_chat():
    r = rig()
    r.chat("c1")
    away(r)
    events = r.engine.heartbeat("a1")
    renewed = of_type(events, AgentLeaseRenewed)
    assert [(e.agent_id, e.until) for e in renewed] == [("a1", 60.0)]
    assert [e.chat_id for e in of_type(events, ChatAssigned)] == ["c1"]
    assert r.engine.presence("a1")["present"] is True
    check_invariants(r.engine)


def test_a_lease_nobody_renews_expires_by_itself_and_the_grace_then_requeues_the_chats():
    r = rig(agent_gone_grace=30.0)
    r.chat("c1")
    away(r)
    r.engine.heartbeat("a1")
    assert r.engine.next_deadline() == 60.0
    expired = r.engine.advance(60.0)  # no request needed: the timer fires
    assert expired == [AgentLeaseExpired(60.0, "a1")]
    assert not r.engine.agents["a1"].serving
    assert r.engine.next_deadline() == 90.0
    requeued = of_type(r.engine.advance(90.0), ChatRequeued)
    assert [(e.chat_id, e.reason) for e in requeued] == [("c1", "agent_gone")]
    check_invariants(r.engine)


def test_heartbeats_in_time_keep_the_lease_and_write_one_renewal_per_half_lease():
    r = rig(agent_gone_grace=30.0)
    r.chat("c1")
    away(r)
    renewals = 0
    for beat in range(0, 600, 20):  # a client beating every lease / 3
        r.at(float(beat))
        r.engine.advance()
        renewals += len(of_type(r.engine.heartbeat("a1"), AgentLeaseRenewed))
    assert r.engine.agents["a1"].chats == {"c1": None}
    assert not of_type(r.log, AgentLeaseExpired)
    assert renewals == 15  # 30 beats, every other one renews


def test_a_renewal_while_present_keeps_the_agents_place_in_the_idle_line():
    r = rig()
    away(r)
    r.engine.heartbeat("a1")
    before = r.engine.agents["a1"].touched
    r.at(40.0)
    assert of_type(r.engine.heartbeat("a1"), AgentLeaseRenewed)
    assert r.engine.agents["a1"].touched == before


def test_a_lease_expiring_while_the_stream_is_open_changes_nothing_but_the_lease():
    r = rig()
    r.chat("c1")
    r.agent("a1")  # the simulator's way: at the console
    r.engine.heartbeat("a1")
    r.engine.advance(60.0)
    assert r.engine.agents["a1"].serving and r.engine.agents["a1"].chats == {"c1": None}
    assert r.engine.next_deadline() is None


def test_a_heartbeat_needs_a_signed_in_agent():
    r = rig()
    refused(r, err.UnknownAgent, r.engine.heartbeat, "ghost")
    away(r)
    r.engine.sign_out("a1")
    refused(r, err.WrongState, r.engine.heartbeat, "a1")


def test_signing_out_ends_the_lease_so_signing_in_again_needs_a_new_one():
    r = rig()
    away(r)
    r.engine.heartbeat("a1")
    r.engine.sign_out("a1")
    away(r)
    assert r.engine.presence("a1")["lease_expires_at"] is None
    assert not r.engine.agents["a1"].present
    assert r.engine.advance(1000.0) == []


def test_agents_without_the_role_and_permission_never_count_as_available():
    r = rig()
    r.engine.sign_in("v1", "Vi", "Ew", [ACME], ["Viewer"], [], connected=True)
    r.engine.set_connected("v1", True)
    assert r.engine.staffing(ACME) == {"available": 0, "busy": 0, "held": 0, "slots": 0}
    assert r.engine.availability("Acme")["agents_available"] == 0


def test_a_log_with_leases_replays_into_the_same_state_and_deadlines():
    r = rig(agent_gone_grace=30.0)
    r.chat("c1")
    away(r)
    r.engine.heartbeat("a1")
    r.at(45.0)
    r.engine.heartbeat("a1")
    fresh = Engine(FakeClock(45.0), r.config)
    fresh.replay(from_row(to_row(e)) for e in r.log)
    assert fresh.snapshot() == r.engine.snapshot()
    assert fresh.next_deadline() == r.engine.next_deadline() == 105.0
    assert fresh.advance(200.0) == r.engine.advance(200.0)


def test_a_version_1_sign_in_row_counts_as_connected_as_it_did():
    row = to_row(AgentSignedIn(0.0, "a1", "Ada", "L", [ACME], ROLES, PERMISSIONS))
    assert row["version"] == 3 and row["payload"]["connected"] is True
    old = {
        **row,
        "version": 1,
        "payload": {k: v for k, v in row["payload"].items() if k != "connected"},
    }
    assert from_row(old) == AgentSignedIn(
        0.0, "a1", "Ada", "L", [ACME], ROLES, PERMISSIONS, None, True
    )


def test_a_lease_renewed_to_the_same_deadline_after_a_sign_out_replays_in_the_same_order():
    # Found by the replay state machine: a deadline as token made an old timer live again.
    r = rig()
    away(r, "a0")
    r.engine.heartbeat("a0")
    r.engine.sign_out("a0")
    assert r.engine.next_deadline() is None  # the live engine drops the stale timer here
    away(r, "a0")
    away(r, "a2")
    r.engine.heartbeat("a2")
    r.engine.heartbeat("a0")  # the same deadline as the first lease: 60 s
    fresh = Engine(FakeClock(), r.config)
    fresh.replay(from_row(to_row(e)) for e in r.log)
    expired = [e.agent_id for e in r.engine.advance(60.0)]
    assert expired == [e.agent_id for e in fresh.advance(60.0)] == ["a2", "a0"]
