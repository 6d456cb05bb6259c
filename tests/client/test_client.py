"""The typed client against a real bridge: sources, users and agents, typed answers and errors."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from aiohttp.test_utils import TestServer

from bridge.client import (
    AgentClient,
    LivechatClient,
    LivechatClientError,
    Notice,
    RetryPolicy,
    StreamItem,
    wait_message,
)
from bridge.http.keys import bridge_key
from bridge.http.schemas import HandoffOut, RowOut
from bridge.runtime import Bridge

from .support import CuttableProxy, agent_token, open_chat, present_agent


def bridge_in(server: TestServer) -> Bridge:
    return server.app[bridge_key]


async def test_a_handoff_answers_typed_and_a_reused_key_gives_the_same_chat(
    source: LivechatClient, server: TestServer
):
    first = await open_chat(source, idempotency_key="conv-1")
    again = await open_chat(source, idempotency_key="conv-1")
    other = await open_chat(source)  # a fresh key of its own
    assert isinstance(first, HandoffOut)
    assert (first.status, first.queue, first.position) == ("queued", "Acme/GENERAL", 1)
    assert again.chat_id == first.chat_id and again.user_token == first.user_token
    assert other.chat_id != first.chat_id
    assert len(bridge_in(server).engine.chats) == 2


async def test_a_refused_handoff_raises_the_bridges_code_and_stores_nothing(
    source: LivechatClient, server: TestServer
):
    with pytest.raises(LivechatClientError) as caught:
        await open_chat(source, queue="NOPE", idempotency_key="conv-2")
    assert caught.value.status == 404
    assert caught.value.code == "unknown_queue"
    assert "NOPE" in caught.value.message
    assert bridge_in(server).engine.chats == {}
    assert bridge_in(server).store.idempotent_response("bot", "conv-2") is None


async def test_a_wrong_api_key_is_unauthorized(base_url: str):
    async with LivechatClient(base_url, "wrong") as client:
        with pytest.raises(LivechatClientError) as caught:
            await client.availability("Acme")
    assert (caught.value.status, caught.value.code) == (401, "unauthorized")


async def test_availability_and_queues_are_typed(source: LivechatClient):
    await open_chat(source)
    available = await source.availability("Acme", "GENERAL")
    assert (available.queue, available.queue_length, available.open) == ("Acme/GENERAL", 1, True)
    keys = [q.key for q in await source.queues()]
    assert "Acme/NETWORK" in keys and "Globex/GENERAL" in keys


async def test_a_whole_conversation_through_the_client(source: LivechatClient, base_url: str):
    chat = await open_chat(source)
    user = source.user_chat(chat.chat_id, chat.user_token)
    async with present_agent(base_url) as agent:
        assert [c.chat_id for c in await agent.queue()] == [chat.chat_id]
        accepted = await agent.accept(chat.chat_id)
        assert accepted.chat.status == "assigned"
        said = await agent.post(chat.chat_id, "Hi Ann")
        heard = await user.post("Thanks")
        await agent.note(chat.chat_id, "agents only")
        assert heard.seq > said.seq
        assert (await user.status()).agent is not None
        ended = await agent.end(chat.chat_id)
        assert ended.status == "closed"
    events = await user.events()
    assert all(isinstance(e, RowOut) for e in events)
    texts = [e.payload.get("text") for e in events if e.type == "MessagePosted"]
    assert texts == ["Hi Ann", "Thanks"]  # the note never reaches the user
    assert events[-1].type == "ChatClosed"
    assert (await user.events(since=said.seq))[0].seq == heard.seq


async def test_the_user_stream_replays_then_goes_live_and_ends_at_chat_closed(
    source: LivechatClient, base_url: str
):
    chat = await open_chat(source)
    user = source.user_chat(chat.chat_id, chat.user_token)
    seen: list[RowOut] = []
    notices: list[Notice] = []
    got_update = asyncio.Event()

    async def consume() -> None:
        async for item in user.stream():
            if isinstance(item, Notice):
                notices.append(item)
                got_update.set()
            else:
                seen.append(item)

    task = asyncio.create_task(consume())
    async with asyncio.timeout(10):
        await got_update.wait()  # connected: the waiting chat is told its position
    async with present_agent(base_url) as agent:
        await agent.accept(chat.chat_id)
        await agent.post(chat.chat_id, "hello")
        await agent.end(chat.chat_id)
    async with asyncio.timeout(10):
        await task  # the stream ends by itself at ChatClosed
    assert notices[0].type == "QueueUpdate" and notices[0].payload["position"] == 1
    assert [r.seq for r in seen] == [r.seq for r in await user.events()]
    assert [r.type for r in seen][-1] == "ChatClosed"


async def test_a_stream_refused_raises_the_bridges_code(source: LivechatClient):
    chat = await open_chat(source)
    other = await open_chat(source)
    wrong = source.user_chat(chat.chat_id, other.user_token)
    with pytest.raises(LivechatClientError) as caught:
        async with asyncio.timeout(10):
            async for _ in wrong.stream():
                pass
    assert (caught.value.status, caught.value.code) == (403, "forbidden")


async def next_notice(items: AsyncIterator[StreamItem]) -> tuple[list[RowOut], Notice]:
    """The rows up to the next notice, and that notice."""
    rows: list[RowOut] = []
    async with asyncio.timeout(10):
        while not isinstance(item := await anext(items), Notice):
            rows.append(item)
    return rows, item


async def test_the_agent_stream_from_now_tells_of_new_chats_and_counts(
    source: LivechatClient, base_url: str, server: TestServer
):
    early = await open_chat(source)  # before the stream: not sent
    async with AgentClient(base_url, agent_token()) as agent:
        stream = agent.stream()
        items = aiter(stream)
        rows, counts = await next_notice(items)
        assert early.chat_id not in {r.chat_id for r in rows}
        assert {r.agent_id for r in rows} <= {"alice"}  # only its own sign-in, if anything
        assert counts.type == "Counts" and counts.payload["queue"] == 1
        chat = await open_chat(source)
        rows, counts = await next_notice(items)
        assert [(r.type, r.chat_id) for r in rows] == [("ChatOpened", chat.chat_id)]
        assert counts.payload["queue"] == 2
        assert stream.last_seq == rows[-1].seq
        await items.aclose()
        async with asyncio.timeout(5):  # closing the iterator closes the socket
            while bridge_in(server).agent_connections.get("alice"):
                await asyncio.sleep(0.01)


async def test_agent_login_presence_and_a_refused_action(source: LivechatClient, base_url: str):
    with pytest.raises(LivechatClientError) as caught:
        await AgentClient.login(base_url, "alice", "wrong")
    assert caught.value.code == "unauthorized"
    agent = await AgentClient.login(base_url, "alice", "pw")
    async with agent:
        me = await agent.set_availability(False)
        assert (me.agent_id, me.available) == ("alice", False)
        chat = await open_chat(source)
        await agent.set_availability(True)
        presence = await agent.heartbeat()  # no console: a lease keeps the agent there
        assert presence.present and presence.lease_expires_at is not None
        await agent.accept(chat.chat_id)
        with pytest.raises(LivechatClientError) as refused:
            await agent.accept(chat.chat_id)
        assert (refused.value.status, refused.value.code) == (409, "chat_not_queued")
        assert [c.chat_id for c in await agent.chats()] == [chat.chat_id]
        gone = await agent.sign_out()
        assert (gone.signed_in, gone.present) == (False, False)
        back = await source.user_chat(chat.chat_id, chat.user_token).status()
        assert (back.status, back.position) == ("queued", 1)  # back at the front of its queue


async def test_the_agent_stream_resumes_after_a_cut_without_loss_or_repeat(
    source: LivechatClient, server: TestServer
):
    proxy = CuttableProxy((server.host, server.port))
    via = await proxy.start()
    try:
        async with AgentClient(via, agent_token(), retry=RetryPolicy(attempts=50)) as agent:
            stream = agent.stream(retry=RetryPolicy(attempts=50, first_delay=0.02))
            items = aiter(stream)
            await next_notice(items)
            first = await open_chat(source)
            rows, _ = await next_notice(items)
            proxy.refuse = True
            proxy.cut()
            missed = [(await open_chat(source)).chat_id for _ in range(3)]
            proxy.refuse = False
            seen: list[str] = []
            while len(seen) < 3:
                more, _ = await next_notice(items)
                seen += [r.chat_id for r in more if r.type == "ChatOpened"]
            await items.aclose()
    finally:
        await proxy.close()
    assert [r.chat_id for r in rows] == [first.chat_id]
    assert seen == missed  # each once, in order
    assert stream.connections == 2


@pytest.mark.parametrize(
    ("status", "position", "wait", "said"),
    [
        (
            "queued",
            2,
            170.0,
            "You are number 2 in the queue. The estimated wait is about 3 minutes.",
        ),
        ("queued", 1, 20.0, "You are number 1 in the queue. The estimated wait is about 1 minute."),
        ("queued", 4, None, "You are number 4 in the queue."),
        ("assigned", None, None, "An agent has joined the chat."),
        ("closed", None, None, "This chat is closed."),
    ],
)
def test_the_wait_message_says_place_and_wait_when_known(status, position, wait, said):
    answer = HandoffOut(
        chat_id="c", status=status, queue="Acme/GENERAL", position=position,
        estimated_wait=wait, user_token="t",
    )  # fmt: skip
    assert wait_message(answer) == said
