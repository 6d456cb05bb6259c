"""Screen-share links (agent token) and what the conversation pages may offer (no token).

Remote-control screen sharing is out of scope for a chat bridge. What the bridge offers: the
agent posts a link to a remote-session provider, built from ``screen_share.url_template``; the
user sees it as a link in the conversation and the log records ``ScreenShareOffered``.
"""

from __future__ import annotations

from aiohttp import web

from bridge.engine.errors import WrongState
from bridge.engine.events import Event

from .apidoc import doc
from .keys import bridge_key
from .schemas import EmptyIn, Out, RowOut
from .steps import chat_step

routes = web.RouteTableDef()


class ScreenShareNotConfigured(WrongState):
    code = "screen_share_not_configured"


class AttachmentLimitsOut(Out):
    max_bytes: int
    max_count: int
    allowed_types: list[str]


class FeaturesOut(Out):
    transcript_email: bool
    screen_share: bool
    screen_share_label: str
    attachments: AttachmentLimitsOut


@routes.get("/api/v1/features")
@doc("Which conversation features this bridge has switched on (the pages ask before they "
     "show a button)", response=FeaturesOut)  # fmt: skip
async def features(request: web.Request) -> web.Response:
    settings = request.app[bridge_key].settings
    limits = settings.attachments
    return web.json_response({
        "transcript_email": settings.mail.enabled,
        "screen_share": settings.screen_share.url_template is not None,
        "screen_share_label": settings.screen_share.label,
        "attachments": {"max_bytes": limits.max_bytes, "max_count": limits.max_count,
                        "allowed_types": list(limits.allowed_types)},
    })  # fmt: skip


@routes.post("/api/v1/agent/chats/{chat_id}/screen-share")
@doc("Post a screen-share / remote-session link (from the configured provider) into my chat",
     body=EmptyIn, response=RowOut, status=201, errors=(409,), auth="agent")  # fmt: skip
async def offer(request: web.Request) -> web.Response:
    step = await chat_step(request, EmptyIn)
    chat_id, agent_id = step.chat_id, step.agent_id

    def command() -> list[Event]:
        url = step.bridge.settings.screen_share.link(chat_id, agent_id)
        if url is None:
            raise ScreenShareNotConfigured("no screen-share provider is configured")
        return step.engine.offer_screen_share(chat_id, agent_id, url)

    rows = await step.run(command)
    return web.json_response(rows[-1], status=201)


def setup(app: web.Application) -> None:
    app.add_routes(routes)
