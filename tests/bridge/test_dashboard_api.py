"""The supervisor dashboard: numbers on a scripted day, and the API that serves them."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from bridge.app import make_app
from bridge.engine import Engine, EngineConfig, QueueConfig
from bridge.engine.events import Event, to_row
from bridge.http.dashboard import dashboard_key
from bridge.runtime.dashboard import DashboardProjection, DayClock, document
from bridge.settings import Settings

from .support import accept, agent_headers, bearer, call, hand_off, make_settings

GENERAL, NETWORK = "Acme/GENERAL", "Acme/NETWORK"
T0 = 1_767_261_600.0  # 2026-01-01 10:00:00 UTC, a minute boundary
TARGET = 60.0
SUPERVISOR = agent_headers("sue", (), roles=("Supervisor",))
ALICE = agent_headers("alice", (GENERAL,))


class Day:
    """An engine on a fake clock whose every event goes, as a row, into the projection."""

    def __init__(self) -> None:
        self.now = T0
        config = EngineConfig(auto_accept=False, queues={
            GENERAL: QueueConfig(), NETWORK: QueueConfig(max_wait=120.0)})  # fmt: skip
        self.engine = Engine(lambda: self.now, config, sink=self._record)
        self.projection = DashboardProjection(DayClock("UTC"))
        self.rows: list[dict[str, Any]] = []

    def _record(self, event: Event) -> None:
        self.rows.append(to_row(event, len(self.rows) + 1))
        self.projection.apply(self.rows[-1])

    def at(self, offset: float) -> Engine:
        self.now = T0 + offset
        self.engine.advance(self.now)
        return self.engine

    def chat(self, offset: float, chat_id: str, queue: str = "GENERAL") -> None:
        self.at(offset).hand_off(chat_id, "self_service", "Acme", queue)

    def document(self, offset: float) -> dict[str, Any]:
        self.at(offset)
        return document(self.engine, self.projection, None, self.now, TARGET)


@pytest.fixture
def day() -> Day:
    """Arrivals at 0, 10, 20 (GENERAL) and 30 (NETWORK, max wait 120), 100 and 170 s."""
    d = Day()
    d.engine.sign_in("a1", "Ada", "One", [GENERAL], ["IT Agent"], ["ESChat_Agent"])
    d.engine.sign_in("a2", "Bo", "Two", [GENERAL, NETWORK], ["IT Agent"], ["ESChat_Agent"])
    d.engine.set_availability("a2", False)
    d.chat(0, "c1")
    d.chat(10, "c2")
    d.chat(20, "c3")
    d.chat(30, "c4", "NETWORK")
    d.at(30).accept("c1", "a1")  # answered in 30 s: within target
    d.at(50).cancel("c2")  # cancelled while waiting: a miss, and abandoned
    d.chat(100, "c6")
    d.at(100).end("c1", "a1")
    d.at(110).accept("c3", "a1")  # answered in 90 s: late
    d.chat(170, "c5")  # still waiting at 200 s but within target: not judged yet
    return d


def by_queue(doc: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {row["queue"]: row for row in doc["queues"]}


def test_todays_service_level_counts_cancels_as_misses_and_skips_undecided_waits(day: Day):
    general = by_queue(day.document(200))[GENERAL]
    assert (general["arrivals_today"], general["answered_today"]) == (5, 2)
    assert general["service_level_today"] == 0.25  # c1 of c1, c2, c3, c6
    assert general["abandonment_today"] == 0.2  # c2 of five arrivals


def test_a_chat_closed_by_the_maximum_wait_is_a_miss_but_not_an_abandonment(day: Day):
    network = by_queue(day.document(200))[NETWORK]
    assert (network["arrivals_today"], network["waiting"]) == (1, 0)
    assert network["service_level_today"] == 0.0
    assert network["abandonment_today"] == 0.0


def test_live_numbers_come_from_the_engine(day: Day):
    rows = by_queue(day.document(200))
    general, network = rows[GENERAL], rows[NETWORK]
    assert (general["waiting"], general["longest_wait"]) == (2, 100.0)
    assert (general["agents_available"], general["agents_busy"]) == (1, 1)
    assert general["load"] == 0.3  # (1 held + 2 waiting) / 10 manual slots of a1
    assert (network["agents_available"], network["agents_busy"], network["load"]) == (0, 0, None)


def test_the_last_hour_shows_arrivals_and_waiting_per_minute(day: Day):
    history = day.document(200)["history"]
    assert len(history) == 60
    assert history[-1]["at"] == T0 + 180
    assert [(m["arrivals"], m["waiting"]) for m in history[-5:]] == [
        (0, 0), (4, 2), (1, 2), (1, 2), (0, 2)]  # fmt: skip
    mine = day.projection.history([NETWORK], T0 + 200)
    assert [m["waiting"] for m in mine[-4:]] == [1, 1, 0, 0]


def test_a_new_day_starts_from_zero(day: Day):
    tomorrow = by_queue(day.document(86_400))[GENERAL]
    assert (tomorrow["arrivals_today"], tomorrow["service_level_today"]) == (0, None)


def test_replaying_the_rows_gives_the_same_numbers(day: Day):
    fresh = DashboardProjection(DayClock("UTC"))
    fresh.apply_all(day.rows)
    fresh.apply_all(day.rows[:5])  # rows already seen are ignored
    now = T0 + 200
    both = [GENERAL, NETWORK]
    assert fresh.today(both, now, TARGET) == day.projection.today(both, now, TARGET)
    assert fresh.history(both, now) == day.projection.history(both, now)


# --- through the bridge -----------------------------------------------------------------------


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return make_settings(
        tmp_path / "events.db", dashboard={"service_level_target": 3600, "push_interval": 0.02}
    )


async def three_arrivals(client: TestClient) -> None:
    """One answered, one cancelled while waiting, one still waiting, all in GENERAL."""
    first = await hand_off(client)
    second = await hand_off(client)
    await hand_off(client)
    await accept(client, first["chat_id"], ALICE)
    await call(
        client,
        "POST",
        f"/api/v1/chats/{second['chat_id']}/cancel",
        headers=bearer(second["user_token"]),
    )


async def test_a_supervisor_sees_every_queue_and_an_agent_only_theirs(client: TestClient):
    everything = await call(client, "GET", "/api/v1/dashboard", headers=SUPERVISOR)
    assert [q["queue"] for q in everything["queues"]] == [
        "Acme/GENERAL", "Acme/HARDWARE", "Acme/NETWORK", "Globex/GENERAL"]  # fmt: skip
    mine = await call(client, "GET", "/api/v1/dashboard", headers=ALICE)
    assert [q["queue"] for q in mine["queues"]] == [GENERAL]
    nobody = agent_headers("guest", (GENERAL,), roles=("Viewer",))
    assert (await call(client, "GET", "/api/v1/dashboard", 403, nobody))["code"] == (
        "not_permitted"
    )
    assert (await call(client, "GET", "/api/v1/dashboard", 401))["code"] == "unauthorized"


async def test_the_dashboard_counts_the_days_chats_and_survives_a_restart(
    aiohttp_client: Any, settings: Settings
):
    client = await aiohttp_client(make_app(settings))
    await three_arrivals(client)
    expected = {
        "waiting": 1,
        "agents_busy": 1,
        "arrivals_today": 3,
        "answered_today": 1,
        "service_level_today": 0.5,
        "abandonment_today": 0.3333,
    }
    general = by_queue(await call(client, "GET", "/api/v1/dashboard", headers=SUPERVISOR))
    assert {k: general[GENERAL][k] for k in expected} == expected
    history = (await call(client, "GET", "/api/v1/dashboard", headers=ALICE))["history"]
    assert sum(m["arrivals"] for m in history) == 3
    await client.close()

    again = await aiohttp_client(make_app(settings))
    rebuilt = by_queue(await call(again, "GET", "/api/v1/dashboard", headers=SUPERVISOR))
    assert {k: rebuilt[GENERAL][k] for k in expected} == expected


async def test_the_stream_pushes_the_document_when_it_changes(client: TestClient):
    token = SUPERVISOR["Authorization"].split()[1]
    async with client.ws_connect(f"/api/v1/dashboard/stream?token={token}") as ws:
        first = by_queue(await ws.receive_json(timeout=5))
        assert first[GENERAL]["waiting"] == 0
        await hand_off(client)
        for _ in range(100):
            pushed = by_queue(await ws.receive_json(timeout=5))
            if pushed[GENERAL]["waiting"] == 1:
                break
        assert pushed[GENERAL]["arrivals_today"] == 1
    assert client.server.app[dashboard_key].follower.seq > 0


async def test_the_stream_refuses_a_missing_token(client: TestClient):
    refused = await call(client, "GET", "/api/v1/dashboard/stream", 401)
    assert refused["code"] == "unauthorized"
