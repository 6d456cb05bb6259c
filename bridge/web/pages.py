"""The browser pages: the agent console, the user's web chat (also the embeddable widget) and
the supervisors' dashboard.

The pages are plain HTML, CSS and JavaScript modules; they talk to the bridge only through its
public HTTP and WebSocket APIs, so they hold no privilege a curl user would not have. What the
server adds is a strict Content-Security-Policy (no inline script, everything from this origin),
which is why the few values a page needs from the configuration (the publishable source key, the
attachment limits) travel as ``data-`` attributes rendered into the HTML, never as script.
"""

from __future__ import annotations

import html
import json
import mimetypes
import re
from dataclasses import dataclass
from pathlib import Path

from aiohttp import web

WEB_DIR = Path(__file__).parent
STATIC_DIR = WEB_DIR / "static"
TEMPLATE_DIR = WEB_DIR / "templates"

# A Host header we are willing to echo into the CSP (anything else: same-origin 'self' only).
_HOST = re.compile(r"^[A-Za-z0-9.\-]+(:\d{1,5})?$|^\[[0-9A-Fa-f:.]+\](:\d{1,5})?$")
_PLACEHOLDER = re.compile(r"\{\{(\w+)\}\}")


@dataclass(frozen=True, slots=True)
class PageConfig:
    """What the pages need from the bridge's configuration.

    ``chat_frame_ancestors`` is the CSP ``frame-ancestors`` source list of /chat: the portals
    allowed to embed the widget (``*`` any, ``'none'`` no embedding).
    """

    publishable_key: str = ""
    queues: tuple[str, ...] = ()
    chat_frame_ancestors: str = "*"
    max_attachment_bytes: int = 5 * 1024 * 1024
    max_attachments: int = 5
    attachment_types: tuple[str, ...] = ("image/png", "image/jpeg", "application/pdf", "text/plain")


def csp(host: str | None, frame_ancestors: str) -> str:
    """Everything from this origin only; WebSockets to this host (named for older browsers)."""
    connect = "'self'"
    if host and _HOST.match(host):
        connect += f" ws://{host} wss://{host}"
    return "; ".join(
        (
            "default-src 'none'",
            "script-src 'self'",
            "style-src 'self'",
            "img-src 'self' data:",
            "font-src 'self'",
            f"connect-src {connect}",
            "form-action 'self'",
            "base-uri 'none'",
            "object-src 'none'",
            f"frame-ancestors {frame_ancestors}",
        )
    )


def security_headers(request: web.Request, frame_ancestors: str = "'none'") -> dict[str, str]:
    headers = {
        "Content-Security-Policy": csp(request.host, frame_ancestors),
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "no-referrer",
        "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=()",
        "Cache-Control": "no-cache",
    }
    if frame_ancestors == "'none'":
        headers["X-Frame-Options"] = "DENY"
    return headers


def render(template: str, values: dict[str, str]) -> str:
    """Fill ``{{name}}`` placeholders with HTML-escaped values; an unknown name is an error."""
    return _PLACEHOLDER.sub(lambda m: html.escape(values[m.group(1)], quote=True), template)


class Pages:
    """Request handlers; templates are read once, the configuration on the first request."""

    def __init__(self, config: PageConfig | None) -> None:
        self._config = config
        self._templates = {
            name: (TEMPLATE_DIR / f"{name}.html").read_text(encoding="utf-8")
            for name in ("console", "chat", "dashboard")
        }

    def config(self, app: web.Application) -> PageConfig:
        """Read from the settings on first use (the app carries them by then), then kept."""
        if self._config is None:
            self._config = config_from_settings(app)
        return self._config

    def _page(
        self, request: web.Request, name: str, values: dict[str, str], frame: str
    ) -> web.Response:
        body = render(self._templates[name], values)
        return web.Response(
            text=body,
            content_type="text/html",
            charset="utf-8",
            headers=security_headers(request, frame),
        )

    async def console(self, request: web.Request) -> web.Response:
        return self._page(request, "console", {}, "'none'")

    async def dashboard(self, request: web.Request) -> web.Response:
        return self._page(request, "dashboard", {}, "'none'")

    async def chat(self, request: web.Request) -> web.Response:
        config = self.config(request.app)
        query = request.query
        values = {
            "embed": "1" if query.get("embed") in ("1", "true") else "0",
            "source_key": config.publishable_key,
            "company": query.get("company", "")[:200],
            "queue": query.get("queue", "")[:200],
            "customer_id": query.get("customer", "")[:200],
            "queues": json.dumps(list(config.queues)),
            "max_attachment_bytes": str(config.max_attachment_bytes),
            "max_attachments": str(config.max_attachments),
            "attachment_types": ",".join(config.attachment_types),
        }
        return self._page(request, "chat", values, config.chat_frame_ancestors)

    async def static(self, request: web.Request) -> web.StreamResponse:
        path = _static_path(request.match_info["path"])
        content_type, _ = mimetypes.guess_type(path.name)
        headers = security_headers(request)
        if path.suffix == ".js":
            content_type = "text/javascript"
        headers["Content-Type"] = f"{content_type or 'application/octet-stream'}"
        return web.FileResponse(path, headers=headers)


def _static_path(relative: str) -> Path:
    """A file under STATIC_DIR, or 404: no dot-segments, no symlink escapes, no directories."""
    root = STATIC_DIR.resolve()
    candidate = (root / relative).resolve()
    if root not in candidate.parents or not candidate.is_file():
        raise web.HTTPNotFound(text="no such file")
    return candidate


def config_from_settings(app: web.Application) -> PageConfig:
    """The pages' view of the bridge settings (defaults when the app carries none).

    The publishable key is the first source marked ``publishable`` that may open self-service
    chats: it ships in the page, and the bridge lets it do nothing else.
    """
    from bridge.http.keys import settings_key  # the app factory's key; imported late, on use

    settings = app.get(settings_key)
    if settings is None:
        return PageConfig()
    key = next(
        (
            s.api_key.get_secret_value()
            for s in settings.sources
            if s.publishable and "self_service" in s.kinds
        ),
        "",
    )
    limits = settings.attachments
    return PageConfig(
        publishable_key=key,
        queues=tuple(settings.engine.queues),
        max_attachment_bytes=limits.max_bytes,
        max_attachments=limits.max_count,
        attachment_types=tuple(limits.allowed_types),
    )


def add_page_routes(app: web.Application, config: PageConfig | None = None) -> None:
    """Serve /console, /chat, /dashboard and /static/*; ``config`` overrides the settings."""
    pages = Pages(config)
    app.router.add_get("/console", pages.console)
    # Where the identity provider sends the browser back (bridge.runtime.oidc.CALLBACK_PATH).
    app.router.add_get("/console/oidc/callback", pages.console)
    app.router.add_get("/chat", pages.chat)
    app.router.add_get("/dashboard", pages.dashboard)
    app.router.add_get("/static/{path:.+}", pages.static)
