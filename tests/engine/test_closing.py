"""How chats close: End Chat, Abandon (tickets first), and the user cancelling."""

from __future__ import annotations

from bridge.engine import errors as err
from bridge.engine.events import (
    ChatCancelled,
    ChatClosed,
    SystemMessage,
    TicketStatusChanged,
)

from .support import check_invariants, of_type, refused, rig


def test_ending_a_chat_tells_the_user_and_frees_the_slot_for_the_next_chat():
    r = rig()
    r.agent("a1")
    r.chat("c1")
    r.chat("c2")
    r.at(60.0)
    events = r.engine.end("c1", "a1")
    said, closed = events[:2]
    assert (said.kind, said.audience) == ("ended", "all")
    assert closed == ChatClosed(60.0, "c1", "a1", "ended")
    assert r.engine.chats["c2"].agent_id == "a1"
    assert list(r.engine.queues["Acme/GENERAL"].handles) == [60.0]
    check_invariants(r.engine)


def test_abandoning_cancels_the_open_tickets_before_closing():
    r = rig()
    r.agent("a1")
    r.chat("c1")
    r.engine.link_ticket("c1", "a1", "INC1", "incident")
    r.engine.link_ticket("c1", "a1", "WO1", "work_order")
    r.engine.record_ticket_status("c1", None, "WO1", "Completed")
    events = r.engine.abandon("c1", "a1")
    cancelled = of_type(events, TicketStatusChanged)
    assert [(t.ticket_id, t.status) for t in cancelled] == [("INC1", "Cancelled")]
    assert events.index(cancelled[0]) < events.index(of_type(events, ChatClosed)[0])
    assert of_type(events, ChatClosed)[0].reason == "abandoned"
    assert r.engine.chats["c1"].tickets == {"INC1": "Cancelled", "WO1": "Completed"}


def test_abandoning_a_chat_without_a_ticket_needs_confirmation():
    r = rig()
    r.agent("a1")
    r.chat("c1")
    refused(r, err.ConfirmationRequired, r.engine.abandon, "c1", "a1")
    events = r.engine.abandon("c1", "a1", confirm=True)
    assert of_type(events, ChatClosed)[0].reason == "abandoned"
    assert of_type(events, TicketStatusChanged) == []


def test_a_user_who_cancels_while_waiting_closes_the_chat():
    r = rig()
    r.chat("c1")
    r.at(9.0)
    assert r.engine.cancel("c1") == [
        ChatCancelled(9.0, "c1", None),
        ChatClosed(9.0, "c1", None, "cancelled"),
    ]
    assert len(r.engine.queues["Acme/GENERAL"]) == 0
    refused(r, err.ChatClosed, r.engine.cancel, "c1")
    refused(r, err.ChatClosed, r.engine.post_user_message, "c1", "hello?")


def test_a_user_who_cancels_an_assigned_chat_leaves_it_with_the_agent_to_end():
    r = rig()
    r.agent("a1")
    r.chat("c1")
    events = r.engine.cancel("c1")
    assert events[0] == ChatCancelled(0.0, "c1", "a1")
    said = of_type(events, SystemMessage)
    assert [(s.text, s.audience) for s in said] == [("End user has cancelled chat.", "agents")]
    assert r.engine.chats["c1"].state == "assigned"
    assert r.engine.my_chats("a1") == ["c1"]
    refused(r, err.AlreadyCancelled, r.engine.cancel, "c1")
    refused(r, err.AlreadyCancelled, r.engine.post_user_message, "c1", "wait")
    closed = of_type(r.engine.end("c1", "a1"), ChatClosed)
    assert closed == [ChatClosed(0.0, "c1", "a1", "ended")]


def test_a_closed_chat_refuses_every_further_action():
    r = rig()
    r.agent("a1")
    r.chat("c1")
    r.engine.end("c1", "a1")
    refused(r, err.ChatClosed, r.engine.end, "c1", "a1")
    refused(r, err.ChatClosed, r.engine.post_agent_message, "c1", "a1", "hi")
    refused(r, err.ChatClosed, r.engine.add_note, "c1", "a1", "hi")


def test_actions_on_a_chat_held_by_someone_else_are_refused():
    r = rig()
    r.agent("a1")
    r.agent("a2")
    r.chat("c1")
    refused(r, err.ChatNotActive, r.engine.end, "c1", "a2")
    refused(r, err.ChatNotActive, r.engine.post_agent_message, "c1", "a2", "hi")
    refused(r, err.UnknownChat, r.engine.end, "nope", "a2")


def test_tickets_are_linked_once_and_pinned_only_when_linked():
    r = rig()
    r.agent("a1")
    r.chat("c1")
    r.engine.link_ticket("c1", "a1", "INC1", "incident")
    refused(r, err.InvalidCommand, r.engine.link_ticket, "c1", "a1", "INC1", "incident")
    refused(r, err.NotFound, r.engine.pin_article, "c1", "a1", "INC9", "KB1")
    refused(r, err.NotFound, r.engine.record_ticket_status, "c1", None, "INC9", "Resolved")
    assert r.engine.pin_article("c1", "a1", "INC1", "KB1")
