"""Transfers with notes, per-chat sequence numbers and the system messages users see."""

from __future__ import annotations

from bridge.engine import EngineConfig, QueueConfig
from bridge.engine import errors as err
from bridge.engine.events import (
    ArticleShared,
    ChatAssigned,
    ChatTransferred,
    MessagePosted,
    NoteAdded,
    SystemMessage,
)

from .support import ACME, VIP, Rig, check_invariants, of_type, refused, rig

NUMBERED = (MessagePosted, NoteAdded, SystemMessage, ArticleShared)


def test_a_transfer_to_an_agent_carries_the_note_and_tells_the_user():
    r = rig(auto_accept=False)
    r.agent("a1")
    r.agent("a2", (VIP,))
    r.chat("c1")
    r.engine.accept("c1", "a1")
    r.at(5.0)
    events = r.engine.transfer("c1", "a1", to_agent="a2", note="printer expert")
    message, transferred = events
    assert (message.kind, message.audience, message.n) == ("transferred", "all", 2)
    assert transferred == ChatTransferred(5.0, "c1", "a1", "a2", None, "printer expert")
    assert r.engine.chats["c1"].target_agent == "a2"
    check_invariants(r.engine)


def test_a_transfer_to_a_named_agent_with_a_free_slot_is_assigned_at_once_in_auto_mode():
    r = rig()
    r.agent("a1")
    r.agent("a2", (VIP,))
    r.chat("c1")
    events = r.engine.transfer("c1", "a1", to_agent="a2")
    assert [(e.chat_id, e.agent_id) for e in of_type(events, ChatAssigned)] == [("c1", "a2")]


def test_a_transfer_to_a_queue_goes_to_another_free_agent_not_back_to_the_sender():
    r = rig()
    r.agent("a1", capacity=2)
    r.agent("a2")
    r.chat("c1")
    assert r.engine.chats["c1"].agent_id == "a1"
    events = r.engine.transfer("c1", "a1", to_queue="GENERAL", note="second opinion")
    transfer = of_type(events, ChatTransferred)[0]
    assert (transfer.to_queue, transfer.note) == (ACME, "second opinion")
    assert r.engine.chats["c1"].agent_id == "a2"
    check_invariants(r.engine)


def test_a_transfer_to_a_queue_with_nobody_else_free_returns_to_the_sender():
    """Deliberate: a queue with a waiting chat never has a free agent, the sender included."""
    r = rig()
    r.agent("a1")
    r.agent("a2")
    r.chat("c1")
    r.chat("c2")
    r.engine.transfer("c1", "a1", to_queue="GENERAL")
    assert r.engine.chats["c1"].agent_id == "a1"
    check_invariants(r.engine)


def test_a_transfer_to_a_queue_of_another_company_is_addressed_by_key():
    r = rig(auto_accept=False)
    r.agent("a1")
    r.chat("c1")
    r.engine.accept("c1", "a1")
    r.engine.transfer("c1", "a1", to_queue="Beta/GENERAL")
    assert r.engine.queues["Beta/GENERAL"].ordered() == ["c1"]
    assert r.engine.chats["c1"].transferred


def test_transfers_that_make_no_sense_are_refused():
    r = Rig(EngineConfig(strict_queues=True, queues={ACME: QueueConfig()}))
    r.agent("a1")
    r.agent("a2")
    r.chat("c1")
    transfer = r.engine.transfer
    refused(r, err.InvalidCommand, transfer, "c1", "a1", to_agent="a1")
    refused(r, err.InvalidCommand, transfer, "c1", "a1")
    refused(r, err.InvalidCommand, transfer, "c1", "a1", to_agent="a2", to_queue="GENERAL")
    refused(r, err.UnknownAgent, transfer, "c1", "a1", to_agent="ghost")
    refused(r, err.UnknownQueue, transfer, "c1", "a1", to_queue="Nowhere")
    refused(r, err.ChatNotActive, transfer, "c1", "a2", to_agent="a1")
    r.engine.set_availability("a2", False)
    refused(r, err.AgentUnavailable, transfer, "c1", "a1", to_agent="a2")


def test_a_chat_the_user_cancelled_cannot_be_transferred():
    r = rig()
    r.agent("a1")
    r.agent("a2")
    r.chat("c1")
    r.engine.cancel("c1")
    refused(r, err.AlreadyCancelled, r.engine.transfer, "c1", "a1", to_queue="GENERAL")


def numbers(r: Rig, chat_id: str) -> list[int]:
    return [e.n for e in r.log if isinstance(e, NUMBERED) and e.chat_id == chat_id]


def test_messages_notes_articles_and_system_messages_share_one_sequence_per_chat():
    r = rig()
    r.agent("a1")
    r.agent("a2", (VIP,))
    r.chat("c1")
    r.chat("other")
    r.engine.post_user_message("c1", "hello")
    r.engine.post_agent_message("c1", "a1", "hi")
    r.engine.add_note("c1", "a1", "VPN issue")
    r.engine.share_article("c1", "a1", "KB1", "VPN", "https://kb/1")
    r.engine.transfer("c1", "a1", to_agent="a2", note="VPN")
    r.engine.end("c1", "a2")
    kinds = [type(e).__name__ for e in r.log if isinstance(e, NUMBERED) and e.chat_id == "c1"]
    assert kinds == [
        "SystemMessage",  # a1 joined
        "MessagePosted",
        "MessagePosted",
        "NoteAdded",
        "ArticleShared",
        "SystemMessage",  # transferred
        "SystemMessage",  # a2 joined
        "SystemMessage",  # ended
    ]
    assert numbers(r, "c1") == list(range(1, 9))


def test_join_transfer_and_end_are_announced_to_everyone_unless_system_messages_are_off():
    r = rig()
    r.agent("a1")
    r.agent("a2")
    r.chat("c1")
    r.engine.transfer("c1", "a1", to_agent="a2")
    r.engine.end("c1", "a2")
    said = [(e.kind, e.audience) for e in of_type(r.log, SystemMessage)]
    assert said == [("joined", "all"), ("transferred", "all"), ("joined", "all"), ("ended", "all")]
    quiet = rig(system_messages=False)
    quiet.agent("a1")
    quiet.chat("c1")
    quiet.engine.post_user_message("c1", "hi")
    quiet.engine.end("c1", "a1")
    assert of_type(quiet.log, SystemMessage) == []
    assert numbers(quiet, "c1") == [1]
