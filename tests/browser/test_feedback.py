"""Typing, read receipts, the post-chat survey and offline messages, used as people would
(issue 16 items 2, 5 and 6), on a demo bridge of this module whose Calbro hardware desk is
closed and takes offline messages as incidents, so its log and directory can be read back."""

from __future__ import annotations

import json
import re
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from reports.report import build_report

from .support import (
    Pages,
    RunningBridge,
    needs_chromium,
    pages_on,
    run_bridge,
    send,
    shoot,
    sign_in,
)
from .support import start_chat as start

pytestmark = needs_chromium

CLOSED_DESK = {
    "queues": {
        "Calbro Services/HARDWARE": {
            "hours": {"timezone": "UTC", "weekly": {}},  # never open
            "offline": {"accept_messages": True, "ticket": "incident"},
        }
    }
}


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("feedback-bridge")


@pytest.fixture(scope="module")
def desk(workdir: Path) -> Iterator[RunningBridge]:
    with run_bridge(workdir, env={"LIVECHAT_ENGINE": json.dumps(CLOSED_DESK)}) as running:
        yield running


@pytest.fixture
def people(browser, desk: RunningBridge) -> Iterator[Pages]:
    with pages_on(browser, desk.url) as opened:
        yield opened


def rows(workdir: Path, type_name: str) -> list[tuple[str, dict]]:
    with sqlite3.connect(workdir / "livechat.db") as conn:
        found = conn.execute("SELECT chat_id, payload FROM events WHERE type = ?", (type_name,))
        return [(chat, json.loads(payload)) for chat, payload in found]


def accepted(pages: Pages) -> tuple[Page, Page]:
    """Alice at her console has accepted Allen's web chat: (user page, console page)."""
    alice = pages.open("/console")
    sign_in(alice, "alice")
    user = pages.open("/chat")
    start(user, "My screen flickers")
    alice.locator("#incoming-list").get_by_role("button", name=re.compile("Allen")).click()
    alice.get_by_role("button", name="Accept").click()
    expect(user.locator("#queue-info")).to_have_text("Alice Adams is chatting with you.")
    return user, alice


def test_typing_shows_and_clears_both_ways_and_receipts_show_what_was_read(
    people: Pages, screenshots: Path
):
    user, alice = accepted(people)
    user.locator("#message").press_sequentially("Hel")
    expect(alice.locator("#typing-indicator")).to_have_text("Allen Allbrook is typing…")
    shoot(alice, screenshots, "console-user-typing")
    user.locator("#message").press_sequentially("lo?")
    user.locator("#message").press("Enter")
    expect(alice.locator("#history")).to_contain_text("Hello?")
    expect(alice.locator("#typing-indicator")).to_be_hidden()  # the message came: it clears

    alice.locator("#composer-text").press_sequentially("Let me look")
    expect(user.locator("#typing-indicator")).to_have_text("Alice Adams is typing…")
    alice.locator("#composer-text").fill("")  # she thinks better of it
    alice.locator("#composer-text").press("Backspace")
    expect(user.locator("#typing-indicator")).to_be_hidden()

    # Alice had the chat open when Allen wrote: his message says Read; hers, once he saw it.
    expect(user.locator("#messages li.bubble-me").last.locator(".read-receipt")).to_have_text(
        "Read"
    )
    send(alice, "#composer-text", "Which screen, the laptop's own?")
    agent_line = alice.locator("#history li.msg-agent").last
    expect(agent_line.locator(".read-receipt")).to_have_text("Read")
    shoot(user, screenshots, "chat-read-receipts")


def test_the_user_rates_after_end_and_console_and_report_see_it(
    people: Pages, workdir: Path, screenshots: Path
):
    user, alice = accepted(people)
    send(user, "#message", "It works now, thanks")
    expect(alice.locator("#history")).to_contain_text("It works now")
    alice.get_by_role("button", name="End Chat").click()
    alice.locator("#end-ok").click()
    expect(user.locator("#queue-info")).to_have_text("This chat has ended.")

    survey = user.locator("#survey")
    expect(survey).to_contain_text("How was this chat?")
    survey.get_by_text("4", exact=True).click()
    user.get_by_label("Anything to add? (optional)").fill("Quick and friendly")
    shoot(user, screenshots, "chat-survey")
    user.get_by_role("button", name="Send rating").click()
    expect(user.locator("#survey")).to_have_text("Thank you for your feedback (4 of 5).")
    expect(alice.locator("#history")).to_contain_text(
        "The user rated this chat 4 of 5: “Quick and friendly”"
    )
    shoot(alice, screenshots, "console-survey-answer")
    user.reload()  # the survey is asked once: a reload thanks, it does not ask again
    expect(user.locator("#survey")).to_have_text("Thank you for your feedback.")

    chat_id, answer = rows(workdir, "SurveyAnswered")[-1]
    assert (answer["rating"], answer["comment"], answer["queue"]) == (
        4,
        "Quick and friendly",
        "Calbro Services/GENERAL",
    )
    html = build_report(workdir / "livechat.db", workdir / "report").read_text()
    section = html.split("Customer satisfaction (post-chat survey)")[1].split("<h2>")[0]
    assert "Calbro Services/GENERAL" in section and "alice" in section
    assert chat_id


def test_an_offline_message_on_a_closed_queue_becomes_an_incident(
    people: Pages, workdir: Path, screenshots: Path
):
    user = people.open("/chat")
    user.get_by_label("Company").select_option("Calbro Services")
    user.get_by_label("Topic").select_option("HARDWARE")
    offer = user.locator("#offline")
    expect(user.locator("#availability")).to_have_text("This support queue is closed right now.")
    expect(offer).to_contain_text("leave a message instead: we will open an incident")
    expect(user.get_by_role("button", name="Start chat")).to_be_hidden()
    user.get_by_label("Your name").fill("Allen Allbrook")
    user.get_by_label("Employee ID").fill("PPL000000000001")
    user.get_by_label("How can we help?").fill("The docking station in room 4.12 is dead.")
    shoot(user, screenshots, "chat-offline-message")
    user.get_by_role("button", name="Leave a message").click()
    done = user.locator("#offline-done")
    expect(done).to_contain_text("your message was filed as incident INC")
    ticket_id = re.search(r"INC\d+", done.inner_text()).group()  # type: ignore[union-attr]

    _, left = rows(workdir, "OfflineMessageLeft")[-1]
    assert (left["ticket_id"], left["reason"], left["kind"]) == (ticket_id, "closed", "incident")
    with sqlite3.connect(workdir / "directory.db") as conn:
        (description,) = conn.execute(
            "SELECT description FROM tickets WHERE id = ?", (ticket_id,)
        ).fetchone()
    assert "docking station in room 4.12" in description
