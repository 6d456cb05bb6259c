"""Supervision: a supervisor sees, whispers, barges in, takes over and reassigns the live chats
of their own queues, and nothing of any other queue or company."""

from __future__ import annotations

import pytest

from bridge.engine import Engine
from bridge.engine import errors as err
from bridge.engine.events import (
    ChatAssigned,
    ChatOverflowed,
    ChatTransferred,
    MessagePosted,
    SupervisorJoined,
    SupervisorMonitored,
    SupervisorReassigned,
    SupervisorTookOver,
    SupervisorWhispered,
    SystemMessage,
)

from .support import ACME, PERMISSIONS, ROLES, VIP, Rig, check_invariants, of_type, refused, rig

BETA = "Beta/GENERAL"
SUPERVISOR = [*ROLES, "Supervisor"]


def supervisor(r: Rig, agent_id: str = "sue", queues: tuple[str, ...] = (ACME,)) -> None:
    r.engine.sign_in(agent_id, "Sue", "Storm", list(queues), SUPERVISOR, PERMISSIONS)


def held_rig() -> Rig:
    """a1 holds c1 (Acme/GENERAL); Sue supervises Acme/GENERAL; manual accept."""
    r = rig(auto_accept=False)
    r.agent("a1")
    supervisor(r)
    r.chat("c1")
    r.engine.accept("c1", "a1")
    return r


def replayed(r: Rig) -> Engine:
    fresh = Engine(r.clock, r.config)
    fresh.replay(r.log)
    return fresh


def test_a_supervisor_sees_every_live_chat_of_their_queues_waiting_and_held():
    r = held_rig()
    r.chat("c2")
    r.chat("c3", company="Beta")
    assert [c.id for c in r.engine.supervised("sue")] == ["c2", "c1"]
    counts = r.engine.supervision_counts("sue")
    assert counts["queues"] == {ACME: {"waiting": 1, "assigned": 1}}
    assert counts["agents"]["a1"]["chats"] == 1
    assert r.engine.sees("sue", "c1") and not r.engine.sees("sue", "c3")


def test_a_chat_sent_to_a_named_agent_stays_visible_to_its_queues_supervisor_only():
    r = held_rig()
    r.agent("a2")
    r.agent("a3")
    r.engine.transfer("c1", "a1", to_agent="a2")
    assert r.engine.sees("sue", "c1")
    assert not r.engine.sees("a3", "c1"), "a plain agent of the queue does not see it"
    assert "c1" in [c.id for c in r.engine.supervised("sue")]


def test_an_agent_without_the_role_is_no_supervisor_and_the_role_name_is_configurable():
    r = held_rig()
    refused(r, err.NotSupervisor, r.engine.supervised, "a1")
    refused(r, err.NotSupervisor, r.engine.whisper, "c1", "a1", "hi")
    r.engine.set_supervisor_role("Team Lead")
    refused(r, err.NotSupervisor, r.engine.supervised, "sue")
    r.engine.sign_in("tl", "Tia", "Lead", [ACME], [*ROLES, "Team Lead"], PERMISSIONS)
    assert [c.id for c in r.engine.supervised("tl")] == ["c1"]


def test_a_supervisor_without_the_live_chat_permission_supervises_nothing():
    r = held_rig()
    r.engine.sign_in("sam", "Sam", "S", [ACME], ["Supervisor"], [])
    refused(r, err.NotPermitted, r.engine.supervised, "sam")
    refused(r, err.NotPermitted, r.engine.take_over, "c1", "sam")


def test_a_whisper_is_numbered_for_the_holder_and_recorded():
    r = held_rig()
    r.at(4.0)
    events = r.engine.whisper("c1", "sue", "ask for the asset tag")
    assert events == [SupervisorWhispered(4.0, "c1", 2, "sue", "a1", "ask for the asset tag")]
    assert r.engine.chats["c1"].n == 2
    assert replayed(r).snapshot() == r.engine.snapshot()


def test_monitoring_is_recorded_and_changes_nothing_else():
    r = held_rig()
    before = r.engine.snapshot()
    assert r.engine.monitor("c1", "sue") == [SupervisorMonitored(0.0, "c1", "sue")]
    assert r.engine.snapshot() == before


def test_barge_in_tells_the_user_and_lets_the_supervisor_write():
    r = held_rig()
    refused(r, err.NotJoined, r.engine.post_supervisor_message, "c1", "sue", "hello")
    joined, said = r.engine.barge_in("c1", "sue")
    assert joined == SupervisorJoined(0.0, "c1", "sue", "a1")
    assert (said.kind, said.audience, said.text) == (
        "supervisor_joined",
        "all",
        "Sue Storm (supervisor) joined the chat.",
    )
    refused(r, err.AlreadyJoined, r.engine.barge_in, "c1", "sue")
    (posted,) = r.engine.post_supervisor_message("c1", "sue", "I am here too")
    assert (posted.sender, posted.agent_id, posted.text) == ("agent", "sue", "I am here too")
    assert r.engine.chats["c1"].agent_id == "a1", "barging in moves nothing"
    fresh = replayed(r)
    assert fresh.snapshot() == r.engine.snapshot()
    with pytest.raises(err.AlreadyJoined):
        fresh.barge_in("c1", "sue")  # the joined fact was replayed too


def test_after_the_chat_changes_hands_the_supervisor_must_barge_in_again():
    r = held_rig()
    r.agent("a2")
    r.engine.barge_in("c1", "sue")
    r.engine.transfer("c1", "a1", to_agent="a2")
    r.engine.accept("c1", "a2")
    refused(r, err.NotJoined, r.engine.post_supervisor_message, "c1", "sue", "still here")
    assert of_type(r.engine.barge_in("c1", "sue"), SupervisorJoined)


def test_take_over_moves_a_held_chat_to_the_supervisor():
    r = held_rig()
    r.at(9.0)
    events = r.engine.take_over("c1", "sue")
    assert events[0] == SupervisorTookOver(9.0, "c1", "sue", "a1")
    (moved,) = of_type(events, ChatTransferred)
    assert (moved.agent_id, moved.to_agent) == ("a1", "sue")
    (assigned,) = of_type(events, ChatAssigned)
    assert (assigned.agent_id, assigned.how, assigned.waited) == ("sue", "takeover", 0.0)
    assert r.engine.chats["c1"].agent_id == "sue"
    assert r.engine.my_chats("a1") == [] and r.engine.my_chats("sue") == ["c1"]
    check_invariants(r.engine)
    assert replayed(r).snapshot() == r.engine.snapshot()


def test_take_over_of_a_waiting_chat_assigns_it_straight_from_the_queue():
    r = held_rig()
    r.chat("c2")
    events = r.engine.take_over("c2", "sue")
    assert [type(e) for e in events[:2]] == [SupervisorTookOver, ChatAssigned]
    assert r.engine.chats["c2"].agent_id == "sue"
    check_invariants(r.engine)


def test_reassign_a_held_chat_to_another_agent_or_queue():
    r = held_rig()
    r.agent("a2")
    events = r.engine.reassign("c1", "sue", to_agent="a2", note="network")
    assert events[0] == SupervisorReassigned(0.0, "c1", "sue", "a1", "a2", None, "network")
    assert r.engine.chats["c1"].target_agent == "a2"
    r.engine.accept("c1", "a2")
    r.engine.reassign("c1", "sue", to_queue="VIP")
    assert r.engine.chats["c1"].queue == VIP and r.engine.chats["c1"].agent_id is None
    assert not r.engine.sees("sue", "c1"), "moved out of Sue's queues: out of her reach"
    check_invariants(r.engine)
    assert replayed(r).snapshot() == r.engine.snapshot()


def test_reassign_a_waiting_chat_to_a_queue_or_straight_to_an_agent():
    r = held_rig()
    r.agent("a2")
    r.chat("c2")
    events = r.engine.reassign("c2", "sue", to_queue="Acme/VIP")
    (moved,) = of_type(events, ChatOverflowed)
    assert (moved.from_queue, moved.to_queue, moved.reason) == (ACME, VIP, "reassigned")
    r.chat("c3")
    r.engine.reassign("c3", "sue", to_agent="a2")
    assert r.engine.chats["c3"].agent_id == "a2"
    check_invariants(r.engine)


def test_a_supervisor_never_reaches_another_queue_or_company():
    r = held_rig()
    r.chat("c9", company="Beta")
    r.agent("b1", (BETA,))
    for call, args in [
        (r.engine.monitor, ("c9", "sue")),
        (r.engine.whisper, ("c9", "sue", "psst")),
        (r.engine.barge_in, ("c9", "sue")),
        (r.engine.take_over, ("c9", "sue")),
        (r.engine.reassign, ("c9", "sue")),
    ]:
        refused(r, err.OutOfReach, call, *args)
    # Nor moves an own chat to another company's queue or agent.
    refused(r, err.OutOfReach, r.engine.reassign, "c1", "sue", to_queue=BETA)
    refused(r, err.OutOfReach, r.engine.reassign, "c1", "sue", to_agent="b1")
    assert [c.id for c in r.engine.supervised("sue")] == ["c1"]


def test_refusals_change_nothing():
    r = held_rig()
    r.chat("c2")
    r.agent("away")
    r.engine.set_availability("away", False)
    refused(r, err.UnknownChat, r.engine.take_over, "nope", "sue")
    refused(r, err.ChatNotActive, r.engine.whisper, "c2", "sue", "nobody holds it")
    refused(r, err.InvalidCommand, r.engine.whisper, "c1", "sue", "  ")
    refused(r, err.InvalidCommand, r.engine.reassign, "c1", "sue")
    refused(r, err.InvalidCommand, r.engine.reassign, "c1", "sue", to_agent="a1")
    refused(r, err.InvalidCommand, r.engine.reassign, "c2", "sue", to_queue="GENERAL")
    refused(r, err.AgentUnavailable, r.engine.reassign, "c1", "sue", to_agent="away")
    refused(r, err.UnknownAgent, r.engine.reassign, "c1", "sue", to_agent="ghost")
    r.engine.take_over("c1", "sue")
    refused(r, err.InvalidCommand, r.engine.take_over, "c1", "sue")
    refused(r, err.InvalidCommand, r.engine.whisper, "c1", "sue", "to myself")
    r.engine.end("c1", "sue")
    refused(r, err.ChatClosed, r.engine.barge_in, "c1", "sue")


def test_a_cancelled_chat_is_not_barged_into_taken_or_moved():
    r = held_rig()
    r.agent("a2")
    r.engine.cancel("c1")
    refused(r, err.AlreadyCancelled, r.engine.barge_in, "c1", "sue")
    refused(r, err.AlreadyCancelled, r.engine.take_over, "c1", "sue")
    refused(r, err.AlreadyCancelled, r.engine.reassign, "c1", "sue", to_agent="a2")
    assert of_type(r.engine.whisper("c1", "sue", "end it"), SupervisorWhispered)


def test_supervisor_messages_are_numbered_like_any_other():
    r = held_rig()
    r.engine.barge_in("c1", "sue")
    r.engine.post_user_message("c1", "hi")
    (posted,) = r.engine.post_supervisor_message("c1", "sue", "hello")
    numbers = [e.n for e in r.log if isinstance(e, (MessagePosted, SystemMessage))]
    assert numbers == sorted(numbers) and posted.n == r.engine.chats["c1"].n
