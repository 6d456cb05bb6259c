"""Input limits at the edge: a body size per route, and rate limits for web keys and the login.

Every route gets the small JSON limit (``limits.json_body_bytes``) unless its handler is marked
``@large_body`` (the routes that carry attachments get room for them). A declared
``Content-Length`` over the limit is refused before a byte of the body is read; a chunked body
is counted while it is read and refused as soon as it passes the limit.

The rate limits are token buckets (``bridge.runtime.ratelimit``): the demo login per client
address, and handoffs with a publishable key (it ships in a web page, so anyone has it) per
key and per key and client address. The client address is the peer's, unless
``limits.client_address_header`` names the header a trusted reverse proxy sets.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from aiohttp import web

from bridge.engine.errors import LivechatError
from bridge.runtime.ratelimit import TokenBuckets, check
from bridge.settings import LimitSettings, RateSettings, Settings, SourceSettings

from .keys import settings_key

F = TypeVar("F", bound=Callable[..., Any])
_LARGE = "__large_body__"


class BodyTooLarge(LivechatError):
    code = "body_too_large"


def large_body(handler: F) -> F:
    """Mark a handler whose body may carry attachments: it gets the attachment-sized limit."""
    setattr(handler, _LARGE, True)
    return handler


def attachment_body_limit(settings: Settings) -> int:
    """Room for the largest allowed attachments, base64-encoded, plus the rest of a body."""
    limits = settings.attachments
    return max(limits.max_count, 1) * (limits.max_bytes * 4 // 3 + 1024) + 256 * 1024


def body_limit(request: web.Request) -> int:
    """The route's limit. A ``@large_body`` route's is the app's own ``client_max_size``
    (``make_app`` sets it to ``attachment_body_limit``), read without recomputing it."""
    if getattr(request.match_info.handler, _LARGE, False):
        return request.client_max_size
    return request.app[settings_key].limits.json_body_bytes


def limited(request: web.Request) -> tuple[web.Request, int]:
    """The request under its route's body limit, and that limit; a declared length over it
    is refused with 413 ``body_too_large`` before a byte is read."""
    limit = body_limit(request)
    length = request.content_length
    if length is not None and length > limit:
        raise BodyTooLarge(f"the body has {length} bytes; this route takes at most {limit}")
    if request.body_exists and limit < request.client_max_size:  # the app's is the largest
        request = request.clone(client_max_size=limit)  # read() stops past the limit
    return request, limit


def over_limit(limit: int) -> BodyTooLarge:
    """What a body that passed ``limit`` while it was read is refused with."""
    return BodyTooLarge(f"the body is over the {limit} bytes this route takes")


@web.middleware
async def body_limits(
    request: web.Request, handler: Callable[[web.Request], Any]
) -> web.StreamResponse:
    """Refuse a body over its route's limit with 413 ``body_too_large``, reading no more of it.
    (A plain app runs the same check inside ``observe.edge``.)"""
    request, limit = limited(request)
    try:
        return await handler(request)
    except web.HTTPRequestEntityTooLarge as exc:
        raise over_limit(limit) from exc


@dataclass(slots=True)
class RateLimits:
    login: TokenBuckets
    handoff_per_key: TokenBuckets
    handoff_per_address: TokenBuckets
    address_header: str | None = None

    @classmethod
    def of(cls, settings: LimitSettings, clock: Callable[[], float] = time.monotonic) -> RateLimits:
        def buckets(rate: RateSettings) -> TokenBuckets:
            return TokenBuckets(rate.rate, rate.burst, clock)

        return cls(
            buckets(settings.login_per_address),
            buckets(settings.handoff_per_key),
            buckets(settings.handoff_per_address),
            settings.client_address_header,
        )

    def address(self, request: web.Request) -> str:
        """The client's address: the proxy's header when configured (its last entry: the one
        the proxy added), else the peer's."""
        if self.address_header is not None:
            forwarded = request.headers.get(self.address_header, "")
            last = forwarded.rsplit(",", 1)[-1].strip()
            if last:
                return last
        return request.remote or "unknown"

    def check_login(self, request: web.Request) -> None:
        check(self.login, self.address(request), "login attempts from this address")

    def check_handoff(self, request: web.Request, src: SourceSettings) -> None:
        """Publishable keys only: a secret key's caller is trusted with its own rate."""
        if not src.publishable:
            return
        where = f"{src.name}|{self.address(request)}"
        check(self.handoff_per_address, where, "handoffs from this address")
        check(self.handoff_per_key, src.name, f"handoffs with the {src.name!r} key")


rate_limits_key = web.AppKey("rate_limits", RateLimits)
