"""Agent single sign-on through a local OpenID Connect provider (tests/oidc_provider.py),
driven over HTTP the way the console and an attacker reach the bridge."""

from __future__ import annotations

import base64
import hashlib
import secrets
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import aiohttp
import jwt
import pytest
from aiohttp.test_utils import TestClient

from bridge.app import make_app
from bridge.oidc_settings import OidcSettings
from bridge.runtime.oidc import CALLBACK_PATH, OidcNotPermitted, profile_of
from tests.oidc_provider import CLIENT_ID, IdpUser, OidcProvider, new_key

from .support import accept, bearer, bridge_of, call, hand_off, make_settings

USERS = {
    "ann": IdpUser(
        "ann-pw",
        {
            "preferred_username": "ann",
            "given_name": "Ann",
            "family_name": "Agent",
            "groups": ["desk-agents", "acme-desk"],
        },
    ),
    "bob": IdpUser("bob-pw", {"preferred_username": "bob", "groups": ["staff", "acme-desk"]}),
}
GROUPS = {
    "desk-agents": {"roles": ["IT Agent"], "permissions": ["ESChat_Agent"]},
    "acme-desk": {"queues": ["Acme/GENERAL", "Acme/NETWORK"]},
}
SESSION = "/api/v1/oidc/session"
REDIRECT = f"http://127.0.0.1{CALLBACK_PATH}"


def oidc_section(provider: OidcProvider) -> dict[str, Any]:
    return {"name": "Test IdP", "issuer": provider.url, "client_id": CLIENT_ID, "groups": GROUPS}


@pytest.fixture
async def provider() -> AsyncIterator[OidcProvider]:
    async with OidcProvider(USERS).running() as running:
        yield running


@pytest.fixture
async def sso(aiohttp_client, tmp_path: Path, provider: OidcProvider) -> TestClient:
    settings = make_settings(tmp_path / "sso.db", oidc=oidc_section(provider))
    return await aiohttp_client(make_app(settings))


def pkce() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest())
    return verifier, challenge.rstrip(b"=").decode()


async def authorize(provider: OidcProvider, user: str, challenge: str, nonce: str) -> str:
    """What the browser does at the provider: log in, follow the redirect; returns the code."""
    query = {
        "response_type": "code",
        "client_id": CLIENT_ID,
        "redirect_uri": REDIRECT,
        "scope": "openid profile",
        "state": "s1",
        "nonce": nonce,
        "code_challenge": challenge,
        "code_challenge_method": "S256",
    }
    form = {"username": user, "password": USERS[user].password}
    url = f"{provider.url}/authorize?{urlencode(query)}"
    async with (
        aiohttp.ClientSession() as session,
        session.post(url, data=form, allow_redirects=False) as response,
    ):
        assert response.status == 302
        location = urlsplit(response.headers["Location"])
    assert location.path == CALLBACK_PATH
    params = parse_qs(location.query)
    assert params["state"] == ["s1"]
    return params["code"][0]


async def code_flow(client: TestClient, provider: OidcProvider, user: str, status: int) -> Any:
    verifier, challenge = pkce()
    code = await authorize(provider, user, challenge, "n-1")
    body = {"code": code, "code_verifier": verifier, "redirect_uri": REDIRECT, "nonce": "n-1"}
    return await call(client, "POST", SESSION, status, json=body)


async def test_an_agent_signs_in_with_code_and_pkce_and_works_a_chat(sso, provider):
    token = (await code_flow(sso, provider, "ann", 200))["token"]
    agent = bearer(token)
    me = await call(sso, "GET", "/api/v1/agent/me", headers=agent)
    assert me["agent_id"] == "ann" and me["display_name"] == "Ann Agent"
    assert me["queues"] == ["Acme/GENERAL", "Acme/NETWORK"]
    chat = await hand_off(sso)
    accepted = await accept(sso, chat["chat_id"], agent)
    assert accepted["chat"]["agent_id"] == "ann"
    path = f"/api/v1/agent/chats/{chat['chat_id']}/messages"
    await call(sso, "POST", path, 201, agent, {"text": "Hello from SSO"})


async def test_a_wrong_code_verifier_is_refused_and_nobody_is_signed_in(sso, provider):
    _, challenge = pkce()
    code = await authorize(provider, "ann", challenge, "n-1")
    other_verifier, _ = pkce()
    body = {"code": code, "code_verifier": other_verifier, "redirect_uri": REDIRECT, "nonce": "n-1"}
    refused = await call(sso, "POST", SESSION, 401, json=body)
    assert refused["code"] == "oidc_token_invalid" and "PKCE" in refused["detail"]
    assert "ann" not in bridge_of(sso).engine.agents


async def test_an_authorization_code_works_once(sso, provider):
    verifier, challenge = pkce()
    code = await authorize(provider, "ann", challenge, "n-1")
    body = {"code": code, "code_verifier": verifier, "redirect_uri": REDIRECT, "nonce": "n-1"}
    await call(sso, "POST", SESSION, 200, json=body)
    again = await call(sso, "POST", SESSION, 401, json=body)
    assert again["code"] == "oidc_token_invalid"


async def test_an_agent_without_the_permission_group_is_refused(sso, provider):
    refused = await code_flow(sso, provider, "bob", 403)
    assert refused["code"] == "oidc_not_permitted" and "ESChat_Agent" in refused["detail"]
    assert "bob" not in bridge_of(sso).engine.agents
    minted = provider.mint({"sub": "bob", **USERS["bob"].claims})
    direct = await call(sso, "POST", SESSION, 403, json={"id_token": minted})
    assert direct["code"] == "oidc_not_permitted"


ANN = {"sub": "ann", **USERS["ann"].claims}


def forged(provider: OidcProvider, other: OidcProvider, case: str) -> str:
    now = int(time.time())
    if case == "another_issuer":
        return other.mint(ANN)
    if case == "issuer_claim_changed":
        return provider.mint({**ANN, "iss": other.url})
    if case == "another_audience":
        return provider.mint({**ANN, "aud": "someone-else"})
    if case == "signed_with_another_key":
        return provider.mint(ANN, key=new_key())
    if case == "expired":
        return provider.mint({**ANN, "iat": now - 7200, "exp": now - 3600})
    if case == "unsigned":
        return jwt.encode(
            {**ANN, "iss": provider.url, "aud": CLIENT_ID, "exp": now + 60}, None, "none"
        )
    raise AssertionError(case)


@pytest.mark.parametrize(
    "case",
    [
        "another_issuer",
        "issuer_claim_changed",
        "another_audience",
        "signed_with_another_key",
        "expired",
        "unsigned",
    ],
)
async def test_an_id_token_that_does_not_verify_is_refused(sso, provider, case):
    async with OidcProvider(USERS).running() as other:
        token = forged(provider, other, case)
        refused = await call(sso, "POST", SESSION, 401, json={"id_token": token})
    assert refused["code"] == "oidc_token_invalid"
    assert "ann" not in bridge_of(sso).engine.agents


async def test_an_id_token_with_another_nonce_is_refused(sso, provider):
    token = provider.mint({**ANN, "nonce": "from-the-attacker"})
    refused = await call(sso, "POST", SESSION, 401, json={"id_token": token, "nonce": "mine"})
    assert refused["code"] == "oidc_token_invalid" and "nonce" in refused["detail"]


async def test_a_session_body_must_be_a_code_or_an_id_token(sso, provider):
    for body in ({"code": "c"}, {"id_token": "t", "code": "c"}, {}):
        refused = await call(sso, "POST", SESSION, 422, json=body)
        assert refused["code"] == "invalid_body"
    wrong_callback = {
        "code": "c",
        "code_verifier": "v" * 43,
        "redirect_uri": "https://evil.example/steal",
        "nonce": "n",
    }
    assert (await call(sso, "POST", SESSION, 422, json=wrong_callback))["code"] == "invalid_body"


async def test_the_console_learns_how_to_start_the_flow(sso, provider, client):
    config = await call(sso, "GET", "/api/v1/oidc/config")
    assert config["enabled"] is True and config["name"] == "Test IdP"
    assert config["authorization_endpoint"] == f"{provider.url}/authorize"
    assert config["client_id"] == CLIENT_ID and config["redirect_path"] == CALLBACK_PATH
    assert await call(client, "GET", "/api/v1/oidc/config") == {"enabled": False}
    off = await call(client, "POST", SESSION, 404, json={"id_token": "x"})
    assert off["code"] == "oidc_not_configured"


async def test_an_unreachable_provider_is_502_and_signs_nobody_in(aiohttp_client, tmp_path):
    async with OidcProvider(USERS).running() as gone:
        section = oidc_section(gone)
    settings = make_settings(tmp_path / "events.db", oidc=section)
    client = await aiohttp_client(make_app(settings))
    refused = await call(client, "POST", SESSION, 502, json={"id_token": "x.y.z"})
    assert refused["code"] == "oidc_unavailable"
    assert bridge_of(client).engine.agents == {}


async def test_signing_keys_that_cannot_be_fetched_are_502_not_a_refused_token(
    aiohttp_client, tmp_path
):
    async with OidcProvider(USERS).running() as idp:
        client = await aiohttp_client(
            make_app(make_settings(tmp_path / "k.db", oidc=oidc_section(idp)))
        )
        assert (await call(client, "GET", "/api/v1/oidc/config"))["enabled"] is True
        token = idp.mint(ANN)
    # Discovery is remembered, the provider is gone: its keys cannot be fetched.
    refused = await call(client, "POST", SESSION, 502, json={"id_token": token})
    assert refused["code"] == "oidc_unavailable" and "signing keys" in refused["detail"]
    assert "ann" not in bridge_of(client).engine.agents


def test_groups_add_up_and_nested_claims_are_reached():
    settings = OidcSettings(
        issuer="https://idp.example",
        client_id="c",
        claims={"groups": "realm_access.roles", "agent_id": "email"},
        groups=GROUPS,
    )
    claims = {"sub": "x", "email": "ann@example.com", "realm_access": {"roles": list(GROUPS)}}
    profile = profile_of(settings, claims)
    assert profile.agent_id == "ann@example.com"
    assert profile.roles == ["IT Agent"] and profile.permissions == ["ESChat_Agent"]
    assert profile.queues == ["Acme/GENERAL", "Acme/NETWORK"]
    with pytest.raises(OidcNotPermitted):
        profile_of(settings, {**claims, "realm_access": {"roles": ["acme-desk"]}})


async def test_a_confidential_client_sends_its_secret_and_a_wrong_one_is_refused(
    aiohttp_client, tmp_path
):
    async with OidcProvider(USERS, client_secret="s3cret").running() as idp:
        for n, (secret, status) in enumerate((("wrong", 401), ("s3cret", 200))):
            section = {**oidc_section(idp), "client_secret": secret}
            settings = make_settings(tmp_path / f"events-{n}.db", oidc=section)
            client = await aiohttp_client(make_app(settings))
            answer = await code_flow(client, idp, "ann", status)
            assert ("token" in answer) == (status == 200)
            await client.close()
