"""Issue 16 in a real browser: canned replies, agent images, transcripts by email, screen share.

A bridge of its own (the demo, plus a local SMTP server and a screen-share provider template),
so the shared demo bridge keeps its settings. Every email is read back from the local aiosmtpd
server; every wait is on something the page or the server shows.
"""

from __future__ import annotations

import json
import re
import struct
import urllib.request
import zlib
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.smtp import ThreadInbox

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
from .support import start_chat as start_web_chat

pytestmark = needs_chromium

QUEUE = "Calbro Services/GENERAL"
TEMPLATE = "https://remote.example.com/session/{chat_id}?agent={agent_id}"
ALLEN_EMAIL = "allen.allbrook@calbroservices.com"


@pytest.fixture(scope="module")
def inbox() -> Iterator[ThreadInbox]:
    server = ThreadInbox().start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def tools_bridge(tmp_path_factory: pytest.TempPathFactory, inbox: ThreadInbox):
    env = {
        "LIVECHAT_MAIL__HOST": "127.0.0.1",
        "LIVECHAT_MAIL__PORT": str(inbox.port),
        "LIVECHAT_MAIL__SECURITY": "none",
        "LIVECHAT_SCREEN_SHARE__URL_TEMPLATE": TEMPLATE,
    }
    with run_bridge(tmp_path_factory.mktemp("tools"), env) as running:
        yield running


@pytest.fixture
def tools(browser, tools_bridge: RunningBridge) -> Iterator[Pages]:
    with pages_on(browser, tools_bridge.url) as opened:
        yield opened


def png(width: int = 160, height: int = 90) -> bytes:
    """A real (red) PNG, so the preview has pixels to show."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = zlib.crc32(kind + data) & 0xFFFFFFFF
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)

    rows = b"".join(b"\x00" + b"\xff\x00\x00" * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows)) \
        + chunk(b"IEND", b"")  # fmt: skip


def api(bridge: RunningBridge, method: str, path: str, body: dict, token: str = "") -> dict:
    request = urllib.request.Request(
        bridge.url + path, json.dumps(body).encode(), method=method,
        headers={"Content-Type": "application/json", "Authorization": f"Bearer {token}"},
    )  # fmt: skip
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.load(response)


def chat_with_alice(tools: Pages, question: str) -> tuple[Page, Page]:
    """Allen starts a web chat, Alice accepts it: (user page, console page)."""
    alice = tools.open("/console")
    sign_in(alice, "alice")
    user = tools.open("/chat")
    start_web_chat(user, question)
    alice.locator("#incoming-list").get_by_role("button", name=re.compile("Allen")).click()
    alice.get_by_role("button", name="Accept").click()
    expect(user.locator("#queue-info")).to_have_text("Alice Adams is chatting with you.")
    return user, alice


def end_chat(alice: Page, email: bool = False, screenshots: Path | None = None) -> None:
    alice.get_by_role("button", name="End Chat").click()
    dialog = alice.locator("#end-dialog")
    if email:
        dialog.get_by_label("Email the transcript to the customer").check()
    if screenshots is not None:
        shoot(alice, screenshots, "console-end-dialog")
    dialog.get_by_role("button", name="End Chat").click()
    expect(alice.locator("#chat-actions")).to_contain_text("This chat is closed.")


def test_a_canned_reply_is_inserted_with_its_placeholders_filled(
    tools: Pages, tools_bridge: RunningBridge, screenshots: Path
) -> None:
    token = api(
        tools_bridge, "POST", "/api/v1/login", {"username": "alice", "password": "alice-demo"}
    )
    api(tools_bridge, "POST", "/api/v1/agent/canned", {
        "scope": "queue", "queue": QUEUE, "title": "Greeting", "shortcut": "hello",
        "text": "Hi {customer_first_name}, {agent_name} here. How can I help?",
    }, token["token"])  # fmt: skip
    user, alice = chat_with_alice(tools, "Canned replies please")
    composer = alice.locator("#composer-text")
    composer.press("/")
    search = alice.get_by_role("combobox", name="Search canned replies")
    search.fill("hello")
    expect(alice.get_by_role("option", name=re.compile("Greeting"))).to_be_visible()
    shoot(alice, screenshots, "console-canned")
    search.press("Enter")
    expect(composer).to_have_value("Hi Allen, Alice Adams here. How can I help?")
    composer.press("Enter")
    expect(user.get_by_role("log")).to_contain_text("Hi Allen, Alice Adams here. How can I help?")

    composer.press("Control+ ")  # the other shortcut, with an article this time
    search.fill("vpn")
    article = alice.get_by_role("option").filter(has_text="Article").first
    title = article.locator("strong").inner_text()
    article.click()
    expect(composer).to_have_value(re.compile(re.escape(title)))
    end_chat(alice)


def test_the_agent_sends_an_image_and_both_sides_see_its_preview(
    tools: Pages, screenshots: Path
) -> None:
    user, alice = chat_with_alice(tools, "What should I see?")
    alice.locator("#composer-files").set_input_files(
        files=[{"name": "screen.png", "mimeType": "image/png", "buffer": png()}]
    )
    expect(alice.locator("#composer-file-list")).to_contain_text("screen.png")
    send(alice, "#composer-text", "This is what you should see")
    for page, where in ((user, "#messages"), (alice, "#history")):
        preview = page.locator(where).get_by_role("img", name="Preview of screen.png")
        expect(preview).to_have_attribute("src", re.compile(r"^data:image/png;base64,"))
        expect(preview).to_have_js_property("naturalWidth", 160)
    expect(alice.locator("#composer-file-list")).to_be_empty()
    shoot(alice, screenshots, "console-image")
    shoot(user, screenshots, "chat-image-and-transcript")
    end_chat(alice)


def test_the_transcript_is_downloaded_and_mailed_by_the_user_and_by_end_chat(
    tools: Pages, inbox: ThreadInbox, tmp_path: Path, screenshots: Path
) -> None:
    user, alice = chat_with_alice(tools, "Please send me the transcript")
    send(alice, "#composer-text", "Your VPN profile is fixed.")
    expect(user.get_by_role("log")).to_contain_text("Your VPN profile is fixed.")
    with user.expect_download() as download:
        user.get_by_role("button", name="Download transcript").click()
    saved = tmp_path / "transcript.txt"
    download.value.save_as(saved)
    assert "Alice Adams: Your VPN profile is fixed." in saved.read_text()

    user.get_by_role("button", name="Email transcript").click()
    expect(user.locator("#transcript-status")).to_have_text(
        f"The transcript is on its way to {ALLEN_EMAIL}."
    )
    recipients, message = inbox.next()
    assert recipients == [ALLEN_EMAIL]
    assert "Alice Adams: Your VPN profile is fixed." in message.get_content()

    end_chat(alice, email=True, screenshots=screenshots)
    recipients, message = inbox.next()
    assert recipients == [ALLEN_EMAIL]
    assert "Allen Allbrook: Please send me the transcript" in message.get_content()
    expect(user.locator("#queue-info")).to_have_text("This chat has ended.")


def test_the_screen_share_link_reaches_the_user(tools: Pages) -> None:
    user, alice = chat_with_alice(tools, "Can you look at my screen?")
    alice.get_by_role("button", name="Send a screen-share link").click()
    link = user.get_by_role("log").get_by_role("link", name="Join the screen-sharing session")
    expect(link).to_have_attribute(
        "href", re.compile(r"^https://remote\.example\.com/session/[^?]+\?agent=alice$")
    )
    expect(alice.locator("#history")).to_contain_text("sent a screen-share link")
    end_chat(alice)
