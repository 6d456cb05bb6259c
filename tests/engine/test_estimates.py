"""Queue position, estimated wait (both estimators) and what a bot learns from availability()."""

from __future__ import annotations

import pytest

from bridge.engine import BusinessHours, EngineConfig, QueueConfig, QueueState, RecentHistory
from bridge.engine.model import Queue

from .support import ACME, Rig, rig


def history(*waits: tuple[float, float]) -> Queue:
    queue = Queue(ACME)
    queue.waits.extend(waits)
    return queue


def test_recent_history_weights_the_last_ten_acceptances_newest_heaviest():
    queue = history(*((float(i), float(i)) for i in range(-1, 11)))  # 12 acceptances
    # Only the last ten count: waits 1..10 weighted 1..10.
    assert RecentHistory().estimate(queue, 1, now=10.0) == pytest.approx(385 / 55)


def test_recent_history_ignores_acceptances_older_than_its_window():
    queue = history((0.0, 500.0), (700.0, 10.0), (800.0, 40.0))
    assert RecentHistory().estimate(queue, 1, now=1000.0) == pytest.approx((10 + 2 * 40) / 3)


def test_recent_history_falls_back_to_the_queue_state_without_recent_acceptances():
    queue = history((0.0, 500.0))
    queue.slots = 4
    assert RecentHistory().estimate(queue, 2, now=1000.0) == pytest.approx(2 * 300 / 4)


def test_queue_state_is_position_times_mean_handle_time_over_serving_slots():
    queue = Queue(ACME)
    queue.slots = 3
    for seconds in (100.0, 200.0, 600.0):
        queue.record_handle(seconds)
    assert QueueState().estimate(queue, 3, now=0.0) == pytest.approx(3 * 300 / 3)


def test_queue_state_knows_no_wait_when_nobody_serves_the_queue():
    assert QueueState().estimate(Queue(ACME), 1, now=0.0) is None


def test_queue_state_trusts_a_measured_mean_handle_time_of_zero():
    queue = Queue(ACME)
    queue.slots = 1
    queue.record_handle(0.0)
    assert QueueState().estimate(queue, 5, now=0.0) == 0.0


def test_handle_times_are_a_moving_window():
    queue = Queue(ACME, handle_history=2)
    for seconds in (1000.0, 10.0, 30.0):
        queue.record_handle(seconds)
    assert queue.mean_handle() == pytest.approx(20.0)


def test_requeued_chats_wait_ahead_of_the_queue_and_positions_follow():
    r = rig(auto_accept=False)
    r.agent("a1")
    for n in (1, 2, 3):
        r.chat(f"c{n}")
    r.engine.accept("c2", "a1")
    r.engine.sign_out("a1")
    assert [r.engine.position(c) for c in ("c2", "c1", "c3")] == [1, 2, 3]
    assert r.engine.queue_list("a1") == ["c2", "c1", "c3"]


def test_the_user_is_told_the_first_estimators_answer_and_none_once_assigned():
    r = rig(auto_accept=False)
    r.agent("a1")  # manual capacity 10 = 10 serving slots
    r.chat("c1")
    assert r.engine.estimated_wait("c1") == pytest.approx(300 / 10)
    r.at(20.0)
    r.engine.accept("c1", "a1")
    r.chat("c2")
    assert r.engine.estimated_wait("c2") == pytest.approx(20.0)
    assert r.engine.estimated_wait("c1") is None
    assert r.engine.position("c1") is None


def test_availability_answers_open_agents_capacity_length_and_wait():
    r = rig()
    r.agent("a1", capacity=3)
    r.agent("a2", capacity=1)
    r.chat("c1")
    r.chat("c2")
    assert r.engine.availability("Acme") == {
        "queue": ACME,
        "open": True,
        "agents_available": 2,
        "free_capacity": 2,
        "queue_length": 0,
        "estimated_wait": 0.0,  # both chats were accepted at once
    }


def test_availability_of_a_closed_queue_says_so():
    closed = QueueConfig(hours=BusinessHours("UTC", {}))
    r = Rig(EngineConfig(queues={ACME: closed}))
    answer = r.engine.availability("Acme")
    assert answer["open"] is False
    assert answer["estimated_wait"] is None


def test_asking_about_an_unknown_queue_changes_nothing():
    r = rig()
    assert r.engine.availability("Nobody", "Nothing")["queue_length"] == 0
    assert "Nobody/Nothing" not in r.engine.queues


def test_recent_history_tells_a_waiting_chat_less_as_it_waits_then_falls_back_to_queue_state():
    r = rig()
    r.agent("a1", capacity=1)
    r.chat("c1")  # accepted at once: one wait of 0 in the history
    r.chat("c2")
    r.clock.now = 40.0
    r.engine.end("c1", "a1")  # c2 accepted after 40 s
    r.chat("c3")
    r.chat("c4")
    history = RecentHistory()
    assert r.engine.estimated_wait("c4") == pytest.approx((0 * 1 + 40 * 2) / 3)
    r.clock.now = 50.0
    assert r.engine.estimated_wait("c4") == pytest.approx((0 * 1 + 40 * 2) / 3 - 10)
    r.clock.now = 80.0  # waited past the history: the queue state answers from position
    queue = r.engine.queues[ACME]
    assert r.engine.estimated_wait("c4") == pytest.approx(
        history.fallback.estimate(queue, 2, 80.0, 40.0)  # c3 is ahead of c4
    )
