"""What the client raises: one exception type carrying the bridge's stable ``code``.

The bridge answers errors either as ``{"code", "detail"}`` or as RFC 9457 problem details
(``application/problem+json``: ``type``, ``title``, ``status``, ``detail`` and our ``code``);
``from_body`` reads both, so callers branch on ``code`` and never on the wording.
"""

from __future__ import annotations

from typing import Any


class LivechatClientError(Exception):
    """The bridge refused a call (or could not be reached after every retry).

    ``code`` is the bridge's machine-readable code (``unknown_chat``, ``queue_closed``...),
    ``status`` the HTTP status (0 when no answer came), ``detail`` the body's detail as sent
    (a sentence, or a list of field errors for ``invalid_body``).
    """

    def __init__(self, code: str, status: int, message: str, detail: Any = None) -> None:
        super().__init__(f"{status} {code}: {message}")
        self.code = code
        self.status = status
        self.message = message
        self.detail = detail

    @classmethod
    def from_body(cls, status: int, body: Any) -> LivechatClientError:
        """The error an answer with ``status`` and parsed JSON ``body`` (any shape) stands for."""
        if not isinstance(body, dict):
            return cls(_fallback_code(status), status, str(body or "")[:500] or f"HTTP {status}")
        detail = body.get("detail")
        code = body.get("code") or _code_of_type(body.get("type")) or _fallback_code(status)
        if isinstance(detail, str) and detail:
            message = detail
        else:
            message = str(body.get("title") or detail or f"HTTP {status}")
        return cls(str(code), status, message, detail)


class ConnectionFailed(LivechatClientError):
    """No answer from the bridge: every attempt failed to connect or was cut off."""

    def __init__(self, message: str) -> None:
        super().__init__("connection_failed", 0, message)


class WebhookVerificationError(Exception):
    """A callback whose signature, timestamp or headers do not check out: drop it."""


def _code_of_type(problem_type: Any) -> str | None:
    """``https://.../problems/unknown_chat`` -> ``unknown_chat`` (``about:blank`` -> None)."""
    if not isinstance(problem_type, str) or problem_type in ("", "about:blank"):
        return None
    return problem_type.rstrip("/").rsplit("/", 1)[-1] or None


def _fallback_code(status: int) -> str:
    return f"http_{status}"
