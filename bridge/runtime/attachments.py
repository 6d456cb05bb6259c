"""Self-service attachments: decode, check size and type, and keep them beside the log.

The type is checked from the bytes (``bridge.filetypes``): a file is kept only when it is what
its declared content type says, so a script named ``shot.png`` is refused, not served. The
bytes go to the store's ``attachments`` table in the same transaction as the message that
references them; events carry only ``{id, name, content_type, size}``.
"""

from __future__ import annotations

import base64
import binascii
import uuid
from collections.abc import Sequence
from typing import Any, Protocol

from bridge.engine.errors import InvalidCommand, LivechatError
from bridge.filetypes import matches, sniff
from bridge.settings import AttachmentSettings
from bridge.store import StoredAttachment


class AttachmentTooLarge(LivechatError):
    code = "attachment_too_large"


class AttachmentTypeNotAllowed(LivechatError):
    code = "attachment_type_not_allowed"


class AttachmentTypeMismatch(AttachmentTypeNotAllowed):
    """The bytes are not what the declared type says (whatever the file's name)."""

    code = "attachment_type_mismatch"


class InvalidAttachment(InvalidCommand):
    code = "invalid_attachment"


class AttachmentIn(Protocol):
    name: str
    content_type: str
    data: str


def prepare(
    items: Sequence[AttachmentIn], chat_id: str, limits: AttachmentSettings
) -> list[StoredAttachment]:
    """Decoded, checked attachments with fresh ids; raises before anything is kept."""
    if len(items) > limits.max_count:
        raise InvalidAttachment(f"at most {limits.max_count} attachments per message")
    out = []
    for item in items:
        content_type, data = _checked(item, limits)
        out.append(
            StoredAttachment(f"att_{uuid.uuid4().hex}", chat_id, item.name, content_type, data)
        )
    return out


def _checked(item: AttachmentIn, limits: AttachmentSettings) -> tuple[str, bytes]:
    """The attachment's type and bytes, once its type is allowed, its size fits and its bytes
    are of that type."""
    content_type = item.content_type.split(";")[0].strip().lower()
    if content_type not in limits.allowed_types:
        raise AttachmentTypeNotAllowed(
            f"{item.name!r}: type {content_type!r} is not one of {limits.allowed_types}"
        )
    if len(item.data) > (limits.max_bytes + 2) // 3 * 4 + 4:
        raise AttachmentTooLarge(f"{item.name!r} is over {limits.max_bytes} bytes")
    try:
        data = base64.b64decode(item.data, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise InvalidAttachment(f"{item.name!r}: data is not valid base64") from exc
    if len(data) > limits.max_bytes:
        raise AttachmentTooLarge(f"{item.name!r} is over {limits.max_bytes} bytes")
    if not matches(content_type, data):
        found = sniff(data)
        raise AttachmentTypeMismatch(
            f"{item.name!r} is declared {content_type} but its bytes are "
            + (f"{found}" if found else "of no type the bridge recognises")
        )
    return content_type, data


def describe(item: StoredAttachment) -> dict[str, Any]:
    """What a message event records about an attachment."""
    return {
        "id": item.id,
        "name": item.name,
        "content_type": item.content_type,
        "size": len(item.data),
    }
