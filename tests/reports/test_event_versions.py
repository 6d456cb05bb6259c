"""A log where one event type is at an old version: the store, replay and reports all read it."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from bridge.engine import events as ev
from bridge.store import EventStore
from reports.log import events_to_frame, load, write_parquet
from tests.engine.test_events import bump_chat_cancelled

from .logs import day_log


def old_style_store(path: Path, monkeypatch: pytest.MonkeyPatch) -> list[ev.Event]:
    """day_log in a real store, its ChatCancelled rows as a v1 writer stored them."""
    bump_chat_cancelled(monkeypatch)
    events = day_log()
    rows = []
    for seq, event in enumerate(events, start=1):
        row = ev.to_row(event, seq)
        if isinstance(event, ev.ChatCancelled):
            row = {**row, "version": 1, "agent_id": None, "payload": {"by": event.agent_id}}
        rows.append(row)
    store = EventStore(path)
    store.write(rows)
    store.close()
    return events


def test_the_store_gives_back_every_event_with_only_the_old_type_upcast(tmp_path, monkeypatch):
    events = old_style_store(tmp_path / "bridge.db", monkeypatch)
    store = EventStore(tmp_path / "bridge.db")
    try:
        stored = list(store.read_all())
    finally:
        store.close()
    versions = {(r["type"], r["version"]) for r in stored}
    assert ("ChatCancelled", 1) in versions and ("ChatAssigned", 1) in versions
    assert [ev.from_row(r) for r in stored] == events
    cancelled = [e for e in events if isinstance(e, ev.ChatCancelled)]
    assert {e.agent_id for e in cancelled} == {None, "a1"}, "both v1 shapes came through"


def test_reports_load_upcasts_the_old_type_and_keeps_the_rest(tmp_path, monkeypatch):
    events = old_style_store(tmp_path / "bridge.db", monkeypatch)
    loaded = load(tmp_path / "bridge.db")
    expected = events_to_frame(events).assign(seq=lambda f: f["seq"] + 1)
    pd.testing.assert_frame_equal(loaded, expected, check_categorical=False)
    by_type = loaded.groupby("type", observed=True)["version"].unique()
    assert list(by_type["ChatCancelled"]) == [2]
    assert list(by_type["ChatAssigned"]) == [1] and list(by_type["ChatClosed"]) == [1]


def test_a_parquet_log_with_the_old_type_loads_like_the_current_one(tmp_path, monkeypatch):
    bump_chat_cancelled(monkeypatch)
    events = day_log()
    frame = events_to_frame(events)
    old = (frame["type"] == ev.ChatCancelled.__name__).to_numpy()
    held_by = frame.loc[old, "agent_id"].astype(object).tolist()
    frame["version"] = frame["version"].where(~old, 1)
    frame["agent_id"] = frame["agent_id"].where(~old, None)
    frame["payload"] = frame["payload"].astype(object)
    frame.loc[old, "payload"] = [json.dumps({"by": a}) for a in held_by]
    write_parquet(frame, tmp_path / "old.parquet")
    loaded = load(tmp_path / "old.parquet")
    pd.testing.assert_frame_equal(loaded, events_to_frame(events), check_categorical=False)
