"""Patience per arrival queue, with censoring: the time a waiting user would wait at most.

A user who cancelled while waiting showed their patience (their wait). A user who got an agent,
whose chat a timer closed, or who was still waiting when the log ended only showed that their
patience was *longer* than their wait: right-censored. With a patient public most users are
served, and the mean of the observed abandon times then measures the waits, not the patience
(it is far too short); the censored fit and the Kaplan-Meier curve use every user.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from .fits import Fit, fit, kaplan_meier


@dataclass(frozen=True, slots=True)
class Patience:
    queue: str  # arrival queue key
    gave_up: int
    censored: int
    naive_mean: float | None  # the mean of observed abandon times: shown as the wrong answer
    km_times: np.ndarray
    km_survival: np.ndarray
    fit: Fit | None  # None when nobody gave up: patience cannot be measured


def patience(facts: pd.DataFrame) -> dict[str, Patience]:
    """Per arrival queue key, from the chat facts (``reports.chat_facts``)."""
    out = {}
    for queue, rows in facts.groupby("queue", observed=True, sort=True):
        wait = rows["wait"].to_numpy(dtype=float)
        gave_up = rows["cancelled_waiting"].to_numpy() & ~rows["answered"].to_numpy()
        observed, censored = wait[gave_up], wait[~gave_up & np.isfinite(wait)]
        times, survival = kaplan_meier(observed[observed > 0], censored[censored > 0])
        out[str(queue)] = Patience(
            queue=str(queue),
            gave_up=int(gave_up.sum()),
            censored=len(censored),
            naive_mean=float(observed.mean()) if len(observed) else None,
            km_times=times,
            km_survival=survival,
            fit=fit(observed, censored),
        )
    return out
