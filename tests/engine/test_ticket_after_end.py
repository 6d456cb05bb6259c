"""Who may resolve a chat's ticket: the holder while the chat is open, the agent in whose hands
it closed once it is closed (End, Abandon, inactivity), nobody for a chat closed while waiting."""

from __future__ import annotations

from bridge.engine import errors as err
from bridge.engine.config import QueueConfig
from bridge.engine.events import TicketStatusChanged

from .support import of_type, refused, rig


def _ended_with_ticket(ticket: str = "INC1"):
    r = rig()
    r.agent("a1")
    r.chat("c1")
    r.engine.link_ticket("c1", "a1", ticket, "incident")
    r.engine.end("c1", "a1")
    return r


def test_the_agent_who_ended_the_chat_resolves_its_ticket_afterwards():
    r = _ended_with_ticket()
    r.at(30.0)
    assert r.engine.ticket_chat("c1", "a1", "INC1").state == "closed"
    events = r.engine.resolve_ticket("c1", "a1", "INC1", "Resolved", "Solved")
    assert of_type(events, TicketStatusChanged) == [
        TicketStatusChanged(30.0, "c1", "a1", "INC1", "Resolved", "Solved")
    ]
    assert r.engine.chat_view("c1").tickets == {"INC1": "Resolved"}


def test_another_agent_of_the_queue_may_not_resolve_an_ended_chats_ticket():
    r = _ended_with_ticket()
    r.agent("a2")
    refused(r, err.ChatNotActive, r.engine.resolve_ticket, "c1", "a2", "INC1", "Resolved")
    refused(r, err.ChatNotActive, r.engine.ticket_chat, "c1", "a2")


def test_an_unlinked_ticket_or_an_unknown_chat_is_not_found():
    r = _ended_with_ticket()
    refused(r, err.NotFound, r.engine.resolve_ticket, "c1", "a1", "INC2", "Resolved")
    refused(r, err.UnknownChat, r.engine.resolve_ticket, "nope", "a1", "INC1", "Resolved")


def test_the_sender_of_a_transfer_loses_the_ticket_with_the_chat():
    r = rig()
    r.agent("a1")
    r.chat("c1")
    r.engine.link_ticket("c1", "a1", "INC1", "incident")
    r.agent("a2")
    r.engine.transfer("c1", "a1", to_agent="a2", note="over to you")
    assert r.engine.chat_view("c1").agent_id == "a2"
    refused(r, err.ChatNotActive, r.engine.resolve_ticket, "c1", "a1", "INC1", "Resolved")
    r.engine.end("c1", "a2")
    refused(r, err.ChatNotActive, r.engine.resolve_ticket, "c1", "a1", "INC1", "Resolved")
    assert r.engine.resolve_ticket("c1", "a2", "INC1", "Resolved")


def test_a_chat_closed_while_waiting_has_no_agent_to_resolve_its_ticket():
    r = rig(auto_accept=False)
    r.agent("a1")
    r.chat("c1")
    r.engine.accept("c1", "a1")
    r.engine.link_ticket("c1", "a1", "INC1", "incident")
    r.engine.transfer("c1", "a1", to_queue="Acme/GENERAL", note="")
    r.engine.cancel("c1")
    assert r.engine.chat_view("c1").closed_reason == "cancelled"
    refused(r, err.ChatClosed, r.engine.resolve_ticket, "c1", "a1", "INC1", "Resolved")


def test_a_chat_closed_for_inactivity_stays_the_holders_to_resolve():
    r = rig(default_queue=QueueConfig(inactivity_warn_after=10.0, inactivity_close_after=10.0))
    r.agent("a1")
    r.chat("c1")
    r.engine.link_ticket("c1", "a1", "INC1", "incident")
    r.at(10.0)
    r.engine.advance()
    r.at(20.0)
    r.engine.advance()
    assert r.engine.chat_view("c1").closed_reason == "inactive"
    assert r.engine.resolve_ticket("c1", "a1", "INC1", "Resolved")


def test_an_agent_without_the_permission_is_refused_first():
    r = _ended_with_ticket()
    r.engine.sign_in("a1", "Ada", "Lovelace", ["Acme/GENERAL"], ["IT Agent"], [])
    refused(r, err.NotPermitted, r.engine.resolve_ticket, "c1", "a1", "INC1", "Resolved")
