"""The Bot Framework channel with authentication enforced both ways, against a local Bot
Connector and identity provider (``fakes.botframework``); wire JSON from botbuilder-schema."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp.test_utils import TestClient
from botbuilder.schema import Activity, ActivityTypes, ChannelAccount, ConversationAccount

from bridge.runtime.connector_auth import ClientCredentials, ConnectorAuth
from bridge.settings import Settings

from .fakes.botframework import (
    APP_ID,
    APP_PASSWORD,
    METADATA_PATH,
    SCOPE,
    FakeConnector,
    FakeIdentityProvider,
    new_key,
)
from .support import accept, agent_headers, bridge_of, call, make_settings
from .test_botframework import URL, USER, wire

ALICE = agent_headers("alice", ("Acme/GENERAL", "Acme/NETWORK"))
Fakes = tuple[FakeIdentityProvider, FakeConnector, str]


@pytest.fixture
async def fakes(aiohttp_server: Any) -> Fakes:
    provider = FakeIdentityProvider()
    provider.base = str((await aiohttp_server(provider.app)).make_url("")).rstrip("/")
    connector = FakeConnector(provider)
    service_url = str((await aiohttp_server(connector.app)).make_url("/"))
    return provider, connector, service_url


@pytest.fixture
def settings(tmp_path: Path, fakes: Fakes) -> Settings:
    provider = fakes[0]
    return make_settings(
        tmp_path / "events.db",
        botframework={
            "auth": True,
            "source": "bot",
            "app_id": APP_ID,
            "app_password": APP_PASSWORD,
            "openid_metadata_url": provider.base + METADATA_PATH,
            "token_endpoint": provider.base + "/token",
            "scope": SCOPE,
        },
    )


async def send(
    client: TestClient, body: dict[str, Any], token: str | None, status: int = 201
) -> dict[str, Any]:
    headers = {"Authorization": f"Bearer {token}"} if token is not None else {}
    return await call(client, "POST", URL, status, headers, body)


def user_says(service_url: str, text: str, activity_id: str, conversation: str = "conv-1") -> Any:
    return Activity(
        type=ActivityTypes.message,
        id=activity_id,
        text=text,
        from_property=USER,
        recipient=ChannelAccount(id="it-help-bot", role="bot"),
        channel_id="webchat",
        conversation=ConversationAccount(id=conversation),
        service_url=service_url,
    ).serialize()


def nothing_stored(client: TestClient) -> bool:
    bridge = bridge_of(client)
    counts = bridge.store.counts()
    return bridge.engine.chats == {} and counts["events"] == counts["idempotency"] == 0


async def test_a_conversation_initiate_accepted_messages_both_ways_completed(
    client: TestClient, fakes: Fakes
):
    provider, connector, service_url = fakes
    assert "webchat" in provider.endorsements, "the signing key is endorsed for the channel"
    token = provider.connector_token(service_url)
    body = wire(service_url, {"company": "Acme", "skill": "NETWORK"})
    assert body["channelId"] == "webchat"
    chat_id = (await send(client, body, token))["chat_id"]
    await accept(client, chat_id, ALICE)
    status = await connector.status()
    assert (status["state"], status["chatId"]) == ("accepted", chat_id)

    said = await send(client, user_says(service_url, "It dropped again", "act-1"), token)
    again = await send(client, user_says(service_url, "It dropped again", "act-1"), token, 200)
    assert again == said, "a redelivered activity is the same message, once"
    chat = await call(client, "GET", f"/api/v1/agent/chats/{chat_id}", headers=ALICE)
    user_lines = [r["payload"]["text"] for r in chat["history"]
                  if r["type"] == "MessagePosted" and r["payload"]["sender"] == "user"]  # fmt: skip
    assert user_lines == ["It dropped again"]

    await call(client, "POST", f"/api/v1/agent/chats/{chat_id}/messages", 201, ALICE,
               {"text": "Alice here, resetting your VPN profile"})  # fmt: skip
    texts = []
    while not texts or texts[-1] != "Alice here, resetting your VPN profile":
        texts.append((await connector.message()).text)
    assert any("joined" in text.lower() for text in texts[:-1]), texts  # the joined notice
    await call(client, "POST", f"/api/v1/agent/chats/{chat_id}/end", headers=ALICE)
    assert (await connector.status())["state"] == "completed"
    assert connector.refused == [], "every post carried a token the provider issued"
    assert len(provider.token_requests) == 1, "the bot token is cached, not fetched per post"


@pytest.mark.parametrize("why", ["audience", "signer", "issuer", "expired", "service_url"])
async def test_a_bad_connector_token_is_refused_with_401_and_nothing_stored(
    client: TestClient, fakes: Fakes, why: str
):
    provider, connector, service_url = fakes
    token = {
        "audience": lambda: provider.connector_token(service_url, audience="another-bot"),
        "signer": lambda: provider.connector_token(service_url, key=new_key()),
        "issuer": lambda: provider.connector_token(service_url, issuer="https://evil.example"),
        "expired": lambda: provider.connector_token(service_url, lifetime=-3600),
        "service_url": lambda: provider.connector_token("https://elsewhere.example/"),
    }[why]()
    refused = await send(client, wire(service_url, {"company": "Acme"}), token, 401)
    assert refused["code"] == "botframework_unauthorized" and refused["detail"]
    assert nothing_stored(client)
    assert connector.inbox.empty(), "a refused activity is not answered either"


async def test_a_key_not_endorsed_for_the_activitys_channel_is_refused_and_nothing_stored(
    client: TestClient, fakes: Fakes
):
    provider, connector, service_url = fakes
    token = provider.connector_token(service_url)  # a good token, from a key for other channels
    body = {**wire(service_url, {"company": "Acme"}), "channelId": "slack"}
    refused = await send(client, body, token, 401)
    assert refused["code"] == "botframework_unauthorized"
    assert refused["detail"] == "the signing key is not endorsed for channel slack"
    assert nothing_stored(client)
    assert connector.inbox.empty(), "a refused activity is not answered either"


async def test_a_user_message_claiming_an_unendorsed_channel_is_not_posted(
    client: TestClient, fakes: Fakes
):
    provider, _, service_url = fakes
    token = provider.connector_token(service_url)
    chat_id = (await send(client, wire(service_url, {"company": "Acme"}), token))["chat_id"]
    events = bridge_of(client).store.counts()["events"]
    body = {**user_says(service_url, "wire the refund", "act-7"), "channelId": "directline"}
    refused = await send(client, body, token, 401)
    assert refused["detail"] == "the signing key is not endorsed for channel directline"
    assert bridge_of(client).store.counts()["events"] == events, "nothing stored"
    chat = await call(client, "GET", f"/api/v1/agent/chats/{chat_id}", headers=ALICE)
    assert all(r["payload"].get("text") != "wire the refund" for r in chat["history"])


@pytest.mark.parametrize("published", [None, []])
async def test_a_key_listing_no_endorsements_is_not_limited_to_channels(
    client: TestClient, fakes: Fakes, published: list[str] | None
):
    provider, _, service_url = fakes
    provider.endorsements = published  # as the SDK: no list, no claim to check
    body = {**wire(service_url, {"company": "Acme"}), "channelId": "slack"}
    assert (await send(client, body, provider.connector_token(service_url)))["chat_id"]


@pytest.mark.parametrize("published", ["webchat", [["webchat"]], {"webchat": True}])
async def test_malformed_endorsements_refuse_rather_than_admit_any_channel(
    client: TestClient, fakes: Fakes, published: Any
):
    provider, _, service_url = fakes
    provider.endorsements = published
    token = provider.connector_token(service_url)
    refused = await send(client, wire(service_url, {"company": "Acme"}), token, 401)
    assert refused["code"] == "botframework_unauthorized"
    assert "endorsements are not a list of channel ids" in refused["detail"]
    assert nothing_stored(client)


async def test_the_source_key_alone_does_not_pass_when_auth_is_on(client: TestClient, fakes: Fakes):
    _, _, service_url = fakes
    response = await client.post(
        URL, json=wire(service_url, {"company": "Acme"}), headers={"X-API-Key": "source-key"}
    )
    assert response.status == 401
    assert (await response.json())["code"] == "botframework_unauthorized"
    assert nothing_stored(client)


async def test_a_message_on_a_conversation_never_handed_over_is_404_and_stores_nothing(
    client: TestClient, fakes: Fakes
):
    provider, _, service_url = fakes
    token = provider.connector_token(service_url)
    refused = await send(client, user_says(service_url, "hello?", "a-9", "conv-x"), token, 404)
    assert refused["code"] == "unknown_conversation"
    assert nothing_stored(client)


async def test_a_revoked_bot_token_is_replaced_and_the_answer_still_arrives(
    client: TestClient, fakes: Fakes
):
    provider, connector, service_url = fakes
    token = provider.connector_token(service_url)
    chat_id = (await send(client, wire(service_url, {"company": "Acme"}), token))["chat_id"]
    await accept(client, chat_id, ALICE)
    assert (await connector.status())["state"] == "accepted"
    provider.issued.clear()  # the provider revokes the token the bridge holds
    await call(client, "POST", f"/api/v1/agent/chats/{chat_id}/messages", 201, ALICE,
               {"text": "still there?"})  # fmt: skip
    texts = [(await connector.message()).text]
    while texts[-1] != "still there?":
        texts.append((await connector.message()).text)
    assert len(connector.refused) == 1, "one post was refused with the revoked token"
    assert len(provider.token_requests) == 2, "and the retry fetched a fresh one"


async def test_the_client_credentials_token_is_reused_until_shortly_before_it_expires(
    fakes: Fakes,
):
    provider = fakes[0]
    now = [0.0]
    credentials = ClientCredentials(
        provider.base + "/token", APP_ID, APP_PASSWORD, SCOPE, margin=300, clock=lambda: now[0]
    )
    async with aiohttp.ClientSession() as session:
        first = await credentials.token(session)
        now[0] = 3600 - 301
        assert await credentials.token(session) == first
        now[0] = 3600 - 299  # inside the refresh margin
        assert await credentials.token(session) != first
    assert len(provider.token_requests) == 2


def test_the_token_goes_only_to_the_bot_sources_connector_routes():
    credentials = ClientCredentials("http://idp/token", APP_ID, APP_PASSWORD, SCOPE)
    hook = ConnectorAuth("bot", credentials, 5)
    assert hook.applies("bot", "https://smba.example/amer/v3/conversations/a%2Fb/activities")
    assert not hook.applies("bot", "https://hooks.example/livechat")  # its callback_url
    assert not hook.applies("other", "https://smba.example/v3/conversations/c/activities")


def test_a_channel_for_an_unknown_source_or_without_credentials_is_a_config_error(
    tmp_path: Path,
):
    with pytest.raises(ValueError, match="not a configured source"):
        make_settings(tmp_path / "e.db", botframework={"auth": False, "source": "nobody"})
    with pytest.raises(ValueError, match="app_id and app_password"):
        make_settings(tmp_path / "e.db", botframework={"auth": True, "source": "bot"})
