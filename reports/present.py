"""Presentation helpers shared by the report and the comparison: labels, formats, HTML tables.

Times in a log are epoch seconds (bridge) or simulated seconds (simulator); both are shown in a
readable form, epoch ones in the report's time zone. A simulated log whose metadata gives its
start date is put on the clock first (``reports.options.on_clock``), so it reads as dates too;
"d0 08:15" (day, clock) is left only for simulated logs without one.
"""

from __future__ import annotations

import html
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

# Anything before 1973 is taken for simulated seconds (a simulated year is ~3e7 s).
EPOCH_FLOOR = 1e8
NO_VALUE = "\N{EN DASH}"

KPI_FORMATS: dict[str, str] = {
    "abandonment": "pct",
    "service_level": "pct",
    "transfer_rate": "pct",
    "occupancy": "pct",
    "busy_share": "pct",
    "within": "pct",
    "tickets_per_chat": "num",
    "wait_mean": "sec",
    "wait_p50": "sec",
    "wait_p90": "sec",
    "wait_p95": "sec",
    "handle_mean": "sec",
    "sl_target_s": "sec",
    "mae": "sec",
    "bias": "sec",
    "logged_in_s": "sec",
    "available_s": "sec",
    "capacity_s": "sec",
    "busy_s": "sec",
    "any_busy_s": "sec",
    "rel_diff": "pct",
}


# Column -> what a reader sees: a name with its unit. CSV and Parquet keep the column names.
KPI_LABELS: dict[str, str] = {
    "company": "Company",
    "queue": "Queue",
    "source": "Source",
    "interval": "Interval start",
    "group": "Agent group",
    "agent_id": "Agent",
    "estimator": "Estimator",
    "volume": "Chats (arrivals)",
    "served": "Answered",
    "cancelled_waiting": "Cancelled while waiting",
    "cancelled_assigned": "Cancelled after answer",
    "no_agent": "Closed: no agent (max wait)",
    "inactive": "Closed: user inactive",
    "open_at_end": "Open at end of log",
    "overflowed": "Overflowed",
    "requeued": "Requeued",
    "transferred": "Transferred",
    "sl_eligible": "SL: chats judged",
    "sl_met": "SL: answered in target",
    "abandonment": "Abandonment, %",
    "service_level": "Service level, %",
    "sl_target_s": "SL target, s",
    "wait_mean": "Mean wait, s",
    "wait_p50": "Median wait, s",
    "wait_p90": "90th pct. wait, s",
    "wait_p95": "95th pct. wait, s",
    "handle_mean": "Mean handle time, s",
    "transfer_rate": "Transfer rate, %",
    "tickets_per_chat": "Tickets per answered chat",
    "occupancy": "Occupancy, %",
    "busy_share": "Time with a chat, %",
    "logged_in_s": "Logged in, s",
    "available_s": "Available, s",
    "capacity_s": "Chat slots available, slot-s",
    "busy_s": "Chat slots busy, slot-s",
    "any_busy_s": "With a chat, s",
    "chats": "Assignments",
    "legs": "Legs (queue entries)",
    "answered": "Legs answered",
    "moved_on": "Moved on (overflow, transfer)",
    "n": "Scored",
    "no_estimate": "Told nothing",
    "unanswered": "Never answered",
    "mae": "Mean abs. error, s",
    "bias": "Bias (told - actual), s",
    "within": "Within tolerance, %",
    "kpi": "KPI",
    "value": "Value",
    "a": "A",
    "b": "B",
    "diff": "B - A",
    "rel_diff": "(B - A) / |A|, %",
}


# Name columns: left-aligned like the first column (numbers stay right-aligned).
TEXT_COLUMNS = frozenset({"company", "queue", "source", "group", "agent_id", "estimator", "kpi"})


def label(column: str) -> str:
    """The human-readable name (with unit) of a column; the column name when none is known."""
    return KPI_LABELS.get(column, column.replace("_", " "))


def is_epoch(values: pd.Series | np.ndarray) -> bool:
    finite = np.asarray(values, dtype=float)
    finite = finite[np.isfinite(finite)]
    return bool(finite.size) and float(finite.min()) >= EPOCH_FLOOR


def time_labels(values: pd.Series | np.ndarray, tz: Any = "UTC") -> list[str]:
    """'2025-03-04 08:15' for epoch seconds, 'd0 08:15' (day, clock) for simulated seconds."""
    seconds = np.asarray(values, dtype=float)
    if is_epoch(seconds):
        stamps = pd.to_datetime(seconds, unit="s", utc=True).tz_convert(tz)
        return [s.strftime("%Y-%m-%d %H:%M") for s in stamps]
    whole = np.nan_to_num(seconds).astype(np.int64)
    return [f"d{s // 86400} {s % 86400 // 3600:02d}:{s % 3600 // 60:02d}" for s in whole]


def time_axis(values: pd.Series | np.ndarray, tz: Any = "UTC") -> tuple[np.ndarray, str, float]:
    """Chart x values, axis label and the unit in seconds (for bar widths)."""
    seconds = np.asarray(values, dtype=float)
    if is_epoch(seconds):
        stamps = pd.to_datetime(seconds, unit="s", utc=True).tz_convert(tz).tz_localize(None)
        return stamps.to_numpy(), f"time ({tz})", 86400.0
    return seconds / 3600.0, "simulated hours", 3600.0


def format_value(value: object, kind: str) -> str:
    """One cell as text: kind is pct (fraction shown as %), sec, num or text."""
    if value is None or value is pd.NA or (isinstance(value, float) and np.isnan(value)):
        return NO_VALUE
    if isinstance(value, (int, float, np.number)) and not isinstance(value, bool):
        number = float(value)
        if np.isinf(number):
            return "\N{INFINITY}" if number > 0 else "-\N{INFINITY}"
        if kind == "pct":
            return f"{100 * number:.1f}%"
        if kind == "sec":
            return f"{number:,.1f}"
        if number.is_integer():
            return f"{number:,.0f}"
        return f"{number:,.3g}" if kind == "num" else str(value)
    return str(value)


def html_table(
    frame: pd.DataFrame,
    formats: Mapping[str, str] | None = None,
    flags: pd.DataFrame | None = None,
) -> str:
    """An escaped HTML table; cells where ``flags`` is True get the ``flag`` class."""
    formats = {**KPI_FORMATS, **(formats or {})}
    text = ' class="text"'
    head = "".join(
        f"<th{text * (c in TEXT_COLUMNS)}>{html.escape(label(str(c)))}</th>" for c in frame.columns
    )
    body = []
    for i, row in enumerate(frame.itertuples(index=False)):  # display rows: a table, not a log
        cells = []
        for col, value in zip(frame.columns, row, strict=True):
            flagged = flags is not None and col in flags and bool(flags[col].iloc[i])
            kind = formats.get(col, "text")
            text = col in TEXT_COLUMNS
            classes = " ".join(["flag"] * flagged + ["text"] * text)
            attr = f' class="{classes}"' if classes else ""
            cells.append(f"<td{attr}>{html.escape(format_value(value, kind))}</td>")
        body.append(f"<tr>{''.join(cells)}</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


def with_time_labels(frame: pd.DataFrame, tz: Any) -> pd.DataFrame:
    """The frame with its ``interval`` column shown as readable times."""
    if "interval" not in frame.columns:
        return frame
    return frame.assign(interval=time_labels(frame["interval"], tz))


# Outcome counts that most runs never see: a table leaves them out when zero in every row.
OPTIONAL_COUNTS = ("cancelled_assigned", "no_agent", "inactive", "open_at_end", "overflowed",
                   "requeued", "transferred", "moved_on")  # fmt: skip


def for_display(frame: pd.DataFrame, tz: Any) -> pd.DataFrame:
    """Readable times, without columns that are empty throughout (e.g. per-queue occupancy)
    and without rare outcome counts that are zero throughout (the CSV keeps every column)."""
    if len(frame):
        frame = frame.loc[:, frame.notna().any()]
        zero = [c for c in OPTIONAL_COUNTS if c in frame and not frame[c].fillna(0).any()]
        # the target is one number, said in the report's heading: not a column per row
        frame = frame.drop(columns=[*zero, *(["sl_target_s"] if "sl_target_s" in frame else [])])
    return with_time_labels(frame, tz)


def as_rows(frame: pd.DataFrame) -> pd.DataFrame:
    """A one-row KPI frame turned into ``kpi | value`` rows, each value in its own format."""
    if frame.empty:
        return pd.DataFrame({"kpi": [], "value": []})
    row = frame.iloc[0]
    values = [format_value(row[c], KPI_FORMATS.get(c, "num")) for c in frame.columns]
    return pd.DataFrame({"kpi": [label(c) for c in frame.columns], "value": values})
