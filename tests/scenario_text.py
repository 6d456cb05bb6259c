"""Scenario YAML for tests that need one company, one queue, one stream and one desk of agents.

Several simulator and report tests each spelled that scenario out again with different numbers;
they build it here, so each test names only the numbers its assertions depend on. The text is
YAML as a user writes it (``start`` unquoted, durations as ``4m``), parsed by the real loader.
"""

from __future__ import annotations

from collections.abc import Sequence


def one_desk(
    name: str,
    *,
    horizon: str,
    rate: float | Sequence[float],
    handle_mean: str,
    agents: int,
    interval: str = "1h",
    start: str | None = None,
    warmup: str | None = None,
    service_level: tuple[str, float] | None = None,
    patience_mean: str | None = None,
) -> str:
    """``agents`` agents of group ``desk`` answering Acme/GENERAL; ``rate`` chats an hour, or
    a list of hourly rates (a ``profile``); optional keys are left out when None."""
    arrivals = f"rate: {rate}" if isinstance(rate, int | float) else f"profile: {list(rate)}"
    lines = [f"name: {name}"]
    lines += [f"start: {start}"] if start else []
    lines += [f"horizon: {horizon}", f"interval: {interval}"]
    lines += [f"warmup: {warmup}"] if warmup else []
    if service_level is not None:
        within, goal = service_level
        lines.append(f"service_level: {{within: {within}, goal: {goal}}}")
    lines += [
        "companies:",
        "  - name: Acme",
        "    queues: [{name: GENERAL}]",
        "streams:",
        f"  - {{company: Acme, queue: GENERAL, {arrivals}}}",
        "behaviour:",
        f"  handle_time: {{dist: exponential, mean: {handle_mean}}}",
    ]
    if patience_mean is not None:
        lines.append(f"  patience: {{dist: exponential, mean: {patience_mean}}}")
    lines += ["agents:", f"  - {{name: desk, count: {agents}, queues: [GENERAL]}}"]
    return "\n".join(lines) + "\n"
