"""Replaying the log into a fresh engine: the one check behind start, rebuild and ``replay``.

Every row is tried on its own, so one bad row is reported with its seq and reason and the
rows after it are still checked: the start refuses with the whole list (a bridge never runs on
a log it cannot read whole), and ``livechat-bridge replay`` prints the same list.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from functools import partial

from bridge.engine import Engine
from bridge.engine.events import from_row
from bridge.store import BadRow, Store
from bridge.store.errors import is_store_error

from .projection import Projection
from .runner import agent_name


@dataclass(slots=True)
class Replayed:
    rows: int = 0
    last_seq: int = 0
    types: Counter[str] = field(default_factory=Counter)
    problems: list[str] = field(default_factory=list)


def replay_log(store: Store, engine: Engine, projection: Projection | None = None) -> Replayed:
    """Apply every row of the log to ``engine`` (and ``projection``); collect the bad ones."""
    out = Replayed()
    try:
        _replay_rows(store, engine, projection, out)
    except Exception as exc:  # a damaged file, a lost server: say where reading stopped
        if not is_store_error(exc):
            raise
        out.problems.append(f"after seq {out.last_seq}: the log cannot be read ({exc})")
        return out
    if projection is not None:
        for chat_id, origin, callback_url in store.origins():
            projection.set_origin(chat_id, origin, callback_url)
    return out


def _replay_rows(
    store: Store, engine: Engine, projection: Projection | None, out: Replayed
) -> None:
    name_of = partial(agent_name, engine)
    for row in store.read_checked():
        if isinstance(row, BadRow):
            out.problems.append(f"seq {row.seq} ({row.type}): {row.reason}")
            out.rows += 1
            out.last_seq = row.seq
            continue
        try:
            engine.replay((from_row(row),))
            if projection is not None:
                projection.apply(row, name_of)
        except Exception as exc:  # report every bad row, not just the first
            out.problems.append(f"seq {row['seq']} ({row['type']}): {_reason(exc)}")
        out.rows += 1
        out.last_seq = row["seq"]
        out.types[row["type"]] += 1


def _reason(exc: Exception) -> str:
    text = str(exc)
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__
