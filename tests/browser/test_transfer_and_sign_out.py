"""The console after a transfer to a named agent (issue 12.7) and its Sign out (issue 12.1)."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from .support import Pages, accept_from_queue, end_chat, needs_chromium, sign_in, start_chat

pytestmark = needs_chromium


def alice_holds_a_chat(pages: Pages, question: str, customer: str) -> tuple[Page, Page, Page]:
    """Alice and Bob signed in to their consoles, and a user's chat that Alice accepted:
    (alice, bob, user)."""
    alice = pages.open("/console")
    sign_in(alice, "alice")
    bob = pages.open("/console")
    sign_in(bob, "bob")
    user = pages.open("/chat")
    start_chat(user, question, name=customer)
    accept_from_queue(alice, customer)
    return alice, bob, user


def test_after_a_transfer_to_a_named_agent_the_dialog_closes_and_the_chat_stays_readable(
    pages: Pages,
) -> None:
    alice, bob, user = alice_holds_a_chat(pages, "My printer jams on every page", "Tara Tanner")
    alice.locator("#composer-text").fill("Checking the tray now.")
    alice.locator("#composer-text").press("Enter")
    expect(alice.locator("#history")).to_contain_text("Checking the tray now.")

    alice.get_by_role("button", name="Transfer", exact=True).click()
    dialog = alice.locator("#transfer-dialog")
    dialog.get_by_label("Target").select_option(label="Bob Brown")
    dialog.get_by_label("Note for the next agent").fill("Hardware: needs a new roller.")
    dialog.get_by_role("button", name="Transfer", exact=True).click()

    expect(dialog).to_be_hidden()
    expect(alice.locator("#transfer-error")).to_have_text("")
    expect(alice.locator("#toast")).to_contain_text("Chat transferred to Bob Brown")
    # Alice still reads what she held, and has no action left on it.
    expect(alice.locator("#chat-meta")).to_contain_text("Transferred, waiting")
    expect(alice.locator("#history")).to_contain_text("Checking the tray now.")
    expect(alice.locator("#chat-actions").get_by_role("button")).to_have_count(0)
    expect(alice.locator("#composer")).to_be_hidden()
    bob.get_by_role("tab", name=re.compile("Transferred")).click()
    expect(bob.locator("#incoming-list")).to_contain_text("Tara Tanner")
    bob.locator("#incoming-list").get_by_role("button", name=re.compile("Tara Tanner")).click()
    bob.get_by_role("button", name="Accept").click()
    expect(bob.locator("#chat-meta")).to_contain_text("Assigned to you")
    end_chat(bob, user)


def test_sign_out_gives_the_agents_chats_back_to_the_queue_at_once(pages: Pages) -> None:
    alice, bob, user = alice_holds_a_chat(pages, "Outlook will not start", "Sam Signout")
    expect(user.locator("#queue-info")).to_have_text("Alice Adams is chatting with you.")

    alice.get_by_role("button", name="Sign out").click()
    expect(alice.locator("#signin")).to_be_visible()
    # Not after the 120 s grace of the demo: the chat waits for the next agent now.
    bob.get_by_role("tab", name=re.compile("^Queue")).click()
    expect(bob.locator("#incoming-list")).to_contain_text("Sam Signout")
    expect(user.get_by_role("log")).to_contain_text("Your agent is no longer available")
    accept_from_queue(bob, "Sam Signout")
    end_chat(bob, user)
