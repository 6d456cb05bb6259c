"""Transcripts: the user downloads the conversation or asks for it by email (user token).

The download is plain text, built from the rows the user may see (``runtime.transcripts``).
The email request records ``TranscriptRequested`` and answers 202 once that row is durable;
the mailer (``runtime.mailer``) sends it afterwards and records the outcome. The agent's End
Chat can ask for the same email (``send_transcript``, ``bridge.http.agents``).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated

from aiohttp import web
from pydantic import Field

from bridge.runtime.mailer import TranscriptMailer, smtp_sender
from bridge.runtime.transcripts import email_command, transcript_text

from . import auth
from .apidoc import doc
from .keys import bridge_key
from .schemas import In, Out
from .steps import user_step

routes = web.RouteTableDef()
mailer_key = web.AppKey("mailer", TranscriptMailer)

Email = Annotated[str, Field(max_length=254, pattern=r"^[^@\s<>,;]+@[^@\s<>,;]+\.[^@\s<>,;]+$")]


class TranscriptEmailIn(In):
    email: Email | None = None  # null: the address the chat's handoff gave


class TranscriptQueuedOut(Out):
    seq: int
    to: str


@routes.get("/api/v1/chats/{chat_id}/transcript")
@doc("Download the conversation as plain text (the chat's user, or an agent who can see it)",
     auth=("user", "agent"), content_type="text/plain")  # fmt: skip
async def download(request: web.Request) -> web.Response:
    chat_id = request.match_info["chat_id"]
    if auth.is_user_token(request):
        auth.user_of(request, chat_id)
    else:
        await auth.agent_who_sees(request, chat_id)
    text = transcript_text(request.app[bridge_key], chat_id)
    return web.Response(
        text=text,
        content_type="text/plain",
        charset="utf-8",
        headers={"Content-Disposition": f'attachment; filename="transcript-{chat_id[:64]}.txt"'},
    )


@routes.post("/api/v1/chats/{chat_id}/transcript/email")
@doc("Mail me the transcript (to the given address, else the chat's): 202 once the request "
     "is durable; it is sent after, with retries", body=TranscriptEmailIn,
     response=TranscriptQueuedOut, status=202, errors=(409,), auth="user")  # fmt: skip
async def email(request: web.Request) -> web.Response:
    chat_id, bridge, body = await user_step(request, TranscriptEmailIn)
    rows = await bridge.runner.run(email_command(bridge, chat_id, body.email))
    return web.json_response({"seq": rows[-1]["seq"], "to": rows[-1]["payload"]["to"]}, status=202)


async def mailer_ctx(app: web.Application) -> AsyncIterator[None]:
    bridge = app[bridge_key]
    mailer = TranscriptMailer(bridge, smtp_sender(bridge.settings.mail))
    mailer.start()
    app[mailer_key] = mailer
    yield
    await mailer.stop()


def setup(app: web.Application) -> None:
    app.add_routes(routes)
    app.cleanup_ctx.append(mailer_ctx)
