"""Scenario lines for wrap-up, retrials and presence (see :mod:`aftercare`), with evidence.

Kept beside :mod:`writer`, which places them: the wrap-up limit on its queue, the wrap-up time
and the retrials in each stream's behaviour, the presence shares above each agent group.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from .evidence import fit_lines, seconds

if TYPE_CHECKING:
    from .calibration import Calibration
    from .roster import Group


def queue_lines(cal: Calibration, key: str, pad: str) -> list[str]:
    """``wrap_up: LIMIT`` for a queue whose closing chats showed one."""
    limit = cal.wrap_ups.limits.get(key)
    if limit is None:
        return []
    return [f"{pad}wrap_up: {seconds(limit)}  # the limit its wrap-ups showed (until - start)"]


def behaviour_lines(cal: Calibration, key: str, flow: Callable[[dict], str]) -> list[str]:
    """``wrap_up`` (censored fit) and ``retrial`` for the streams arriving in ``key``."""
    lines: list[str] = []
    fitted = cal.wrap_ups.by_arrival.get(key)
    if fitted is not None:
        ended = ", ".join(f"{n:,} {how}" for how, n in cal.wrap_ups.counts[key].items())
        lines += [f"      # wrap-ups ended: {ended}; all but 'ready' are right-censored",
                  *(f"      # {line}" for line in fit_lines("wrap-up time", fitted)),
                  f"      wrap_up: {flow(fitted.best.scenario())}"]  # fmt: skip
    r = cal.retrials.get(key)
    if r is None or r.abandoned == 0:
        return lines
    lines.append(f"      # {r.came_back:,} of {r.abandoned:,} abandoned chats came back (retrials)")
    if r.delay is None:
        return lines
    lines += [f"      # {line}" for line in fit_lines("delay from abandon to retrial", r.delay)]
    retrial = {"probability": round(r.probability, 4), "delay": r.delay.best.scenario()}
    if r.to_queue is not None:
        retrial["to_queue"] = r.to_queue
    return [*lines, f"      retrial: {flow(retrial)}"]


def group_lines(cal: Calibration, group: Group) -> list[str]:
    """A comment with the group's signed-in time by presence state (shrinkage by reason)."""
    rows = cal.presence[(cal.presence["group"] == group.name) & (cal.presence["seconds"] > 0)]
    if rows.empty:
        return []
    shares = ", ".join(f"{s} {share:.1%}" for s, share in zip(rows["state"], rows["share"],
                                                              strict=True))  # fmt: skip
    return [f"    # signed-in time by presence state: {shares}; the counts below are agents"
            " Available, so breaks are folded into them"]  # fmt: skip
