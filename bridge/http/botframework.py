"""The Bot Framework handoff protocol (source API key): ``handoff.initiate`` in, statuses out.

A bot built on the Bot Framework SDK hands its conversation over with
``EventFactory.createHandoffInitiation(context, handoffContext, transcript)``: an ``event``
activity named ``handoff.initiate`` whose ``value`` is the handoff context and whose
attachment named ``Transcript`` holds the bot conversation (``{"activities": [...]}``). This
module maps it onto the bridge's normal handoff path (``handoffs.hand_off``: same rules,
same idempotency, the conversation id as the key):

* customer from ``from`` (``id``, ``name``);
* company from ``value.company`` (required), queue from ``value.skill`` (or ``value.queue``;
  none means GENERAL), question from ``value.question`` or the user's last message, intent
  from ``value.intent``, language from ``locale``;
* the Transcript attachment becomes the chat's history: message activities from the user
  (``from.role == "user"`` or the initiator's id) and from the bot. It is the only attachment a
  virtual-agent handoff may carry: any other is refused (422 ``attachments_not_allowed``) and
  nothing is stored.

Later ``message`` activities on the same conversation are the user's messages in the chat
(found by the conversation's idempotency key; the activity id keeps a redelivered one from
being posted twice): the bot needs no relay. A message on a conversation that was never
handed over is 404 ``unknown_conversation``; any other activity is 422 ``invalid_body``.

Who may send activities: the Bot Connector, by its JWT (``bridge.http.botframework_auth``;
``botframework.auth: false`` takes the source's ``X-API-Key`` instead, for development).

Answers go to the conversation over ``serviceUrl`` (see ``bridge.runtime.handoff_status``):
the source must have a ``callback_secret``, with which they are signed, and its
``callback_allow`` must admit the ``serviceUrl`` (else 422 ``callback_not_allowed`` and
nothing is stored, nor answered).
"""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator
from typing import Annotated, Any, Literal

from aiohttp import web
from pydantic import AnyHttpUrl, BaseModel, ConfigDict, Field, RootModel

from bridge.engine.errors import LivechatError, NotFound
from bridge.runtime import Bridge, typing_notices
from bridge.runtime.handoff_status import (
    DETAIL_KEY,
    FAILED,
    HandoffStatusNotifier,
    activities_url,
    status_activity,
)
from bridge.settings import SourceSettings
from bridge.webhooks import check_target

from . import auth, feedback, handoffs, idempotency, users
from .apidoc import doc
from .botframework_auth import ConnectorIdentity, channel_source, check_activity
from .feedback import TypingOut
from .keys import bridge_key
from .limits import large_body
from .schemas import HandoffIn, HandoffOut, MessageIn, PostedOut, parse_body

routes = web.RouteTableDef()
TRANSCRIPT = "transcript"  # the attachment's name, compared case-insensitively
MAX_LINES = 500
MAX_TEXT = 8000
DEFAULT_QUESTION = "Handed over by the virtual agent"
botframework_key = web.AppKey("botframework", HandoffStatusNotifier)
identity_key = web.AppKey("botframework_identity", ConnectorIdentity)

Short = Annotated[str, Field(min_length=1, max_length=500)]


class Wire(BaseModel):
    """Bot Framework JSON: camelCase, and fields we do not use are ignored, not refused."""

    model_config = ConfigDict(extra="ignore", populate_by_name=True)


class Account(Wire):
    id: Short
    name: str | None = None
    role: str | None = None


class Conversation(Wire):
    model_config = ConfigDict(extra="allow", populate_by_name=True)
    id: Short


class WireAttachment(Wire):
    content_type: str = Field(default="", alias="contentType")
    name: str | None = None
    content: Any = None


class TranscriptActivity(Wire):
    type: str = ""
    text: str | None = None
    sender: Account | None = Field(default=None, alias="from")


class TranscriptContent(Wire):
    activities: Annotated[list[TranscriptActivity], Field(max_length=5000)] = []


class HandoffContext(Wire):
    company: Annotated[str, Field(min_length=1, max_length=100)]
    skill: str | None = None
    queue: str | None = None
    question: str | None = None
    intent: str | None = None
    # Issue 13: what the bot knows of the case, for routing (validated as any handoff's).
    topic: str | None = None
    priority: int | None = None
    skills: dict[str, int] | None = None


class ConversationReference(Wire):
    bot: Account | None = None
    locale: Annotated[str, Field(max_length=35)] | None = None


class HandoffActivity(Wire):
    type: Literal["event"]
    name: Literal["handoff.initiate"]
    id: str | None = None
    sender: Account = Field(alias="from")
    conversation: Conversation
    service_url: AnyHttpUrl = Field(alias="serviceUrl")
    channel_id: str | None = Field(default=None, alias="channelId")
    locale: Annotated[str, Field(max_length=35)] | None = None
    value: HandoffContext
    relates_to: ConversationReference | None = Field(default=None, alias="relatesTo")
    attachments: Annotated[list[WireAttachment], Field(max_length=50)] = []


class MessageActivity(Wire):
    """A later user message on a handed-over conversation."""

    type: Literal["message"]
    id: str | None = None
    sender: Account = Field(alias="from")
    conversation: Conversation
    service_url: AnyHttpUrl = Field(alias="serviceUrl")
    channel_id: str | None = Field(default=None, alias="channelId")
    text: Annotated[str, Field(min_length=1, max_length=MAX_TEXT, pattern=r"\S")]


class TypingActivity(Wire):
    """The user is typing on a handed-over conversation: shown to the agent, never stored."""

    type: Literal["typing"]
    sender: Account = Field(alias="from")
    conversation: Conversation
    service_url: AnyHttpUrl = Field(alias="serviceUrl")
    channel_id: str | None = Field(default=None, alias="channelId")


class IncomingActivity(RootModel[Annotated[HandoffActivity | MessageActivity | TypingActivity,
                                           Field(discriminator="type")]]):  # fmt: skip
    """What the route takes: a handoff.initiate event, or a user message or typing after it."""


class ActivityAnswer(RootModel[HandoffOut | PostedOut | TypingOut]):
    """The handoff's answer (handoff.initiate), the posted message's (message), or 202 (typing)."""


class UnknownConversation(NotFound):
    code = "unknown_conversation"


def reference_of(activity: HandoffActivity) -> dict[str, Any]:
    """What the bridge keeps to answer the conversation later (stored in the chat's detail)."""
    bot = activity.relates_to.bot if activity.relates_to is not None else None
    return {
        "service_url": str(activity.service_url),
        "conversation": activity.conversation.model_dump(by_alias=True, exclude_none=True),
        "channel_id": activity.channel_id,
        "user": activity.sender.model_dump(exclude_none=True),
        "bot": bot.model_dump(exclude_none=True) if bot is not None else None,
        "activity_id": activity.id,
    }


def to_handoff(activity: HandoffActivity) -> HandoffIn:
    """The JSON handoff this activity means; its own validation applies to the result."""
    transcript, others = _split(activity.attachments)
    lines = _lines(transcript, activity.sender.id)
    context = activity.value
    user_said = [line["text"] for line in lines if line["from"] == "user"]
    question = context.question or (user_said[-1] if user_said else DEFAULT_QUESTION)
    return HandoffIn.model_validate({
        "source": "virtual_agent",
        "company": context.company,
        "queue": context.skill or context.queue,
        "customer": {"id": activity.sender.id,
                     "name": activity.sender.name or activity.sender.id},
        "question": question[:MAX_TEXT],
        "transcript": lines[-MAX_LINES:],
        "context": {"intent": context.intent, "topic": context.topic,
                    "language": _locale(activity)},
        "priority": context.priority,
        "skills": context.skills,
        # Anything but the transcript goes on, to be refused by the handoff's own rule.
        "attachments": [{"name": a.name or "attachment", "content_type": a.content_type or
                         "application/octet-stream", "data": ""} for a in others],
    })  # fmt: skip


def _locale(activity: HandoffActivity) -> str | None:
    """The event's locale; the SDK's factory leaves it in the conversation reference."""
    reference = activity.relates_to
    return activity.locale or (reference.locale if reference is not None else None)


def _split(items: list[WireAttachment]) -> tuple[list[WireAttachment], list[WireAttachment]]:
    transcript = [a for a in items if (a.name or "").casefold() == TRANSCRIPT]
    return transcript[:1], [a for a in items if a not in transcript[:1]]


def _lines(transcript: list[WireAttachment], user_id: str) -> list[dict[str, str]]:
    if not transcript:
        return []
    content = TranscriptContent.model_validate(transcript[0].content or {})
    lines = []
    for item in content.activities:
        if item.type != "message" or not (item.text or "").strip():
            continue
        sender = item.sender
        is_user = sender is not None and (sender.role == "user" or sender.id == user_id)
        lines.append({"from": "user" if is_user else "bot", "text": item.text[:MAX_TEXT]})
    return lines


def idempotency_key(conversation_id: str) -> str:
    """The conversation id, hashed when longer than an Idempotency-Key may be."""
    if len(conversation_id) <= 200:
        return conversation_id
    return "sha256:" + hashlib.sha256(conversation_id.encode()).hexdigest()


@routes.post("/api/v1/botframework/activities")
@large_body  # a bot's transcript can be long
@doc("Bot Framework activities: handoff.initiate hands the bot's conversation over "
     "(handoff.status events follow on the conversation); later message activities are the "
     "user's messages (typing activities: the user typing)", body=IncomingActivity,
     response=ActivityAnswer, status=201, also=(200, 202),
     errors=(429,), auth=("botframework", "source"))  # fmt: skip
async def receive(request: web.Request) -> web.Response:
    """Authenticate first (nothing is read or stored for a refused token), then dispatch."""
    settings = request.app[bridge_key].settings.botframework
    token = await request.app[identity_key].claims(request) if settings.auth else None
    activity = (await parse_body(request, IncomingActivity)).root
    if token is not None:
        check_activity(token, str(activity.service_url), activity.channel_id)
        src = channel_source(request, settings)
    else:
        src = auth.source(request)
    if isinstance(activity, MessageActivity):
        return await user_message(request, src, activity)
    if isinstance(activity, TypingActivity):
        return await user_typing(request, src, activity)
    return await initiate(request, src, activity)


async def initiate(
    request: web.Request, src: SourceSettings, activity: HandoffActivity
) -> web.Response:
    bridge = request.app[bridge_key]
    reference = reference_of(activity)
    check_target(src, activities_url(reference))  # 422 callback_not_allowed, nothing stored
    body = to_handoff(activity)
    key = idempotency_key(activity.conversation.id)
    try:
        answer, created = await handoffs.hand_off(
            bridge, src, body, key, extra={DETAIL_KEY: reference}
        )
    except LivechatError as exc:
        notifier = request.app[botframework_key]
        notifier.send(src.name, key, reference, status_activity(reference, FAILED, exc.code))
        raise
    return web.json_response(answer, status=201 if created else 200)


def _chat_of(bridge: Bridge, src: SourceSettings, conversation_id: str) -> str:
    """The chat a handed-over conversation became (404 ``unknown_conversation`` if none)."""
    stored = bridge.store.idempotent_answer(src.name, idempotency_key(conversation_id))
    if stored is None:
        raise UnknownConversation(
            f"conversation {conversation_id!r} was not handed over (handoff.initiate)"
        )
    return stored[0]["chat_id"]


async def user_message(
    request: web.Request, src: SourceSettings, activity: MessageActivity
) -> web.Response:
    """Into the conversation's chat, once per activity id (``PostedOut``)."""
    bridge = request.app[bridge_key]
    chat_id = _chat_of(bridge, src, activity.conversation.id)
    body = MessageIn(text=activity.text)
    answer, created = await idempotency.once(
        bridge,
        idempotency.claim(f"user@{chat_id}", activity.id, body),
        lambda found: users.post(bridge, chat_id, body, None, found),
    )
    return web.json_response(answer, status=201 if created else 200)


async def user_typing(
    request: web.Request, src: SourceSettings, activity: TypingActivity
) -> web.Response:
    """The user's typing, as the web chat's would be (rate-limited; 409 once the chat ended)."""
    bridge = request.app[bridge_key]
    chat_id = _chat_of(bridge, src, activity.conversation.id)
    feedback.check_open(bridge, chat_id)
    notice = typing_notices.notice(chat_id, "user", True, bridge.clock())
    request.app[feedback.typing_key].send(bridge, notice)
    return web.json_response({"typing": True}, status=202)


async def botframework_ctx(app: web.Application) -> AsyncIterator[None]:
    """Refused handoffs are answered here; committed rows are answered by the bridge's
    durable callback outbox (``handoff_status.outgoing``)."""
    bridge = app[bridge_key]
    app[botframework_key] = HandoffStatusNotifier(bridge)
    app[identity_key] = ConnectorIdentity(bridge.settings.botframework)
    yield
    await app[identity_key].close()


def setup(app: web.Application) -> None:
    app.add_routes(routes)
    app.cleanup_ctx.append(botframework_ctx)
