"""Supervision in Chromium (issue 16 item 7): Carol, a supervisor in the demo, reads Alice's
chat live, whispers to Alice (the user never sees it), barges in (the user is told), and
takes the chat over (it moves to Carol's console)."""

from __future__ import annotations

import re
from pathlib import Path

from playwright.sync_api import Page, expect

from .support import (
    Pages,
    accept_from_queue,
    end_chat,
    needs_chromium,
    send,
    shoot,
    sign_in,
    start_chat,
)

pytestmark = needs_chromium

WHISPER = "Ask for the asset tag before you reset it"


def open_supervised(carol: Page, customer: str) -> None:
    carol.get_by_role("button", name="Supervise").click()
    chats = carol.get_by_role("list", name="Live chats of my queues")
    chats.get_by_role("button", name=re.compile(customer)).click()
    expect(carol.locator("#supervise-title")).to_contain_text("with Alice Adams")
    expect(carol.locator("#supervise-history")).to_contain_text("has joined the chat")


def test_a_whisper_reaches_the_agent_and_never_the_user_and_barge_in_reaches_the_user(
    pages: Pages, screenshots: Path
) -> None:
    alice = pages.open("/console")
    sign_in(alice, "alice")
    user = pages.open("/chat")
    start_chat(user, "My laptop will not boot", name="Wendy Whisper")
    accept_from_queue(alice, "Wendy Whisper")
    send(alice, "#composer-text", "Hello Wendy, looking into it.")
    expect(user.get_by_role("log")).to_contain_text("looking into it")

    carol = pages.open("/console")
    sign_in(carol, "carol")
    open_supervised(carol, "Wendy Whisper")
    queues = carol.get_by_role("table", name="Queues")
    expect(queues.locator('[data-queue="Calbro Services/GENERAL"]')).to_contain_text("1")
    expect(carol.locator("#supervise-history")).to_contain_text("looking into it")

    carol.get_by_label("Send as").select_option("whisper")
    send(carol, "#supervise-text", WHISPER)
    expect(alice.locator("#history")).to_contain_text(WHISPER)
    expect(alice.locator("#history .msg-whisper")).to_contain_text("Carol Chen (supervisor)")
    expect(carol.locator("#supervise-history")).to_contain_text(WHISPER)
    shoot(carol, screenshots, "console-supervise")
    shoot(alice, screenshots, "console-whisper")

    carol.get_by_role("button", name="Barge in").click()
    expect(user.get_by_role("log")).to_contain_text("Carol Chen (supervisor) joined the chat.")
    carol.get_by_label("Send as").select_option("messages")
    send(carol, "#supervise-text", "Hi Wendy, I am Alice's team lead.")
    expect(user.get_by_role("log")).to_contain_text("I am Alice's team lead.")
    said = user.get_by_role("log").get_by_role("listitem").filter(has_text="team lead")
    expect(said).to_contain_text("Carol Chen (supervisor)")
    expect(alice.locator("#history")).to_contain_text("Carol Chen (supervisor) barged in")
    # The user's page got everything after the whisper, and not the whisper.
    expect(user.get_by_role("log")).not_to_contain_text(WHISPER)
    assert WHISPER not in user.content()

    end_chat(alice, user)


def test_take_over_moves_the_chat_to_the_supervisor(pages: Pages) -> None:
    alice = pages.open("/console")
    sign_in(alice, "alice")
    user = pages.open("/chat")
    start_chat(user, "Outlook keeps crashing", name="Tom Takeover")
    accept_from_queue(alice, "Tom Takeover")

    carol = pages.open("/console")
    sign_in(carol, "carol")
    open_supervised(carol, "Tom Takeover")
    carol.get_by_role("button", name="Take over").click()

    expect(carol.locator("#toast")).to_contain_text("The chat is yours now")
    expect(carol.locator("#my-chats")).to_contain_text("Tom Takeover")
    expect(carol.locator("#chat-meta")).to_contain_text("Assigned to you")
    expect(alice.locator("#my-chats")).not_to_contain_text("Tom Takeover")
    expect(user.get_by_role("log")).to_contain_text("Carol Chen has joined the chat.")
    send(carol, "#composer-text", "Carol here, I have your chat now.")
    expect(user.get_by_role("log")).to_contain_text("I have your chat now.")

    end_chat(carol, user)


def test_an_agent_without_the_supervisor_role_has_no_supervise_view(pages: Pages) -> None:
    alice = pages.open("/console")
    sign_in(alice, "alice")
    expect(alice.locator("#connection")).to_have_text("Live")
    expect(alice.get_by_role("button", name="Sign out")).to_be_visible()
    expect(alice.get_by_role("button", name="Supervise")).to_have_count(0)
