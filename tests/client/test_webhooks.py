"""Callback verification: Standard Webhooks signatures with a replay window.

The end-to-end test has a real bridge call a real receiver that verifies with the client's
helper; the unit tests show each way a forged or replayed callback is refused.
"""

from __future__ import annotations

import asyncio
import json

import pytest
from aiohttp import web

from bridge.client import LivechatClient, WebhookVerificationError
from bridge.client.webhooks import Webhook, sign, verify
from tests.bridge.support import CALLBACK_SECRET

from .support import open_chat, present_agent

NOW = 1_800_000_000
BODY = json.dumps({"seq": 7, "type": "MessagePosted", "payload": {"text": "hi"}}).encode()


def signed(body: bytes = BODY, secret: str = CALLBACK_SECRET, at: int = NOW) -> dict[str, str]:
    return {
        "webhook-id": "chat-1:7",
        "webhook-timestamp": str(at),
        "webhook-signature": sign(secret, "chat-1:7", at, body),
    }


def test_a_genuine_callback_verifies_and_gives_its_id_and_row():
    hook = verify(CALLBACK_SECRET, signed(), BODY, now=NOW + 10)
    assert hook == Webhook("chat-1:7", NOW, json.loads(BODY))


def test_any_of_several_signatures_may_match_while_keys_rotate():
    headers = signed()
    headers["webhook-signature"] = "v1,bm90LXRoaXMtb25l " + headers["webhook-signature"]
    assert verify(CALLBACK_SECRET, headers, BODY, now=NOW).id == "chat-1:7"


@pytest.mark.parametrize(
    ("headers", "body", "now", "why"),
    [
        (signed(), BODY.replace(b"hi", b"ho"), NOW, "no signature matches"),
        (signed(secret="whsec_" + "b3RoZXI="), BODY, NOW, "no signature matches"),
        (signed(), BODY, NOW + 301, "outside the 300 s window"),
        (signed(), BODY, NOW - 301, "outside the 300 s window"),
        ({**signed(), "webhook-id": "chat-1:8"}, BODY, NOW, "no signature matches"),
        ({k: v for k, v in signed().items() if k != "webhook-signature"}, BODY, NOW, "missing"),
        ({**signed(), "webhook-timestamp": "soon"}, BODY, NOW, "not a number"),
    ],
    ids=[
        "tampered-body",
        "wrong-secret",
        "replayed",
        "from-the-future",
        "other-id",
        "unsigned",
        "bad-time",
    ],
)
def test_forged_or_replayed_callbacks_are_refused(headers, body, now, why):
    with pytest.raises(WebhookVerificationError, match=why):
        verify(CALLBACK_SECRET, headers, body, now=now)


async def test_a_real_bridges_callbacks_verify_with_the_client_helper(
    aiohttp_server, source: LivechatClient, base_url: str
):
    verified: list[Webhook] = []
    refused: list[str] = []
    got_message = asyncio.Event()

    async def receive(request: web.Request) -> web.Response:
        try:
            hook = verify(CALLBACK_SECRET, request.headers, await request.read())
        except WebhookVerificationError as exc:
            refused.append(str(exc))
            return web.Response(status=401)
        verified.append(hook)
        if hook.payload.get("type") == "MessagePosted":
            got_message.set()
        return web.Response(status=204)

    app = web.Application()
    app.router.add_post("/hook", receive)
    receiver = await aiohttp_server(app)
    chat = await open_chat(source, callback_url=str(receiver.make_url("/hook")))
    async with present_agent(base_url) as agent:
        await agent.accept(chat.chat_id)
        said = await agent.post(chat.chat_id, "Hello from the desk")
    async with asyncio.timeout(10):
        await got_message.wait()
    assert refused == []
    posted = next(h for h in verified if h.payload["type"] == "MessagePosted")
    assert posted.payload["payload"]["text"] == "Hello from the desk"
    assert posted.id == f"{chat.chat_id}:{said.seq}"  # the stable delivery id
