"""Check a callback the bridge POSTed: Standard Webhooks signatures with a replay window.

The bridge signs each callback with its source's ``callback_secret`` (``bridge.webhooks``, the
one place that defines the scheme; this module verifies with the same functions):
``webhook-id`` (the delivery id, the same on every retry and after restarts),
``webhook-timestamp`` (Unix seconds of the attempt) and ``webhook-signature: v1,<base64
HMAC-SHA256 of "<id>.<timestamp>.<body>">`` (several, space-separated, while keys rotate).
A receiver verifies the signature over the raw body bytes, refuses timestamps outside the
tolerance (a replayed old callback), and de-duplicates on the id (delivery is at least once).
"""

from __future__ import annotations

import hmac
import json
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from bridge.webhooks import (
    ID_HEADER,
    REPLAY_WINDOW,
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    signature,
    signing_key,
)

from .errors import WebhookVerificationError

__all__ = ["Webhook", "sign", "verify"]


@dataclass(slots=True)
class Webhook:
    """A verified callback: its delivery id (de-duplicate on it), when it was signed, the row."""

    id: str
    timestamp: int
    payload: Any


def sign(secret: str, webhook_id: str, timestamp: int, body: bytes) -> str:
    """``v1,<base64 signature>`` as the bridge sends it (for tests and local tools)."""
    return signature(signing_key(secret), webhook_id, timestamp, body)


def verify(
    secret: str,
    headers: Mapping[str, str],
    body: bytes,
    *,
    tolerance: float = REPLAY_WINDOW,
    now: float | None = None,
) -> Webhook:
    """The callback if it is authentic and fresh; ``WebhookVerificationError`` if not.

    ``headers`` may be any mapping (aiohttp's and most frameworks' are case-insensitive; a
    plain dict is searched case-insensitively here). ``body`` must be the raw bytes received.
    """
    webhook_id = _header(headers, ID_HEADER)
    stamp = _header(headers, TIMESTAMP_HEADER)
    offered = _header(headers, SIGNATURE_HEADER)
    try:
        timestamp = int(stamp)
    except ValueError as exc:
        raise WebhookVerificationError(f"{TIMESTAMP_HEADER} is not a number") from exc
    current = time.time() if now is None else now
    if abs(current - timestamp) > tolerance:
        raise WebhookVerificationError(f"{TIMESTAMP_HEADER} is outside the {tolerance:g} s window")
    expected = sign(secret, webhook_id, timestamp, body).encode()
    candidates = [s.encode() for s in offered.split() if s.startswith("v1,")]
    if not any(hmac.compare_digest(expected, c) for c in candidates):
        raise WebhookVerificationError("no signature matches the body and the secret")
    try:
        payload = json.loads(body)
    except ValueError as exc:
        raise WebhookVerificationError("the signed body is not JSON") from exc
    return Webhook(webhook_id, timestamp, payload)


def _header(headers: Mapping[str, str], name: str) -> str:
    value = headers.get(name)
    if value is None:
        value = next((v for k, v in headers.items() if k.lower() == name), None)
    if not value:
        raise WebhookVerificationError(f"the {name} header is missing")
    return value
