"""The one place errors become HTTP answers: ``{"code", "detail"}`` with a fitting status.

Domain errors never know about HTTP; this table does, looked up along the exception's MRO so
a new subclass (a workspace error, say) gets its family's status without being listed.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import structlog
from aiohttp import web
from pydantic import ValidationError

from bridge.engine import errors as err
from bridge.runtime.attachments import AttachmentTooLarge, AttachmentTypeNotAllowed
from bridge.runtime.tokens import Unauthorized
from bridge.runtime.writer import StoreFailed

from .keys import bridge_key

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


class CallbackNotAllowed(err.InvalidCommand):
    code = "callback_not_allowed"


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
    err.AttachmentNotAllowed: 422,
    err.InvalidCommand: 422,
    InvalidQuery: 422,
    AttachmentTooLarge: 413,
    AttachmentTypeNotAllowed: 415,
    StoreFailed: 503,
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


def problem(status: int, code: str, detail: Any) -> web.Response:
    return web.json_response({"code": code, "detail": detail}, status=status)


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
        return problem(status_of(exc), code, getattr(exc, "detail", None) or str(exc))
    if isinstance(exc, web.HTTPException):
        return problem(exc.status, _HTTP_CODES.get(exc.status, "http_error"), exc.reason)
    log.exception("unhandled_error", error=repr(exc))
    return problem(500, "internal_error", "the bridge failed to handle this request")


@web.middleware
async def problems(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Turn every error into a problem answer, and count each request by route and status."""
    try:
        response = await handler(request)
    except web.HTTPException as exc:
        if exc.status < 400:
            raise
        response = answer_error(exc)
    except Exception as exc:
        response = answer_error(exc)
    resource = request.match_info.route.resource
    route = resource.canonical if resource is not None else "unmatched"
    request.app[bridge_key].metrics.count_request(request.method, route, response.status)
    return response
