"""The event log schema: one row shape, a stable type name, a version, and upcasting."""

from __future__ import annotations

import json

import pytest

from bridge.engine import events as ev

SAMPLES: list[ev.Event] = [
    ev.ChatOpened(1.0, "c1", "virtual_agent", "Acme", "Acme/GENERAL", "u1", "VPN?", {"bot": 1}),
    ev.ChatOpened(
        1.0, "c2", "self_service", "Acme", "Acme/X", "u1", "", None, 2, {"de": 3}, "c1", {"de": 3}
    ),
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
    ev.AgentSignedIn(0.0, "a2", "B", "C", ["Acme/X"], ["IT Agent"], [], "Bo", True, {"de": 4}),
    ev.AgentAvailabilityChanged(0.0, "a1", True, 3),
    ev.AgentAvailabilityChanged(0.0, "a1", False, 3, "Lunch"),
    ev.AgentScreenNameSet(0.0, "a1", "Ada"),
    ev.AgentConnectionChanged(0.0, "a1", False),
    ev.AgentSignedOut(9.0, "a1"),
    ev.AgentLeaseRenewed(9.0, "a1", 99.0),
    ev.AgentLeaseExpired(99.0, "a1"),
    ev.TranscriptRequested(9.0, "c1", None, "user", "ann@example.com"),
    ev.TranscriptSent(9.5, "c1", 30, "ann@example.com", 1),
    ev.TranscriptFailed(9.5, "c1", 31, "ann@example.com", 5, "SMTPConnectError: refused"),
    ev.ScreenShareOffered(9.0, "c1", 6, "a2", "https://remote.example.com/session/c1"),
    ev.SupervisorMonitored(9.0, "c1", "s1"),
    ev.SupervisorWhispered(9.0, "c1", 5, "s1", "a2", "ask for the tag"),
    ev.SupervisorJoined(9.0, "c1", "s1", "a2"),
    ev.SupervisorTookOver(9.0, "c1", "s1", "a2"),
    ev.SupervisorReassigned(9.0, "c1", "s1", "a2", None, "Acme/VIP", "network"),
    ev.MessagesRead(9.0, "c1", "a2", "agent", 3),
    ev.SurveyAnswered(10.0, "c1", "a2", "Acme/X", 5, "thanks", "user"),
    ev.OfflineMessageLeft(11.0, "m1", "Acme", "Acme/X", "u1", "closed", "WO1", "work_order", "web"),
    ev.ChatRelaxed(60.0, "c1", 1, 2),
    ev.ChatOffered(2.0, "c1", "a1", 32.0),
    ev.OfferEnded(5.0, "c1", "a1", "declined", "Wrong skill"),
    ev.WrapUpStarted(8.0, "c1", "a2", 68.0),
    ev.WrapUpEnded(20.0, "c1", "a2", "ready"),
]


def test_the_samples_cover_every_event_type():
    assert {type(e).__name__ for e in SAMPLES} == set(ev.EVENT_TYPES)


@pytest.mark.parametrize("event", SAMPLES, ids=lambda e: type(e).__name__)
def test_every_event_survives_a_row_and_json_round_trip(event):
    row = json.loads(json.dumps(ev.to_row(event, seq=7)))
    assert (row["seq"], row["type"], row["version"]) == (7, type(event).__name__, event.version)
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


def bump_chat_cancelled(monkeypatch: pytest.MonkeyPatch) -> dict:
    """ChatCancelled at version 2 (v1 named the holding agent "by" in the payload).

    Returns a v1 row as an older bridge stored it; every other type stays at version 1.
    """
    monkeypatch.setattr(ev.ChatCancelled, "version", 2)

    def v1_by_became_agent_id(row: dict) -> dict:
        payload = dict(row["payload"])
        return {**row, "agent_id": payload.pop("by"), "payload": payload}

    monkeypatch.setitem(ev.UPCASTERS, ("ChatCancelled", 1), v1_by_became_agent_id)
    return {
        "seq": 3,
        "at": 7.0,
        "type": "ChatCancelled",
        "version": 1,
        "chat_id": "c1",
        "agent_id": None,
        "payload": {"by": "a1"},
    }


def test_each_type_writes_its_own_version(monkeypatch):
    bump_chat_cancelled(monkeypatch)
    assert ev.to_row(ev.ChatCancelled(1.0, "c1", "a1"))["version"] == 2
    assert ev.to_row(ev.ChatClosed(1.0, "c1", "a1", "ended"))["version"] == 1


def test_a_log_with_one_type_at_an_old_version_reads_every_row(monkeypatch):
    old = bump_chat_cancelled(monkeypatch)
    current = [ev.to_row(e, seq) for seq, e in ((1, SAMPLES[0]), (2, SAMPLES[2]), (4, SAMPLES[11]))]
    rows = [*current[:2], old, current[2]]
    events = [ev.from_row(json.loads(json.dumps(row))) for row in rows]
    assert events == [SAMPLES[0], SAMPLES[2], ev.ChatCancelled(7.0, "c1", "a1"), SAMPLES[11]]
    assert ev.upcast(old)["version"] == 2 and old["version"] == 1, "the stored row is untouched"
    assert [ev.upcast(r) for r in current] == current


def test_an_old_row_walks_its_types_chain_one_step_at_a_time(monkeypatch):
    monkeypatch.setattr(ev.ChatCancelled, "version", 3)
    steps = {
        ("ChatCancelled", 1): lambda row: {**row, "agent_id": row["payload"].pop("by", None)},
        ("ChatCancelled", 2): lambda row: {**row, "at": row["at"] + 0.5},
    }
    for key, step in steps.items():
        monkeypatch.setitem(ev.UPCASTERS, key, step)
    old = {"seq": 1, "at": 1.0, "type": "ChatCancelled", "version": 1, "chat_id": "c1",
           "agent_id": None, "payload": {"by": "a1"}}  # fmt: skip
    assert ev.from_row(old) == ev.ChatCancelled(1.5, "c1", "a1")
    middle = {**old, "version": 2, "agent_id": "a2", "payload": {}}
    assert ev.from_row(middle) == ev.ChatCancelled(1.5, "c1", "a2"), "starts at its own version"


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ({"type": "ChatOpend", "version": 1}, "unknown event type 'ChatOpend'"),
        ({"type": "ChatClosed", "version": 2}, "ChatClosed version 2 is newer than this code's 1"),
        ({"type": "ChatClosed", "version": 0}, "no upcaster for ChatClosed version 0"),
    ],
)
def test_a_row_this_code_cannot_read_is_refused_with_the_reason(row, message):
    full = {"seq": 1, "at": 0.0, "chat_id": "c1", "agent_id": None, "payload": {}, **row}
    with pytest.raises(ev.UnreadableRow) as refused:
        ev.from_row(full)
    assert str(refused.value) == message


def test_every_type_has_a_whole_upcaster_chain_and_no_stray_steps():
    needed = {(name, v) for name, cls in ev.EVENT_TYPES.items() for v in range(1, cls.version)}
    assert needed <= set(ev.UPCASTERS), "a bumped type needs a step from each older version"
    assert {(n, v) for n, v in ev.UPCASTERS if v >= ev.EVENT_TYPES[n].version} == set()


def test_old_rows_of_the_routing_model_read_as_they_meant():
    """v1 ChatOpened had no priority or skills, v1 availability no reason, v2 sign-ins no skills."""
    opened = ev.to_row(ev.ChatOpened(1.0, "c1", "self_service", "Acme", "Acme/GENERAL"))
    old = {
        **opened,
        "version": 1,
        "payload": {
            k: v
            for k, v in opened["payload"].items()
            if k not in ("priority", "skills", "retrial_of", "needs")
        },
    }
    assert ev.from_row(old) == ev.ChatOpened(1.0, "c1", "self_service", "Acme", "Acme/GENERAL")
    for available, status in ((True, "Available"), (False, "Away")):
        row = ev.to_row(ev.AgentAvailabilityChanged(0.0, "a1", available, 2, status))
        payload = {k: v for k, v in row["payload"].items() if k != "status"}
        assert ev.from_row({**row, "version": 1, "payload": payload}).status == status
    signed = ev.to_row(ev.AgentSignedIn(0.0, "a1", "A", "B", [], [], [], None, True, {"x": 1}))
    payload = {k: v for k, v in signed["payload"].items() if k != "skills"}
    assert ev.from_row({**signed, "version": 2, "payload": payload}).skills is None
