"""Typing notices, read receipts and the post-chat survey, for the user and the agent.

Typing is ephemeral (``bridge.runtime.typing_notices``): answered 202, never stored, 429 past
``typing.rate``. A read receipt is a ``MessagesRead`` event; one that moves nothing forward is
answered 200 with ``recorded: false``. The survey (CSAT) is a ``SurveyAnswered`` event, once per
chat an agent handled, within ``survey.window`` of its end; a virtual agent rates with the
chat's user token (the handoff's answer has it), and the row says ``by: virtual_agent``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated, Literal

from aiohttp import web
from pydantic import BeforeValidator, Field

from bridge.engine.errors import ChatClosed, InvalidCommand, SurveyNotOpen, UnknownChat
from bridge.engine.events import SurveyAnswered
from bridge.engine.model import CLOSED
from bridge.runtime import Bridge, typing_notices
from bridge.runtime.typing_notices import TypingNotices
from bridge.store import Row, SideWrite

from . import auth
from .apidoc import doc
from .keys import bridge_key
from .schemas import In, Out
from .steps import chat_step, user_step

routes = web.RouteTableDef()
typing_key = web.AppKey("typing_notices", TypingNotices)


class TypingIn(In):
    typing: bool = True  # false: stopped typing (clears the indicator at once)


class TypingOut(Out):
    typing: bool


class ReadIn(In):
    up_to: Annotated[int, Field(ge=1, le=2**31)]  # the highest message number ``n`` read


class ReadOut(Out):
    up_to: int
    recorded: bool  # false: that far was read already


def _whole_number(value: object) -> object:
    """A JSON number that is a whole number (5 or 5.0, as JSON Schema's integer); never text
    or a boolean, and never 4.5."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError("the rating must be a whole number from 1 to 5")
    if isinstance(value, float) and not value.is_integer():
        raise ValueError("the rating must be a whole number from 1 to 5")
    return int(value)


class SurveyIn(In):
    rating: Annotated[int, BeforeValidator(_whole_number), Field(ge=1, le=5)]
    comment: Annotated[str, Field(max_length=8000)] = ""


class SurveyOut(Out):
    seq: int
    rating: int


class SurveyStateOut(Out):
    state: Literal["open", "answered", "not_ended", "unhandled", "expired", "off"]
    until: float | None  # while open: the last moment a rating is taken (log time)


# --- typing --------------------------------------------------------------------------------


@routes.post("/api/v1/chats/{chat_id}/typing")
@doc("The user is typing (or stopped): shown to the agent, never stored", body=TypingIn,
     response=TypingOut, status=202, errors=(429,), auth="user")  # fmt: skip
async def user_typing(request: web.Request) -> web.Response:
    chat_id, bridge, body = await user_step(request, TypingIn)
    check_open(bridge, chat_id)
    request.app[typing_key].send(
        bridge, typing_notices.notice(chat_id, "user", body.typing, bridge.clock())
    )
    return web.json_response({"typing": body.typing}, status=202)


@routes.post("/api/v1/agent/chats/{chat_id}/typing")
@doc("The agent is typing (or stopped) in a chat it holds: shown to the user and relayed to a "
     "virtual agent's platform, never stored", body=TypingIn, response=TypingOut, status=202,
     errors=(429,), auth="agent")  # fmt: skip
async def agent_typing(request: web.Request) -> web.Response:
    step = await chat_step(request, TypingIn, must_see=False)
    chat_id, agent_id, typing = step.chat_id, step.agent_id, step.body.typing
    step.engine.held_chat(chat_id, agent_id)  # 409 chat_not_active unless held
    name = step.engine.display_name(agent_id)
    row = typing_notices.notice(chat_id, "agent", typing, step.bridge.clock(), agent_id, name)
    request.app[typing_key].send(step.bridge, row)
    return web.json_response({"typing": typing}, status=202)


def check_open(bridge: Bridge, chat_id: str) -> None:
    """Typing needs a chat that has not ended (409 ``chat_closed``)."""
    chat = bridge.engine.chat_view(chat_id)
    if chat is None:
        raise UnknownChat(f"no chat {chat_id!r}")
    if chat.state == CLOSED:
        raise ChatClosed(f"chat {chat_id!r} has ended")


# --- read receipts -------------------------------------------------------------------------


@routes.post("/api/v1/chats/{chat_id}/read")
@doc("The user has read the chat up to message up_to (a MessagesRead event)", body=ReadIn,
     response=ReadOut, auth="user")  # fmt: skip
async def user_read(request: web.Request) -> web.Response:
    chat_id, bridge, body = await user_step(request, ReadIn)
    events = await bridge.runner.run(lambda: bridge.engine.mark_read(chat_id, "user", body.up_to))
    return web.json_response({"up_to": body.up_to, "recorded": bool(events)})


@routes.post("/api/v1/agent/chats/{chat_id}/read")
@doc("The agent has read the chat it holds up to message up_to (a MessagesRead event)",
     body=ReadIn, response=ReadOut, auth="agent")  # fmt: skip
async def agent_read(request: web.Request) -> web.Response:
    step = await chat_step(request, ReadIn, must_see=False)
    up_to = step.body.up_to
    events = await step.run(
        lambda: step.engine.mark_read(step.chat_id, "agent", up_to, step.agent_id)
    )
    return web.json_response({"up_to": up_to, "recorded": bool(events)})


# --- the post-chat survey ------------------------------------------------------------------


@routes.get("/api/v1/chats/{chat_id}/survey")
@doc("Can the chat be rated now, and until when?", response=SurveyStateOut, auth="user")
async def survey_state(request: web.Request) -> web.Response:
    chat_id = request.match_info["chat_id"]
    auth.user_of(request, chat_id)
    bridge = request.app[bridge_key]
    await bridge.runner.run()  # due timers first: an inactive chat may close now
    state, until = survey_window(bridge, chat_id)
    return web.json_response({"state": state, "until": until})


@routes.post("/api/v1/chats/{chat_id}/survey")
@doc("Rate the ended chat 1-5 with an optional comment, once, within survey.window "
     "(a SurveyAnswered event)", body=SurveyIn, response=SurveyOut, status=201,
     auth="user")  # fmt: skip
async def answer_survey(request: web.Request) -> web.Response:
    chat_id, bridge, body = await user_step(request, SurveyIn)
    limit = bridge.settings.survey.max_comment
    if len(body.comment) > limit:
        raise InvalidCommand(f"the comment has {len(body.comment)} characters; at most {limit}")
    meta = bridge.projection.get(chat_id)
    by = "virtual_agent" if meta is not None and meta.source == "virtual_agent" else "user"
    answer: Row = {}

    def command() -> list:
        state, _ = survey_window(bridge, chat_id)
        if state in ("off", "expired"):
            raise SurveyNotOpen(_CLOSED_WHY[state])
        return bridge.engine.answer_survey(chat_id, body.rating, body.comment.strip(), by)

    def side(rows: list[Row]) -> list[SideWrite]:
        row = next(r for r in rows if r["type"] == SurveyAnswered.__name__)
        answer.update(seq=row["seq"], rating=row["payload"]["rating"])
        return []

    await bridge.runner.run(command, side=side)
    return web.json_response(answer, status=201)


_CLOSED_WHY = {
    "off": "this bridge takes no post-chat surveys (survey.enabled is false)",
    "expired": "the time to rate this chat has passed (survey.window)",
}


def survey_window(bridge: Bridge, chat_id: str) -> tuple[str, float | None]:
    """The engine's survey status, narrowed by the bridge's settings: off, or the window over."""
    meta = bridge.projection.get(chat_id)
    if meta is None:
        raise UnknownChat(f"no chat {chat_id!r}")
    settings = bridge.settings.survey
    state = bridge.engine.survey_status(chat_id)
    if not settings.enabled:
        return "off", None
    if state != "open" or meta.closed_at is None:
        return state, None
    until = meta.closed_at + settings.window
    return ("open", until) if bridge.clock() <= until else ("expired", None)


async def typing_ctx(app: web.Application) -> AsyncIterator[None]:
    app[typing_key] = TypingNotices(app[bridge_key].settings.typing)
    yield


def setup(app: web.Application) -> None:
    app.add_routes(routes)
    app.cleanup_ctx.append(typing_ctx)
