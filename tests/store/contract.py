"""The store contract: what the bridge relies on, whichever store it runs on.

Abstract tests (``StoreContract``, never collected by itself) and one subclass per store in
test_contract.py, the way the eventsourcing library tests its recorders. A subclass gives
``open_store`` (a callable opening the same store again, as a restart does) and
``write_lock`` (another session holding the store's write lock while the body runs).
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from bridge.engine.events import ChatOpened
from bridge.store import (
    CommitConflict,
    EventStore,
    StorageLocked,
    StoredAttachment,
    StoreInUse,
)

Opener = Callable[..., Any]
TABLES = ("events", "idempotency", "chat_origins", "attachments")


def row(seq: int, chat_id: str | None = "c1", kind: str = ChatOpened.__name__) -> dict[str, Any]:
    """A stored row as the store sees it (the store does not read payloads)."""
    return {
        "seq": seq,
        "at": 1000.0 + seq / 4,
        "type": kind,
        "version": 1,
        "chat_id": chat_id,
        "agent_id": None if chat_id else "alice",
        "payload": {"n": seq, "text": 'é ☃ "quoted" ?'},
    }


class StoreContract:
    @pytest.fixture
    def open_store(self) -> Opener:
        raise NotImplementedError

    @contextlib.contextmanager
    def write_lock(self, store: Any) -> Iterator[None]:
        raise NotImplementedError
        yield

    @pytest.fixture
    def store(self, open_store: Opener) -> Iterator[Any]:
        store = open_store()
        yield store
        store.close()

    def test_a_new_store_is_empty(self, store: Any) -> None:
        assert store.max_seq() == 0
        assert list(store.read_all()) == []
        assert store.counts() == {
            "events": 0,
            "idempotency": 0,
            "chat_origins": 0,
            "attachments": 0,
        }

    def test_rows_come_back_as_written_in_seq_order(self, store: Any) -> None:
        rows = [row(1), row(2, "c2"), row(3, None, "AgentSignedIn"), row(4)]
        store.write(rows[:2])
        store.write(rows[2:])
        assert list(store.read_all(batch=3)) == rows
        assert store.max_seq() == 4
        assert store.chat_rows("c1") == [rows[0], rows[3]]
        assert store.chat_rows("c1", since=1) == [rows[3]]
        assert store.rows_since(1, 2) == rows[1:3]

    def test_side_writes_commit_with_their_rows(self, store: Any) -> None:
        item = StoredAttachment("a1", "c1", "x.png", "image/png", b"\x89PNG\x00\xff")
        store.write(
            [row(1)],
            [
                EventStore.idempotency_write("bot", "k1", "c1", {"chat_id": "c1"}, "hash"),
                EventStore.origin_write("c1", "bot", "https://cb.example/x"),
                EventStore.attachment_write(item),
            ],
        )
        assert store.idempotent_answer("bot", "k1") == ({"chat_id": "c1"}, "hash")
        assert store.idempotent_response("bot", "k1") == {"chat_id": "c1"}
        assert store.idempotent_answer("bot", "other") is None
        assert list(store.origins()) == [("c1", "bot", "https://cb.example/x")]
        assert store.attachment("a1") == item
        assert store.attachment("nope") is None
        assert store.counts() == {
            "events": 1,
            "idempotency": 1,
            "chat_origins": 1,
            "attachments": 1,
        }

    def test_a_failing_side_write_leaves_nothing_of_the_commit(self, store: Any) -> None:
        store.write([row(1)], [EventStore.origin_write("c1", "bot", None)])
        with pytest.raises(CommitConflict):
            store.write(
                [row(2)],
                [
                    EventStore.idempotency_write("bot", "k2", "c1", {}, None),
                    EventStore.origin_write("c1", "bot", None),  # the same chat again
                ],
            )
        assert store.max_seq() == 1
        assert store.idempotent_answer("bot", "k2") is None
        store.write([row(2)])  # the store takes the next commit
        assert store.max_seq() == 2

    def test_a_seq_written_twice_is_a_conflict_and_changes_nothing(self, store: Any) -> None:
        store.write([row(1)])
        with pytest.raises(CommitConflict) as caught:
            store.write([row(2), row(1)])
        assert caught.value.code == "commit_conflict"
        assert [r["seq"] for r in store.read_all()] == [1]

    def test_the_outbox_keeps_pending_callbacks_until_settled(self, store: Any) -> None:
        store.write(
            [row(1), row(2)],
            [
                EventStore.outbox_write("d1", "c1", "bot", "https://a/1", b'{"a":1}'),
                EventStore.outbox_write("d2", "c1", None, "https://a/2", b"\x00\x01"),
                EventStore.outbox_write("d3", "c1", "bot", "https://a/3", b"{}"),
            ],
        )
        pending = store.pending_callbacks()
        assert [(p.delivery_id, p.body) for p in pending] == [
            ("d1", b'{"a":1}'), ("d2", b"\x00\x01"), ("d3", b"{}"),
        ]  # fmt: skip
        assert [p.delivery_id for p in store.pending_callbacks(after=pending[0].id)] == ["d2", "d3"]
        store.write((), [EventStore.outbox_settle(pending[0].id, delivered=True)])
        store.write((), [EventStore.outbox_settle(pending[1].id, delivered=False)])
        assert [p.delivery_id for p in store.pending_callbacks()] == ["d3"]
        assert store.failed_callbacks() == ["d2"]

    def test_a_reopened_store_replays_what_was_committed(self, open_store: Opener) -> None:
        first = open_store()
        first.write([row(1), row(2)], [EventStore.origin_write("c1", "web", None)])
        first.close()
        again = open_store()
        try:
            assert [r["seq"] for r in again.read_all()] == [1, 2]
            assert list(again.origins()) == [("c1", "web", None)]
            again.write([row(3)])
            assert again.max_seq() == 3
        finally:
            again.close()

    def test_a_second_writer_is_refused_while_the_first_holds_the_store(
        self, store: Any, open_store: Opener
    ) -> None:
        with pytest.raises(StoreInUse) as caught:
            open_store()
        assert caught.value.code == "store_in_use"
        store.write([row(1)])  # the first one is unharmed
        assert store.max_seq() == 1

    def test_read_only_sees_the_log_and_takes_no_lock(self, store: Any, open_store: Opener) -> None:
        store.write([row(1)])
        reader = open_store(read_only=True)
        try:
            assert [r["seq"] for r in reader.read_all()] == [1]
        finally:
            reader.close()

    def test_a_locked_store_answers_storage_locked_and_recovers(self, open_store: Opener) -> None:
        store = open_store(busy_timeout=0.2)
        try:
            with self.write_lock(store), pytest.raises(StorageLocked) as caught:
                store.write([row(1)])
            assert caught.value.code == "storage_locked"
            assert store.max_seq() == 0
            store.probe()
            store.write([row(1)])
            assert store.max_seq() == 1
        finally:
            store.close()

    # --- issue 16: canned responses and the mailer's typed read --------------------------

    def test_canned_responses_are_created_replaced_and_deleted_with_a_commit(
        self, store: Any, open_store: Opener
    ) -> None:
        first = ("cr_1", "queue", "Acme", "Acme/GENERAL", None, "Hi", "hi", 'Hi {agent_name} "?"',
                 None, "alice", 1.5)  # fmt: skip
        store.write([], [EventStore.canned_write(first)])
        changed = (*first[:7], "Hello again", "KB1", "bob", 2.5)
        store.write([row(1)], [EventStore.canned_write(changed)])
        assert [tuple(r) for r in store.canned_responses()] == [changed]
        store.close()
        again = open_store()
        try:
            assert [tuple(r) for r in again.canned_responses()] == [changed]
            again.write([], [EventStore.canned_delete("cr_1")])
            assert again.canned_responses() == []
        finally:
            again.close()

    def test_rows_of_types_reads_only_those_types_in_seq_order(self, store: Any) -> None:
        store.write([row(1), row(2, kind="TranscriptRequested"), row(3), row(4, kind="X")])
        found = store.rows_of_types(["X", "TranscriptRequested"])
        assert [(r["seq"], r["type"]) for r in found] == [(2, "TranscriptRequested"), (4, "X")]
        assert found[0] == row(2, kind="TranscriptRequested")
