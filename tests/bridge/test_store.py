from __future__ import annotations

import asyncio
import sqlite3
import threading
from pathlib import Path

import pytest

from bridge.runtime.writer import GroupCommitWriter, StoreFailed
from bridge.store import EventStore, Row, SideWrite
from bridge.store.errors import classify


def row(seq: int, chat_id: str = "c1", kind: str = "NoteAdded") -> Row:
    return {
        "seq": seq,
        "at": float(seq),
        "type": kind,
        "version": 1,
        "chat_id": chat_id,
        "agent_id": None,
        "payload": {"n": seq, "text": f"t{seq}"},
    }


def test_the_events_table_has_exactly_the_shared_schema(tmp_path: Path):
    EventStore(tmp_path / "e.db").close()
    conn = sqlite3.connect(tmp_path / "e.db")
    columns = [(c[1], c[2], c[3], c[5]) for c in conn.execute("PRAGMA table_info(events)")]
    assert columns == [
        ("seq", "INTEGER", 0, 1),
        ("at", "REAL", 1, 0),
        ("type", "TEXT", 1, 0),
        ("version", "INTEGER", 1, 0),
        ("chat_id", "TEXT", 0, 0),
        ("agent_id", "TEXT", 0, 0),
        ("payload", "TEXT", 1, 0),
    ]
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_rows_read_back_by_chat_and_since(tmp_path: Path):
    store = EventStore(tmp_path / "e.db")
    store.write([row(1), row(2, "c2"), row(3)])
    assert [r["seq"] for r in store.chat_rows("c1")] == [1, 3]
    assert [r["seq"] for r in store.chat_rows("c1", since=1)] == [3]
    assert store.chat_rows("c1")[0]["payload"] == {"n": 1, "text": "t1"}
    assert [r["seq"] for r in store.rows_since(1, limit=1)] == [2]
    assert store.max_seq() == 3


def test_a_batch_of_many_rows_commits_whole_and_in_order(tmp_path: Path):
    """Rows go in as multi-row INSERTs of up to 64 rows; a batch of 150 is all there, each
    row as written (non-ASCII text, big integers, floats)."""
    store = EventStore(tmp_path / "e.db")
    rows = [row(n, f"c{n % 7}") for n in range(1, 151)]
    rows[100]["payload"] = {"text": "é ☃", "big": 2**70, "at": 1764660000.1234567}
    store.write(rows)
    assert [r["seq"] for r in store.rows_since(0, 1000)] == list(range(1, 151))
    assert store.rows_since(0, 1000) == rows
    assert [r["seq"] for r in store.chat_rows("c3")] == [n for n in range(1, 151) if n % 7 == 3]


@pytest.mark.parametrize("count", [5, 150])  # one statement alone; chunks in a transaction
def test_a_batch_with_a_bad_row_leaves_none_of_its_rows(tmp_path: Path, count: int):
    store = EventStore(tmp_path / "e.db")
    store.write([row(1)])
    batch = [row(n) for n in range(2, 2 + count)]
    batch[-1] = row(1)  # its seq is taken: the last chunk fails
    with pytest.raises(StoreFailed, match="UNIQUE constraint failed"):
        store.write(batch)
    assert store.max_seq() == 1
    store.write(batch[:-1])  # nothing of the failed batch was kept: it goes in again
    assert store.max_seq() == count


def test_a_failing_side_write_rolls_the_whole_batch_back(tmp_path: Path):
    store = EventStore(tmp_path / "e.db")
    store.write([row(1)], [EventStore.idempotency_write("s", "k", "c1", {"a": 1})])
    with pytest.raises(StoreFailed, match="UNIQUE constraint failed") as failed:
        store.write([row(2)], [EventStore.idempotency_write("s", "k", "c9", {"a": 2})])
    assert failed.value.code == "commit_conflict"
    assert isinstance(failed.value.__cause__, sqlite3.IntegrityError)
    assert store.max_seq() == 1
    assert store.idempotent_response("s", "k") == {"a": 1}


class GatedStore:
    """A store whose first write waits until the test opens the gate."""

    def __init__(self, inner: EventStore) -> None:
        self.inner, self.gate, self.entered = inner, threading.Event(), threading.Event()
        self.batches: list[int] = []

    def write(self, rows: list[Row], side: list[SideWrite] = ()) -> None:
        self.entered.set()
        self.gate.wait(5)
        self.batches.append(len(rows))
        self.inner.write(rows, side)


async def test_submissions_made_during_a_commit_share_the_next_one(tmp_path: Path):
    store = GatedStore(EventStore(tmp_path / "e.db"))
    committed: list[int] = []
    writer = GroupCommitWriter(store, lambda rows: committed.extend(r["seq"] for r in rows))
    writer.start()
    first = writer.submit([row(1)])
    assert await asyncio.to_thread(store.entered.wait, 5), "the first commit has started"
    rest = [writer.submit([row(n)]) for n in range(2, 12)]
    assert not first.done(), "nothing is acknowledged before its commit"
    store.gate.set()
    await asyncio.gather(first, *rest)
    await writer.close()
    assert store.batches == [1, 10]
    assert committed == list(range(1, 12))


async def test_a_failed_commit_fails_its_waiters_and_those_queued_behind_then_recovers(
    tmp_path: Path,
):
    store = GatedStore(EventStore(tmp_path / "e.db"))
    store.gate.set()
    failures: list[str] = []
    writer = GroupCommitWriter(
        store, lambda rows: None, on_failure=lambda e: failures.append(e.code)
    )
    writer.start()
    await writer.submit([row(1)])
    store.gate.clear()
    store.entered.clear()
    bad = writer.submit([row(1)])  # the same seq twice: the commit fails
    assert await asyncio.to_thread(store.entered.wait, 5), "the bad commit has started"
    behind = writer.submit([row(2)])  # computed from the state the bad batch left
    store.gate.set()
    for future in (bad, behind):
        with pytest.raises(StoreFailed):
            await future
    assert failures == ["commit_conflict"]
    assert writer.failed is None, "a batch's own conflict is no fault of the store"
    await writer.submit([row(2)])  # the next commit is tried, and succeeds
    await writer.close()
    assert store.inner.max_seq() == 2


@pytest.mark.parametrize(
    ("extended_code", "code"),
    [
        (13, "storage_full"),
        (5, "storage_locked"),
        (517, "storage_locked"),
        (8, "storage_read_only"),
        (1034, "storage_unavailable"),
        (1, "storage_unavailable"),
    ],
)
def test_a_commit_error_is_named_by_sqlite_s_result_code_not_its_message(extended_code, code):
    raised = sqlite3.OperationalError("cannot rollback - no transaction is active")
    raised.sqlite_errorcode = extended_code  # what SQLite set on the original failure
    assert classify(raised).code == code
