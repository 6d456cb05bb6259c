"""Single sign-on in a real browser: an agent signs in to the console through the local OpenID
Connect provider (tests/oidc_provider.py) and works a chat; one whose groups do not grant the
chat permission is refused and stays on the sign-in page."""

from __future__ import annotations

import json
import re
import urllib.request
from collections.abc import Iterator

import pytest
from playwright.sync_api import Page, expect

from tests.oidc_provider import CLIENT_ID, IdpUser, OidcProvider

from .support import Pages, RunningBridge, needs_chromium, pages_on, run_bridge, send, start_chat

pytestmark = needs_chromium

USERS = {
    "dana": IdpUser(
        "dana-pw",
        {
            "preferred_username": "dana",
            "given_name": "Dana",
            "family_name": "Diaz",
            "groups": ["desk-agents", "calbro-desk"],
        },
    ),
    "eve": IdpUser("eve-pw", {"preferred_username": "eve", "groups": ["calbro-desk"]}),
}
GROUPS = {
    "desk-agents": {"roles": ["IT Agent"], "permissions": ["ESChat_Agent"]},
    "calbro-desk": {"queues": ["Calbro Services/GENERAL"]},
}


@pytest.fixture(scope="module")
def provider() -> Iterator[OidcProvider]:
    with OidcProvider(USERS).in_thread() as running:
        yield running


@pytest.fixture(scope="module")
def sso_bridge(
    tmp_path_factory: pytest.TempPathFactory, provider: OidcProvider
) -> Iterator[RunningBridge]:
    section = {"name": "Test IdP", "issuer": provider.url, "client_id": CLIENT_ID, "groups": GROUPS}
    env = {"LIVECHAT_OIDC": json.dumps(section)}
    with run_bridge(tmp_path_factory.mktemp("sso-bridge"), env=env) as running:
        yield running


@pytest.fixture
def sso_pages(browser, sso_bridge: RunningBridge) -> Iterator[Pages]:
    with pages_on(browser, sso_bridge.url) as opened:
        yield opened


def sign_on(console: Page, provider: OidcProvider, user: str) -> None:
    """The console's "Sign in with" button, then the provider's own login form."""
    console.get_by_role("button", name="Sign in with Test IdP").click()
    expect(console).to_have_url(re.compile(re.escape(provider.url) + "/authorize"))
    console.locator("#idp-user").fill(user)
    console.locator("#idp-password").fill(USERS[user].password)
    console.get_by_role("button", name="Continue").click()


def test_an_agent_signs_in_through_the_provider_and_works_a_chat(sso_pages, provider, sso_bridge):
    user = sso_pages.open("/chat")
    start_chat(user, "The printer prints blank pages")
    console = sso_pages.open("/console")
    sign_on(console, provider, "dana")
    expect(console.locator("#connection")).to_have_text("Live")
    expect(console).to_have_url(f"{sso_bridge.url}/console")  # the one-use code is gone
    expect(console.locator("#count-queue")).to_have_text("1")

    console.locator("#incoming-list").get_by_role("button", name=re.compile("Allen")).click()
    console.get_by_role("button", name="Accept").click()
    expect(user.locator("#queue-info")).to_have_text("Dana Diaz is chatting with you.")
    send(console, "#composer-text", "Hello Allen, Dana here.")
    expect(user.get_by_role("log")).to_contain_text("Hello Allen, Dana here.")

    console.reload()  # the bridge's token is kept for the tab: no second trip to the provider
    expect(console.locator("#connection")).to_have_text("Live")


def test_an_agent_without_the_permission_group_is_refused(sso_pages, provider, sso_bridge):
    console = sso_pages.open("/console")
    sign_on(console, provider, "eve")
    expect(console.get_by_role("alert").first).to_contain_text("ESChat_Agent")
    expect(console.get_by_role("button", name="Sign in with Test IdP")).to_be_visible()
    expect(console.locator("#app")).to_be_hidden()
    assert console.evaluate("() => sessionStorage.getItem('livechat.agentToken')") is None


def test_a_sign_in_started_on_the_dashboard_comes_back_to_it(sso_pages, provider, sso_bridge):
    board = sso_pages.open("/dashboard")
    sign_on(board, provider, "dana")
    expect(board).to_have_url(f"{sso_bridge.url}/dashboard")
    expect(board.locator("#app")).to_be_visible()
    expect(board.locator('tr[data-queue="Calbro Services/GENERAL"]')).to_be_visible()


def test_the_demo_login_stays_beside_single_sign_on(sso_pages):
    console = sso_pages.open("/console")
    expect(console.get_by_role("button", name="Sign in with Test IdP")).to_be_visible()
    console.get_by_label("User name").fill("alice")
    console.get_by_label("Password", exact=True).fill("alice-demo")
    console.get_by_role("button", name="Sign in", exact=True).click()
    expect(console.locator("#connection")).to_have_text("Live")


def test_a_callback_that_this_tab_did_not_start_signs_nobody_in(sso_pages):
    console = sso_pages.open("/console/oidc/callback?code=stolen&state=guessed")
    expect(console.get_by_role("alert").first).to_contain_text("not started from this tab")
    expect(console.locator("#app")).to_be_hidden()


def test_the_callback_page_keeps_the_strict_same_origin_policy(sso_bridge, provider):
    """The bridge redeems the code, so no page needs the provider in its CSP."""
    with urllib.request.urlopen(f"{sso_bridge.url}/console/oidc/callback?code=x") as page:
        policy = page.headers["Content-Security-Policy"]
        assert page.status == 200 and 'src="/static/js/console/main.js"' in page.read().decode()
    assert "connect-src 'self'" in policy and "form-action 'self'" in policy
    assert provider.url.split("//")[1] not in policy
