"""The calibration's holds of a chat (``reports.calibrate.handle._legs``), read column-wise:
each flag as the per-chat walk of the module docstring defines it, on one chat that does it all."""

from __future__ import annotations

import numpy as np
import pandas as pd

from reports.calibrate.handle import _legs
from reports.schema import canonical_log

# (seq, type, chat, agent, queue, to_queue); chat c2 interleaved with c1 by seq.
ROWS = [
    (0, "ChatOpened", "c1", None, "A", None),
    (1, "ChatOpened", "c2", None, "A", None),
    (2, "ChatAssigned", "c1", "x", None, None),  # hold 1: arrival queue A, fresh
    (3, "ChatCancelled", "c1", "x", None, None),  # the user cancels while x holds it
    (4, "ChatTransferred", "c1", "x", None, "B"),  # ends hold 1; now queue B, second line
    (5, "ChatAssigned", "c2", "y", None, None),  # still held at the end: no leg
    (6, "ChatAssigned", "c1", "y", None, None),  # hold 2 in B
    (7, "ChatRequeued", "c1", "y", "B", None),  # ends hold 2; what follows is after a requeue
    (8, "ChatOverflowed", "c1", None, None, "C"),  # to C; an overflow keeps "after requeue"
    (9, "ChatAssigned", "c1", "z", None, None),  # dropped: another assignment comes first
    (10, "ChatAssigned", "c1", "w", None, None),  # hold 3 in C, not fresh
    (11, "ChatClosed", "c1", "w", None, None),
]


def _log() -> pd.DataFrame:
    seq, kind, chat, agent, queue, to_queue = zip(*ROWS, strict=True)
    n = len(ROWS)
    columns = {"seq": np.array(seq), "at": 10.0 * np.array(seq), "version": np.ones(n, int),
               "type": kind, "chat_id": chat, "agent_id": agent, "queue": queue,
               "to_queue": to_queue}  # fmt: skip
    return canonical_log(columns, n)


def test_each_hold_gets_its_queue_line_and_flags_and_how_it_ended():
    legs = _legs(_log())
    got = legs[["chat_id", "queue", "second", "agent_id", "cancelled", "fresh", "ended"]]
    assert got.astype(object).values.tolist() == [
        ["c1", "A", False, "x", True, True, "transferred"],
        ["c1", "B", True, "y", False, True, "requeued"],
        ["c1", "C", True, "w", False, False, "closed"],
    ]
    assert legs["duration"].tolist() == [20.0, 10.0, 10.0]
    assert not legs["clean"].any()  # cut short by the user, requeued, after a requeue


def test_a_log_without_a_finished_hold_has_no_legs():
    legs = _legs(_log().iloc[:2])
    assert legs.empty and "clean" in legs.columns
