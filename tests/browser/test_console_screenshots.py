"""The console's states as pictures, at 1280 px and 400 px: the queue, a chat with its ticket,
Resolve after End Chat, the Transferred tab, and a toast beside the composer on a phone.

Re-runnable: ``LIVECHAT_SCREENSHOTS=docs/screenshots .venv/bin/pytest
tests/browser/test_console_screenshots.py -p no:randomly`` overwrites the PNGs in
docs/screenshots/ with the console as it is now; without the variable they go to a temp dir.
Each state is asserted before it is shot, so a picture never shows a half-loaded page.
"""

from __future__ import annotations

import re
from pathlib import Path

from playwright.sync_api import Page, expect

from .support import NARROW, WIDE, Pages, needs_chromium, send, shoot, start_chat
from .test_console_gaps import (
    accept,
    console,
    end_chat,
    take_transferred,
    transfer_to_bob,
    web_chat,
)

pytestmark = needs_chromium


def settle(page: Page) -> None:
    """Wait for the next two frames: layout and paint done after the last change."""
    page.evaluate("() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))")


def test_console_states(pages: Pages, screenshots: Path) -> None:
    alice = console(pages, "alice")
    bob = console(pages, "bob")
    allen = web_chat(pages, "My VPN drops every few minutes since Monday", "Allen Allbrook")
    francie = pages.open("/chat")  # a second person of the demo directory, so the panel fits
    start_chat(
        francie,
        "Outlook asks for my password again and again",
        name="Francie Stafford",
        customer_id="PPL000000000002",
        email="francie.stafford@calbroservices.com",
    )
    expect(alice.locator("#count-queue")).to_have_text(re.compile(r"^[2-9]"))
    expect(alice.locator("#tab-transferred")).to_be_hidden()
    alice.get_by_role("button", name="Mute", exact=True).click()  # the pressed state shows
    settle(alice)
    shoot(alice, screenshots, "console-queue")
    alice.get_by_role("button", name="Mute", exact=True).click()

    accept(alice, "Allen Allbrook")
    send(alice, "#composer-text", "Hello Allen, I can help. Which VPN client version do you run?")
    send(
        allen,
        "#message",
        "It is 5.2, and the log says https://vpn.calbro.example/diagnostics/"
        "session/7f3c9a1e2b4d4f8a9c0e1d2f3a4b5c6d7e8f9a0b1c2d3e4f/details",
    )
    expect(alice.locator("#history")).to_contain_text("It is 5.2")
    alice.get_by_role("tab", name="Resources").click()
    alice.get_by_role("button", name="Create Incident", exact=True).click()
    expect(
        alice.get_by_role("button", name=re.compile(r"^Resolve Incident INC\d+"))
    ).to_be_visible()
    settle(alice)
    shoot(alice, screenshots, "console-chat")

    end_chat(alice)
    expect(allen.locator("#queue-info")).to_have_text("This chat has ended.")
    alice.get_by_role("button", name=re.compile(r"^Resolve Incident INC\d+")).click()
    expect(alice.locator("#resolve-dialog")).to_be_visible()
    settle(alice)
    shoot(alice, screenshots, "console-resolve", full_page=False)
    alice.locator("#resolve-dialog").get_by_role("button", name="Resolve", exact=True).click()
    expect(alice.locator("#history")).to_contain_text(re.compile(r"is now Resolved"))

    accept(alice, "Francie Stafford")
    transfer_to_bob(alice, "Password loop: the account is locked in AD; please unlock it.")
    expect(bob.get_by_role("tab", name=re.compile("^Transferred"))).to_be_visible()
    bob.get_by_role("tab", name=re.compile("^Transferred")).click()
    bob.locator("#incoming-list").get_by_role("button", name=re.compile("Francie Stafford")).click()
    expect(bob.locator("#history .msg-note").last).to_contain_text("Password loop")
    settle(bob)
    shoot(bob, screenshots, "console-transferred")
    take_transferred(bob, "Francie Stafford")
    end_chat(bob)
    expect(francie.locator("#queue-info")).to_have_text("This chat has ended.")


def test_console_on_a_phone_with_a_toast(pages: Pages, screenshots: Path) -> None:
    alice = console(pages, "alice", viewport=NARROW)
    user = web_chat(pages, "The docking station does not charge my laptop", "Allen Allbrook")
    accept(alice, "Allen Allbrook")
    send(user, "#message", "The light on the dock stays orange.")
    expect(alice.locator("#history")).to_contain_text("stays orange")
    alice.get_by_role("tab", name="Resources").click()
    alice.get_by_role("button", name="Create Incident", exact=True).click()
    expect(alice.locator("#toast")).to_contain_text("created")
    alice.locator("#composer-send").scroll_into_view_if_needed()
    settle(alice)
    screenshots.mkdir(parents=True, exist_ok=True)
    alice.screenshot(path=screenshots / "console-toast-narrow.png")
    alice.set_viewport_size(WIDE)
    end_chat(alice)
    expect(user.locator("#queue-info")).to_have_text("This chat has ended.")
