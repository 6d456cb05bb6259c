import json
import sqlite3

import numpy as np
import pandas as pd
import pytest

from bridge.engine import events as ev
from reports.errors import LogNotFound, LogUnreadable, SchemaMismatch
from reports.log import events_to_frame, frame_to_rows, load, write_parquet
from reports.schema import LOG_SCHEMA

from .logs import day_log

SCHEMA_SQL = """CREATE TABLE events(seq INTEGER PRIMARY KEY, at REAL NOT NULL, type TEXT NOT NULL,
    version INTEGER NOT NULL, chat_id TEXT, agent_id TEXT, payload TEXT NOT NULL)"""


def make_store(path, rows):
    con = sqlite3.connect(path)
    con.execute("PRAGMA journal_mode=WAL")
    con.execute(SCHEMA_SQL)
    con.executemany(
        "INSERT INTO events VALUES (?, ?, ?, ?, ?, ?, ?)",
        [
            (r["seq"], r["at"], r["type"], r["version"], r["chat_id"], r["agent_id"],
             json.dumps(r["payload"]))
            for r in rows
        ],
    )  # fmt: skip
    con.commit()
    return con


def test_events_to_frame_has_the_canonical_columns_in_event_order():
    frame = events_to_frame(day_log())
    assert list(frame.columns) == list(LOG_SCHEMA)
    assert frame["seq"].tolist() == list(range(len(day_log())))
    assert frame.loc[4, "type"] == "ChatAssigned"
    assert frame.loc[4, "waited"] == 0.0
    assert frame.loc[10, "to_queue"] == "Globex/AFTER"


def test_payload_keeps_only_unflattened_non_default_fields():
    frame = events_to_frame(day_log())
    assert pd.isna(frame.loc[3, "payload"])  # ChatOpened with default question/detail
    assert json.loads(frame.loc[6, "payload"]) == {
        "estimates": {"recent_history": 30.0, "queue_state": 60.0}
    }
    assert json.loads(frame.loc[16, "payload"]) == {"note": "over to HR"}


def test_frame_converts_back_to_the_stored_row_shape():
    events = day_log()
    rows = frame_to_rows(events_to_frame(events))
    assert rows == [ev.to_row(e, i) for i, e in enumerate(events)]


def one_of_each_type():
    return [
        ev.ChatOpened(1, "c1", "self_service", "Acme", "Acme/GENERAL", "u1", "VPN?", {"k": 1}),
        ev.WaitEstimated(1, "c1", "Acme/GENERAL", 1, {"queue_state": None}),
        ev.ChatAssigned(2, "c1", "a1", 1.0, "manual"),
        ev.MessagePosted(3, "c1", 1, "user", None, "hi", [{"name": "x.png"}]),
        ev.NoteAdded(4, "c1", 2, "a1", "note"),
        ev.SystemMessage(5, "c1", 3, "joined", "Ann joined", ev.AUDIENCE_AGENTS),
        ev.ChatTransferred(6, "c1", "a1", "a2", None, "to you"),
        ev.ChatOverflowed(7, "c1", "Acme/GENERAL", "Acme/HR", "max_wait"),
        ev.ChatRequeued(8, "c1", "a2", "Acme/HR", "agent_gone"),
        ev.ChatCancelled(9, "c1", "a1"),
        ev.InactivityWarned(10, "c1", "a1"),
        ev.TicketLinked(11, "c1", "a1", "WO1", "work_order", "Draft"),
        ev.TicketStatusChanged(12, "c1", "a1", "WO1", "Cancelled", "Chat abandoned"),
        ev.ArticleShared(13, "c1", 4, "a1", "KB1", "Reset VPN", "kb/1"),
        ev.ArticlePinned(14, "c1", "a1", "WO1", "KB1"),
        ev.ChatClosed(15, "c1", "a1", "abandoned"),
        ev.AgentSignedIn(0, "a1", "Ann", "Lee", ["Acme/GENERAL"], ["IT Agent"], ["ESChat_Agent"]),
        ev.AgentAvailabilityChanged(0, "a1", True, 3),
        ev.AgentScreenNameSet(0, "a1", "Annie"),
        ev.AgentConnectionChanged(16, "a1", False),
        ev.AgentLeaseRenewed(16, "a1", 76.0),
        ev.AgentLeaseExpired(76, "a1"),
        ev.AgentSignedOut(77, "a1"),
        ev.TranscriptRequested(16, "c1", "a1", "agent", "ann@example.com"),
        ev.TranscriptSent(17, "c1", 24, "ann@example.com", 2),
        ev.TranscriptFailed(17, "c1", 25, "ann@example.com", 5, "timeout"),
        ev.ScreenShareOffered(14, "c1", 5, "a1", "https://remote.example.com/s/c1"),
        ev.SupervisorMonitored(14, "c1", "s1"),
        ev.SupervisorWhispered(14, "c1", 6, "s1", "a1", "ask for the tag"),
        ev.SupervisorJoined(14, "c1", "s1", "a1"),
        ev.SupervisorTookOver(14, "c1", "s1", "a1"),
        ev.SupervisorReassigned(14, "c1", "s1", None, None, "Acme/X", "network"),
        ev.MessagesRead(15, "c1", None, "user", 4),
        ev.SurveyAnswered(18, "c1", "a1", "Acme/HR", 4, "", "user"),
        ev.OfflineMessageLeft(
            19, "m1", "Acme", "Acme/HR", "u1", "closed", "INC1", "incident", "web"
        ),
        ev.ChatRelaxed(16, "c1", 1, None),
        ev.ChatOffered(16, "c1", "a2", 36.0),
        ev.OfferEnded(17, "c1", "a2", "declined", "Other"),
        ev.WrapUpStarted(18, "c1", "a1", 78.0),
        ev.WrapUpEnded(19, "c1", "a1", "ready"),
    ]


def test_every_event_type_survives_the_frame_and_back():
    events = one_of_each_type()
    assert {type(e) for e in events} == set(ev.EVENT_TYPES.values())
    rows = frame_to_rows(events_to_frame(events))
    assert [ev.from_row(r) for r in rows] == events


def test_parquet_round_trip_gives_the_same_frame(tmp_path):
    path = write_parquet(day_log(), tmp_path / "log.parquet")
    loaded = load(path)
    pd.testing.assert_frame_equal(loaded, events_to_frame(day_log()), check_categorical=False)


def test_sqlite_store_loads_into_the_same_frame_as_events(tmp_path):
    events = day_log()
    con = make_store(tmp_path / "bridge.db", [ev.to_row(e, i + 1) for i, e in enumerate(events)])
    try:  # the bridge keeps its connection open; a read-only reader must still work
        loaded = load(tmp_path / "bridge.db")
    finally:
        con.close()
    expected = events_to_frame(events).assign(seq=lambda f: f["seq"] + 1)
    pd.testing.assert_frame_equal(loaded, expected, check_categorical=False)


def test_old_sqlite_rows_are_upcast_on_load(tmp_path, monkeypatch):
    monkeypatch.setitem(
        ev.UPCASTERS,
        ("ChatOpened", 0),
        lambda row: {**row, "payload": {**row["payload"], "source": "self_service"}},
    )
    row = ev.to_row(ev.ChatOpened(5, "c1", "x", "Acme", "Acme/GENERAL"), 1)
    del row["payload"]["source"]
    make_store(tmp_path / "old.db", [{**row, "version": 0}]).close()
    loaded = load(tmp_path / "old.db")
    assert loaded.loc[0, "source"] == "self_service"
    assert loaded.loc[0, "version"] == ev.ChatOpened.version


def test_old_parquet_rows_are_upcast_on_load(tmp_path, monkeypatch):
    monkeypatch.setitem(
        ev.UPCASTERS, ("ChatClosed", 0), lambda row: {**row, "payload": {"reason": "ended"}}
    )
    frame = events_to_frame([ev.ChatClosed(5, "c1", "a1", "legacy")])
    frame["version"] = np.zeros(1, np.int64)
    write_parquet(frame, tmp_path / "old.parquet")
    assert load(tmp_path / "old.parquet").loc[0, "reason"] == "ended"


def test_missing_file_is_reported_as_not_found(tmp_path):
    with pytest.raises(LogNotFound, match="no such file"):
        load(tmp_path / "nope.parquet")


def test_a_file_of_another_kind_is_unreadable(tmp_path):
    (tmp_path / "notes.txt").write_text("hello")
    with pytest.raises(LogUnreadable):
        load(tmp_path / "notes.txt")


def test_a_sqlite_file_without_events_table_is_unreadable(tmp_path):
    sqlite3.connect(tmp_path / "other.db").execute("CREATE TABLE t(x)").connection.commit()
    with pytest.raises(LogUnreadable, match="event store"):
        load(tmp_path / "other.db")


def test_a_frame_missing_columns_is_refused_with_their_names():
    frame = events_to_frame(day_log()).drop(columns=["waited", "queue"])
    with pytest.raises(SchemaMismatch, match=r"missing columns \['queue', 'waited'\]"):
        load(frame)


def test_a_frame_with_wrong_dtypes_is_refused():
    frame = events_to_frame(day_log())
    frame["at"] = frame["at"].astype(str)
    with pytest.raises(SchemaMismatch, match="at is"):
        load(frame)
