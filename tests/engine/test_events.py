"""The event log schema: one row shape, a stable type name, a version, and upcasting."""

from __future__ import annotations

import json

import pytest

from bridge.engine import events as ev

SAMPLES: list[ev.Event] = [
    ev.ChatOpened(1.0, "c1", "virtual_agent", "Acme", "Acme/GENERAL", "u1", "VPN?", {"bot": 1}),
    ev.WaitEstimated(1.0, "c1", "Acme/GENERAL", 2, {"recent_history": None, "queue_state": 9.5}),
    ev.ChatAssigned(2.0, "c1", "a1", 1.0, "manual"),
    ev.MessagePosted(3.0, "c1", 1, "user", None, "hi", [{"name": "f.png"}]),
    ev.NoteAdded(3.0, "c1", 2, None, "requeued"),
    ev.SystemMessage(3.0, "c1", 3, "user_cancelled", "bye", ev.AUDIENCE_AGENTS),
    ev.ChatTransferred(4.0, "c1", "a1", None, "Acme/VIP", "note"),
    ev.ChatOverflowed(5.0, "c1", "Acme/VIP", "Acme/X", "max_wait"),
    ev.ChatRequeued(6.0, "c1", "a2", "Acme/X", "agent_gone"),
    ev.ChatCancelled(7.0, "c1", None),
    ev.InactivityWarned(7.0, "c1", "a2"),
    ev.ChatClosed(8.0, "c1", "a2", ev.CLOSE_INACTIVE),
    ev.TicketLinked(8.0, "c1", "a2", "INC1", "incident"),
    ev.TicketStatusChanged(8.0, "c1", None, "INC1", "Cancelled", "Chat abandoned"),
    ev.ArticleShared(8.0, "c1", 4, "a2", "KB1", "VPN", "https://kb/1"),
    ev.ArticlePinned(8.0, "c1", "a2", "INC1", "KB1"),
    ev.AgentSignedIn(0.0, "a1", "Ada", "L", ["Acme/GENERAL"], ["IT Agent"], ["ESChat_Agent"]),
    ev.AgentAvailabilityChanged(0.0, "a1", True, 3),
    ev.AgentScreenNameSet(0.0, "a1", "Ada"),
    ev.AgentConnectionChanged(0.0, "a1", False),
    ev.AgentSignedOut(9.0, "a1"),
]


def test_the_samples_cover_every_event_type():
    assert {type(e).__name__ for e in SAMPLES} == set(ev.EVENT_TYPES)


@pytest.mark.parametrize("event", SAMPLES, ids=lambda e: type(e).__name__)
def test_every_event_survives_a_row_and_json_round_trip(event):
    row = json.loads(json.dumps(ev.to_row(event, seq=7)))
    assert (row["seq"], row["type"], row["version"]) == (7, type(event).__name__, 1)
    assert set(row) == {"seq", "at", "type", "version", "chat_id", "agent_id", "payload"}
    assert ev.from_row(row) == event


def test_agent_events_have_no_chat_id_and_chat_events_carry_their_agent():
    assert ev.to_row(ev.AgentSignedOut(1.0, "a1"))["chat_id"] is None
    row = ev.to_row(ev.ChatAssigned(1.0, "c1", "a1", 0.0))
    assert (row["chat_id"], row["agent_id"], row["payload"]) == (
        "c1",
        "a1",
        {"waited": 0.0, "how": "auto"},
    )


def test_an_old_row_is_upcast_step_by_step_before_it_is_read(monkeypatch):
    monkeypatch.setattr(ev, "SCHEMA_VERSION", 2)
    steps = {
        ("ChatCancelled", 0): lambda row: {**row, "agent_id": row.pop("by", None)},
        ("ChatCancelled", 1): lambda row: {**row, "at": row["at"] + 0.5},
    }
    for key, step in steps.items():
        monkeypatch.setitem(ev.UPCASTERS, key, step)
    old = {"seq": 1, "at": 1.0, "type": "ChatCancelled", "version": 0, "chat_id": "c1", "by": "a1"}
    upgraded = ev.upcast(old)
    assert upgraded["version"] == 2 and old["version"] == 0
    assert ev.from_row(old) == ev.ChatCancelled(1.5, "c1", "a1")
