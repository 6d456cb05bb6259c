from __future__ import annotations

from pathlib import Path
from typing import Any

from aiohttp.test_utils import TestClient, TestServer

from bridge.app import make_app
from bridge.settings import Settings

from .support import accept, agent_headers, attachment, bearer, bridge_of, call, hand_off

ALICE = agent_headers("alice", ("Acme/GENERAL", "Acme/NETWORK"))
BOB = agent_headers("bob", ("Acme/GENERAL", "Acme/HARDWARE"))


async def busy_day(client: TestClient) -> dict[str, Any]:
    """A bit of everything: waiting, assigned, transferred, cancelled and closed chats."""
    await call(
        client, "PUT", "/api/v1/agent/screen-name", headers=ALICE, json={"screen_name": "Ally"}
    )
    await call(client, "GET", "/api/v1/agent/me", headers=BOB)
    chats = [await hand_off(client, queue=q) for q in ("GENERAL", "NETWORK", "GENERAL")]
    chats.append(
        await hand_off(
            client,
            source="self_service",
            attachments=[attachment()],
            headers={"Idempotency-Key": "once"},
        )
    )
    a, b, c, d = (chat["chat_id"] for chat in chats)
    await accept(client, a, ALICE)
    await call(
        client,
        "POST",
        f"/api/v1/chats/{a}/messages",
        201,
        bearer(chats[0]["user_token"]),
        {"text": "hello"},
    )
    await call(client, "POST", f"/api/v1/agent/chats/{a}/notes", 201, ALICE, {"text": "n"})
    await accept(client, b, ALICE)
    await call(
        client,
        "POST",
        f"/api/v1/agent/chats/{b}/transfer",
        headers=ALICE,
        json={"to_queue": "HARDWARE", "note": "disk"},
    )
    await call(client, "POST", f"/api/v1/chats/{c}/cancel", headers=bearer(chats[2]["user_token"]))
    await accept(client, d, BOB)
    await call(client, "POST", f"/api/v1/agent/chats/{d}/end", headers=BOB)
    return {"chats": chats}


async def observe(client: TestClient, chats: list[dict[str, Any]]) -> dict[str, Any]:
    """What clients can see: each chat's status and history, and the console lists."""
    seen: dict[str, Any] = {}
    for chat in chats:
        path, headers = f"/api/v1/chats/{chat['chat_id']}", bearer(chat["user_token"])
        seen[chat["chat_id"]] = (
            await call(client, "GET", path, headers=headers),
            await call(client, "GET", f"{path}/events", headers=headers),
        )
    for who in (ALICE, BOB):
        for listing in ("me", "queue", "transferred", "chats"):
            seen[f"{who['Authorization'][-8:]}/{listing}"] = await call(
                client, "GET", f"/api/v1/agent/{listing}", headers=who
            )
    return seen


async def test_a_restarted_bridge_rebuilds_the_same_state_from_its_log(settings: Settings):
    async with TestClient(TestServer(make_app(settings))) as client:
        day = await busy_day(client)
        before = bridge_of(client).engine.snapshot()
        seen_before = await observe(client, day["chats"])
        last_seq = bridge_of(client).runner.last_seq
    async with TestClient(TestServer(make_app(settings))) as client:
        bridge = bridge_of(client)
        assert bridge.engine.snapshot() == before
        assert bridge.runner.last_seq == last_seq
        assert await observe(client, day["chats"]) == seen_before
        more = await hand_off(client)
        assert bridge.engine.chats[more["chat_id"]].state == "queued"
        assert bridge.runner.last_seq > last_seq


async def test_an_idempotent_retry_after_a_restart_returns_the_first_answer(settings: Settings):
    async with TestClient(TestServer(make_app(settings))) as client:
        first = await hand_off(client, headers={"Idempotency-Key": "boot"})
    async with TestClient(TestServer(make_app(settings))) as client:
        again = await hand_off(client, status=200, headers={"Idempotency-Key": "boot"})
        assert again == first
        assert list(bridge_of(client).engine.chats) == [first["chat_id"]]


async def test_attachments_and_user_tokens_survive_a_restart(settings: Settings):
    async with TestClient(TestServer(make_app(settings))) as client:
        chat = await hand_off(client, source="self_service")
        path, headers = f"/api/v1/chats/{chat['chat_id']}", bearer(chat["user_token"])
        await call(
            client,
            "POST",
            f"{path}/messages",
            201,
            headers,
            {"text": "file", "attachments": [attachment(b"kept")]},
        )
    async with TestClient(TestServer(make_app(settings))) as client:
        events = await call(client, "GET", f"{path}/events", headers=headers)
        item = events["events"][-1]["payload"]["attachments"][0]
        response = await client.get(f"{path}/attachments/{item['id']}", headers=headers)
        assert await response.read() == b"kept"


async def test_a_secret_generated_on_first_start_is_reused(tmp_path: Path):
    from .support import make_settings

    settings = make_settings(tmp_path / "e.db", secret=None)
    async with TestClient(TestServer(make_app(settings))) as client:
        chat = await hand_off(client)
    assert settings.secret_path.stat().st_mode & 0o777 == 0o600
    async with TestClient(TestServer(make_app(settings))) as client:
        await call(
            client, "GET", f"/api/v1/chats/{chat['chat_id']}", headers=bearer(chat["user_token"])
        )
