"""The page routes on the running demo bridge: headers, rendered configuration, static files.

Plain synchronous HTTP: the session's sync Playwright owns this thread's event loop, so no
asyncio test may run in this directory.
"""

from __future__ import annotations

import re
import urllib.error
import urllib.request
from dataclasses import dataclass

import pytest

from bridge.web.pages import STATIC_DIR, csp, render

from .support import RunningBridge


@dataclass
class Fetched:
    status: int
    headers: dict[str, str]
    body: str


def fetch(bridge: RunningBridge, path: str, headers: dict[str, str] | None = None) -> Fetched:
    request = urllib.request.Request(bridge.url + path, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return Fetched(response.status, dict(response.headers), response.read().decode())
    except urllib.error.HTTPError as error:
        return Fetched(error.code, dict(error.headers), error.read().decode())


@pytest.mark.parametrize("path", ["/console", "/chat", "/dashboard"])
def test_each_page_is_html_with_a_strict_csp(bridge: RunningBridge, path: str) -> None:
    page = fetch(bridge, path)
    assert page.status == 200
    assert page.headers["Content-Type"].startswith("text/html")
    policy = page.headers["Content-Security-Policy"]
    assert "default-src 'none'" in policy
    assert "script-src 'self';" in policy
    assert "style-src 'self';" in policy
    assert re.search(r"connect-src 'self' ws://127\.0\.0\.1:\d+ wss://127\.0\.0\.1:\d+;", policy)
    assert "unsafe" not in policy
    assert page.headers["X-Content-Type-Options"] == "nosniff"
    assert page.headers["Referrer-Policy"] == "no-referrer"


@pytest.mark.parametrize("path", ["/console", "/chat", "/dashboard"])
def test_pages_carry_no_inline_script_handler_or_style(bridge: RunningBridge, path: str) -> None:
    body = fetch(bridge, path).body
    scripts = re.findall(r"<script([^>]*)>(.*?)</script>", body, re.S)
    assert scripts
    assert all('src="/static/' in attrs and not inner.strip() for attrs, inner in scripts)
    assert not re.search(r"\son[a-z]+\s*=", body)
    assert "style=" not in body


def test_only_the_chat_page_may_be_framed(bridge: RunningBridge) -> None:
    chat = fetch(bridge, "/chat?embed=1")
    console = fetch(bridge, "/console")
    assert "frame-ancestors *" in chat.headers["Content-Security-Policy"]
    assert "X-Frame-Options" not in chat.headers
    assert "frame-ancestors 'none'" in console.headers["Content-Security-Policy"]
    assert console.headers["X-Frame-Options"] == "DENY"


def test_chat_page_carries_the_publishable_key_and_queues_as_data_attributes(
    bridge: RunningBridge,
) -> None:
    body = fetch(bridge, "/chat?embed=1&queue=NETWORK").body
    assert 'data-source-key="demo-web-key"' in body
    assert 'data-embed="1"' in body
    assert 'data-queue="NETWORK"' in body
    assert "&quot;Calbro Services/GENERAL&quot;" in body
    assert "demo-source-key" not in body  # the virtual-agent platform's key never ships


def test_query_values_are_escaped_into_the_chat_page(bridge: RunningBridge) -> None:
    body = fetch(bridge, "/chat?company=%22%3E%3Cscript%3Ex%3C/script%3E").body
    assert 'data-company="&quot;&gt;&lt;script&gt;x&lt;/script&gt;"' in body
    assert "<script>x" not in body


def test_render_escapes_values_and_refuses_unknown_placeholders() -> None:
    assert render("<p a='{{v}}'>{{v}}</p>", {"v": "'<b>&"}) == (
        "<p a='&#x27;&lt;b&gt;&amp;'>&#x27;&lt;b&gt;&amp;</p>"
    )
    with pytest.raises(KeyError):
        render("{{missing}}", {})


def test_a_hostile_host_header_is_not_echoed_into_the_policy(bridge: RunningBridge) -> None:
    page = fetch(bridge, "/console", headers={"Host": "evil.example; script-src *"})
    assert "evil" not in page.headers["Content-Security-Policy"]
    assert "connect-src 'self';" in csp("evil.example; script-src *", "'none'")


def test_static_files_are_served_with_their_types(bridge: RunningBridge) -> None:
    js = fetch(bridge, "/static/js/dom.js")
    css = fetch(bridge, "/static/css/base.css")
    assert js.status == 200 and js.headers["Content-Type"].startswith("text/javascript")
    assert css.status == 200 and css.headers["Content-Type"].startswith("text/css")
    assert js.headers["X-Content-Type-Options"] == "nosniff"


@pytest.mark.parametrize(
    "path", ["/static/..%2Fpages.py", "/static/%2e%2e/pages.py", "/static/js", "/static/nope.js"]
)
def test_static_paths_outside_the_folder_or_missing_are_not_found(
    bridge: RunningBridge, path: str
) -> None:
    assert fetch(bridge, path).status == 404


def test_every_module_the_pages_import_exists() -> None:
    imports = re.compile(r'^import .* from "(\.[^"]+)";', re.M)
    for module in STATIC_DIR.rglob("*.js"):
        for target in imports.findall(module.read_text(encoding="utf-8")):
            assert (module.parent / target).resolve().is_file(), f"{module}: {target}"
