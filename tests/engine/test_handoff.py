"""Handoffs from sources: where a chat lands, what it may carry, what the user is told."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from bridge.engine import BusinessHours, EngineConfig, QueueConfig
from bridge.engine import errors as err
from bridge.engine.events import ChatOpened, ChatOverflowed, WaitEstimated

from .support import ACME, Rig, check_invariants, of_type, refused, rig

BERLIN = ZoneInfo("Europe/Berlin")
FILE = [{"name": "screen.png", "url": "https://files.example/1"}]


def berlin(*args: int) -> float:
    return datetime(*args, tzinfo=BERLIN).timestamp()


def office_hours() -> BusinessHours:
    week = {day: [("08:00", "18:00")] for day in ("mon", "tue", "wed", "thu", "fri")}
    return BusinessHours("Europe/Berlin", week, {date(2024, 12, 25)})


def test_a_self_service_handoff_opens_the_chat_in_the_named_support_queue():
    r = rig()
    events = r.engine.hand_off("c1", "self_service", "Acme", "VIP", question="VPN?")
    opened = of_type(events, ChatOpened)
    assert opened == [ChatOpened(0.0, "c1", "self_service", "Acme", "Acme/VIP", None, "VPN?")]
    assert r.engine.queues["Acme/VIP"].ordered() == ["c1"]


def test_a_handoff_without_a_queue_goes_to_the_companys_general_queue():
    r = rig()
    r.engine.hand_off("c1", "virtual_agent", "Acme")
    assert r.engine.chats["c1"].queue == ACME
    assert r.engine.chats["c1"].source == "virtual_agent"


def test_a_handoff_from_an_unknown_source_is_refused():
    r = rig()
    refused(r, err.InvalidCommand, r.engine.hand_off, "c1", "email", "Acme")


def test_a_virtual_agent_handoff_with_an_attachment_is_refused_and_leaves_no_trace():
    r = rig()
    refused(r, err.AttachmentNotAllowed, r.chat, "c1", source="virtual_agent", attachments=FILE)
    assert "c1" not in r.engine.chats


def test_a_self_service_handoff_may_carry_attachments():
    r = rig()
    assert of_type(r.chat("c1", attachments=FILE), ChatOpened)


def test_a_user_message_with_an_attachment_in_a_virtual_agent_chat_is_refused():
    r = rig()
    r.chat("c1", source="virtual_agent")
    refused(r, err.AttachmentNotAllowed, r.engine.post_user_message, "c1", "see", FILE)


def test_an_agent_message_with_an_attachment_in_a_virtual_agent_chat_is_refused():
    r = rig()
    r.agent("a1")
    r.chat("c1", source="virtual_agent")
    refused(r, err.AttachmentNotAllowed, r.engine.post_agent_message, "c1", "a1", "see", FILE)


def test_messages_with_attachments_pass_in_a_self_service_chat():
    r = rig()
    r.agent("a1")
    r.chat("c1")
    user = r.engine.post_user_message("c1", "see", FILE)
    agent = r.engine.post_agent_message("c1", "a1", "thanks", FILE)
    assert user[0].attachments == FILE and agent[0].attachments == FILE


def test_a_second_handoff_with_the_same_chat_id_is_refused():
    r = rig()
    r.chat("c1")
    refused(r, err.DuplicateChat, r.chat, "c1")


def test_strict_queues_refuse_a_queue_nobody_configured():
    r = Rig(EngineConfig(strict_queues=True, queues={ACME: QueueConfig()}))
    refused(r, err.UnknownQueue, r.chat, "c1", "Nowhere")
    assert r.chat("c2")


def test_a_chat_that_has_to_wait_is_told_its_position_and_every_estimate():
    r = rig()
    r.chat("c1")
    events = r.chat("c2")
    estimate = of_type(events, WaitEstimated)
    assert [(e.position, sorted(e.estimates)) for e in estimate] == [
        (2, ["queue_state", "recent_history"])
    ]


def test_no_estimate_is_recorded_when_recording_is_off_or_the_chat_is_assigned_at_once():
    r = rig(record_estimates=False)
    assert not of_type(r.chat("c1"), WaitEstimated)
    r = rig()
    r.agent("a1")
    assert not of_type(r.chat("c1"), WaitEstimated)


def test_a_handoff_outside_business_hours_is_refused_when_there_is_no_overflow():
    r = Rig(EngineConfig(queues={ACME: QueueConfig(hours=office_hours())}))
    r.at(berlin(2024, 1, 8, 7, 59))  # a Monday, before opening
    refused(r, err.QueueClosed, r.chat, "c1")
    r.at(berlin(2024, 1, 8, 8, 0))
    assert r.chat("c1")


def test_a_handoff_on_a_holiday_goes_to_the_closed_overflow_queue():
    hours = QueueConfig(hours=office_hours(), closed_overflow="Acme/Night")
    r = Rig(EngineConfig(queues={ACME: hours}))
    r.at(berlin(2024, 12, 25, 10, 0))  # a Wednesday, but Christmas
    events = r.chat("c1")
    assert of_type(events, ChatOverflowed) == [
        ChatOverflowed(r.clock.now, "c1", ACME, "Acme/Night", "closed")
    ]
    assert r.engine.queues["Acme/Night"].ordered() == ["c1"]
    assert of_type(events, WaitEstimated)[0].queue == "Acme/Night"
    check_invariants(r.engine)


def test_a_closed_overflow_chat_goes_to_a_free_agent_of_the_overflow_queue():
    hours = QueueConfig(hours=office_hours(), closed_overflow="Acme/Night")
    r = Rig(EngineConfig(queues={ACME: hours}))
    r.agent("night", ("Acme/Night",))
    r.at(berlin(2024, 1, 13, 12, 0))  # a Saturday
    r.chat("c1")
    assert r.engine.chats["c1"].agent_id == "night"
