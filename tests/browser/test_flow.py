"""The whole story in a real browser: a user, two agents and a supervisor on the demo bridge."""

from __future__ import annotations

import re
from pathlib import Path

from playwright.sync_api import Page, expect

from .support import Pages, end_chat, needs_chromium, send, shoot, sign_in, start_chat

pytestmark = needs_chromium

QUEUE = "Calbro Services/GENERAL"


def open_chat(console: Page, list_id: str, customer: str) -> None:
    console.locator(list_id).get_by_role("button", name=re.compile(customer)).click()


def cell(board: Page, column: str):
    return board.locator(f'tr[data-queue="{QUEUE}"] [data-col="{column}"]')


def answered_so_far(board: Page) -> tuple[int, int]:
    """(answered, arrived) today in the queue before this test: other tests share the bridge."""
    answered = cell(board, "answered")
    expect(answered).to_have_text(re.compile(r"^\d+ / \d+$"))
    done, arrived = (int(n) for n in answered.inner_text().split(" / "))
    return done, arrived


def test_a_web_chat_is_answered_ticketed_transferred_and_ended_across_three_pages(
    pages: Pages, screenshots: Path
) -> None:
    board = pages.open("/dashboard")
    sign_in(board, "carol")
    expect(cell(board, "waiting")).to_have_text("0")
    done, arrived = answered_so_far(board)
    alice = pages.open("/console")
    sign_in(alice, "alice")
    bob = pages.open("/console")
    sign_in(bob, "bob")

    user = pages.open("/chat")
    shoot(user, screenshots, "chat-start")
    # No employee id, as most web chat users: the workspace finds Allen by his email.
    start_chat(user, "My VPN keeps disconnecting", customer_id="")
    expect(user.locator("#queue-info")).to_contain_text("You are number 1 in the queue.")
    expect(user.locator("#queue-info")).to_contain_text("Estimated wait")
    expect(alice.locator("#count-queue")).to_have_text("1")
    expect(cell(board, "waiting")).to_have_text("1")
    shoot(board, screenshots, "dashboard")

    open_chat(alice, "#incoming-list", "Allen Allbrook")
    alice.get_by_role("button", name="Accept").click()
    expect(alice.locator("#count-mine")).to_have_text("1")
    expect(bob.locator("#count-queue")).to_have_text("0")
    expect(user.locator("#queue-info")).to_have_text("Alice Adams is chatting with you.")
    expect(cell(board, "waiting")).to_have_text("0")
    expect(cell(board, "answered")).to_have_text(f"{done + 1} / {arrived + 1}")

    send(alice, "#composer-text", "Hello Allen, I can help with the VPN.")
    expect(user.get_by_role("log")).to_contain_text("Hello Allen, I can help with the VPN.")
    send(user, "#message", "Thanks! It drops every five minutes.")
    expect(alice.locator("#history")).to_contain_text("It drops every five minutes.")

    customer = alice.locator("#panel-customer")
    expect(customer).to_contain_text("allen.allbrook@calbroservices.com")
    expect(customer).to_contain_text("Calbro Services")
    expect(customer.get_by_role("heading", name=re.compile(r"Assets \(\d+\)"))).to_be_visible()

    alice.get_by_role("tab", name="Resources").click()
    search = alice.get_by_label("Search knowledge, templates and outages")
    search.fill("VPN")
    search.press("Enter")
    article = alice.locator(".article").first
    title = article.get_by_role("link").inner_text()
    article.get_by_role("button", name=re.compile("^Share article")).click()
    expect(user.get_by_role("log").get_by_role("link", name=title)).to_be_visible()
    expect(alice.locator("#history")).to_contain_text(f"{title}")

    alice.get_by_role("button", name="Create Incident from template VPN connection failure").click()
    expect(alice.locator("#missing-fields")).to_contain_text("Missing: Impact")
    alice.get_by_label("Impact (required)").fill("3-Moderate/Limited")
    alice.get_by_role("button", name="Confirm + Save").click()
    ticket = alice.locator(".ticket")
    expect(ticket).to_contain_text("Saved")
    expect(ticket.get_by_role("heading")).to_contain_text(re.compile(r"Incident INC\d+"))
    pin = alice.locator(".article").first.get_by_role("button", name=re.compile("^Pin article"))
    pin.click()
    expect(pin).to_have_text("Pinned")

    alice.get_by_label("Note (agents only)").check()
    send(alice, "#composer-text", "VPN client is outdated; the update should fix it.")
    expect(alice.locator("#history .msg-note")).to_contain_text("VPN client is outdated")
    shoot(alice, screenshots, "console")
    shoot(user, screenshots, "chat")

    alice.get_by_role("button", name="Transfer").click()
    dialog = alice.locator("#transfer-dialog")
    dialog.get_by_label("Target").select_option(label="Bob Brown")
    dialog.get_by_label("Note for the next agent").fill("Incident raised; push the VPN update.")
    dialog.get_by_role("button", name="Transfer").click()
    expect(alice.locator("#count-mine")).to_have_text("0")
    expect(bob.locator("#count-transferred")).to_have_text("1")

    bob.get_by_role("tab", name=re.compile("Transferred")).click()
    open_chat(bob, "#incoming-list", "Allen Allbrook")
    notes = bob.locator("#history .msg-note")
    expect(notes.first).to_contain_text("VPN client is outdated")
    expect(notes.first).to_contain_text("previous agent")
    expect(notes.last).to_contain_text("Incident raised; push the VPN update.")
    bob.get_by_role("button", name="Accept").click()
    expect(user.locator("#queue-info")).to_have_text("Bob Brown is chatting with you.")
    send(bob, "#composer-text", "Hi Allen, Bob here: the update is on its way.")
    expect(user.get_by_role("log")).to_contain_text("Bob here")
    end_chat(bob)
    expect(user.locator("#queue-info")).to_have_text("This chat has ended.")
    expect(bob.locator("#chat-actions")).to_have_text("This chat is closed.")
    expect(bob.locator("#count-mine")).to_have_text("0")
    expect(cell(board, "answered")).to_have_text(f"{done + 1} / {arrived + 1}")
