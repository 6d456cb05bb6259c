"""The agent's side: presence, the lists, actions on chats and the console stream.

Only reads, presence (PUT) and keyed message posts are retried after a cut connection:
repeating an accept, transfer or end that may have happened would answer a confusing 409.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from typing import Any

import aiohttp

from bridge.http.schemas import (
    ActionOut,
    AgentChatOut,
    AgentMeOut,
    ChatListOut,
    ChatSummary,
    CountsOut,
    DirectoryOut,
    HealthOut,
    PostedOut,
    PresenceOut,
    TokenOut,
)

from .retry import RetryPolicy
from .source import new_key
from .stream import ResumingStream
from .transport import IDEMPOTENCY_HEADER, OwnsTransport, Transport

P = "/api/v1/agent"


class AgentClient(OwnsTransport):
    """``async with AgentClient(url, token) as agent: await agent.accept(chat_id)``."""

    def __init__(
        self,
        base_url: str,
        token: str,
        *,
        session: aiohttp.ClientSession | None = None,
        retry: RetryPolicy | None = None,
        timeout: float = 30.0,
    ) -> None:
        self.transport = Transport(base_url, session=session, retry=retry, timeout=timeout)
        self.token = token
        self._headers = {"Authorization": f"Bearer {token}"}

    @classmethod
    async def login(
        cls, base_url: str, username: str, password: str, **options: Any
    ) -> AgentClient:
        """An agent client for a ``demo_users`` login (production issues tokens elsewhere)."""
        transport = Transport(base_url, retry=options.get("retry"))
        try:
            answer = await transport.request(
                "POST", "/api/v1/login", {}, json_body={"username": username, "password": password}
            )
        finally:
            await transport.close()
        return cls(base_url, TokenOut.model_validate(answer).token, **options)

    async def _call(
        self, method: str, path: str, body: Any = None, repeatable: bool = False, **headers: str
    ) -> Any:
        return await self.transport.request(
            method, P + path, {**self._headers, **headers}, json_body=body, repeatable=repeatable
        )

    async def me(self) -> AgentMeOut:
        return AgentMeOut.model_validate(await self._call("GET", "/me"))

    async def set_availability(self, available: bool, capacity: int | None = None) -> AgentMeOut:
        """Available or not; with auto-accept, ``capacity`` is "available for N"."""
        body = {"available": available, "capacity": capacity}
        return AgentMeOut.model_validate(await self._call("PUT", "/availability", body))

    async def heartbeat(self) -> PresenceOut:
        """I am here without a console: a lease of ``lease_seconds`` (beat every third)."""
        return PresenceOut.model_validate(await self._call("POST", "/heartbeat", repeatable=True))

    async def sign_out(self) -> PresenceOut:
        """Sign out now: my chats go back to the front of their queues."""
        return PresenceOut.model_validate(await self._call("POST", "/sign-out", repeatable=True))

    @contextlib.asynccontextmanager
    async def keep_present(self) -> AsyncIterator[PresenceOut]:
        """Heartbeats in the background while the block runs: an agent tool with no console
        stays present (and keeps its chats) as long as it is alive, and not a lease longer."""
        first = await self.heartbeat()

        async def beat() -> None:
            while True:
                await asyncio.sleep(first.lease_seconds / 3)
                await self.heartbeat()

        task = asyncio.create_task(beat())
        try:
            yield first
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def counts(self) -> CountsOut:
        return CountsOut.model_validate(await self._call("GET", "/counts"))

    async def queue(self) -> list[ChatSummary]:
        return ChatListOut.model_validate(await self._call("GET", "/queue")).chats

    async def transferred(self) -> list[ChatSummary]:
        return ChatListOut.model_validate(await self._call("GET", "/transferred")).chats

    async def chats(self) -> list[ChatSummary]:
        return ChatListOut.model_validate(await self._call("GET", "/chats")).chats

    async def chat(self, chat_id: str) -> AgentChatOut:
        return AgentChatOut.model_validate(await self._call("GET", f"/chats/{chat_id}"))

    async def directory(self) -> DirectoryOut:
        return DirectoryOut.model_validate(await self._call("GET", "/directory"))

    async def accept(self, chat_id: str) -> AgentChatOut:
        """Take a waiting chat; the answer is its whole history."""
        return AgentChatOut.model_validate(await self._call("POST", f"/chats/{chat_id}/accept"))

    async def post(
        self, chat_id: str, text: str, *, idempotency_key: str | None = None
    ) -> PostedOut:
        """Post to the user once, however often the call is retried."""
        key = idempotency_key or new_key()
        answer = await self._call(
            "POST", f"/chats/{chat_id}/messages", {"text": text}, **{IDEMPOTENCY_HEADER: key}
        )
        return PostedOut.model_validate(answer)

    async def note(self, chat_id: str, text: str) -> PostedOut:
        answer = await self._call("POST", f"/chats/{chat_id}/notes", {"text": text})
        return PostedOut.model_validate(answer)

    async def transfer(
        self,
        chat_id: str,
        *,
        to_agent: str | None = None,
        to_queue: str | None = None,
        note: str = "",
    ) -> ActionOut:
        body = {"to_agent": to_agent, "to_queue": to_queue, "note": note}
        body = {k: v for k, v in body.items() if v is not None}
        answer = await self._call("POST", f"/chats/{chat_id}/transfer", body)
        return ActionOut.model_validate(answer)

    async def end(self, chat_id: str, *, send_transcript: bool = False) -> ActionOut:
        """End Chat; ``send_transcript`` also mails the user the transcript (issue 16)."""
        body = {"send_transcript": True} if send_transcript else None
        return ActionOut.model_validate(await self._call("POST", f"/chats/{chat_id}/end", body))

    async def abandon(self, chat_id: str, *, confirm: bool = False) -> ActionOut:
        body = {"confirm": confirm}
        return ActionOut.model_validate(await self._call("POST", f"/chats/{chat_id}/abandon", body))

    def stream(
        self, since: int | None = None, *, retry: RetryPolicy | None = None
    ) -> ResumingStream:
        """The console's notifications after ``since`` (default: from now), resumed across
        disconnects. Opening it marks the agent connected, as a console does."""
        return ResumingStream(
            self.transport,
            f"{P}/stream",
            self.token,
            since if since is not None else self._committed_seq,
            retry=retry,
        )

    async def _committed_seq(self) -> int:
        """Where "from now" is: the bridge's committed seq, so a resume has a point to go from."""
        answer = await self.transport.request("GET", "/healthz", {})
        return HealthOut.model_validate(answer).seq
