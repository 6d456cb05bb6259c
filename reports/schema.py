"""Frame schemas: the canonical event-log frame, chat facts and agent-interval facts.

Every frame that crosses a module boundary is checked here, so a foreign Parquet file or a
hand-made frame fails with one clear message instead of a ``KeyError`` deep in a groupby.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import numpy as np
import pandas as pd
from pandas.api import types as ptypes

from .errors import SchemaMismatch

# Payload fields copied into their own log columns: everything the facts read.
FLAT_FIELDS: tuple[str, ...] = (
    "source",
    "company",
    "queue",
    "reason",
    "waited",
    "how",
    "to_agent",
    "to_queue",
    "from_queue",
    "kind",
    "ticket_id",
    "position",
    "available",
    "capacity",
    "queues",
    "connected",
)

# Column -> dtype kind. ``queues`` holds the agent's queue keys as a JSON list string;
# ``payload`` holds the remaining non-default payload fields as JSON (null when none remain).
LOG_SCHEMA: dict[str, str] = {
    "seq": "int",
    "at": "float",
    "type": "category",
    "version": "int",
    "chat_id": "category",
    "agent_id": "category",
    "source": "category",
    "company": "category",
    "queue": "category",
    "reason": "category",
    "waited": "float",
    "how": "category",
    "to_agent": "category",
    "to_queue": "category",
    "from_queue": "category",
    "kind": "category",
    "ticket_id": "category",
    "position": "Int64",
    "available": "boolean",
    "capacity": "Int64",
    "queues": "category",
    "connected": "boolean",
    "payload": "str",
}

FACTS_SCHEMA: dict[str, str] = {
    "chat_id": "category",
    "source": "category",
    "company": "category",
    "queue": "category",
    "final_queue": "category",
    "created": "float",
    "first_assigned": "float",
    "wait": "float",
    "wait_censored": "bool",
    "answered": "bool",
    "cancelled_waiting": "bool",
    "cancelled_assigned": "bool",
    "closed_no_agent": "bool",
    "closed_inactive": "bool",
    "overflowed": "int",
    "requeued": "int",
    "transfers": "int",
    "handle_time": "float",
    "handle_censored": "bool",
    "tickets": "int",
    "close_reason": "category",
    "closed_at": "float",
    "open_at_end": "bool",
    "agents": "int",
    "first_agent": "category",
    "interval": "float",
}

AGENT_FACTS_SCHEMA: dict[str, str] = {
    "agent_id": "category",
    "group": "category",
    "interval": "float",
    "logged_in_s": "float",
    "available_s": "float",
    "capacity_s": "float",
    "busy_s": "float",
    "held_s": "float",
    "any_busy_s": "float",
    "chats": "int",
    "occupancy": "float",
    "busy_share": "float",
}

_CHECKS: dict[str, Callable[[Any], bool]] = {
    "int": lambda d: ptypes.is_integer_dtype(d) and not isinstance(d, pd.Int64Dtype),
    "float": ptypes.is_float_dtype,
    "category": lambda d: isinstance(d, pd.CategoricalDtype),
    "Int64": lambda d: ptypes.is_integer_dtype(d),
    "boolean": ptypes.is_bool_dtype,
    "bool": lambda d: d == np.bool_,
    "str": ptypes.is_string_dtype,
}


def validate(frame: pd.DataFrame, schema: Mapping[str, str], name: str) -> pd.DataFrame:
    """Raise ``SchemaMismatch`` naming every missing column and wrong dtype; extra columns pass."""
    if not isinstance(frame, pd.DataFrame):
        raise SchemaMismatch(f"{name}: expected a pandas DataFrame, got {type(frame).__name__}")
    missing = [c for c in schema if c not in frame.columns]
    if missing:
        raise SchemaMismatch(f"{name}: missing columns {missing}")
    wrong = [
        f"{col} is {frame[col].dtype}, expected {kind}"
        for col, kind in schema.items()
        if not _CHECKS[kind](frame[col].dtype)
    ]
    if wrong:
        raise SchemaMismatch(f"{name}: wrong dtypes: {'; '.join(wrong)}")
    return frame


def fix_empty_columns(frame: pd.DataFrame, schema: Mapping[str, str]) -> pd.DataFrame:
    """Give all-null columns their canonical dtype: Parquet cannot keep the type of nothing."""
    broken = [
        col
        for col, kind in schema.items()
        if col in frame.columns
        and not _CHECKS[kind](frame[col].dtype)
        and not frame[col].notna().any()
    ]
    if not broken:
        return frame
    nulls = np.full(len(frame), None, object)
    return frame.assign(**{col: _cast(nulls, schema[col]) for col in broken})


def _as_float(values: Any) -> np.ndarray:
    return np.asarray(values, dtype=float)  # None becomes NaN


def _cast(values: Any, kind: str) -> Any:
    if kind == "category":
        if isinstance(values, pd.Categorical):
            cat = values
        else:  # factorize hashes the objects directly; Categorical() first converts to Arrow
            codes, uniques = pd.factorize(np.asarray(values, dtype=object))
            cat = pd.Categorical.from_codes(codes, pd.Index(uniques, dtype="str"))
        if len(cat.categories) == 0:  # typed, so Parquet reads an all-null column back as category
            cat = pd.Categorical(cat, categories=pd.Index([], dtype="str"))
        return cat
    if kind == "float":
        return _as_float(values)
    if kind == "int":
        return np.asarray(values, dtype=np.int64)
    if kind == "Int64":
        f = _as_float(values)
        return pd.arrays.IntegerArray(np.nan_to_num(f).astype(np.int64), np.isnan(f))
    if kind == "boolean":
        f = _as_float(values)
        return pd.arrays.BooleanArray(f == 1.0, np.isnan(f))
    return pd.array(values, dtype="str")


def canonical_log(columns: Mapping[str, Any], n: int) -> pd.DataFrame:
    """Build the canonical log frame from raw column arrays; absent columns become all-null.

    The one constructor behind ``events_to_frame``, SQLite loading and synthetic benchmark logs,
    so all three produce identical dtypes.
    """
    data = {}
    for col, kind in LOG_SCHEMA.items():
        values = columns.get(col)
        if values is None:
            values = np.full(n, None, object)
        data[col] = _cast(values, kind)
    return pd.DataFrame(data)
