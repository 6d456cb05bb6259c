"""User-supplied text is shown as text on every page it reaches, never run as markup."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from .support import Pages, end_chat, needs_chromium, send, sign_in, start_chat

pytestmark = needs_chromium

PAYLOAD = "<img src=x onerror=alert(1)>"


def test_markup_in_names_questions_and_messages_renders_as_text_on_both_sides(
    pages: Pages,
) -> None:
    bob = pages.open("/console")
    sign_in(bob, "bob")
    user = pages.open("/chat")
    start_chat(
        user,
        f"Question {PAYLOAD}",
        company="Petramco",
        name=f"Mallory {PAYLOAD}",
        customer_id="PPL000000000003",
    )

    item = bob.locator("#incoming-list").get_by_role("button", name=re.compile("Mallory"))
    expect(item).to_contain_text(f"Mallory {PAYLOAD}")
    item.click()
    bob.get_by_role("button", name="Accept").click()
    expect(bob.locator("#history")).to_contain_text(f"Question {PAYLOAD}")
    send(user, "#message", PAYLOAD)
    send(bob, "#composer-text", f"Reply {PAYLOAD}")

    expect(bob.locator("#history .msg-user .msg-text")).to_have_text(PAYLOAD)
    expect(bob.locator("#chat-title")).to_have_text(f"Mallory {PAYLOAD}")
    expect(user.get_by_role("log")).to_contain_text(f"Reply {PAYLOAD}")
    expect(user.locator("#messages .bubble-text").first).to_have_text(f"Question {PAYLOAD}")
    for page in (bob, user):
        expect(page.locator("img")).to_have_count(0)

    end_chat(bob)
    expect(user.locator("#queue-info")).to_have_text("This chat has ended.")
    # The `pages` fixture fails the test if any alert() ran or any page raised an error.
