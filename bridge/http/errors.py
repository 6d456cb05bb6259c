"""The one place errors become HTTP answers: RFC 9457 problem details with a fitting status.

Every error body is ``application/problem+json``: ``type``, ``title``, ``status``, ``detail`` (a
sentence) and our stable ``code``, which clients branch on; field errors ride in ``errors``.

Domain errors never know about HTTP; this table does, looked up along the exception's MRO so
a new subclass (a workspace error, say) gets its family's status without being listed.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from http import HTTPStatus
from typing import Any

import structlog
from aiohttp import web
from pydantic import ValidationError

from bridge.engine import errors as err
from bridge.runtime.attachments import AttachmentTooLarge, AttachmentTypeNotAllowed
from bridge.runtime.oidc import OidcUnavailable
from bridge.runtime.ratelimit import RateLimited
from bridge.runtime.tokens import Unauthorized
from bridge.runtime.writer import StoreFailed

from .limits import BodyTooLarge

log = structlog.get_logger("bridge.http")

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


class Forbidden(err.LivechatError):
    """The caller is authenticated but the thing asked for is not theirs to see."""

    code = "forbidden"


class InvalidQuery(err.LivechatError):
    code = "invalid_query"

    def __init__(self, detail: list[dict[str, Any]]) -> None:
        super().__init__("invalid query parameters")
        self.detail = detail


class UpgradeRequired(err.LivechatError):
    """A plain HTTP request to a WebSocket route."""

    code = "websocket_upgrade_required"


STATUS: dict[type[Exception], int] = {
    err.NotFound: 404,
    Unauthorized: 401,
    Forbidden: 403,
    err.NotPermitted: 403,
    err.OutOfReach: 403,
    err.WrongState: 409,
    err.DuplicateChat: 409,
    err.QueueClosed: 409,
    err.CapacityReached: 409,
    err.ConfirmationRequired: 409,
    # Issue 13: the chat needs skills the agent lacks (until it relaxes); no offer to accept.
    err.SkillsMissing: 409,
    err.NoOffer: 409,
    err.AttachmentNotAllowed: 422,
    err.InvalidCommand: 422,
    err.InvalidRating: 422,
    err.OfflineMessagesOff: 403,
    InvalidQuery: 422,
    AttachmentTooLarge: 413,
    AttachmentTypeNotAllowed: 415,
    BodyTooLarge: 413,
    RateLimited: 429,
    UpgradeRequired: 426,
    StoreFailed: 503,
    OidcUnavailable: 502,
}
# Where the API contract names a code other than the domain's own.
CODES: dict[type[Exception], str] = {err.OutOfReach: "forbidden"}
_HTTP_CODES = {
    400: "bad_request",
    404: "not_found",
    405: "method_not_allowed",
    413: "body_too_large",
    415: "unsupported_media_type",
}
_VALIDATION_OPTIONS: dict[str, bool] = {
    "include_url": False,
    "include_context": False,
    "include_input": False,
}


PROBLEM_TYPE = "application/problem+json"
# RFC 9457 ``type``: a tag URI per code (names the problem; nothing to dereference).
PROBLEM_URI = "tag:livechat,2026:problems/"


def problem(status: int, code: str, detail: Any) -> web.Response:
    """RFC 9457 problem details plus our stable ``code``; field errors go in ``errors``."""
    body: dict[str, Any] = {
        "type": PROBLEM_URI + code,
        "title": HTTPStatus(status).phrase,
        "status": status,
        "detail": detail,
        "code": code,
    }
    if isinstance(detail, list):
        body["errors"] = detail
        body["detail"] = _summary(detail)
    return web.json_response(body, status=status, content_type=PROBLEM_TYPE)


def _summary(errors: list[dict[str, Any]]) -> str:
    """One sentence for people: ``customer.id: Field required; ...``."""
    parts = []
    for error in errors[:5]:
        where = ".".join(str(p) for p in error.get("loc", ()))
        parts.append(f"{where}: {error.get('msg', '')}" if where else str(error.get("msg", "")))
    more = f" (and {len(errors) - 5} more)" if len(errors) > 5 else ""
    return "; ".join(parts) + more


def status_of(exc: Exception) -> int:
    for cls in type(exc).__mro__:
        if cls in STATUS:
            return STATUS[cls]
    return 409


def answer_error(exc: Exception) -> web.Response:
    """The problem response for any error a handler may raise."""
    if isinstance(exc, ValidationError):
        detail = exc.errors(**_VALIDATION_OPTIONS)  # type: ignore[arg-type]
        if any(e["type"] == "json_invalid" for e in detail):
            return problem(400, "invalid_json", detail)
        return problem(422, "invalid_body", detail)
    if isinstance(exc, (err.LivechatError, StoreFailed)):
        code = CODES.get(type(exc), getattr(exc, "code", "error"))
        response = problem(status_of(exc), code, getattr(exc, "detail", None) or str(exc))
        if isinstance(exc, RateLimited):
            response.headers["Retry-After"] = str(exc.retry_after)
        if isinstance(exc, UpgradeRequired):
            response.headers.update({"Upgrade": "websocket", "Connection": "Upgrade"})
        return response
    if isinstance(exc, web.HTTPException):
        response = problem(exc.status, _HTTP_CODES.get(exc.status, "http_error"), exc.reason)
        if "Allow" in exc.headers:  # 405: which methods the resource does take
            response.headers["Allow"] = exc.headers["Allow"]
        return response
    log.exception("unhandled_error", error=repr(exc))
    return problem(500, "internal_error", "the bridge failed to handle this request")


@web.middleware
async def problems(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Turn every error into a problem answer (``observe``, outside, times and counts it)."""
    try:
        return await handler(request)
    except web.HTTPException as exc:
        if exc.status < 400:
            raise
        return answer_error(exc)
    except Exception as exc:
        return answer_error(exc)
