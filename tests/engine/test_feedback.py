"""Read receipts, the post-chat survey and offline messages (issue 16 items 2, 5 and 6)."""

from __future__ import annotations

from bridge.engine import Engine
from bridge.engine.config import EngineConfig, QueueConfig
from bridge.engine.errors import (
    ChatNotActive,
    InvalidCommand,
    InvalidRating,
    QueueOnline,
    SurveyAlreadyAnswered,
    SurveyNotOpen,
)
from bridge.engine.events import MessagesRead, OfflineMessageLeft, SurveyAnswered
from bridge.engine.hours import BusinessHours

from .support import ACME, FakeClock, Rig, of_type, refused


def talking() -> Rig:
    r = Rig()
    r.agent("a1")
    r.chat("c1")
    r.engine.post_user_message("c1", "my printer")
    r.engine.post_agent_message("c1", "a1", "on it")
    return r


def test_each_side_records_how_far_it_read():
    r = talking()
    r.at(5.0)
    n = r.engine.chats["c1"].n
    assert r.engine.mark_read("c1", "agent", n, "a1") == [MessagesRead(5.0, "c1", "a1", "agent", n)]
    assert r.engine.mark_read("c1", "user", n) == [MessagesRead(5.0, "c1", None, "user", n)]


def test_a_receipt_that_moves_nothing_forward_is_no_event():
    r = talking()
    n = r.engine.chats["c1"].n
    r.engine.mark_read("c1", "user", n)
    assert r.engine.mark_read("c1", "user", n) == []
    assert r.engine.mark_read("c1", "user", n - 1) == []
    assert r.engine.mark_read("c1", "agent", n - 1, "a1") != []  # the other side is apart


def test_a_receipt_past_the_last_message_or_by_another_agent_is_refused():
    r = talking()
    r.agent("a2")
    n = r.engine.chats["c1"].n
    refused(r, InvalidCommand, r.engine.mark_read, "c1", "user", n + 1)
    refused(r, InvalidCommand, r.engine.mark_read, "c1", "user", 0)
    refused(r, ChatNotActive, r.engine.mark_read, "c1", "agent", n, "a2")
    refused(r, InvalidCommand, r.engine.mark_read, "c1", "bot", n)


def test_receipts_replay_into_the_same_marks():
    r = talking()
    n = r.engine.chats["c1"].n
    r.engine.mark_read("c1", "user", n)
    fresh = Engine(FakeClock())
    fresh.replay(r.log)
    assert fresh.mark_read("c1", "user", n) == []


def ended() -> Rig:
    r = talking()
    r.engine.end("c1", "a1")
    return r


def test_the_user_rates_an_ended_chat_once_for_its_agent_and_queue():
    r = ended()
    r.at(60.0)
    answered = r.engine.answer_survey("c1", 4, "quick")
    assert answered == [SurveyAnswered(60.0, "c1", "a1", ACME, 4, "quick", "user")]
    refused(r, SurveyAlreadyAnswered, r.engine.answer_survey, "c1", 5)


def test_a_survey_before_the_end_or_for_an_unhandled_chat_is_refused():
    r = talking()
    refused(r, SurveyNotOpen, r.engine.answer_survey, "c1", 5)
    r.chat("c2")  # waits: a1 holds its one slot
    r.engine.cancel("c2")
    refused(r, SurveyNotOpen, r.engine.answer_survey, "c2", 5)


def test_a_rating_outside_one_to_five_is_refused():
    r = ended()
    for bad in (0, 6, True):
        refused(r, InvalidRating, r.engine.answer_survey, "c1", bad)
    refused(r, InvalidCommand, r.engine.answer_survey, "c1", 3, "", "robot")
    assert of_type(r.log, SurveyAnswered) == []


def test_a_replayed_survey_still_counts_as_answered():
    r = ended()
    r.engine.answer_survey("c1", 2, by="virtual_agent")
    fresh = Engine(FakeClock())
    fresh.replay(r.log)
    try:
        fresh.answer_survey("c1", 5)
    except SurveyAlreadyAnswered:
        pass
    else:
        raise AssertionError("the replayed engine took a second survey")


def test_an_offline_message_needs_a_queue_without_an_agent():
    r = Rig()
    out = r.engine.leave_offline_message("m1", "Acme", None, "u1", ("WO1", "work_order"), "web")
    assert of_type(out, OfflineMessageLeft) == [
        OfflineMessageLeft(0.0, "m1", "Acme", ACME, "u1", "no_agent", "WO1", "work_order", "web")
    ]
    r.agent("a1")
    assert r.engine.offline_reason("Acme") is None
    refused(
        r, QueueOnline, r.engine.leave_offline_message, "m2", "Acme", None, "u1", ("W", "w"), "s"
    )


def test_a_closed_queue_takes_offline_messages_with_agents_signed_in():
    always_shut = BusinessHours("UTC", {}, set())
    config = EngineConfig(queues={ACME: QueueConfig(hours=always_shut)})
    r = Rig(config)
    r.agent("a1")
    assert r.engine.offline_reason("Acme") == "closed"
