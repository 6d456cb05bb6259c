"""Canned responses: who may see, use and change one, and how its placeholders are filled.

Pure rules (no I/O): ``bridge.canned.library`` keeps the responses, the HTTP routes call these.

Scopes. A *company* response is for every chat of that company, a *queue* response for the
chats of one support queue (``Company/QUEUE``), a *personal* one for its owner's chats only.
Reach is the agent token's queues: an agent sees and manages the company responses of the
companies of their queues and the queue responses of their queues; personal ones only their own.
Anything out of reach is "not found", so a response's existence is not told to whoever may not
see it; creating one in a scope out of reach is ``canned_out_of_reach``.

Placeholders are ``{name}`` (``{{`` and ``}}`` for literal braces), of ``PLACEHOLDERS`` only
(checked when a response is saved). ``render`` fills them from one chat's ``ReplyContext``; a
value the chat does not have (no ticket yet) refuses the render, it never sends a blank.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping
from dataclasses import astuple, dataclass
from typing import Any, Literal

from bridge.engine import errors as err

Scope = Literal["company", "queue", "personal"]
SCOPES: tuple[Scope, ...] = ("company", "queue", "personal")
PLACEHOLDERS: dict[str, str] = {
    "customer_name": "the customer's full name",
    "customer_first_name": "the customer's first name",
    "agent_name": "the agent's screen name (else first and last name)",
    "ticket_id": "the chat's ticket (the last one linked)",
    "chat_id": "the chat's id",
}
_TOKEN = re.compile(r"\{\{|\}\}|\{([^{}]*)\}")


class UnknownCanned(err.NotFound):
    code = "unknown_canned_response"


class CannedOutOfReach(err.OutOfReach):
    code = "canned_out_of_reach"


class UnknownPlaceholder(err.InvalidCommand):
    code = "unknown_placeholder"


class PlaceholderUnfilled(err.WrongState):
    """The chat has no value for a placeholder of the reply (e.g. no ticket yet)."""

    code = "placeholder_unfilled"


@dataclass(slots=True)
class CannedResponse:
    """One stored response; fields in the order of the store's ``CANNED_COLUMNS``."""

    id: str
    scope: Scope
    company: str
    queue: str | None
    owner: str | None
    title: str
    shortcut: str
    text: str
    article_id: str | None
    updated_by: str
    updated_at: float

    def values(self) -> tuple[Any, ...]:
        return astuple(self)


@dataclass(slots=True)
class ReplyContext:
    """What one chat can fill in; None where the chat has no value."""

    chat_id: str
    agent_name: str
    customer_name: str | None
    ticket_id: str | None

    def values(self) -> dict[str, str | None]:
        first = self.customer_name.split()[0] if self.customer_name else None
        return {
            "customer_name": self.customer_name,
            "customer_first_name": first,
            "agent_name": self.agent_name,
            "ticket_id": self.ticket_id,
            "chat_id": self.chat_id,
        }


def companies_of(queues: Collection[str]) -> set[str]:
    return {queue.split("/", 1)[0] for queue in queues}


def in_reach(item: CannedResponse, agent_id: str, queues: Collection[str]) -> bool:
    """Whether the agent may see and change the response (see the module docstring)."""
    if item.scope == "personal":
        return item.owner == agent_id
    if item.scope == "queue":
        return item.queue in queues
    return item.company in companies_of(queues)


def fits_chat(item: CannedResponse, agent_id: str, company: str, queue: str) -> bool:
    """Whether the response is offered in a chat of ``company``/``queue`` the agent holds."""
    if item.scope == "personal":
        return item.owner == agent_id
    if item.scope == "queue":
        return item.queue == queue
    return item.company == company


def check_scope(
    scope: Scope, company: str, queue: str | None, agent_id: str, queues: Collection[str]
) -> None:
    """Refuse a company or queue the agent's queues do not reach (personal: always theirs)."""
    if scope == "queue" and queue not in queues:
        raise CannedOutOfReach(f"queue {queue!r} is not one of {agent_id!r}'s support queues")
    if scope == "company" and company not in companies_of(queues):
        raise CannedOutOfReach(f"company {company!r} has none of {agent_id!r}'s support queues")


def placeholders(text: str) -> list[str]:
    """The placeholder names the text uses, in order (unknown ones included)."""
    return [m.group(1).strip() for m in _TOKEN.finditer(text) if m.group(1) is not None]


def check_placeholders(text: str) -> None:
    unknown = [name for name in placeholders(text) if name not in PLACEHOLDERS]
    if unknown:
        raise UnknownPlaceholder(
            f"unknown placeholder(s) {', '.join('{' + n + '}' for n in unknown)}; "
            f"known: {', '.join('{' + n + '}' for n in PLACEHOLDERS)}"
        )


def render(text: str, values: Mapping[str, str | None]) -> str:
    """The text with every placeholder filled, or ``PlaceholderUnfilled`` naming the missing."""
    missing = sorted({n for n in placeholders(text) if values.get(n) is None})
    if missing:
        raise PlaceholderUnfilled(
            f"this chat has no value for {', '.join('{' + n + '}' for n in missing)}"
            + (" (no ticket yet)" if "ticket_id" in missing else "")
        )

    def fill(match: re.Match[str]) -> str:
        name = match.group(1)
        if name is None:
            return match.group(0)[0]  # "{{" -> "{", "}}" -> "}"
        return values[name.strip()] or ""

    return _TOKEN.sub(fill, text)


def matches(item: CannedResponse, term: str) -> int | None:
    """Rank of the response for a search term (lower is better), None when it does not match:
    every word must appear in the shortcut, title or text; a shortcut that starts with the
    term comes first, then title hits."""
    words = term.casefold().split()
    if not words:
        return 2
    shortcut, title = item.shortcut.casefold(), item.title.casefold()
    haystack = f"{shortcut} {title} {item.text.casefold()}"
    if not all(word in haystack for word in words):
        return None
    if shortcut.startswith(term.casefold().strip()):
        return 0
    return 1 if all(word in title for word in words) else 2


def article_text(title: str, url: str) -> str:
    """A knowledge article used as a reply: its title and link."""
    return f"{title}\n{url}"
