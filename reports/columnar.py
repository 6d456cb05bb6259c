"""A bridge store's events table -> the canonical frame's raw columns, in batches.

Both stores feed ``WideColumns`` with *wide* rows: ``(seq, at, type, version, chat_id,
agent_id, *FLAT_FIELDS, rest)`` where ``rest`` is the JSON of the payload's other non-default
fields (None when there are none). On SQLite the database builds them (``json_extract`` of the
flat fields, ``json_remove`` of the flat and default-valued ones), so no row is decoded in
Python; rows of an older version, and rows from a store without those functions, go through
``wide_row`` (decode, upcast, flatten), the same rules in Python. Batches become typed columns
as they arrive: numbers as float arrays, text as dictionary codes, so the memory held is the
frame's own, not a Python object per cell.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from functools import cache
from typing import Any, NamedTuple

import numpy as np
import pandas as pd

from bridge.engine.events import EVENT_TYPES, upcast

from .schema import FLAT_FIELDS, LOG_SCHEMA

HEAD = ("seq", "at", "type", "version", "chat_id", "agent_id")
WIDE = (*HEAD, *FLAT_FIELDS, "payload")
_NUMBERS = {c for c in WIDE if LOG_SCHEMA[c] in ("int", "float", "Int64", "boolean")}
# SQL: the rows the database cannot flatten for us: an older version of their type (upcast
# first), or a type this code does not know (kept as is, every flat field it has).
_CURRENT = (
    "CASE type "
    + " ".join(f"WHEN '{name}' THEN {cls.version}" for name, cls in EVENT_TYPES.items())
    + f" ELSE {1 << 62} END"
)
PYTHON_ROWS = f"version < {_CURRENT}"
_QUEUES = FLAT_FIELDS.index("queues")


def _literal(value: Any) -> str:
    return "'" + str(value).replace("'", "''") + "'"


def _is_default(field: str, default: Any) -> str | None:
    """SQLite condition: the payload's ``field`` equals ``default`` as Python's ``==`` says
    (True == 1 == 1.0); None when no JSON value can equal it (a tuple is never a list)."""
    path = f"'$.{field}'"
    kind = f"json_type(payload, {path})"
    if default is None:
        return f"{kind} = 'null'"
    if isinstance(default, bool | int | float):
        numeric = "('true', 'false', 'integer', 'real')"
        return f"{kind} IN {numeric} AND json_extract(payload, {path}) = {float(default)!r}"
    if isinstance(default, str):
        return f"{kind} = 'text' AND json_extract(payload, {path}) = {_literal(default)}"
    return None


_FLAT_PATHS = ", ".join(f"'$.{f}'" for f in FLAT_FIELDS)


def _default_paths(name: str) -> list[str]:
    """Per field of the type with a default, the path to remove when the payload holds it."""
    paths = []
    for field, default in layout(name).defaults.items():
        if field in FLAT_FIELDS or field in HEAD:
            continue
        condition = _is_default(field, default)
        if condition is not None:
            paths.append(f"CASE WHEN {condition} THEN '$.{field}' ELSE '$.\"\"' END")
    return paths


def _rest_sql() -> str:
    """The payload without its flat fields and, per type, without fields at their default."""
    cases = []
    for name in EVENT_TYPES:
        if paths := _default_paths(name):
            cases.append(
                f"WHEN '{name}' THEN json_remove(payload, {_FLAT_PATHS}, {', '.join(paths)})"
            )
    removed = f"CASE type {' '.join(cases)} ELSE json_remove(payload, {_FLAT_PATHS}) END"
    return f"nullif({removed}, '{{}}')"


def type_sql(name: str) -> tuple[str, tuple[str, ...]]:
    """(SQL, its columns) of one known type's current rows as narrow rows: the head, the
    type's own flat fields and the rest; the same values as ``sqlite_wide_sql`` gives those
    rows, without the flat columns the type never has (most of a wide row is NULL)."""
    flat = layout(name).flat
    removed = f"json_remove(payload, {', '.join([_FLAT_PATHS, *_default_paths(name)])})"
    extracts = [f"json_extract(payload, '$.{f}')" for f in flat]
    columns = ", ".join([*HEAD, *extracts, f"nullif({removed}, '{{}}')"])
    # The complement of ``PYTHON_ROWS`` exactly (the old rows' query), so no row is read twice
    # or missed.
    sql = f"SELECT {columns} FROM events WHERE type = ? AND NOT ({PYTHON_ROWS}) ORDER BY seq"
    return sql, (*HEAD, *flat, "payload")


def fill_sqlite(columns: WideColumns, con: Any, rows: int) -> WideColumns:
    """Every current-version row of a bridge SQLite store, one query per type present (in
    batches of ``rows``); ``WideColumns.columns`` puts them back in seq order. Raises
    ``sqlite3.OperationalError`` from an SQLite without its JSON functions."""
    present = [r[0] for r in con.execute("SELECT DISTINCT type FROM events")]
    for name in (n for n in present if n in EVENT_TYPES):
        sql, names = type_sql(name)
        cursor = con.execute(sql, (name,))
        for batch in iter(lambda c=cursor: c.fetchmany(rows), []):
            columns.add(batch, names)
    return columns


def _flat_sql(field: str) -> str:
    """One flat column, extracted only for the types that have the field: a row of a type
    this code does not know is one of the ``PYTHON_ROWS``."""
    types = ", ".join(_literal(name) for name in EVENT_TYPES if field in layout(name).flat)
    return f"CASE WHEN type IN ({types}) THEN json_extract(payload, '$.{field}') END"


def sqlite_wide_sql() -> str:
    """SQLite's wide rows of every current-version event, in seq order."""
    columns = ", ".join([*HEAD, *map(_flat_sql, FLAT_FIELDS), _rest_sql()])
    return f"SELECT {columns} FROM events WHERE NOT ({PYTHON_ROWS}) ORDER BY seq"


class Layout(NamedTuple):
    """How one event class maps onto the frame: flattened fields, JSON fields and defaults."""

    header: tuple[str, ...]
    flat: tuple[str, ...]
    rest: tuple[str, ...]
    defaults: Mapping[str, Any]


@cache
def layout(type_name: str) -> Layout:
    """The type's layout; a type from a newer writer keeps every flat field we know."""
    cls = EVENT_TYPES.get(type_name)
    if cls is None:
        return Layout(("chat_id", "agent_id"), FLAT_FIELDS, (), {})
    names = [f.name for f in dataclasses.fields(cls)]
    defaults = {
        f.name: f.default for f in dataclasses.fields(cls) if f.default is not dataclasses.MISSING
    }
    return Layout(
        tuple(h for h in ("chat_id", "agent_id") if h in names),
        tuple(f for f in names if f in FLAT_FIELDS),
        tuple(f for f in names if f not in FLAT_FIELDS and f not in ("at", *HEAD)),
        defaults,
    )


def rest_json(payload: Mapping[str, Any], defaults: Mapping[str, Any], encode: Callable) -> Any:
    """JSON of the payload's non-flat, non-default fields; None when nothing is left."""
    kept = {
        k: v
        for k, v in payload.items()
        if k not in FLAT_FIELDS and (k not in defaults or v != defaults[k])
    }
    return encode(kept) if kept else None


def wide_row(row: Mapping[str, Any], encode: Callable) -> tuple[Any, ...]:
    """One stored row (``to_row`` shape) as a wide row, upcast first: the Python path."""
    current = EVENT_TYPES.get(row["type"])
    if current is not None and row.get("version", 1) < current.version:
        row = upcast(row)
    payload = row.get("payload") or {}
    shape = layout(row["type"])
    flat = [payload.get(f) if f in shape.flat else None for f in FLAT_FIELDS]
    if flat[_QUEUES] is not None:
        flat[_QUEUES] = _queues_key(flat[_QUEUES])
    head = [row["seq"], row["at"], row["type"], row.get("version", 1)]
    head += [row.get("chat_id"), row.get("agent_id")]
    return (*head, *flat, rest_json(payload, shape.defaults, encode))


def _queues_key(value: Any) -> Any:
    """The agent's queue list as the frame spells it, whichever JSON writer made the text."""
    if value is None:
        return None
    items = json.loads(value) if isinstance(value, str) else value
    return json.dumps(list(items))


class _Dictionary:
    """A text column's codes, built batch by batch (one dict lookup per distinct value)."""

    def __init__(self, normal: Callable[[Any], Any] | None = None) -> None:
        self.codes: dict[Any, int] = {}
        self.normal = normal
        self.parts: list[np.ndarray] = []

    def add(self, values: Sequence[Any]) -> None:
        codes, uniques = pd.factorize(np.asarray(values, dtype=object))
        if self.normal is not None:
            uniques = [self.normal(u) for u in uniques]
        table = self.codes
        mapped = np.array([*(table.setdefault(u, len(table)) for u in uniques), -1], np.int64)
        self.parts.append(mapped[codes])  # code -1 (null) picks the appended -1

    def add_missing(self, n: int) -> None:
        self.parts.append(np.full(n, -1, np.int64))

    def categorical(self) -> pd.Categorical:
        codes = np.concatenate(self.parts) if self.parts else np.zeros(0, np.int64)
        categories = pd.Index([str(v) for v in self.codes], dtype="str")
        return pd.Categorical.from_codes(codes, categories)


class WideColumns:
    """Typed columns of wide rows, appended batch by batch."""

    def __init__(self) -> None:
        self.numbers: dict[str, list[np.ndarray]] = {c: [] for c in WIDE if c in _NUMBERS}
        self.texts = {c: _Dictionary(_queues_key if c == "queues" else None) for c in WIDE}
        for col in (*self.numbers, "payload"):
            del self.texts[col]
        self.payload: list[np.ndarray] = []

    def add(self, batch: Sequence[tuple[Any, ...]], names: Sequence[str] = WIDE) -> None:
        """Rows whose columns are ``names`` (the head and the payload always; columns left
        out are null in every row)."""
        if not batch:
            return
        given = dict(zip(names, zip(*batch, strict=True), strict=True))
        for col in WIDE:
            values = given.get(col)
            if col == "payload":
                self.payload.append(np.array(values, dtype=object))
            elif col in self.numbers:
                kind = np.int64 if col in ("seq", "version") else float
                filled = values if values is not None else np.full(len(batch), np.nan)
                self.numbers[col].append(np.array(filled, dtype=kind))
            elif values is None:
                self.texts[col].add_missing(len(batch))
            else:
                self.texts[col].add(values)

    def columns(self) -> dict[str, Any]:
        """Raw columns for ``canonical_log``, in seq order (batches may come from two reads)."""
        out: dict[str, Any] = {
            c: np.concatenate(p) if p else np.zeros(0) for c, p in self.numbers.items()
        }
        out.update({c: d.categorical() for c, d in self.texts.items()})
        out["payload"] = np.concatenate(self.payload) if self.payload else np.zeros(0, object)
        out["seq"] = out["seq"].astype(np.int64)
        out["version"] = out["version"].astype(np.int64)
        order = np.argsort(out["seq"], kind="stable")
        if not (order == np.arange(order.size)).all():
            out = {c: v[order] for c, v in out.items()}
            out.update({c: _first_seen(out[c]) for c in self.texts})
        return out


def _first_seen(cat: pd.Categorical) -> pd.Categorical:
    """Categories in order of first appearance, as one read in seq order would give them."""
    codes = cat.codes
    seen = pd.unique(codes[codes >= 0])
    remap = np.full(len(cat.categories) + 1, -1, np.int64)
    remap[seen] = np.arange(seen.size)
    return pd.Categorical.from_codes(remap[codes], cat.categories[seen])


def fill(columns: WideColumns, batches: Iterable[Sequence[tuple[Any, ...]]]) -> WideColumns:
    for batch in batches:
        columns.add(batch)
    return columns
