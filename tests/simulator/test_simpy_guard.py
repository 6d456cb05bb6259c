"""The driver's fast path reads SimPy internals (``Environment._now``, ``_queue``, ``_eid``;
``Timeout._value``, ``_delay``, ``_ok``), so pyproject pins SimPy's minor version and these tests
fail loudly, rather than the simulator drifting quietly, if a SimPy release changes them."""

from __future__ import annotations

from functools import partial
from itertools import count

import simpy
from simpy.events import Timeout

from simulator.driver import Callback


def test_the_internals_the_driver_reads_are_there() -> None:
    env = simpy.Environment(initial_time=5.0)
    assert env._now == env.now == 5.0
    assert isinstance(env._queue, list) and isinstance(env._eid, type(count()))
    timeout = env.timeout(2.0, value="v")
    assert timeout._value == "v" and timeout._delay == 2.0 and timeout._ok is True
    assert {"_value", "_delay", "callbacks", "env"} <= set(dir(Callback))


def test_a_callback_is_queued_and_fired_exactly_as_a_timeout_with_a_callback() -> None:
    """Ties included: the same times and the same order as ``env.timeout`` + ``callbacks``."""

    def run(fast: bool) -> list[tuple[float, str]]:
        env = simpy.Environment()
        fired: list[tuple[float, str]] = []

        def note(event: Timeout) -> None:
            fired.append((env.now, event.value))

        for i, delay in enumerate([3.0, 1.0, 3.0, 0.0, 1.0, 2.5]):
            if fast and i % 2:
                Callback(env, delay, (note,), f"e{i}")
            else:
                env.timeout(delay, value=f"e{i}").callbacks.append(note)
        env.run()
        return fired

    assert run(fast=True) == run(fast=False)
    assert [v for _, v in run(fast=True)] == ["e3", "e1", "e4", "e5", "e0", "e2"]


def test_the_engine_clock_reads_simpy_time() -> None:
    env = simpy.Environment()
    clock = partial(getattr, env, "_now")
    env.timeout(7.5).callbacks.append(lambda _: None)
    env.run()
    assert clock() == env.now == 7.5
