"""The source's and the user's side: hand a chat over, ask about availability, talk, stream.

``LivechatClient`` speaks with a source's ``X-API-Key`` (a bot platform, a web page);
``UserChat`` (from ``client.user_chat``) with the user token a handoff answered. Both share
one session and one retry policy.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any, TypeVar

import aiohttp
from pydantic import BaseModel, ValidationError

from bridge.engine.events import ChatClosed
from bridge.http.schemas import (
    AvailabilityOut,
    ChatStatusOut,
    EventsOut,
    HandoffIn,
    HandoffOut,
    PostedOut,
    QueueOut,
    QueuesOut,
    RowOut,
)

from .errors import LivechatClientError
from .retry import RetryPolicy
from .stream import ResumingStream
from .transport import IDEMPOTENCY_HEADER, OwnsTransport, Transport

M = TypeVar("M", bound=BaseModel)


def new_key() -> str:
    """A fresh idempotency key: one per logical call, reused by all its retries."""
    return uuid.uuid4().hex


def _valid(model: type[M], data: dict[str, Any]) -> M:
    """``data`` as ``model``, refused as the bridge would (422 ``invalid_body``), unsent."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        detail = exc.errors(include_url=False, include_context=False, include_input=False)
        raise LivechatClientError("invalid_body", 422, str(exc), detail) from exc


def wait_message(answer: HandoffOut | ChatStatusOut) -> str:
    """What a bot tells the user right after handing over: their place and the wait, if known."""
    if answer.status == "assigned":
        return "An agent has joined the chat."
    if answer.status != "queued" or answer.position is None:
        return "This chat is closed."
    text = f"You are number {answer.position} in the queue."
    if answer.estimated_wait is not None:
        minutes = max(1, round(answer.estimated_wait / 60))
        text += f" The estimated wait is about {minutes} minute{'s' if minutes > 1 else ''}."
    return text


def _is_closed(row: RowOut) -> bool:
    return row.type == ChatClosed.__name__


class LivechatClient(OwnsTransport):
    """``async with LivechatClient(url, api_key) as client: await client.handoff(...)``."""

    def __init__(
        self,
        base_url: str,
        api_key: str | None = None,
        *,
        session: aiohttp.ClientSession | None = None,
        retry: RetryPolicy | None = None,
        timeout: float = 30.0,
    ) -> None:
        self.transport = Transport(base_url, session=session, retry=retry, timeout=timeout)
        self._headers = {"X-API-Key": api_key} if api_key else {}  # none: user calls only

    async def handoff(
        self,
        *,
        company: str,
        customer: dict[str, Any],
        question: str,
        queue: str | None = None,
        source: str = "virtual_agent",
        transcript: Sequence[dict[str, str]] = (),
        context: dict[str, Any] | None = None,
        callback_url: str | None = None,
        idempotency_key: str | None = None,
    ) -> HandoffOut:
        """Open a chat; done once per key however often it is retried (even across restarts).

        Pass the conversation's own id as ``idempotency_key`` so a bot that crashes and hands
        the same conversation over again gets the same chat; without one a fresh key is made
        for this call and its retries.
        """
        body = _valid(HandoffIn, {
            "source": source,
            "company": company,
            "queue": queue,
            "customer": customer,
            "question": question,
            "transcript": list(transcript),
            "context": context,
            "callback_url": callback_url,
        })  # fmt: skip
        headers = {**self._headers, IDEMPOTENCY_HEADER: idempotency_key or new_key()}
        answer = await self.transport.request(
            "POST",
            "/api/v1/handoffs",
            headers,
            json_body=body.model_dump(mode="json", by_alias=True, exclude_none=True),
        )
        return HandoffOut.model_validate(answer)

    async def availability(self, company: str, queue: str | None = None) -> AvailabilityOut:
        """Whether a queue is open, who is free and the wait a handoff now would be told."""
        query = {"company": company, "queue": queue}
        answer = await self.transport.request(
            "GET", "/api/v1/availability", self._headers, params=query
        )
        return AvailabilityOut.model_validate(answer)

    async def queues(self) -> list[QueueOut]:
        answer = await self.transport.request("GET", "/api/v1/queues", self._headers)
        return QueuesOut.model_validate(answer).queues

    def user_chat(self, chat_id: str, user_token: str) -> UserChat:
        """The chat as its user sees it, on this client's session."""
        return UserChat(self.transport, chat_id, user_token)


class UserChat:
    """One chat with its user token: status, history, messages, cancel and the live stream."""

    def __init__(self, transport: Transport, chat_id: str, user_token: str) -> None:
        self.transport = transport
        self.chat_id = chat_id
        self.token = user_token
        self._headers = {"Authorization": f"Bearer {user_token}"}
        self._path = f"/api/v1/chats/{chat_id}"

    async def status(self) -> ChatStatusOut:
        answer = await self.transport.request("GET", self._path, self._headers)
        return ChatStatusOut.model_validate(answer)

    async def events(self, since: int = 0) -> list[RowOut]:
        """What the user may see after ``since``, committed, in ``seq`` order."""
        answer = await self.transport.request(
            "GET", f"{self._path}/events", self._headers, params={"since": since}
        )
        return EventsOut.model_validate(answer).events

    async def post(self, text: str, *, idempotency_key: str | None = None) -> PostedOut:
        """Post a user message once, however often the call is retried."""
        headers = {**self._headers, IDEMPOTENCY_HEADER: idempotency_key or new_key()}
        answer = await self.transport.request(
            "POST", f"{self._path}/messages", headers, json_body={"text": text}
        )
        return PostedOut.model_validate(answer)

    async def cancel(self) -> str:
        """Cancel: a waiting chat closes, an assigned one stays with its agent; the new state."""
        answer = await self.transport.request("POST", f"{self._path}/cancel", self._headers)
        return str(answer["status"])

    def stream(
        self, since: int = 0, *, stop_on_close: bool = True, retry: RetryPolicy | None = None
    ) -> ResumingStream:
        """Rows after ``since`` then live ones, resumed across disconnects; ends at ChatClosed.

        ``retry`` governs reconnecting (default ``STREAM_RETRY``: about a minute of tries).
        """
        return ResumingStream(
            self.transport,
            f"{self._path}/stream",
            self.token,
            since,
            stop=_is_closed if stop_on_close else None,
            retry=retry,
        )
