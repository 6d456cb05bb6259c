"""The SQLite store is flattened by the database (``reports.columnar``): the frame must be the
one the row-by-row Python path gives for the same rows, whatever the payloads hold."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from bridge.engine import events as ev
from bridge.store import EventStore
from reports import log as report_log
from reports.log import load, rows_to_frame

from .logs import day_log

QUESTION = "Grüße — 'quoted' \"text\""


def _rows() -> list[dict]:
    """The day log as stored rows, with the payload shapes the SQL must treat like Python:
    non-ASCII text, fields at and off their defaults, True == 1, a type from a newer writer
    and a row of an older version."""
    rows = [ev.to_row(e, i + 1) for i, e in enumerate(day_log())]
    opened = next(i for i, r in enumerate(rows) if r["type"] == "ChatOpened")
    payload = {**rows[opened]["payload"], "question": QUESTION, "priority": 1}
    rows[opened] = {**rows[opened], "payload": payload}
    closed = next(i for i, r in enumerate(rows) if r["type"] == "ChatClosed")
    rows[closed] = {**rows[closed], "version": 0, "payload": {}}
    top = rows[-1]["seq"]
    future = {"queue": "Acme/SAP", "extra": [1, 2], "waited": 3.5}
    rows.append({"seq": top + 1, "at": rows[-1]["at"], "type": "ChatParked", "version": 1,
                 "chat_id": rows[-1]["chat_id"], "agent_id": None, "payload": future})  # fmt: skip
    return rows


@pytest.fixture
def legacy_upcaster(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(
        ev.UPCASTERS, ("ChatClosed", 0), lambda row: {**row, "payload": {"reason": "cancelled"}}
    )


def test_the_database_flattens_rows_exactly_like_the_python_path(
    tmp_path, legacy_upcaster, monkeypatch: pytest.MonkeyPatch
):
    store = EventStore(tmp_path / "events.db")
    store.write(_rows())
    store.close()
    monkeypatch.setattr(report_log, "FETCH_ROWS", 3)  # several batches from both reads
    loaded = load(tmp_path / "events.db")
    pd.testing.assert_frame_equal(loaded, rows_to_frame(_rows()))
    opened = loaded[loaded["type"] == "ChatOpened"].iloc[0]
    assert json.loads(opened["payload"]) == {"question": QUESTION, "priority": 1}
    assert loaded.loc[loaded["type"] == "ChatClosed", "version"].eq(ev.ChatClosed.version).all()
    assert loaded.loc[loaded["type"] == "ChatClosed", "reason"].iloc[0] == "cancelled"
    parked = loaded[loaded["type"] == "ChatParked"].iloc[0]
    assert (parked["queue"], parked["waited"], parked["payload"]) == (
        "Acme/SAP",
        3.5,
        '{"extra":[1,2]}',
    )
