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

All functions take arrays or Series and are vectorized, so they serve per-group KPIs as well.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

# Slack for float rounding: a chat assigned at exactly T after arrival is within target.
EPSILON = 1e-9


def sl_flags(
    answered: Any, wait: Any, waiting_at_end: Any, target: float
) -> tuple[np.ndarray, np.ndarray]:
    """Per chat: (counts in the denominator, answered within target).

    ``wait`` is seconds until the first assignment for answered chats, and seconds waited so far
    (or until the user left) for the others; ``waiting_at_end`` marks chats never answered and
    still open when the log ends.
    """
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
    return _ratio(np.asarray(facts["cancelled_waiting"], dtype=bool).sum(), len(facts))


def answered_waits(facts: pd.DataFrame) -> pd.Series:
    """Waits that the wait statistics (mean, percentiles) describe: answered chats only."""
    return facts.loc[facts["answered"].to_numpy(dtype=bool), "wait"]


def within_tolerance(told: Any, actual: Any, seconds: float, relative: float) -> np.ndarray:
    """An estimate is accurate if off by at most ``seconds`` OR by ``relative`` of the actual."""
    error = np.abs(np.asarray(told, dtype=float) - np.asarray(actual, dtype=float))
    return (error <= seconds + EPSILON) | (error <= relative * np.abs(np.asarray(actual)) + EPSILON)
