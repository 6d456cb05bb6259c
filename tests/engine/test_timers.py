"""Timers on a fake clock: maximum wait, agent-gone grace, user inactivity, and their races."""

from __future__ import annotations

import pytest

from bridge.engine import Engine, EngineConfig, QueueConfig
from bridge.engine.events import (
    ChatAssigned,
    ChatClosed,
    ChatOverflowed,
    ChatRequeued,
    InactivityWarned,
    NoteAdded,
    SystemMessage,
    to_row,
)

from .support import ACME, VIP, Rig, check_invariants, of_type

OVERFLOW = "Acme/Overflow"


def waiting_rig(overflow: str | None = OVERFLOW, auto: bool = True) -> Rig:
    rules = QueueConfig(max_wait=60.0, max_wait_overflow=overflow)
    return Rig(EngineConfig(auto_accept=auto, queues={ACME: rules}))


def test_a_chat_waiting_past_max_wait_overflows_to_the_named_queue():
    r = waiting_rig()
    r.chat("c1")
    assert r.engine.next_deadline() == 60.0
    assert r.engine.advance(59.9) == []
    r.at(75.0)
    said, note, moved = r.engine.advance()
    assert (said.kind, said.audience) == ("overflowed", "all")
    assert (note.agent_id, note.n) == (None, said.n + 1)
    assert moved == ChatOverflowed(60.0, "c1", ACME, OVERFLOW, "max_wait")
    assert r.engine.queues[OVERFLOW].ordered() == ["c1"]
    assert r.engine.next_deadline() is None
    check_invariants(r.engine)


def test_an_overflowed_chat_goes_to_a_free_agent_of_the_overflow_queue():
    r = waiting_rig()
    r.agent("spare", (OVERFLOW,))
    r.agent("busy")
    r.chat("c0")
    r.chat("c1")
    events = r.engine.advance(60.0)
    assert [(e.chat_id, e.agent_id) for e in of_type(events, ChatAssigned)] == [("c1", "spare")]


def test_a_chat_waiting_past_max_wait_without_overflow_closes_as_no_agent():
    r = waiting_rig(overflow=None)
    r.chat("c1")
    said, closed = r.engine.advance(60.0)
    assert said.kind == "no_agent"
    assert closed == ChatClosed(60.0, "c1", None, "no_agent")
    check_invariants(r.engine)


def test_max_wait_is_stale_once_the_chat_was_accepted_cancelled_or_sent_by_name():
    r = waiting_rig(auto=False)
    r.agent("a1")
    r.agent("a2")
    for n in (1, 2, 3):
        r.chat(f"c{n}")
    r.at(10.0)
    r.engine.accept("c1", "a1")
    r.engine.cancel("c2")
    r.engine.accept("c3", "a2")
    r.engine.transfer("c3", "a2", to_agent="a1")
    assert r.engine.next_deadline() is None
    assert r.engine.advance(1000.0) == []


def test_a_transfer_back_to_a_queue_restarts_the_max_wait():
    r = waiting_rig(auto=False)
    r.agent("a1")
    r.chat("c1")
    r.at(30.0)
    r.engine.accept("c1", "a1")
    r.engine.transfer("c1", "a1", to_queue="GENERAL")
    assert r.engine.advance(60.0) == []
    assert r.engine.next_deadline() == 90.0
    assert of_type(r.engine.advance(90.0), ChatOverflowed)


def grace_rig(**extra: object) -> Rig:
    return Rig(EngineConfig(agent_gone_grace=30.0, **extra))


GONE = {
    "disconnected": lambda e: e.set_connected("a1", False),
}


@pytest.mark.parametrize("state", ["Break", "Away"])
def test_an_agent_in_another_presence_state_keeps_its_chats_and_gets_no_new_ones(state):
    """Presence states stop new chats; the grace is for consoles that went away."""
    r = grace_rig()
    r.agent("a1", capacity=2)
    r.chat("c1")
    r.engine.set_presence("a1", state)
    assert r.engine.next_deadline() is None
    r.chat("c2")
    assert r.engine.my_chats("a1") == ["c1"] and r.engine.queue_list("a1") == ["c2"]
    assert r.engine.presence("a1")["status"] == state
    check_invariants(r.engine)


@pytest.mark.parametrize("leave", sorted(GONE))
def test_after_the_grace_a_gone_agents_chats_go_to_the_front_of_their_queue(leave):
    r = grace_rig()
    r.agent("a1", capacity=2)
    r.chat("c1")
    r.chat("c2")
    r.chat("c3")
    r.at(10.0)
    GONE[leave](r.engine)
    assert r.engine.next_deadline() == 40.0
    events = r.engine.advance(40.0)
    requeued = of_type(events, ChatRequeued)
    assert [(e.chat_id, e.queue, e.reason) for e in requeued] == [
        ("c1", ACME, "agent_gone"),
        ("c2", ACME, "agent_gone"),
    ]
    notes = of_type(events, NoteAdded)
    assert [n.chat_id for n in notes] == ["c1", "c2"] and all(n.agent_id is None for n in notes)
    assert r.engine.queue_list("a1") == ["c1", "c2", "c3"]
    check_invariants(r.engine)
    r.agent("a2", capacity=3)
    assert r.engine.my_chats("a2") == ["c1", "c2", "c3"]


@pytest.mark.parametrize("leave", sorted(GONE))
def test_an_agent_back_within_the_grace_keeps_its_chats(leave):
    r = grace_rig()
    r.agent("a1")
    r.chat("c1")
    GONE[leave](r.engine)
    r.at(29.0)
    r.engine.set_connected("a1", True)
    r.engine.set_availability("a1", True)
    assert r.engine.next_deadline() is None
    assert r.engine.advance(100.0) == []
    assert r.engine.my_chats("a1") == ["c1"]


def test_a_gone_agents_chats_go_to_the_configured_queue_inbox_included():
    r = grace_rig(agent_gone_queue="Acme/Rescue", auto_accept=False)
    r.agent("a1")
    r.agent("a2", (VIP,))
    r.chat("c1")
    r.chat("c2")
    r.engine.accept("c1", "a1")
    r.engine.accept("c2", "a1")
    r.engine.transfer("c2", "a1", to_agent="a2")
    r.engine.set_connected("a2", False)
    r.engine.set_connected("a1", False)
    events = r.engine.advance(30.0)
    assert [(e.chat_id, e.agent_id, e.queue) for e in of_type(events, ChatRequeued)] == [
        ("c2", "a2", "Acme/Rescue"),
        ("c1", "a1", "Acme/Rescue"),
    ]
    assert r.engine.queues["Acme/Rescue"].ordered() == ["c2", "c1"]
    check_invariants(r.engine)


def test_an_agent_who_loses_the_chat_permission_counts_as_gone():
    r = grace_rig()
    r.agent("a1")
    r.chat("c1")
    r.engine.sign_in("a1", "Ada", "Lovelace", [ACME], ["IT Agent"], [])
    assert r.engine.next_deadline() == 30.0
    assert [e.chat_id for e in of_type(r.engine.advance(30.0), ChatRequeued)] == ["c1"]


def test_a_gone_agents_inbox_goes_to_the_front_of_the_chats_own_queue():
    r = grace_rig(auto_accept=False)
    r.agent("a1")
    r.agent("a2", (VIP,))
    r.chat("c0")
    r.chat("c1")
    r.engine.accept("c1", "a1")
    r.engine.transfer("c1", "a1", to_agent="a2")
    r.engine.set_connected("a2", False)
    r.engine.advance(30.0)
    assert r.engine.queue_list("a1") == ["c1", "c0"]


def test_signing_out_requeues_at_once_without_waiting_for_the_grace():
    r = grace_rig()
    r.agent("a1")
    r.chat("c1")
    events = r.engine.sign_out("a1")
    assert [e.reason for e in of_type(events, ChatRequeued)] == ["signed_out"]
    assert r.engine.next_deadline() is None


def test_a_cancelled_chat_of_a_gone_agent_closes_instead_of_waiting_again():
    r = grace_rig()
    r.agent("a1")
    r.chat("c1")
    r.engine.cancel("c1")
    r.engine.set_connected("a1", False)
    events = r.engine.advance(30.0)
    assert of_type(events, ChatClosed) == [ChatClosed(30.0, "c1", "a1", "cancelled")]
    assert of_type(events, ChatRequeued) == []
    check_invariants(r.engine)


def idle_rig() -> Rig:
    rules = QueueConfig(inactivity_warn_after=120.0, inactivity_close_after=60.0)
    return Rig(EngineConfig(queues={ACME: rules}))


def test_a_silent_user_is_warned_then_the_chat_closes_as_inactive():
    r = idle_rig()
    r.agent("a1")
    r.chat("c1")
    r.chat("c2")
    warned = r.engine.advance(120.0)
    assert warned[0] == InactivityWarned(120.0, "c1", "a1")
    assert of_type(warned, SystemMessage)[0].text.startswith("Are you still there?")
    assert r.engine.next_deadline() == 180.0
    closed = r.engine.advance(180.0)
    assert of_type(closed, ChatClosed) == [ChatClosed(180.0, "c1", "a1", "inactive")]
    assert r.engine.my_chats("a1") == ["c2"]


def test_a_user_message_resets_the_inactivity_clock():
    r = idle_rig()
    r.agent("a1")
    r.chat("c1")
    r.at(100.0)
    r.engine.post_user_message("c1", "still here")
    assert r.engine.advance(120.0) == []
    assert of_type(r.engine.advance(220.0), InactivityWarned)
    r.at(250.0)
    r.engine.post_user_message("c1", "yes")
    assert r.engine.advance(280.0) == []
    assert r.engine.next_deadline() == 370.0


def test_agent_messages_do_not_count_as_user_activity():
    r = idle_rig()
    r.agent("a1")
    r.chat("c1")
    r.at(100.0)
    r.engine.post_agent_message("c1", "a1", "hello?")
    assert of_type(r.engine.advance(120.0), InactivityWarned)


def test_inactivity_is_stale_after_a_transfer_or_a_cancel():
    r = idle_rig()
    r.agent("a1")
    r.agent("a2", (VIP,))
    r.chat("c1")
    r.chat("c2")
    r.engine.advance(120.0)
    r.at(130.0)
    r.engine.transfer("c1", "a1", to_agent="a2")
    r.engine.cancel("c2")
    assert r.engine.advance(249.0) == []
    assert r.engine.next_deadline() == 250.0


def test_a_chat_reassigned_at_the_same_instant_is_warned_once():
    r = idle_rig()
    r.agent("a1")
    r.agent("a2")
    r.chat("c1")
    r.engine.transfer("c1", "a1", to_agent="a2")
    assert len(of_type(r.engine.advance(120.0), InactivityWarned)) == 1


def test_a_late_timer_is_stamped_no_earlier_than_the_latest_event():
    r = idle_rig()
    r.agent("a1")
    r.chat("c1")
    r.engine.advance(120.0)
    r.at(200.0)
    r.chat("c2")  # waits: a1 is full
    events = r.engine.advance(250.0)
    assert of_type(events, ChatClosed)[0].at == 200.0
    assert of_type(events, ChatAssigned) == [ChatAssigned(200.0, "c2", "a1", 0.0, "auto")]


def test_next_deadline_is_the_earliest_live_one():
    rules = QueueConfig(max_wait=60.0, inactivity_warn_after=100.0)
    r = Rig(EngineConfig(auto_accept=False, queues={ACME: rules}))
    r.agent("a1")
    r.chat("c1")
    r.at(10.0)
    r.chat("c2")
    assert r.engine.next_deadline() == 60.0
    r.at(20.0)
    r.engine.accept("c1", "a1")
    assert r.engine.next_deadline() == 70.0
    r.engine.cancel("c2")
    assert r.engine.next_deadline() == 120.0


def test_a_replayed_engine_fires_the_same_timers_as_the_live_one():
    r = idle_rig()
    r.agent("a1")
    r.chat("c1")
    r.engine.advance(120.0)  # warned, not yet closed
    fresh = Engine(r.clock, r.config)
    fresh.replay(r.log)
    assert fresh.snapshot() == r.engine.snapshot()
    assert fresh.next_deadline() == r.engine.next_deadline() == 180.0
    later = [to_row(e) for e in r.engine.advance(1000.0)]
    assert [to_row(e) for e in fresh.advance(1000.0)] == later
