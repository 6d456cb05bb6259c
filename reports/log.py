"""Event log -> canonical frame: one code path for events in memory, Parquet and the bridge's
store (its SQLite file or its PostgreSQL database, both read through ``table_frame``).

Columns are built per event type straight from attributes (no ``to_row`` dict, no JSON for the
fields the facts read). Fields left in ``payload`` skip their dataclass defaults, so a typical
simulated chat encodes no JSON at all; ``frame_to_rows`` puts the defaults back.
"""

from __future__ import annotations

import json
import os
import sqlite3
from collections.abc import Iterable, Iterator, Mapping, Sequence
from itertools import islice
from operator import attrgetter
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from bridge.engine.events import EVENT_TYPES, Event
from bridge.jsonfast import dumps
from bridge.store.factory import is_postgres, redacted
from bridge.store.rows import row_of
from bridge.store.schema import EVENT_COLUMNS

from .columnar import PYTHON_ROWS, WideColumns, fill, fill_sqlite, wide_row
from .columnar import layout as _layout
from .errors import LogNotFound, LogUnreadable
from .logmeta import ATTR, META_KEY, LogMeta, log_meta, parquet_meta
from .payloadjson import encode_payloads
from .schema import FLAT_FIELDS, LOG_SCHEMA, canonical_log, fix_empty_columns, validate

if TYPE_CHECKING:
    import pyarrow as pa

_HEADER = ("at", "chat_id", "agent_id")
_NUMERIC = {c for c, kind in LOG_SCHEMA.items() if kind in ("float", "Int64", "boolean")}
# One row group per file up to 16M events: row groups each carry their own dictionary, and
# merging a million chat ids across groups on read doubles the load time.
ROW_GROUP_ROWS = 1 << 24
_SQL = f"SELECT {', '.join(EVENT_COLUMNS)} FROM events ORDER BY seq"
_OLD_SQL = f"SELECT {', '.join(EVENT_COLUMNS)} FROM events WHERE {PYTHON_ROWS} ORDER BY seq"
# Rows fetched per round trip from either store: big enough that the fetch costs nothing next
# to the decoding, small enough that a server-side cursor never holds the log in one message.
FETCH_ROWS = 50_000


class _Columns:
    """Full-length column arrays filled type block by type block, already in seq order."""

    def __init__(self, n: int) -> None:
        self.n = n
        self.arrays: dict[str, np.ndarray] = {}
        self.type_codes = np.full(n, -1, dtype=np.int32)
        self.type_names: list[str] = []

    def add(self, idx: np.ndarray, type_name: str, cols: Mapping[str, list[Any]]) -> None:
        self.type_codes[idx] = len(self.type_names)
        self.type_names.append(type_name)
        for col, values in cols.items():
            if col not in self.arrays:
                numeric = col in _NUMERIC
                fill = np.nan if numeric else None
                self.arrays[col] = np.full(self.n, fill, dtype=float if numeric else object)
            target = self.arrays[col]
            if target.dtype == object:
                target[idx] = np.fromiter(values, dtype=object, count=len(values))
            else:
                target[idx] = np.asarray(values, dtype=float)

    def frame(self, seq: Any, version: Any) -> pd.DataFrame:
        columns: dict[str, Any] = dict(self.arrays)
        columns["type"] = pd.Categorical.from_codes(self.type_codes, self.type_names)
        columns["seq"] = seq
        columns["version"] = version
        return canonical_log(columns, self.n)


def _version(type_name: str) -> int:
    """The type's own current version; 0 for a type this code does not know (kept as is)."""
    cls = EVENT_TYPES.get(type_name)
    return cls.version if cls is not None else 0


def _versions(type_names: list[str], codes: np.ndarray) -> np.ndarray:
    """Per row, the current version of its type (codes index ``type_names``; -1 gives 0)."""
    per_type = np.array([*map(_version, type_names), 0], dtype=np.int64)
    return per_type[codes]


def _queues_json(values: list[Any]) -> list[Any]:
    return [None if v is None else json.dumps(list(v)) for v in values]


def _group(keys: Iterable[Any]) -> dict[Any, list[int]]:
    groups: dict[Any, list[int]] = {}
    for i, key in enumerate(keys):
        groups.setdefault(key, []).append(i)
    return groups


def events_to_frame(events: Iterable[Event], start: int = 0) -> pd.DataFrame:
    """Canonical frame of events in order; ``seq`` is ``start`` plus the position in ``events``
    (a batch of a streamed log numbers on from the batches before it)."""
    items = events if isinstance(events, list) else list(events)
    columns = _Columns(len(items))
    for cls, positions in _group(map(type, items)).items():
        block = list(map(items.__getitem__, positions))
        layout = _layout(cls.__name__)
        cols: dict[str, list[Any]] = {"at": list(map(attrgetter("at"), block))}
        for name in (*layout.header, *layout.flat):
            cols[name] = list(map(attrgetter(name), block))
        if "queues" in cols:
            cols["queues"] = _queues_json(cols["queues"])
        if layout.rest:
            rest = {f: list(map(attrgetter(f), block)) for f in layout.rest}
            cols["payload"] = encode_payloads(rest, layout.defaults)
        columns.add(np.asarray(positions), cls.__name__, cols)
    n = len(items)
    seq = np.arange(start, start + n)
    return columns.frame(seq, _versions(columns.type_names, columns.type_codes))


def rows_to_frame(rows: Iterable[Mapping[str, Any]]) -> pd.DataFrame:
    """Canonical frame of stored rows (``to_row`` shape), upcast first, in seq order."""
    return _wide_frame([[wide_row(r, dumps) for r in rows]])


def _wide_frame(batches: Iterable[Sequence[tuple[Any, ...]]]) -> pd.DataFrame:
    columns = fill(WideColumns(), batches).columns()
    return canonical_log(columns, len(columns["seq"]))


def _plain(value: Any) -> Any:
    if value is None or value is pd.NA or (isinstance(value, float) and np.isnan(value)):
        return None
    return value.item() if isinstance(value, np.generic) else value


def frame_to_rows(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """Stored rows (``to_row`` shape, defaults restored) of a canonical frame: the way back."""
    out = []
    for rec in frame.to_dict("records"):
        layout = _layout(rec["type"])
        payload = {k: v for k, v in layout.defaults.items() if k in layout.rest}
        names = layout.flat if rec["type"] in EVENT_TYPES else FLAT_FIELDS
        for name in names:
            value = _plain(rec[name])
            if value is not None or rec["type"] in EVENT_TYPES:
                payload[name] = json.loads(value) if name == "queues" and value else value
        if isinstance(rec["payload"], str):
            payload.update(json.loads(rec["payload"]))
        head = {k: _plain(rec[k]) for k in ("seq", "at", "type", "version", "chat_id", "agent_id")}
        out.append({**head, "payload": payload})
    return out


def write_parquet(
    events: Iterable[Event] | pd.DataFrame,
    path: str | os.PathLike[str],
    meta: LogMeta | None = None,
) -> Path:
    """The simulator's log file: the canonical frame, so ``load`` reads it back unchanged.

    ``meta`` (scenario name, start, interval, service-level target...) goes into the file's
    key-value metadata, so a report on the file measures what the run's CLI summary measured."""
    import pyarrow.parquet as pq

    frame = events if isinstance(events, pd.DataFrame) else events_to_frame(events)
    pq.write_table(log_table(frame, meta), path, row_group_size=ROW_GROUP_ROWS)
    return Path(path)


def log_table(frame: pd.DataFrame, meta: LogMeta | None = None) -> pa.Table:
    """The Arrow table of a canonical frame (checked), with the run metadata in its schema:
    what ``write_parquet`` writes whole and ``reports.logstream`` batch by batch."""
    import pyarrow as pa

    frame = validate(fix_empty_columns(frame, LOG_SCHEMA), LOG_SCHEMA, "event log")
    meta = meta if meta is not None else log_meta(frame)  # a loaded log keeps its metadata
    frame = frame.copy(deep=False)
    frame.attrs = {}  # pandas would try (and fail) to store the attrs as JSON itself
    table = pa.Table.from_pandas(frame, preserve_index=False)
    if meta is not None:
        table = table.replace_schema_metadata({**table.schema.metadata, META_KEY: meta.to_json()})
    return table


def table_frame(batches: Iterable[Sequence[tuple[Any, ...]]]) -> pd.DataFrame:
    """The canonical frame of the events table's records, batch by batch, from either store:
    decoded by the store's own ``row_of`` and upcast row by row (``wide_row``), so an SQLite
    file and a PostgreSQL database holding the same rows give the same frame."""
    return _wide_frame(_decoded(batches))


def _decoded(batches: Iterable[Sequence[tuple[Any, ...]]]) -> Iterator[list[tuple[Any, ...]]]:
    for batch in batches:
        yield [wide_row(row_of(record), dumps) for record in batch]


def _batches(cursor: Any) -> Iterator[Sequence[tuple[Any, ...]]]:
    return iter(lambda: cursor.fetchmany(FETCH_ROWS), [])


def _sqlite_frame(con: sqlite3.Connection) -> pd.DataFrame:
    """The database flattens current rows itself (``fill_sqlite``): no row is decoded in
    Python. Older rows, rare, go through the upcasters; both feed the same columns."""
    try:
        current = fill_sqlite(WideColumns(), con, FETCH_ROWS)
    except sqlite3.OperationalError as exc:  # an SQLite built without its JSON functions
        if "no such function" not in str(exc):
            raise
        return table_frame(_batches(con.execute(_SQL)))
    old = (wide_row(row_of(r), dumps) for r in con.execute(_OLD_SQL))
    columns = fill(current, _chunks(old)).columns()
    return canonical_log(columns, len(columns["seq"]))


def _chunks(rows: Iterator[tuple[Any, ...]]) -> Iterator[list[tuple[Any, ...]]]:
    while chunk := list(islice(rows, FETCH_ROWS)):
        yield chunk


def _read_sqlite(path: Path) -> pd.DataFrame:
    """Read-only, so reporting on a live bridge's WAL database never blocks or changes it."""
    try:
        con = sqlite3.connect(path.resolve().as_uri() + "?mode=ro", uri=True)
        try:
            return _sqlite_frame(con)
        finally:
            con.close()
    except (sqlite3.Error, ValueError, TypeError) as exc:
        raise LogUnreadable(f"{path}: not a readable bridge event store ({exc})") from exc


def _one_line(exc: BaseException) -> str:
    return " ".join(str(exc).split())  # libpq's messages span lines (hints on their own)


def _read_postgres(url: str) -> pd.DataFrame:
    """A live bridge's PostgreSQL log, in one read-only transaction (one snapshot, no locks
    a bridge waits for) through a server-side cursor, so the server streams it in batches."""
    try:
        import psycopg
    except ImportError as exc:
        raise LogUnreadable(
            "reading a PostgreSQL event log needs psycopg: pip install 'livechat[postgres]'"
        ) from exc
    from bridge.store import StoreRefused, pg_schema

    where = redacted(url)
    try:
        conn = psycopg.connect(url, connect_timeout=5)
    except psycopg.Error as exc:
        raise LogUnreadable(f"{where}: cannot connect ({_one_line(exc)})") from exc
    try:
        with conn:
            conn.read_only = True
            if pg_schema.version_of(conn, where) == 0:
                raise LogUnreadable(f"{where}: no livechat event log in this database")
            with conn.cursor(name="livechat_report") as cursor:
                cursor.execute(_SQL)
                return table_frame(_batches(cursor))
    except StoreRefused as exc:
        raise LogUnreadable(str(exc)) from exc
    except (psycopg.Error, ValueError, TypeError) as exc:
        message = f"{where}: not a readable bridge event store ({_one_line(exc)})"
        raise LogUnreadable(message) from exc


def source_name(source: object) -> str:
    """How a report names its log: a PostgreSQL URL without its password, else as given."""
    if isinstance(source, pd.DataFrame):
        return "a DataFrame"
    text = str(source)
    return redacted(text) if is_postgres(text) else text


def table_to_frame(table: pa.Table) -> pd.DataFrame:
    """The frame of a log's Arrow table (as read from Parquet, or as ``logstream`` wrote it):
    what ``pd.read_parquet`` gives, in about half the time, the table's buffers freed column
    by column as the frame takes them over (the table is unusable afterwards)."""
    return table.to_pandas(self_destruct=True, split_blocks=True)


def _read_parquet(path: Path) -> pd.DataFrame:
    import pyarrow.parquet as pq

    try:
        return table_to_frame(pq.read_table(path))
    except Exception as exc:  # pyarrow raises many types for damaged files
        raise LogUnreadable(f"{path}: not a readable Parquet event log ({exc})") from exc


def _upcast_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A log with rows of an older version is rebuilt through the upcasters (rare, slow)."""
    types = frame["type"].astype("category")
    current = _versions(list(types.cat.categories), types.cat.codes.to_numpy())
    if not (frame["version"].to_numpy() < current).any():
        return frame
    return rows_to_frame(frame_to_rows(frame))


def load(source: str | os.PathLike[str] | pd.DataFrame) -> pd.DataFrame:
    """The canonical log frame from a Parquet log, a bridge store (its SQLite file or a
    ``postgresql://`` URL of its database) or a frame.

    A Parquet log's run metadata rides along as ``frame.attrs["livechat"]`` (see ``logmeta``)."""
    meta = None
    if isinstance(source, pd.DataFrame):
        frame, meta = source, log_meta(source)
    elif isinstance(source, str) and is_postgres(source):
        frame = _read_postgres(source)
    else:
        path = Path(source)
        if not path.exists():
            raise LogNotFound(f"{path}: no such file")
        if not path.is_file():
            raise LogUnreadable(f"{path}: not a file")
        with path.open("rb") as fh:
            head = fh.read(16)
        if head.startswith(b"SQLite format 3"):
            frame = _read_sqlite(path)
        elif head[:4] == b"PAR1":
            frame = _read_parquet(path)
            meta = parquet_meta(path)
        else:
            raise LogUnreadable(f"{path}: neither a Parquet event log nor a SQLite event store")
    frame = validate(fix_empty_columns(frame, LOG_SCHEMA), LOG_SCHEMA, "event log")
    if not frame["seq"].is_monotonic_increasing:
        frame = frame.sort_values("seq", kind="stable", ignore_index=True)
    frame = _upcast_frame(frame)
    if meta is not None:
        frame.attrs[ATTR] = meta
    return frame
