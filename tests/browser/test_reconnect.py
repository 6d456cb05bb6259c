"""The console juggles several chats and survives its WebSocket dropping."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from urllib.parse import parse_qs, urlparse

from playwright.sync_api import Page, WebSocketRoute, expect

from .support import Pages, end_chat, needs_chromium, send, sign_in, start_chat

pytestmark = needs_chromium

AGENT_STREAM = re.compile(r"/api/v1/agent/stream")


@dataclass
class StreamTap:
    """Sits between the console and the bridge's agent stream: it can cut the line, and
    refuse reconnections while ``blocked``; it remembers what the console was sent."""

    blocked: bool = False
    urls: list[str] = field(default_factory=list)
    last_seq: int = 0
    current: tuple[WebSocketRoute, WebSocketRoute] | None = None

    def __call__(self, page_side: WebSocketRoute) -> None:
        self.urls.append(page_side.url)
        if self.blocked:
            page_side.close()
            return
        server = page_side.connect_to_server()
        server.on_message(lambda message: self._forward(page_side, message))
        page_side.on_message(server.send)
        self.current = (page_side, server)

    def _forward(self, page_side: WebSocketRoute, message: str | bytes) -> None:
        seq = json.loads(message).get("seq")
        if isinstance(seq, int):
            self.last_seq = max(self.last_seq, seq)
        page_side.send(message)

    def cut(self) -> None:
        assert self.current is not None
        page_side, server = self.current
        self.current = None
        server.close()
        page_side.close()

    def since_of_last_attempt(self) -> str | None:
        values = parse_qs(urlparse(self.urls[-1]).query).get("since")
        return values[0] if values else None


def accept(console: Page, customer: str) -> None:
    console.locator("#incoming-list").get_by_role("button", name=re.compile(customer)).click()
    console.get_by_role("button", name="Accept").click()
    mine = console.locator("#my-chats").get_by_role("button", name=re.compile(customer))
    expect(mine).to_be_visible()


def test_the_console_keeps_several_chats_and_resumes_after_its_websocket_drops(
    pages: Pages,
) -> None:
    tap = StreamTap()
    alice = pages.open("/console", before=lambda page: page.route_web_socket(AGENT_STREAM, tap))
    sign_in(alice, "alice")
    first = pages.open("/chat")
    start_chat(first, "Wi-Fi drops in meeting rooms", queue="NETWORK", name="Allen Allbrook")
    second = pages.open("/chat")
    start_chat(
        second, "Cannot reach the file share", queue="NETWORK", name="Francie Stafford",
        customer_id="PPL000000000002",
    )  # fmt: skip
    expect(alice.locator("#count-queue")).to_have_text("2")
    accept(alice, "Allen Allbrook")
    accept(alice, "Francie Stafford")
    expect(alice.locator("#count-mine")).to_have_text("2")

    send(first, "#message", "Are you still there?")
    allen = alice.locator("#my-chats li", has_text="Allen Allbrook")
    expect(allen.locator(".unread")).to_have_text("1")
    expect(allen.get_by_role("button")).to_have_accessible_name(re.compile(", 1 unread$"))
    allen.get_by_role("button").click()
    expect(alice.locator("#history")).to_contain_text("Are you still there?")
    expect(allen.locator(".unread")).to_have_count(0)

    tap.blocked = True
    tap.cut()  # what the console got last: opening the chat sends a read receipt, a new row
    seen_before_drop = tap.last_seq
    expect(alice.locator("#connection")).to_have_text("Reconnecting…")
    send(first, "#message", "Sent while the console was offline")
    expect(first.get_by_role("log")).to_contain_text("Sent while the console was offline")
    tap.blocked = False
    expect(alice.locator("#connection")).to_have_text("Live", timeout=15_000)
    expect(alice.locator("#history")).to_contain_text("Sent while the console was offline")
    assert tap.since_of_last_attempt() == str(seen_before_drop)

    send(alice, "#composer-text", "Back online: try forgetting the network.")
    expect(first.get_by_role("log")).to_contain_text("Back online")
    third = pages.open("/chat")
    start_chat(third, "Printer offline", queue="NETWORK", name="Ian Plyment")
    expect(alice.locator("#count-queue")).to_have_text("1")

    second.get_by_role("button", name="Cancel chat").click()
    second.locator("#confirm-dialog").get_by_role("button", name="Cancel chat").click()
    expect(second.locator("#queue-info")).to_have_text("You cancelled this chat.")
    alice.locator("#my-chats").get_by_role("button", name=re.compile("Francie")).click()
    expect(alice.locator("#chat-notice")).to_have_text("End user has cancelled chat.")
    alice.get_by_role("button", name="Abandon").click()
    confirm = alice.locator("#confirm-dialog")
    expect(confirm).to_contain_text("No ticket has been created for this chat.")
    confirm.get_by_role("button", name="Abandon").click()
    expect(alice.locator("#chat-actions")).to_have_text("This chat is closed.")

    alice.locator("#my-chats").get_by_role("button", name=re.compile("Allen")).click()
    end_chat(alice)
    expect(first.locator("#queue-info")).to_have_text("This chat has ended.")
    accept(alice, "Ian Plyment")
    end_chat(alice)
    expect(alice.locator("#count-mine")).to_have_text("0")
