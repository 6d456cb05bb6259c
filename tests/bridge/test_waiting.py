"""Waiting users and bots through a running bridge (issue 8).

Position and estimated wait on the user stream, availability before a handoff, business hours
and overflow, and the three engine timers (max wait, agent gone, inactivity), across a restart
too. After each scenario the engine's invariants hold: no chat without an owner or a queue.
"""

from __future__ import annotations

import asyncio
import itertools
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from aiohttp.test_utils import TestClient
from pydantic import ValidationError

from bridge.app import make_app
from bridge.engine.hours import DAYS
from bridge.settings import Settings
from bridge.store import open_store
from tests.engine.support import check_invariants

from .support import QUEUES, SOURCE_KEY, agent_headers, bearer, bridge_of, call, hand_off, on_duty
from .support import make_settings as base_settings
from .test_streams import Msg, agent_stream, post_user, receive_until, user_stream

ALICE = agent_headers("alice", ("Acme/GENERAL",))
BOB = agent_headers("bob", ("Acme/NETWORK",))
BOT = {"X-API-Key": SOURCE_KEY}
NEVER = {"timezone": "UTC", "weekly": {}}
ALWAYS = {"timezone": "Europe/Paris", "weekly": {day: [["00:00", "24:00"]] for day in DAYS}}


def holiday_now(zone: str = "Europe/Paris") -> dict[str, Any]:
    """Open all week, but today (and the days either side, so midnight cannot flake) is off."""
    today = datetime.now(ZoneInfo(zone)).date()
    days = [str(today + timedelta(days=k)) for k in (-1, 0, 1)]
    return {**ALWAYS, "timezone": zone, "holidays": days}


def settings_with(
    path: Path, rules: dict[str, dict[str, Any]] | None = None, **overrides: Any
) -> Settings:
    """Test settings whose queues get ``rules`` (extra queues too); ``engine_*`` go to engine."""
    queues: dict[str, Any] = {key: {} for key in QUEUES}
    queues.update(rules or {})
    engine = {k.removeprefix("engine_"): v for k, v in overrides.items() if k.startswith("engine_")}
    rest = {k: v for k, v in overrides.items() if not k.startswith("engine_")}
    return base_settings(path / "e.db", engine={"queues": queues, **engine}, **rest)


async def bridge(aiohttp_client: Any, settings: Settings) -> TestClient:
    return await aiohttp_client(make_app(settings))


async def sign_in(client: TestClient, headers: dict[str, str]) -> None:
    """Come on duty without a console: a heartbeat's lease (a request alone is no presence)."""
    await on_duty(client, headers)


async def act(client: TestClient, chat: Msg, action: str, headers: dict[str, str]) -> Any:
    return await call(
        client, "POST", f"/api/v1/agent/chats/{chat['chat_id']}/{action}", 200, headers
    )


async def availability(client: TestClient, query: str, status: int = 200) -> Any:
    return await call(client, "GET", f"/api/v1/availability?{query}", status, BOT)


def updates(messages: list[Msg]) -> list[dict[str, Any]]:
    return [m["payload"] for m in messages if m["type"] == "QueueUpdate"]


def said(messages: list[Msg], kind: str) -> list[Msg]:
    return [m for m in messages if m["type"] == "SystemMessage" and m["payload"]["kind"] == kind]


def of_type(messages: list[Msg], kind: str) -> list[Msg]:
    return [m for m in messages if m.get("type") == kind]


def at_position(position: int) -> Any:
    return lambda got: any(u["position"] == position for u in updates(got))


def no_chat_stranded(client: TestClient) -> None:
    check_invariants(bridge_of(client).engine)


# --- position and estimated wait --------------------------------------------------------------


async def test_a_waiting_user_watches_position_and_wait_fall_as_chats_ahead_are_accepted(
    aiohttp_client, tmp_path
):
    client = await bridge(
        aiohttp_client, settings_with(tmp_path, engine_estimators=["queue_state"])
    )
    await sign_in(client, ALICE)  # 10 manual slots: queue_state says position x 300 s / 10
    ahead = [await hand_off(client) for _ in range(3)]
    mine = await hand_off(client)
    assert (mine["position"], mine["estimated_wait"]) == (4, 120.0)
    ws = await user_stream(client, mine)
    told = await receive_until(ws, at_position(4))
    for left, chat in zip((3, 2, 1), ahead, strict=True):
        await act(client, chat, "accept", ALICE)
        told += await receive_until(ws, at_position(left))
    await act(client, mine, "accept", ALICE)
    told += await receive_until(ws, lambda got: bool(of_type(got, "ChatAssigned")))
    await ws.close()
    assert [(u["position"], u["estimated_wait"]) for u in updates(told)] == [
        (4, 120.0), (3, 90.0), (2, 60.0), (1, 30.0)]  # fmt: skip
    no_chat_stranded(client)


async def test_with_auto_accept_and_agents_full_the_wait_falls_as_chats_ahead_end(
    aiohttp_client, tmp_path
):
    settings = settings_with(tmp_path, engine_auto_accept=True, engine_estimators=["queue_state"])
    client = await bridge(aiohttp_client, settings)
    await sign_in(client, ALICE)  # available for 1
    ahead = [await hand_off(client) for _ in range(3)]
    assert [c["status"] for c in ahead] == ["assigned", "queued", "queued"]
    mine = await hand_off(client)
    assert (mine["position"], mine["estimated_wait"]) == (3, 900.0)
    ws = await user_stream(client, mine)
    told = await receive_until(ws, at_position(3))
    for left, chat in zip((2, 1), ahead[:2], strict=True):
        await act(client, chat, "end", ALICE)
        told += await receive_until(ws, at_position(left))
    await act(client, ahead[2], "end", ALICE)
    told += await receive_until(ws, lambda got: bool(of_type(got, "ChatAssigned")))
    await ws.close()
    assert [u["position"] for u in updates(told)] == [3, 2, 1]
    waits = [u["estimated_wait"] for u in updates(told)]
    assert waits == sorted(waits, reverse=True) and waits[-1] < waits[0], waits
    assert of_type(told, "ChatAssigned")[0]["agent_id"] == "alice"
    no_chat_stranded(client)


def test_queue_updates_default_to_at_most_one_every_three_seconds():
    assert Settings.model_fields["queue_update_interval"].default == 3.0


async def test_queue_updates_are_rate_limited_per_chat(aiohttp_client, tmp_path):
    interval = 0.4
    settings = settings_with(tmp_path, queue_update_interval=interval)
    client = await bridge(aiohttp_client, settings)
    await sign_in(client, ALICE)
    ahead = [await hand_off(client) for _ in range(5)]
    mine = await hand_off(client)
    ws = await user_stream(client, mine)
    loop = asyncio.get_running_loop()
    await receive_until(ws, at_position(6))
    stamps = [loop.time()]

    async def collect() -> list[dict[str, Any]]:
        seen: list[dict[str, Any]] = []
        while not seen or seen[-1]["position"] != 1:
            seen += updates(await receive_until(ws, lambda got: bool(updates(got))))
            stamps.append(loop.time())
        return seen

    collector = asyncio.create_task(collect())
    for chat in ahead:  # five changes in a burst, far faster than the interval
        await act(client, chat, "accept", ALICE)
    seen = await asyncio.wait_for(collector, 5)
    await ws.close()
    positions = [u["position"] for u in seen]
    assert positions == sorted(positions, reverse=True) and positions[-1] == 1
    assert len(seen) < 5, f"every change was pushed: {positions}"
    gaps = [b - a for a, b in itertools.pairwise(stamps)]
    assert min(gaps) >= interval / 2, gaps


# --- availability for bots --------------------------------------------------------------------


async def test_a_bot_asks_availability_first_and_is_told_what_the_handoff_then_says(
    aiohttp_client, tmp_path
):
    client = await bridge(
        aiohttp_client, settings_with(tmp_path, engine_estimators=["queue_state"])
    )
    nobody = await availability(client, "company=Acme")
    assert nobody == {"queue": "Acme/GENERAL", "open": True, "agents_available": 0,
                      "free_capacity": 0, "queue_length": 0, "estimated_wait": None}  # fmt: skip
    await sign_in(client, ALICE)
    first = await hand_off(client)
    asked = await availability(client, "company=Acme&queue=GENERAL")
    assert asked == {"queue": "Acme/GENERAL", "open": True, "agents_available": 1,
                     "free_capacity": 10, "queue_length": 1, "estimated_wait": 60.0}  # fmt: skip
    answer = await hand_off(client)
    assert (answer["position"], answer["estimated_wait"]) == (2, asked["estimated_wait"])
    await act(client, first, "accept", ALICE)
    later = await availability(client, "company=Acme")
    assert (later["free_capacity"], later["queue_length"]) == (9, 1)
    no_chat_stranded(client)


@pytest.mark.parametrize("hours, is_open", [(NEVER, False), (holiday_now(), False), (ALWAYS, True)])
async def test_availability_says_whether_the_queue_is_open_now(
    aiohttp_client, tmp_path, hours: dict[str, Any], is_open: bool
):
    client = await bridge(aiohttp_client, settings_with(tmp_path, {"Acme/DESK": {"hours": hours}}))
    answer = await availability(client, "company=Acme&queue=DESK")
    assert (answer["queue"], answer["open"]) == ("Acme/DESK", is_open)
    missing = await availability(client, "company=Acme&queue=NOPE", status=404)
    assert missing["code"] == "unknown_queue"


# --- business hours -----------------------------------------------------------------------


@pytest.mark.parametrize("hours", [NEVER, holiday_now()], ids=["after_hours", "holiday"])
async def test_a_handoff_to_a_closed_queue_is_refused_and_stores_nothing(
    aiohttp_client, tmp_path, hours: dict[str, Any]
):
    client = await bridge(aiohttp_client, settings_with(tmp_path, {"Acme/DESK": {"hours": hours}}))
    b = bridge_of(client)
    before = b.store.max_seq()
    refused = await hand_off(client, status=409, queue="DESK", headers={"Idempotency-Key": "k1"})
    assert refused["code"] == "queue_closed"
    assert b.store.max_seq() == before and b.engine.chats == {}
    assert b.store.idempotent_response("bot", "k1") is None
    no_chat_stranded(client)


async def test_a_closed_queue_with_closed_overflow_sends_the_handoff_there(
    aiohttp_client, tmp_path
):
    rules = {"Acme/DESK": {"hours": NEVER, "closed_overflow": "Acme/GENERAL"}}
    client = await bridge(aiohttp_client, settings_with(tmp_path, rules))
    answer = await hand_off(client, queue="DESK")
    assert (answer["status"], answer["queue"], answer["position"]) == ("queued", "Acme/GENERAL", 1)
    rows = bridge_of(client).store.chat_rows(answer["chat_id"])
    moved = [r["payload"] for r in rows if r["type"] == "ChatOverflowed"]
    assert moved == [{"from_queue": "Acme/DESK", "to_queue": "Acme/GENERAL", "reason": "closed"}]
    listed = await call(client, "GET", "/api/v1/agent/queue", headers=ALICE)
    assert [c["chat_id"] for c in listed["chats"]] == [answer["chat_id"]]
    no_chat_stranded(client)


# --- max wait, agent gone, inactivity -----------------------------------------------------------


async def test_max_wait_moves_the_chat_to_the_named_overflow_queue(aiohttp_client, tmp_path):
    rules = {"Acme/GENERAL": {"max_wait": 0.05, "max_wait_overflow": "Acme/NETWORK"}}
    client = await bridge(aiohttp_client, settings_with(tmp_path, rules))
    bob = await agent_stream(client, BOB)
    await receive_until(bob, lambda got: bool(of_type(got, "Counts")))
    chat = await hand_off(client)
    user = await user_stream(client, chat)
    seen = await receive_until(user, lambda got: bool(said(got, "overflowed")))
    told = await receive_until(bob, lambda got: bool(of_type(got, "ChatOverflowed")))
    await receive_until(bob, lambda got: bool(of_type(got, "Counts")))  # counts follow the move
    assert of_type(told, "ChatOverflowed")[0]["chat_id"] == chat["chat_id"]
    assert not of_type(seen, "NoteAdded"), "the note is for agents only"
    status = await call(
        client, "GET", f"/api/v1/chats/{chat['chat_id']}", 200, bearer(chat["user_token"])
    )
    assert (status["status"], status["queue"], status["position"]) == ("queued", "Acme/NETWORK", 1)
    history = (await act(client, chat, "accept", BOB))["history"]
    notes = [r["payload"]["text"] for r in history if r["type"] == "NoteAdded"]
    assert notes == ["Overflowed from Acme/GENERAL after waiting 0.05 s."]
    await user.close()
    await bob.close()
    no_chat_stranded(client)


async def test_agent_gone_returns_every_held_chat_to_the_named_queue(aiohttp_client, tmp_path):
    settings = settings_with(
        tmp_path, engine_agent_gone_grace=0.05, engine_agent_gone_queue="Acme/NETWORK"
    )
    client = await bridge(aiohttp_client, settings)
    chats = [await hand_off(client) for _ in range(2)]
    alice, bob = await agent_stream(client, ALICE), await agent_stream(client, BOB)
    for chat in chats:  # Alice is there by her console alone: no lease outlives it
        await act(client, chat, "accept", ALICE)
    await receive_until(bob, lambda got: bool(of_type(got, "Counts")))
    user = await user_stream(client, chats[0])
    await alice.close()
    got = await receive_until(bob, lambda got: len(of_type(got, "ChatRequeued")) == 2)
    assert {m["payload"]["queue"] for m in of_type(got, "ChatRequeued")} == {"Acme/NETWORK"}
    await receive_until(user, lambda got: bool(said(got, "requeued")))
    history = (await act(client, chats[0], "accept", BOB))["history"]
    assert any(r["type"] == "NoteAdded" and "Acme/NETWORK" in r["payload"]["text"] for r in history)
    await user.close()
    await bob.close()
    no_chat_stranded(client)


async def test_a_silent_user_is_warned_then_the_chat_closes_as_inactive(aiohttp_client, tmp_path):
    rules = {"Acme/GENERAL": {"inactivity_warn_after": 0.05, "inactivity_close_after": 0.05}}
    client = await bridge(aiohttp_client, settings_with(tmp_path, rules))
    chat = await hand_off(client)
    user = await user_stream(client, chat)
    await sign_in(client, ALICE)
    await act(client, chat, "accept", ALICE)
    got = await receive_until(user, lambda got: bool(of_type(got, "ChatClosed")))
    await user.close()
    warned, closed = said(got, "inactivity"), of_type(got, "ChatClosed")
    assert len(warned) == 1 and warned[0]["seq"] < closed[0]["seq"]
    assert closed[0]["payload"]["reason"] == "inactive"
    assert await call(client, "GET", "/api/v1/agent/chats", headers=ALICE) == {"chats": []}
    no_chat_stranded(client)


async def test_a_user_message_after_the_warning_starts_the_inactivity_clock_over(
    aiohttp_client, tmp_path
):
    warn, close = 0.1, 0.3
    rules = {"Acme/GENERAL": {"inactivity_warn_after": warn, "inactivity_close_after": close}}
    client = await bridge(aiohttp_client, settings_with(tmp_path, rules))
    chat = await hand_off(client)
    user = await user_stream(client, chat)
    await sign_in(client, ALICE)
    await act(client, chat, "accept", ALICE)
    await receive_until(user, lambda got: bool(said(got, "inactivity")))
    await post_user(client, chat, "still here")
    got = await receive_until(user, lambda got: bool(of_type(got, "ChatClosed")))
    await user.close()
    kinds = [m["payload"].get("kind", m["type"]) for m in got if m["type"] != "QueueUpdate"]
    assert kinds == ["MessagePosted", "inactivity", "ended", "ChatClosed"]
    posted, closed = of_type(got, "MessagePosted")[0], of_type(got, "ChatClosed")[0]
    assert closed["at"] - posted["at"] >= warn + close - 1e-6, "the clock started over"
    no_chat_stranded(client)


# --- restart ------------------------------------------------------------------------------------


async def test_a_restarted_bridge_still_fires_the_pending_max_wait(aiohttp_client, tmp_path):
    rules = {"Acme/GENERAL": {"max_wait": 0.5, "max_wait_overflow": "Acme/NETWORK"}}
    settings = settings_with(tmp_path, rules)
    first = await bridge(aiohttp_client, settings)
    chat = await hand_off(first)
    await first.close()
    store = open_store(settings)
    rows, stopped_at = store.chat_rows(chat["chat_id"]), store.max_seq()
    store.close()
    assert "ChatOverflowed" not in {r["type"] for r in rows}, "fired before the restart"
    second = await bridge(aiohttp_client, settings)
    user = await user_stream(second, chat)
    got = await receive_until(user, lambda got: bool(said(got, "overflowed")))
    await user.close()
    moved = [
        r
        for r in bridge_of(second).store.chat_rows(chat["chat_id"])
        if r["type"] == "ChatOverflowed"
    ]
    assert len(moved) == 1 and moved[0]["seq"] > stopped_at
    assert moved[0]["at"] == pytest.approx(rows[0]["at"] + 0.5), "stamped with the deadline"
    assert said(got, "overflowed")[0]["seq"] > stopped_at
    assert bridge_of(second).engine.chats[chat["chat_id"]].queue == "Acme/NETWORK"
    no_chat_stranded(second)


# --- configuration --------------------------------------------------------------------------


def test_settings_choose_the_estimators_and_the_first_is_what_users_are_told(tmp_path):
    config = settings_with(tmp_path, engine_estimators=["queue_state", "recent_history"])
    names = [e.name for e in config.engine.to_engine().estimators]
    assert names == ["queue_state", "recent_history"]
    default = [e.name for e in Settings().engine.to_engine().estimators]
    assert default == ["recent_history", "queue_state"]


def test_settings_build_business_hours_with_holidays_from_a_yaml_file(tmp_path):
    path = tmp_path / "c.yaml"
    path.write_text(
        "engine:\n  queues:\n    Acme/DESK:\n"
        "      hours: {timezone: Europe/Paris, weekly: {mon: [['08:00', '18:00']]},"
        " holidays: [2024-12-25]}\n      closed_overflow: Acme/GENERAL\n",
        encoding="utf-8",
    )
    rules = Settings(config_file=path).engine.to_engine().queues["Acme/DESK"]
    assert rules.hours is not None and rules.closed_overflow == "Acme/GENERAL"
    christmas_monday_noon = datetime(2024, 12, 23, 12, tzinfo=ZoneInfo("Europe/Paris"))
    assert rules.hours.is_open(christmas_monday_noon.timestamp())
    assert not rules.hours.is_open((christmas_monday_noon + timedelta(days=2)).timestamp())


@pytest.mark.parametrize(
    "engine, error",
    [
        ({"queues": {"A/B": {"hours": {"timezone": "Mars/Olympus"}}}}, "business hours"),
        ({"queues": {"A/B": {"hours": {"weekly": {"mon": [["18:00", "08:00"]]}}}}}, "ends before"),
        ({"queues": {"A/B": {"hours": {"weekly": {"moon": []}}}}}, "unknown day"),
        ({"queues": {"A/B": {"hours": {"holidays": ["someday"]}}}}, "holidays"),
        ({"queues": {"A/B": {"inactivity_close_after": 5}}}, "needs inactivity_warn_after"),
        ({"queues": {"A/B": {"max_wait_overflow": "A/C"}}}, "needs max_wait"),
        ({"queues": {"A/B": {"closed_overflow": "A/C"}}}, "needs hours"),
        ({"strict_queues": True, "queues": {"A/B": {"max_wait": 1, "max_wait_overflow": "A/C"}}},
         "not in queues"),
        ({"strict_queues": True, "agent_gone_queue": "A/C", "queues": {"A/B": {}}},
         "not in queues"),
        ({"estimators": ["crystal_ball"]}, "unknown estimator"),
    ],
)  # fmt: skip
def test_settings_refuse_waiting_rules_that_could_never_work(engine: dict[str, Any], error: str):
    with pytest.raises(ValidationError, match=error):
        Settings(engine=engine)
