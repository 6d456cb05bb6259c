"""The simulator's event log written as the run goes: bounded batches, one Parquet row group each.

A replication hands its events over in batches (``write``); each batch is encoded once, by the
same ``events_to_frame`` that encodes a whole log (typed columns, payload JSON only for fields
off their defaults), and appended to the file as a row group. So memory holds one batch, not
the run, and the file reads back (``reports.log.load``) as the frame ``write_parquet`` writes:
same columns, same dtypes, ``seq`` numbered on across batches, categories in order of first
appearance (Arrow unifies the row groups' dictionaries in that order).

Every dictionary column is written with 32-bit indices whatever a batch needed, so all row
groups share one schema.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING

from bridge.engine.events import Event

from .log import events_to_frame, load, log_table, table_to_frame
from .logmeta import ATTR, LogMeta

if TYPE_CHECKING:
    import pandas as pd
    import pyarrow as pa
    import pyarrow.parquet as pq

# Events per row group: a few MB of event objects and their encoding at a time (65,536 held
# some 35 MB more at the peak of a 100 h textbook run), and few enough row groups (about 330
# for a million chats) that reading the log back is no slower.
BATCH_EVENTS = 1 << 14


class LogWriter:
    """Appends batches of events to a Parquet log; use as a context manager (closes the file).

    The driver keeps the engine's sink a plain ``list.append`` and calls ``write`` with the
    list once it holds ``batch`` events (and at the end), then clears it."""

    def __init__(
        self,
        path: str | os.PathLike[str],
        meta: LogMeta | None,
        batch: int | None = None,
        *,
        keep: bool = False,
    ) -> None:
        """``keep``: also hold the encoded batches, for ``frame()`` after closing (the summary
        then reads the log without decoding the file it just wrote)."""
        self.path = Path(path)
        self.meta = meta
        self.batch = batch or BATCH_EVENTS
        self.written = 0  # events so far: the next batch's first ``seq``
        self._writer: pq.ParquetWriter | None = None
        self._schema: pa.Schema | None = None
        self._kept: list[pa.Table] | None = [] if keep else None

    def write(self, events: Sequence[Event]) -> None:
        """One row group of these events (nothing for none, except an empty file's schema)."""
        if not events and self._writer is not None:
            return
        table = log_table(events_to_frame(events, start=self.written), self.meta)
        if self._writer is None:
            import pyarrow.parquet as pq

            self._schema = _wide_dictionaries(table.schema)
            self._writer = pq.ParquetWriter(self.path, self._schema)
        table = table.cast(self._schema)
        self._writer.write_table(table)
        if self._kept is not None:
            self._kept.append(table)
        self.written += len(events)

    def frame(self) -> pd.DataFrame:
        """The whole log as ``reports.log.load`` reads the file back (``keep=True``; once)."""
        import pyarrow as pa

        if self._kept is None:
            raise ValueError("LogWriter(keep=True) keeps the batches for frame()")
        table, self._kept = pa.concat_tables(self._kept), None
        return load(table_to_frame(table).pipe(_with_meta, self.meta))

    def close(self) -> None:
        if self._writer is None:
            self.write([])  # a run without events still leaves a readable (empty) log
        assert self._writer is not None
        self._writer.close()

    def __enter__(self) -> LogWriter:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()


def _with_meta(frame: pd.DataFrame, meta: LogMeta | None) -> pd.DataFrame:
    if meta is not None:
        frame.attrs[ATTR] = meta
    return frame


def _wide_dictionaries(schema: pa.Schema) -> pa.Schema:
    """The schema with every dictionary's indices 32-bit: a batch may need wider than the first."""
    import pyarrow as pa

    fields = [
        f.with_type(pa.dictionary(pa.int32(), f.type.value_type))
        if pa.types.is_dictionary(f.type)
        else f
        for f in schema
    ]
    return pa.schema(fields, metadata=schema.metadata)
