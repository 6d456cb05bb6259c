"""Helpers for the browser tests: the bridge as a subprocess, Chromium, and page steps."""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Dialog, Page, expect

CHROMIUM = Path("/usr/bin/chromium")
LAUNCH_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
WIDE = {"width": 1280, "height": 800}
NARROW = {"width": 400, "height": 800}

needs_chromium = pytest.mark.skipif(
    not CHROMIUM.exists(), reason="Debian's Chromium is not installed: run `make browser`"
)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class RunningBridge:
    url: str
    process: subprocess.Popen[str]
    log: list[str] = field(default_factory=list)

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def _wait_until_healthy(bridge: RunningBridge, timeout: float = 20.0) -> None:
    """The bridge logs ``bridge_started`` just before it binds; then /healthz answers."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if bridge.process.poll() is not None:
            raise RuntimeError("the bridge exited:\n" + "\n".join(bridge.log[-20:]))
        try:
            with urllib.request.urlopen(f"{bridge.url}/healthz", timeout=2) as response:
                if json.load(response)["status"] == "ok":
                    return
        except (urllib.error.URLError, ConnectionError):
            time.sleep(0.05)  # a subprocess binding its port: nothing to await but the port
    raise RuntimeError("the bridge did not become healthy:\n" + "\n".join(bridge.log[-20:]))


@contextmanager
def run_bridge(workdir: Path, env: dict[str, str] | None = None) -> Iterator[RunningBridge]:
    """``livechat-bridge demo`` on a free port with its own DB; stopped afterwards.

    ``env`` adds ``LIVECHAT_*`` settings (e.g. an ``oidc`` section) on top of the demo config."""
    port = free_port()
    command = [
        str(Path(sys.executable).with_name("livechat-bridge")),
        "demo",
        "--port",
        str(port),
        "--db",
        str(workdir / "livechat.db"),
    ]
    clean = {k: v for k, v in os.environ.items() if not k.startswith("LIVECHAT_")}
    process_env = {**clean, "PYTHONUNBUFFERED": "1", **(env or {})}
    process = subprocess.Popen(
        command,
        cwd=workdir,
        env=process_env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    bridge = RunningBridge(f"http://127.0.0.1:{port}", process)
    assert process.stderr is not None
    threading.Thread(target=lambda: bridge.log.extend(process.stderr), daemon=True).start()
    try:
        _wait_until_healthy(bridge)
        yield bridge
    finally:
        bridge.stop()


CANCEL_LEFT_OPEN = """async () => {
  const session = JSON.parse(sessionStorage.getItem("livechat.userChat") || "null");
  if (!session) return;
  await fetch(`/api/v1/chats/${encodeURIComponent(session.chat_id)}/cancel`, {
    method: "POST",
    headers: {Authorization: `Bearer ${session.token}`, "Content-Type": "application/json"},
    body: "{}",
  });
}"""  # a closed chat answers 409: nothing left to cancel


class Pages:
    """Opens pages in fresh browser contexts (separate storage: separate people)."""

    def __init__(self, browser: Browser, base_url: str) -> None:
        self.browser = browser
        self.base_url = base_url
        self.contexts: list = []
        self.errors: list[str] = []

    def open(
        self,
        path: str,
        viewport: dict[str, int] = WIDE,
        before: Callable[[Page], None] | None = None,
    ) -> Page:
        """``before`` runs ahead of the navigation (e.g. to route the page's WebSockets)."""
        context = self.browser.new_context(viewport=viewport, base_url=self.base_url)
        self.contexts.append(context)
        page = context.new_page()
        page.on("pageerror", lambda exc: self.errors.append(f"{path}: {exc}"))
        page.on("dialog", lambda dialog: self._dialog(path, dialog))
        if before is not None:
            before(page)
        page.goto(path)
        return page

    def _dialog(self, path: str, dialog: Dialog) -> None:
        """No page of ours opens alert/confirm/prompt: one that does is injected script."""
        self.errors.append(f"{path}: a {dialog.type} dialog said {dialog.message!r}")
        dialog.dismiss()

    def close(self) -> None:
        """Cancels every web chat the test left waiting or open, so that tests sharing the
        bridge start from empty queues, then closes the contexts."""
        for context in self.contexts:
            for page in context.pages:
                if not page.is_closed() and page.url.split("?")[0].endswith("/chat"):
                    page.evaluate(CANCEL_LEFT_OPEN)
            context.close()


@contextmanager
def pages_on(browser: Browser, base_url: str) -> Iterator[Pages]:
    """Fresh contexts for one test against ``base_url``, closed after it; any uncaught page
    error or JS dialog fails the test (the ``pages`` fixtures of every bridge use this)."""
    opened = Pages(browser, base_url)
    yield opened
    opened.close()
    assert opened.errors == []


def sign_in(page: Page, username: str) -> None:
    """The console's or dashboard's demo-user form (password: ``<name>-demo``)."""
    page.get_by_label("User name").fill(username)
    page.get_by_label("Password", exact=True).fill(f"{username}-demo")
    page.get_by_role("button", name="Sign in", exact=True).click()
    expect(page.locator("#connection")).to_have_text("Live")


def start_chat(
    page: Page,
    question: str,
    *,
    company: str = "Calbro Services",
    queue: str = "GENERAL",
    name: str = "Allen Allbrook",
    customer_id: str = "PPL000000000001",
    email: str = "allen.allbrook@calbroservices.com",
) -> None:
    page.get_by_label("Company").select_option(company)
    page.get_by_label("Topic").select_option(queue)
    page.get_by_label("Your name").fill(name)
    page.get_by_label("Email").fill(email)
    page.get_by_label("Employee ID").fill(customer_id)
    page.get_by_label("How can we help?").fill(question)
    page.get_by_role("button", name="Start chat").click()
    expect(page.locator("#queue-info")).to_contain_text("in the queue")


def send(page: Page, field: str, text: str) -> None:
    """Type into a composer and press Enter, as people do."""
    page.locator(field).fill(text)
    page.locator(field).press("Enter")


def shoot(page: Page, directory: Path, name: str, *, full_page: bool = True) -> None:
    """A 1280x800 and a 400 px wide screenshot of the page as it is now (the narrow one of the
    whole page, unless ``full_page`` is False: a modal dialog's backdrop covers the window only).
    """
    directory.mkdir(parents=True, exist_ok=True)
    page.evaluate("() => { const t = document.getElementById('toast'); if (t) t.hidden = true; }")
    size = page.viewport_size
    page.screenshot(path=directory / f"{name}.png")
    page.set_viewport_size(NARROW)
    page.screenshot(path=directory / f"{name}-narrow.png", full_page=full_page)
    if size:
        page.set_viewport_size(size)


def accept_from_queue(console: Page, customer: str) -> None:
    """Open the customer's chat from the console's Queue tab and Accept it."""
    console.get_by_role("tab", name=re.compile("^Queue")).click()
    console.locator("#incoming-list").get_by_role("button", name=re.compile(customer)).click()
    console.get_by_role("button", name="Accept").click()
    expect(console.locator("#chat-meta")).to_contain_text("Assigned to you")


def end_chat(console: Page, user: Page | None = None) -> None:
    """End Chat on the console, confirmed in its dialog (no transcript email); with ``user``,
    until the user's page says so (tests sharing a bridge then start from clean queues)."""
    console.locator("#chat-actions").get_by_role("button", name="End Chat").click()
    console.locator("#end-dialog").get_by_role("button", name="End Chat").click()
    if user is not None:
        expect(user.locator("#queue-info")).to_have_text("This chat has ended.")
