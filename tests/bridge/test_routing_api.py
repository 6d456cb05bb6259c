"""Issue 13 through the bridge's HTTP API: handoffs with priority and skills, agent skills from
the token, presence with reasons, offers (accept / decline), wrap-up and Ready, retrials.

Every refusal is checked both ways: the status, code and sentence, and that nothing changed
(the log's last seq and the engine's answer stay as they were).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from aiohttp.test_utils import TestClient

from bridge.app import make_app

from .support import bearer, bridge_of, call, hand_off, make_settings, on_duty, signer
from .test_streams import agent_stream, receive_until

A = "/api/v1/agent"


def agent(
    agent_id: str, skills: dict[str, int] | None = None, queues: tuple[str, ...] = ("Acme/GENERAL",)
) -> dict[str, str]:
    token = signer().agent_token(agent_id, agent_id.title(), "T", queues, skills=skills)
    return bearer(token)


async def routed_client(aiohttp_client, tmp_path: Path, **engine: Any) -> TestClient:
    base: dict[str, Any] = {"queues": {"Acme/GENERAL": {}, "Acme/NETWORK": {}}}
    settings = make_settings(tmp_path / "e.db", engine={**base, **engine})
    return await aiohttp_client(make_app(settings))


def seq(client: TestClient) -> int:
    return bridge_of(client).store.max_seq()


async def refused(
    client: TestClient, method: str, path: str, status: int, code: str, headers, json=None
) -> dict[str, Any]:
    """The refusal's status, code and sentence, and nothing written."""
    before = seq(client)
    body = await call(client, method, path, status, headers, json)
    assert body["code"] == code and isinstance(body["detail"], str) and body["detail"], body
    assert seq(client) == before, "a refused call wrote to the log"
    return body


# --- handoffs: priority, skills, context ---------------------------------------------------


async def test_a_vip_handoff_is_listed_first_with_its_priority_and_skills(aiohttp_client, tmp_path):
    client = await routed_client(aiohttp_client, tmp_path)
    alice = agent("alice")
    plain = await hand_off(client, customer={"id": "c1", "name": "Nora"})
    vip = await hand_off(
        client, customer={"id": "c2", "name": "Vera"}, priority=5, skills={"vpn": 2}
    )
    assert vip["position"] == 1, "the VIP is told it is first"
    listed = (await call(client, "GET", f"{A}/queue", headers=alice))["chats"]
    assert [c["chat_id"] for c in listed] == [vip["chat_id"], plain["chat_id"]]
    assert (listed[0]["priority"], listed[0]["skills"], listed[0]["offered_to"]) == (
        5,
        {"vpn": 2},
        None,
    )
    assert (listed[1]["priority"], listed[1]["skills"]) == (0, None)


async def test_handoff_with_bad_priority_or_skills_is_refused_and_opens_nothing(
    aiohttp_client, tmp_path
):
    client = await routed_client(aiohttp_client, tmp_path)
    for bad in (
        {"priority": 1000},
        {"skills": {"vpn": 11}},
        {"skills": {"": 1}},
        {"priority": "x"},
    ):
        before = seq(client)
        body = await hand_off(client, status=422, **bad)
        assert body["code"] == "invalid_body" and body["detail"], body
        assert seq(client) == before
    assert bridge_of(client).engine.queue_length("Acme/GENERAL") == 0


async def test_context_rules_match_the_handoffs_language_and_intent(aiohttp_client, tmp_path):
    rules = [
        {"field": "language", "value": "de", "skills": {"german": 2}},
        {"field": "intent", "value": "outage", "priority": 7},
    ]
    client = await routed_client(aiohttp_client, tmp_path, routing={"context_rules": rules})
    chat = await hand_off(client, context={"intent": "Outage", "language": "DE", "topic": "vpn"})
    summary = (await call(client, "GET", f"{A}/queue", headers=agent("alice")))["chats"][0]
    assert summary["chat_id"] == chat["chat_id"]
    assert (summary["priority"], summary["skills"]) == (7, {"german": 2})


def test_a_bot_framework_handoff_context_carries_priority_skills_and_topic():
    import pytest
    from pydantic import ValidationError

    from bridge.http.botframework import HandoffActivity, to_handoff

    from .test_botframework import wire

    context = {"company": "Acme", "intent": "vpn", "topic": "remote", "priority": 4}
    handoff = to_handoff(HandoffActivity.model_validate(
        wire("https://bot.example.com/", {**context, "skills": {"vpn": 1}})
    ))  # fmt: skip
    assert (handoff.priority, handoff.skills) == (4, {"vpn": 1})
    assert handoff.context is not None and handoff.context.topic == "remote"
    with pytest.raises(ValidationError):  # the handoff's own bounds judge what the bot sent
        to_handoff(HandoffActivity.model_validate(
            wire("https://bot.example.com/", {**context, "skills": {"vpn": 99}})
        ))  # fmt: skip


# --- agent skills --------------------------------------------------------------------------


async def test_only_an_agent_with_the_skill_may_accept_the_chat(aiohttp_client, tmp_path):
    client = await routed_client(aiohttp_client, tmp_path)
    novice, expert = agent("nick", {"vpn": 1}), agent("erin", {"vpn": 3})
    chat = await hand_off(client, skills={"vpn": 2})
    await on_duty(client, novice, expert)
    path = f"{A}/chats/{chat['chat_id']}/accept"
    body = await refused(client, "POST", path, 409, "skills_missing", novice)
    assert "vpn 2" in body["detail"]
    assert bridge_of(client).engine.chat_state(chat["chat_id"]) == "queued"
    accepted = await call(client, "POST", path, headers=expert)
    assert accepted["chat"]["agent_id"] == "erin"
    presence = await call(client, "GET", f"{A}/presence", headers=expert)
    assert presence["skills"] == {"vpn": 3}


# --- presence with reasons ------------------------------------------------------------------


async def test_presence_takes_a_configured_reason_and_lists_the_choices(aiohttp_client, tmp_path):
    client = await routed_client(aiohttp_client, tmp_path, auto_accept=True)
    alice = agent("alice")
    await on_duty(client, alice)
    shown = await call(client, "PUT", f"{A}/presence", headers=alice, json={"status": "Break"})
    assert (shown["status"], shown["states"][0], shown["decline_reasons"]) == (
        "Break",
        "Available",
        [],
    )
    chat = await hand_off(client)
    assert chat["status"] == "queued", "an agent on Break got a chat"
    back = await call(
        client, "POST", f"{A}/presence", headers=alice, json={"status": "Available", "capacity": 2}
    )
    assert (back["status"], back["capacity"], back["load"]) == ("Available", 2, 1)
    # The old availability route still works: unavailable keeps a chosen reason, else Away.
    me = await call(client, "PUT", f"{A}/availability", headers=alice, json={"available": False})
    assert me["available"] is False
    assert (await call(client, "GET", f"{A}/presence", headers=alice))["status"] == "Away"


async def test_an_unknown_presence_state_is_refused_and_changes_nothing(aiohttp_client, tmp_path):
    client = await routed_client(aiohttp_client, tmp_path)
    alice = agent("alice")
    await on_duty(client, alice)
    before = await call(client, "GET", f"{A}/presence", headers=alice)
    body = await refused(
        client, "PUT", f"{A}/presence", 422, "invalid_command", alice, {"status": "Nap"}
    )
    assert "Nap" in body["detail"]
    await refused(client, "PUT", f"{A}/presence", 422, "invalid_body", alice, {"status": ""})
    after = await call(client, "GET", f"{A}/presence", headers=alice)
    assert (after["status"], after["status_since"]) == (before["status"], before["status_since"])


# --- offers -----------------------------------------------------------------------------------

OFFERS = {"auto_accept": True, "routing": {"offers": {"timeout": 300}}}


async def test_an_offer_is_pushed_and_a_decline_sends_it_to_the_next_agent(
    aiohttp_client, tmp_path
):
    client = await routed_client(aiohttp_client, tmp_path, **OFFERS)
    alice, bob = agent("alice"), agent("bob")
    ws_alice = await agent_stream(client, alice)
    ws_bob = await agent_stream(client, bob)
    await on_duty(client, alice, bob)
    chat = await hand_off(client)
    listed = (await call(client, "GET", f"{A}/queue", headers=alice))["chats"][0]
    first = listed["offered_to"]
    assert first in ("alice", "bob")
    holder, other = (alice, bob) if first == "alice" else (bob, alice)
    ws_holder, ws_other = (ws_alice, ws_bob) if first == "alice" else (ws_bob, ws_alice)
    pushed = await receive_until(ws_holder, lambda got: _has(got, "ChatOffered"))
    assert _has(pushed, "ChatOffered", chat_id=chat["chat_id"], agent_id=first)
    path = f"{A}/chats/{chat['chat_id']}/offer"
    # Not offered to the other agent: no_offer; a reason not configured: invalid_command.
    await refused(client, "POST", f"{path}/accept", 409, "no_offer", other, {})
    body = await refused(
        client, "POST", f"{path}/decline", 422, "invalid_command", holder, {"reason": "Bored"}
    )
    assert "Bored" in body["detail"]
    shown = await call(client, "GET", f"{A}/presence", headers=holder)
    assert shown["offers"] == [chat["chat_id"]] and "Other" in shown["decline_reasons"]
    reason = {"reason": "Other"}
    declined = await call(client, "POST", f"{path}/decline", headers=holder, json=reason)
    kinds = [row["type"] for row in declined["events"]]
    assert kinds[:2] == ["OfferEnded", "ChatOffered"], kinds
    ended = await receive_until(ws_holder, lambda got: _has(got, "OfferEnded"))
    assert _has(ended, "OfferEnded", agent_id=first)
    second = "bob" if first == "alice" else "alice"
    seen = await receive_until(ws_other, lambda got: _has(got, "ChatOffered", agent_id=second))
    # The other agent of the queue saw the first offer and its end too (its list item moves).
    assert _has(seen, "ChatOffered", agent_id=first) and _has(seen, "OfferEnded", agent_id=first)
    summary = (await call(client, "GET", f"{A}/queue", headers=other))["chats"][0]
    assert summary["offered_to"] not in (None, first)
    accepted = await call(client, "POST", f"{path}/accept", headers=other, json={})
    assert accepted["chat"]["status"] == "assigned"
    await ws_alice.close()
    await ws_bob.close()


def _has(messages: list[dict[str, Any]], kind: str, **fields: Any) -> bool:
    return any(
        m["type"] == kind and all(m.get(k) == v for k, v in fields.items()) for m in messages
    )


# --- wrap-up and Ready --------------------------------------------------------------------------


async def test_wrap_up_holds_the_slot_until_ready(aiohttp_client, tmp_path):
    queues = {"Acme/GENERAL": {"wrap_up": 600}, "Acme/NETWORK": {}}
    client = await routed_client(aiohttp_client, tmp_path, auto_accept=True, queues=queues)
    alice = agent("alice")
    await on_duty(client, alice)
    first = await hand_off(client)
    assert first["status"] == "assigned"
    await call(client, "POST", f"{A}/chats/{first['chat_id']}/end", headers=alice, json={})
    second = await hand_off(client, customer={"id": "c9", "name": "Next"})
    assert second["status"] == "queued", "the wrap-up did not hold the slot"
    shown = await call(client, "GET", f"{A}/presence", headers=alice)
    assert [w["chat_id"] for w in shown["wrap_ups"]] == [first["chat_id"]]
    assert shown["wrap_ups"][0]["until"] is not None and shown["load"] == 1
    await refused(client, "POST", f"{A}/ready", 409, "wrong_state", alice, {"chat_id": "nope"})
    ready = await call(client, "POST", f"{A}/ready", headers=alice, json={})
    assert ready["wrap_ups"] == []
    assert bridge_of(client).engine.chat_state(second["chat_id"]) == "assigned"
    await refused(client, "POST", f"{A}/ready", 409, "wrong_state", alice, {})


# --- retrials ---------------------------------------------------------------------------------


async def test_a_new_handoff_from_the_same_customer_within_the_window_is_a_retrial(
    aiohttp_client, tmp_path
):
    client = await routed_client(aiohttp_client, tmp_path)
    first = await hand_off(client)
    await call(
        client,
        "POST",
        f"/api/v1/chats/{first['chat_id']}/cancel",
        headers=bearer(first["user_token"]),
    )
    again = await hand_off(client)
    other = await hand_off(client, customer={"id": "someone-else", "name": "X"})
    listed = {
        c["chat_id"]: c
        for c in (await call(client, "GET", f"{A}/queue", headers=agent("a")))["chats"]
    }
    assert listed[again["chat_id"]]["retrial_of"] == first["chat_id"]
    assert listed[other["chat_id"]]["retrial_of"] is None


async def test_no_retrial_is_linked_when_the_window_is_off(aiohttp_client, tmp_path):
    client = await routed_client(aiohttp_client, tmp_path, routing={"retrial_window": None})
    first = await hand_off(client)
    await call(
        client,
        "POST",
        f"/api/v1/chats/{first['chat_id']}/cancel",
        headers=bearer(first["user_token"]),
    )
    again = await hand_off(client)
    listed = (await call(client, "GET", f"{A}/queue", headers=agent("a")))["chats"]
    assert [c["retrial_of"] for c in listed if c["chat_id"] == again["chat_id"]] == [None]


# --- tokens and single sign-on carry skills -----------------------------------------------------


def test_an_agent_token_carries_skills_and_refuses_malformed_levels():
    import jwt
    import pytest

    from bridge.runtime.tokens import Unauthorized

    from .support import SECRET

    s = signer()
    claims = s.agent(s.agent_token("a", "A", "B", ["Acme/GENERAL"], skills={"vpn": 3}))
    assert claims.skill_levels == {"vpn": 3}
    assert s.agent(s.agent_token("a", "A", "B", [])).skill_levels == {}
    forged = jwt.encode(
        {"sub": "a", "exp": 2**40, "skills": {"vpn": "high"}}, SECRET, algorithm="HS256"
    )
    with pytest.raises(Unauthorized, match="malformed"):
        s.agent(forged)


def test_oidc_groups_grant_skills_and_the_highest_level_wins():
    from bridge.oidc_settings import OidcSettings
    from bridge.runtime.oidc import profile_of

    settings = OidcSettings(
        issuer="https://id.example",
        client_id="c",
        groups={
            "agents": {
                "roles": ["IT Agent"],
                "permissions": ["ESChat_Agent"],
                "skills": {"vpn": 1},
            },
            "network-team": {"skills": {"vpn": 4, "german": 2}},
        },
    )
    profile = profile_of(
        settings, {"preferred_username": "u", "groups": ["agents", "network-team"]}
    )
    assert profile.skills == {"vpn": 4, "german": 2}


def test_settings_refuse_skill_levels_the_engine_could_never_match():
    import pytest
    from pydantic import ValidationError

    for bad in (
        {"queues": {"Acme/GENERAL": {"skills": {"vpn": 11}}}},
        {"queues": {"Acme/GENERAL": {"relax": [{"after": 60}]}}},
        {"routing": {"offers": {"missed_state": "Available"}}},
        {"routing": {"presence_states": ["Available"]}},
    ):
        with pytest.raises(ValidationError):
            make_settings(Path("unused.db"), engine=bad)
