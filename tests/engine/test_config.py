"""Engine configuration: rules that could never apply are refused, overflow chains are followed."""

from __future__ import annotations

import pytest

from bridge.engine import BusinessHours, Engine, EngineConfig, QueueConfig
from bridge.engine import errors as err
from bridge.engine.events import ChatOverflowed

from .support import FakeClock

CLOSED = BusinessHours("UTC", {})  # no spans: never open
A, B, C = "Acme/A", "Acme/B", "Acme/C"


@pytest.mark.parametrize(
    ("config", "complaint"),
    [
        (EngineConfig(queues={A: QueueConfig(inactivity_close_after=60)}), "inactivity_warn_after"),
        (EngineConfig(queues={A: QueueConfig(max_wait_overflow=B)}), "needs max_wait"),
        (
            EngineConfig(
                strict_queues=True, queues={A: QueueConfig(max_wait=5, max_wait_overflow=B)}
            ),
            "is not in queues",
        ),
        (
            EngineConfig(
                strict_queues=True, queues={A: QueueConfig(hours=CLOSED, closed_overflow=B)}
            ),
            "is not in queues",
        ),
        (EngineConfig(strict_queues=True, agent_gone_queue=B, queues={A: QueueConfig()}), "B"),
    ],
)
def test_an_engine_refuses_rules_that_could_never_apply(config, complaint):
    with pytest.raises(ValueError, match=complaint):
        Engine(FakeClock(), config)


def test_a_handoff_follows_closed_overflows_to_the_first_open_queue():
    queues = {
        A: QueueConfig(hours=CLOSED, closed_overflow=B),
        B: QueueConfig(hours=CLOSED, closed_overflow=C),
        C: QueueConfig(),
    }
    engine = Engine(FakeClock(), EngineConfig(auto_accept=False, queues=queues))
    events = engine.hand_off("c1", "self_service", "Acme", "A")
    overflow = next(e for e in events if isinstance(e, ChatOverflowed))
    assert (overflow.from_queue, overflow.to_queue, overflow.reason) == (A, C, "closed")
    assert engine.chats["c1"].queue == C


def test_a_closed_overflow_loop_refuses_the_handoff_and_leaves_no_trace():
    queues = {
        A: QueueConfig(hours=CLOSED, closed_overflow=B),
        B: QueueConfig(hours=CLOSED, closed_overflow=A),
    }
    engine = Engine(FakeClock(), EngineConfig(queues=queues))
    before = engine.snapshot()
    with pytest.raises(err.QueueClosed):
        engine.hand_off("c1", "self_service", "Acme", "A")
    assert engine.snapshot() == before
