"""Issue 8 in the simulator: inactivity, agent-gone grace and business hours, all engine rules."""

from __future__ import annotations

from typing import Any

from bridge.engine.events import (
    ChatAssigned,
    ChatClosed,
    ChatOpened,
    ChatOverflowed,
    ChatRequeued,
    InactivityWarned,
)
from simulator.driver import Simulation
from simulator.work import ChatRecord, Desk

from .test_driver import closes, of, run, scenario

# Open one minute a week, on Sunday: the test runs start on Monday 2024-01-01, so closed.
CLOSED_ALL_WEEK: dict[str, Any] = {"weekly": {"sun": [["00:00", "00:01"]]}}


def inactive_queue(**queue: Any) -> list[dict[str, Any]]:
    return [{"name": "A", "queues": [
        {"name": "GENERAL", "inactivity": {"warn_after": 60, "close_after": 30}, **queue},
        {"name": "Tier2"}]}]  # fmt: skip


def test_a_silent_user_is_warned_then_closed_as_inactive_and_the_driver_lets_go():
    s = scenario(
        companies=inactive_queue(),
        behaviour={"handle_time": 200,
                   "messages": {"every": 30, "silent_probability": 1.0}},
    )  # fmt: skip
    events = run(s, [0.0])
    assert [(w.chat_id, w.at) for w in of(events, InactivityWarned)] == [("c1", 60.0)]
    assert [(c.reason, c.at) for c in of(events, ChatClosed)] == [("inactive", 90.0)]
    # the agent's own service end at t=200 found the chat closed and did nothing


def test_a_user_who_is_still_there_answers_the_warning_and_the_chat_goes_on():
    s = scenario(
        companies=inactive_queue(),
        behaviour={"handle_time": 200, "messages": {"every": 100}},  # gaps beyond warn_after
    )
    events = run(s, [0.0])
    assert [w.at for w in of(events, InactivityWarned)] == [60.0, 160.0]
    assert [(c.reason, c.at) for c in of(events, ChatClosed)] == [("ended", 200.0)]


def test_users_who_keep_writing_are_never_warned():
    s = scenario(
        companies=inactive_queue(),
        behaviour={"handle_time": 200, "messages": {"every": 30}},
    )
    events = run(s, [0.0])
    assert of(events, InactivityWarned) == []
    assert [(c.reason, c.at) for c in of(events, ChatClosed)] == [("ended", 200.0)]


def test_chats_of_an_agent_gone_too_long_are_requeued_and_answered_by_another():
    s = scenario(
        horizon=7200,
        routing={"agent_gone_grace": 30},
        streams=[{"company": "A", "rate": 40}],
        behaviour={"handle_time": {"dist": "exponential", "mean": 300}},
        agents=[{"name": "g", "count": 4, "queues": ["GENERAL"], "capacity": 2,
                 "disconnects": {"per_hour": 2, "duration": 120}}],
    )  # fmt: skip
    events = run(s, seed=2)
    requeued = of(events, ChatRequeued)
    assert requeued, "with 2 drops/h of 120 s against a 30 s grace some chats must move"
    assigned = of(events, ChatAssigned)
    for r in requeued:
        later = [a for a in assigned if a.chat_id == r.chat_id and a.at >= r.at]
        assert later, f"{r.chat_id} was requeued and never answered again"
        if later[0].at == r.at:  # answered at once: by someone present, not the gone agent
            assert later[0].agent_id != r.agent_id
    assert set(closes(events)) == {e.chat_id for e in of(events, ChatOpened)}


def test_a_handoff_to_a_closed_queue_without_overflow_is_refused_and_counted():
    s = scenario(companies=[{"name": "A", "queues": [
        {"name": "GENERAL", "hours": CLOSED_ALL_WEEK}, {"name": "Tier2"}]}])  # fmt: skip
    result = Simulation(s, 1, arrivals=[(10.0, 0), (20.0, 0)]).run()
    assert result.refused == {"A/GENERAL": 2}
    assert of(result.events, ChatOpened) == []


def test_a_handoff_to_a_closed_queue_goes_to_its_overflow_queue():
    s = scenario(companies=[{"name": "A", "queues": [
        {"name": "GENERAL", "hours": CLOSED_ALL_WEEK, "closed_overflow": "Tier2"},
        {"name": "Tier2"}]}])  # fmt: skip
    events = run(s, [10.0])
    (moved,) = of(events, ChatOverflowed)
    assert (moved.from_queue, moved.to_queue, moved.reason) == ("A/GENERAL", "A/Tier2", "closed")
    assert closes(events) == {"c1": 110.0}


class Clock:
    """Stands in for SimPy: records what the desk schedules."""

    def __init__(self) -> None:
        self.scheduled: list[tuple[float, Any]] = []

    def __call__(self, delay: float, callback: Any, value: Any) -> object:
        self.scheduled.append((delay, value))
        return object()


def test_a_paused_desk_makes_no_progress_and_resumes_where_it_stopped():
    clock = Clock()
    desk = Desk("a", (1.0,), clock, lambda rec, agent: None)
    rec = ChatRecord("c1", users=None)  # type: ignore[arg-type]
    rec.work = 100.0
    desk.add(rec, 0.0)
    desk.pause(40.0, True)  # 60 left, frozen
    desk.pause(100.0, False)  # back after 60 s away
    assert rec.work == 60.0
    assert clock.scheduled[-1] == (60.0, rec)
