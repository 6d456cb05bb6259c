"""The conversation as people read it: lines for tickets, the user's download and the email.

``conversation`` is the one reading of a chat's rows as (time, speaker, text): the bot's part
and the question from ``ChatOpened``, then what the user saw (``user_view``: never a note or an
agents-only message). Ticket descriptions use its messages; the transcript the user downloads
or is mailed (``transcript_text``) uses all of it. ``email_command`` is the check-then-request
step both the user's route and the agent's End Chat use, so both refuse the same way before
anything is written (email off, no address, too many for this chat).
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass
from email.message import EmailMessage
from typing import Any

from bridge.engine import errors as err
from bridge.engine.events import (
    ArticleShared,
    ChatOpened,
    MessagePosted,
    ScreenShareOffered,
    SystemMessage,
    TranscriptRequested,
)
from bridge.store import Row

from .bridge import Bridge
from .runner import Command, agent_name
from .views import user_view

BOT_NAME = "Virtual Agent"
SYSTEM_NAME = "Live Chat"
OPENED, MESSAGE, SHARED, SYSTEM = "opened", "message", "shared", "system"


class EmailNotConfigured(err.WrongState):
    code = "email_not_configured"


class NoEmailAddress(err.WrongState):
    code = "no_email_address"


class TranscriptLimitReached(err.WrongState):
    code = "transcript_limit_reached"


@dataclass(slots=True)
class Line:
    at: float
    speaker: str
    text: str
    kind: str


def conversation(bridge: Bridge, rows: Iterable[Row]) -> list[Line]:
    """The chat's lines in order (see the module docstring)."""
    lines: list[Line] = []
    customer = "Customer"
    for row in rows:
        payload, at = row["payload"], row["at"]
        if row["type"] == ChatOpened.__name__:
            detail = payload.get("detail") or {}
            customer = (detail.get("customer") or {}).get("name") or customer
            for line in detail.get("transcript") or ():
                speaker = customer if line.get("from") == "user" else BOT_NAME
                lines.append(Line(at, speaker, line.get("text", ""), OPENED))
            if payload.get("question"):
                lines.append(Line(at, customer, payload["question"], OPENED))
            continue
        meta = bridge.projection.get(row["chat_id"])
        if meta is None or user_view(row, meta) is None:
            continue
        line = _line(bridge, row, customer)
        if line is not None:
            lines.append(line)
    return lines


def _line(bridge: Bridge, row: Row, customer: str) -> Line | None:
    kind, payload, at = row["type"], row["payload"], row["at"]
    if kind == MessagePosted.__name__:
        user = payload["sender"] == "user"
        speaker = customer if user else agent_name(bridge.engine, row["agent_id"])
        return Line(at, speaker, message_text(payload), MESSAGE)
    if kind == ArticleShared.__name__:
        text = f"Shared an article: {payload['title']} {payload['url']}"
        return Line(at, agent_name(bridge.engine, row["agent_id"]), text, SHARED)
    if kind == ScreenShareOffered.__name__:
        text = f"{bridge.settings.screen_share.label}: {payload['url']}"
        return Line(at, agent_name(bridge.engine, row["agent_id"]), text, SHARED)
    if kind == SystemMessage.__name__:
        return Line(at, SYSTEM_NAME, payload["text"], SYSTEM)
    return None


def message_text(payload: dict[str, Any]) -> str:
    names = [a.get("name", "file") for a in payload.get("attachments") or ()]
    extra = " ".join(f"[attachment: {name}]" for name in names)
    return " ".join(part for part in (payload.get("text") or "", extra) if part)


def transcript_text(bridge: Bridge, chat_id: str) -> str:
    """The plain-text transcript the user downloads or is mailed."""
    chat = bridge.engine.chat_view(chat_id)
    if chat is None:
        raise err.UnknownChat(f"no chat {chat_id!r}")
    lines = conversation(bridge, bridge.store.chat_rows(chat_id))
    head = [
        "Chat transcript",
        f"Chat: {chat_id}",
        f"Company: {chat.company}",
        f"Started: {_when(chat.created_at)}",
        "",
    ]
    body = [f"[{_when(line.at)}] {line.speaker}: {line.text}" for line in lines]
    return "\n".join(head + body) + "\n"


def _when(at: float) -> str:
    return time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime(at))


def transcript_email(bridge: Bridge, chat_id: str, to: str) -> EmailMessage:
    mail = bridge.settings.mail
    message = EmailMessage()
    message["From"] = mail.sender
    message["To"] = to
    message["Subject"] = f"{mail.subject} ({chat_id})"
    message.set_content(transcript_text(bridge, chat_id))
    return message


def email_command(
    bridge: Bridge, chat_id: str, to: str | None, agent_id: str | None = None
) -> Command:
    """Check now (email on, an address, under the per-chat cap), request when run."""
    mail = bridge.settings.mail
    if not mail.enabled:
        raise EmailNotConfigured("transcripts by email are not configured on this bridge")
    meta = bridge.projection.get(chat_id)
    if meta is None:
        raise err.UnknownChat(f"no chat {chat_id!r}")
    address = to or meta.customer.get("email")
    if not address:
        raise NoEmailAddress(f"chat {chat_id!r} has no customer email: give an address")
    asked = sum(
        1 for r in bridge.store.chat_rows(chat_id) if r["type"] == TranscriptRequested.__name__
    )
    if asked >= mail.max_per_chat:
        raise TranscriptLimitReached(
            f"the transcript of chat {chat_id!r} was asked for {asked} times (at most "
            f"{mail.max_per_chat})"
        )
    return lambda: bridge.engine.request_transcript(chat_id, address, agent_id)
