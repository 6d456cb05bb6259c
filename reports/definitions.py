"""The project's KPI definitions, written once: reports and the simulator both import these.

Service level within a target T (seconds):

    SL(T) = answered within T / arrivals that can be judged

* **answered within T**: the chat's *first* assignment came at most T seconds after it arrived
  (``wait <= T``, with ``EPSILON`` of slack for float rounding). Later transfers, requeues or a
  cancellation after that first assignment do not change it.
* **denominator: every arrival**, including users who cancelled while waiting (before *or* after
  T: a cancel inside the target is still a miss) and chats closed by the maximum-wait timer
  ("no agent available").
* **still waiting at the end of the log**: excluded while undecidable (waited at most T so far,
  they could still be answered in time); counted as a miss once they have waited longer than T.

Abandonment = chats the user cancelled while waiting (unassigned) / arrivals. A user who
cancels while waiting *again* after a transfer or requeue counts too (that chat is also
answered, by its first assignment).

Legs and the queue of service. A chat's KPIs above are counted once, in its arrival queue. A
**leg** is one stay in a queue: it starts when the chat enters a queue (arrival, transfer to a
queue, overflow, requeue) and ends when it is assigned, cancelled, closed, or moved to another
queue. Per *queue of service*, the service level of legs is legs assigned within T of entering
the queue / legs that can be judged (the same ``sl_flags`` rule: a leg that ended unassigned,
including one moved on by an overflow, is a miss; a leg still waiting at the end is left out
while it has waited at most T). Waits of legs are entry -> assignment, for assigned legs
(``reports.legs``).

The rule for one chat is written once in pure Python (:func:`sl_judgement`), so the bridge's
live dashboard uses it without pandas or numpy; the functions below it take arrays or Series
and are its vectorized form for the reports (a test holds the two equal on every case). This
module imports numpy only inside those functions: a bridge-only install can import it.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

# Slack for float rounding: a chat assigned at exactly T after arrival is within target.
EPSILON = 1e-9


def sl_judgement(
    answered: bool, wait: float, waiting_at_end: bool, target: float
) -> tuple[bool, bool]:
    """One chat: (counts in the service level's denominator, answered within ``target``)."""
    within = wait <= target + EPSILON
    undecided = waiting_at_end and not answered and within
    return not undecided, answered and within


def service_level_of(judgements: Iterable[tuple[bool, bool]]) -> float:
    """Share (0..1) of judgeable chats answered in target, from :func:`sl_judgement`; NaN if
    none can be judged."""
    judged = met = 0
    for counts, in_target in judgements:
        judged += counts
        met += in_target
    return _ratio(met, judged)


def sl_flags(
    answered: Any, wait: Any, waiting_at_end: Any, target: float
) -> tuple[np.ndarray, np.ndarray]:
    """Per chat: (counts in the denominator, answered within target).

    ``wait`` is seconds until the first assignment for answered chats, and seconds waited so far
    (or until the user left) for the others; ``waiting_at_end`` marks chats never answered and
    still open when the log ends.
    """
    import numpy as np

    answered = np.asarray(answered, dtype=bool)
    wait = np.asarray(wait, dtype=float)
    waiting = np.asarray(waiting_at_end, dtype=bool) & ~answered
    within = wait <= target + EPSILON
    return ~(waiting & within), answered & within


def _ratio(numerator: float, denominator: float) -> float:
    return float(numerator) / float(denominator) if denominator else float("nan")


def service_level(facts: pd.DataFrame, target: float) -> float:
    """Share (0..1) of judgeable arrivals answered within ``target`` seconds; NaN if none."""
    eligible, met = sl_flags(facts["answered"], facts["wait"], facts["open_at_end"], target)
    return _ratio(met.sum(), eligible.sum())


def abandonment(facts: pd.DataFrame) -> float:
    """Share (0..1) of arrivals the user cancelled while waiting; NaN if no arrivals."""
    import numpy as np

    return _ratio(np.asarray(facts["cancelled_waiting"], dtype=bool).sum(), len(facts))


def abandonment_of(cancelled_waiting: Iterable[bool]) -> float:
    """Share (0..1) of arrivals (one flag each) cancelled while waiting; NaN if none."""
    flags = [bool(flag) for flag in cancelled_waiting]
    return _ratio(sum(flags), len(flags))


def answered_waits(facts: pd.DataFrame) -> pd.Series:
    """Waits that the wait statistics (mean, percentiles) describe: answered chats only."""
    return facts.loc[facts["answered"].to_numpy(dtype=bool), "wait"]


def within_tolerance(told: Any, actual: Any, seconds: float, relative: float) -> np.ndarray:
    """An estimate is accurate if off by at most ``seconds`` OR by ``relative`` of the actual."""
    import numpy as np

    error = np.abs(np.asarray(told, dtype=float) - np.asarray(actual, dtype=float))
    return (error <= seconds + EPSILON) | (error <= relative * np.abs(np.asarray(actual)) + EPSILON)
