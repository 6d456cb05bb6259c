"""Issue 13 through a running bridge and the console: priorities, skills and their relaxation,
presence with reasons, offers (Accept / Decline), and wrap-up until Ready.

The bridge is this module's own (auto-accept with offers, skills on NETWORK relaxing after
2 s, wrap-up on GENERAL), so the package's shared demo bridge keeps its manual mode. Every
test sets the presence of the agents it uses and ends the chats it opens.
"""

from __future__ import annotations

import json
import re
import urllib.request
from collections.abc import Iterator
from itertools import count

import pytest
from playwright.sync_api import Page, expect

from .support import Pages, RunningBridge, end_chat, needs_chromium, pages_on, run_bridge, sign_in

pytestmark = needs_chromium

CONFIG = """\
engine:
  auto_accept: true
  queues:
    "Calbro Services/NETWORK":
      skills: {network: 3}
      relax: [{after: 2s, level: 2}]
    "Calbro Services/GENERAL":
      wrap_up: 10m
  routing:
    offers: {timeout: 5m, decline_reasons: [Busy with another task, Wrong skill, Other]}
"""
_customers = count(1)


@pytest.fixture(scope="module")
def routed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningBridge]:
    workdir = tmp_path_factory.mktemp("routing")
    (workdir / "routing.yaml").write_text(CONFIG)
    env = {"LIVECHAT_CONFIG_FILE": str(workdir / "routing.yaml")}
    with run_bridge(workdir, env) as running:
        yield running


@pytest.fixture
def pages(browser, routed: RunningBridge) -> Iterator[Pages]:
    with pages_on(browser, routed.url) as opened:
        yield opened


def hand_off(bridge: RunningBridge, queue: str, name: str, **extra: object) -> str:
    """A virtual agent's handoff (the demo bot's key); returns the chat id."""
    body = {
        "source": "virtual_agent",
        "company": "Calbro Services",
        "queue": queue,
        "customer": {"id": f"PPL-R{next(_customers):04d}", "name": name},
        "question": f"{name} needs help",
        **extra,
    }
    request = urllib.request.Request(
        f"{bridge.url}/api/v1/handoffs",
        data=json.dumps(body).encode(),
        headers={"X-API-Key": "demo-source-key", "Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.load(response)["chat_id"]


def console(pages: Pages, agent: str, status: str = "Available") -> Page:
    page = pages.open("/console")
    sign_in(page, agent)
    set_presence(page, status)
    return page


def set_presence(page: Page, status: str) -> None:
    page.get_by_label("Presence").select_option(status)
    expect(page.locator("#presence")).to_have_attribute("data-status", status)


def offer(page: Page, customer: str):
    return page.locator(".offer-card", has_text=f"Chat offered: {customer}")


def accept_offer(page: Page, customer: str) -> None:
    offer(page, customer).get_by_role("button", name="Accept").click()
    expect(page.locator("#chat-meta")).to_contain_text("Assigned to you")


def finish(page: Page, wrap_up: bool) -> None:
    """End Chat; on a queue with wrap-up, the countdown shows until Ready frees the slot."""
    end_chat(page)
    if wrap_up:
        expect(page.locator("#wrap-up")).to_contain_text("left")
        page.locator("#wrap-up").get_by_role("button", name="Ready").click()
    expect(page.locator("#wrap-up")).to_be_hidden()


def queue_item(page: Page, customer: str):
    return page.locator("#incoming-list .chat-item", has_text=customer)


def test_break_stops_offers_and_a_vip_chat_overtakes(pages: Pages, routed: RunningBridge):
    alice = console(pages, "alice", "Break")
    hand_off(routed, "GENERAL", "Nora Normal")
    hand_off(routed, "GENERAL", "Vera Vip", priority=5)
    # On Break: both wait in priority order, the VIP first with its badge, and no offer.
    items = alice.locator("#incoming-list .chat-item")
    expect(items).to_have_count(2)
    expect(items.first).to_contain_text("Vera Vip")
    expect(items.first.locator(".tag-vip")).to_have_text("VIP")
    expect(alice.locator(".offer-card")).to_have_count(0)

    set_presence(alice, "Available")
    expect(offer(alice, "Vera Vip")).to_be_visible()
    expect(offer(alice, "Vera Vip").locator(".offer-countdown")).to_have_text(
        re.compile(r"^[45]:[0-5][0-9] left$")  # the 5 m timeout, counting down
    )
    accept_offer(alice, "Vera Vip")
    # Wrap-up holds the slot: the next chat is not offered until Ready.
    end_chat(alice)
    expect(alice.locator("#wrap-up")).to_contain_text("left")
    expect(queue_item(alice, "Nora Normal")).not_to_contain_text("Offered")
    expect(alice.locator(".offer-card")).to_have_count(0)
    alice.locator("#wrap-up").get_by_role("button", name="Ready").click()
    expect(offer(alice, "Nora Normal")).to_be_visible()
    accept_offer(alice, "Nora Normal")
    finish(alice, wrap_up=True)


def test_a_chat_needing_a_skill_reaches_the_one_agent_who_has_it(
    pages: Pages, routed: RunningBridge
):
    carol = console(pages, "carol")  # network 2: not enough for NETWORK's 3
    alice = console(pages, "alice")  # network 4
    hand_off(routed, "NETWORK", "Sam Skill")
    expect(offer(alice, "Sam Skill")).to_be_visible()
    expect(queue_item(carol, "Sam Skill")).to_contain_text("Needs network 3")
    expect(carol.locator(".offer-card")).to_have_count(0)
    accept_offer(alice, "Sam Skill")
    finish(alice, wrap_up=False)


def test_relaxation_hands_the_chat_to_a_lower_level_after_the_wait(
    pages: Pages, routed: RunningBridge
):
    alice = console(pages, "alice", "Lunch")
    carol = console(pages, "carol")
    hand_off(routed, "NETWORK", "Rita Relax")
    expect(queue_item(carol, "Rita Relax")).to_contain_text("Needs network 3")
    expect(carol.locator(".offer-card")).to_have_count(0)
    # After the queue's 2 s step, level 2 will do: the offer comes to Carol by itself.
    expect(offer(carol, "Rita Relax")).to_be_visible(timeout=15_000)
    expect(alice.locator(".offer-card")).to_have_count(0)
    accept_offer(carol, "Rita Relax")
    finish(carol, wrap_up=False)


def test_a_declined_offer_goes_to_the_next_agent(pages: Pages, routed: RunningBridge):
    alice = console(pages, "alice")
    bob = console(pages, "bob")
    hand_off(routed, "GENERAL", "Dora Decline")
    expect(queue_item(alice, "Dora Decline")).to_contain_text("Offered")
    mine = "Offered to you" in queue_item(alice, "Dora Decline").inner_text()
    first, second = (alice, bob) if mine else (bob, alice)
    expect(offer(first, "Dora Decline")).to_be_visible()
    card = offer(first, "Dora Decline")
    card.get_by_label("Reason").select_option("Wrong skill")
    card.get_by_role("button", name="Decline").click()
    expect(offer(first, "Dora Decline")).to_have_count(0)
    expect(offer(second, "Dora Decline")).to_be_visible()
    accept_offer(second, "Dora Decline")
    finish(second, wrap_up=True)


def test_the_presence_selector_lists_the_configured_reasons(pages: Pages):
    alice = console(pages, "alice", "Meeting")
    options = alice.get_by_label("Presence").locator("option")
    expect(options).to_have_text(["Available", "Break", "Lunch", "Training", "Meeting", "Away"])
    set_presence(alice, "Available")
    expect(alice.locator("#presence")).to_have_attribute("data-status", re.compile("^Available$"))
