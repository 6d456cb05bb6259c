"""Plain-text tables for the terminal: KPI means, with ``± half-width`` when replicated."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

import pandas as pd


@dataclass(frozen=True, slots=True)
class Col:
    title: str
    name: str
    kind: str = "count"  # count, pct, seconds, text, runs
    optional: bool = False  # dropped when zero in every row


KPI_COLS = (
    Col("chats", "volume"),
    Col("served", "served"),
    Col("abandoned", "cancelled_waiting"),
    Col("aband.", "abandonment", "pct"),
    Col("wait mean", "wait_mean", "seconds"),
    Col("p50", "wait_p50", "seconds"),
    Col("p90", "wait_p90", "seconds"),
    Col("p95", "wait_p95", "seconds"),
    Col("SL", "service_level", "pct"),
    Col("occupancy", "occupancy", "pct", optional=True),
    Col("transfers", "transferred", optional=True),
    Col("tickets", "tickets", optional=True),
    Col("overflowed", "overflowed", optional=True),
    Col("no agent", "no_agent", optional=True),
    Col("requeued", "requeued", optional=True),
    Col("inactive", "inactive", optional=True),
    Col("refused", "refused", optional=True),
)
# How many replications a row rests on: counts average all of them, waits those with chats.
RUNS_COL = Col("runs with chats", "replications_with_chats", "runs")
KEY_TITLES = {"company": "company", "queue": "queue", "source": "source", "interval": "interval",
              "group": "agent group", "estimator": "estimator"}  # fmt: skip


def _missing(value: object) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def _unit(value: float, kind: str) -> tuple[float, str, int]:
    """(multiplier, suffix, decimals) for a value of this kind; its ± half-width shares it."""
    if kind == "pct":
        return 100.0, "%", 1
    if kind == "seconds":
        return (1 / 60, "m", 1) if value >= 600 else (1.0, "s", 1)
    return 1.0, "", 0 if abs(value - round(value)) < 1e-9 or value >= 100 else 1


def cell(row: pd.Series, col: Col) -> str:
    value, half = row.get(col.name), row.get(f"{col.name}_ci")
    if _missing(value):
        return "-"
    if col.kind == "text":
        return str(value)
    if col.kind == "runs":  # replications with a row for the group / replications run
        return f"{int(value)}/{int(row.get('replications', value))}"
    scale, suffix, digits = _unit(float(value), col.kind)
    text = f"{value * scale:,.{digits}f}{suffix}"
    if _missing(half):
        return text
    return f"{text} ±{half * scale:,.{max(digits, 1)}f}"


def _nonzero(frame: pd.DataFrame, col: Col) -> bool:
    values = frame.get(col.name)
    return values is not None and bool((values.fillna(0) != 0).any())


def render(
    frame: pd.DataFrame,
    cols: Sequence[Col],
    keys: Sequence[str] = (),
    label: Callable[[str, object], str] | None = None,
) -> str:
    """Aligned columns: key columns left, numbers right; optional all-zero columns dropped."""
    shown = [c for c in cols if c.name in frame.columns and (not c.optional or _nonzero(frame, c))]
    header = [KEY_TITLES.get(k, k) for k in keys] + [c.title for c in shown]
    rows = []
    for _, row in frame.iterrows():
        names = [label(k, row[k]) if label else str(row[k]) for k in keys]
        rows.append(names + [cell(row, c) for c in shown])
    widths = [max(len(h), *(len(r[i]) for r in rows)) if rows else len(h)
              for i, h in enumerate(header)]  # fmt: skip
    n_keys = len(keys)

    def line(values: Sequence[str]) -> str:
        return "  ".join(
            v.ljust(w) if i < n_keys else v.rjust(w)
            for i, (v, w) in enumerate(zip(values, widths, strict=True))
        ).rstrip()

    rule = "  ".join("-" * w for w in widths)
    return "\n".join([line(header), rule, *(line(r) for r in rows)])


def interval_label(start: datetime) -> Callable[[str, object], str]:
    """Interval starts (seconds) shown as the wall-clock time they stand for."""

    def label(key: str, value: object) -> str:
        if key == "interval":
            when = start + timedelta(seconds=float(value))  # type: ignore[arg-type]
            return when.strftime("%a %H:%M")
        return str(value)

    return label
