"""A Send whose answer the network lost, pressed again, posts the message once.

The first POST reaches the bridge (which stores the message) and its answer is then cut off,
so the page sees a network failure and keeps the text; pressing Send again retries with the
same Idempotency-Key and the bridge answers with the first message instead of a second one.
"""

from __future__ import annotations

import re

from playwright.sync_api import Page, Route, expect

from .support import Pages, end_chat, needs_chromium, send, sign_in, start_chat

pytestmark = needs_chromium
UNREACHABLE = "The bridge cannot be reached"  # what the pages say when a request gets no answer


def lose_first_answer(page: Page, pattern: str) -> list[int]:
    """Let the first matching POST reach the bridge, then fail it as a dropped connection."""
    statuses: list[int] = []

    def handle(route: Route) -> None:
        if route.request.method != "POST" or statuses:
            route.continue_()
            return
        statuses.append(route.fetch().status)  # the bridge got it and answered...
        route.abort("connectionreset")  # ...and the page never hears of it

    page.route(re.compile(pattern), handle)
    return statuses


def test_a_message_sent_again_after_a_lost_answer_is_posted_once(pages: Pages) -> None:
    user = pages.open("/chat")
    # A queue no other browser test uses, and the chat ends below: the shared bridge is left
    # as it was found.
    start_chat(
        user, "The printer jams on every page", company="Petramco", queue="HARDWARE",
        name="Rita Retry", customer_id="",
    )  # fmt: skip
    carol = pages.open("/console")
    sign_in(carol, "carol")
    carol.locator("#incoming-list").get_by_role("button", name=re.compile("Rita Retry")).click()
    carol.get_by_role("button", name="Accept").click()
    expect(user.locator("#queue-info")).to_contain_text("chatting with you")

    lost = lose_first_answer(user, r"/api/v1/chats/[^/]+/messages$")
    send(user, "#message", "It says paper jam in tray 2.")
    expect(user.locator("#talk-error")).to_contain_text(UNREACHABLE)  # the page saw it fail
    assert lost == [201], "the first attempt was stored by the bridge"
    user.locator("#message").press("Enter")  # the text is still there: send it again
    expect(user.locator("#message")).to_have_value("")
    send(user, "#message", "And now tray 1 too.")

    lost_agent = lose_first_answer(carol, r"/api/v1/agent/chats/[^/]+/messages$")
    send(carol, "#composer-text", "Let me reset the printer queue.")
    expect(carol.locator("#toast")).to_contain_text(UNREACHABLE)
    assert lost_agent == [201]
    # The stored message shows up over the stream even though its answer was lost.
    reply = "Let me reset the printer queue."
    expect(carol.locator("#history").get_by_text(reply)).to_have_count(1)
    carol.locator("#composer-text").press("Enter")
    expect(carol.locator("#composer-text")).to_have_value("")
    send(carol, "#composer-text", "Done.")

    log = user.get_by_role("log")
    expect(log).to_contain_text("Done.")  # every earlier row is shown by now
    expect(log.get_by_text("It says paper jam in tray 2.")).to_have_count(1)
    expect(log.get_by_text("Let me reset the printer queue.")).to_have_count(1)
    expect(carol.locator("#history").get_by_text("It says paper jam in tray 2.")).to_have_count(1)
    end_chat(carol)
    expect(user.locator("#queue-info")).to_have_text("This chat has ended.")
    expect(carol.locator("#count-mine")).to_have_text("0")
