"""The Dialogflow CX webhook: a CX agent's handoff page hands its session over, no glue code.

The agent's handoff page (or a route's fulfillment) calls the webhook with the tag configured
as ``dialogflow.tag``. The ``WebhookRequest`` maps onto the bridge's one handoff path
(``handoffs.hand_off``: same rules and idempotency) as:

* company, queue and customer from ``sessionInfo.parameters`` (names configurable; a missing
  company is 422 ``dialogflow_parameter_missing``; no customer id: the session's id);
* the question from the question parameter, else the user's words (``text``, or the voice
  ``transcript``);
* the transcript from ``payload.transcript`` (``[{"from": "user"|"bot", "text": ...}]``, for an
  integration that keeps the conversation), then this turn: the user's words and the agent's
  ``messages`` so far; intent and language from ``intentInfo`` and ``languageCode``;
* the session path as the idempotency key: the same session again is the same chat, answered
  with where it stands now.

The answer is a ``WebhookResponse``: a text message with the user's place and estimated wait
(the client's ``wait_message``, one wording everywhere) and session parameters
``livechat_chat_id``, ``livechat_status``, ``livechat_position``, ``livechat_estimated_wait``
and ``livechat_user_token`` (for the integration to post the user's later messages and
stream). Agent replies go to ``dialogflow.callback_url`` (the channel integration) through the
callback outbox, signed and allow-listed like every callback.

Authentication (``bridge.http.dialogflow_auth``): ``dialogflow.source``'s API key in a static
request header, or CX's service-agent ID token; anything else is 401
``dialogflow_unauthorized`` and nothing is stored. A wrong tag is 422
``dialogflow_unknown_tag``; a refused handoff is the usual problem answer (which CX turns into
its ``webhook.error`` event for the flow to handle).
"""

from __future__ import annotations

from typing import Annotated, Any

from aiohttp import web
from pydantic import Field

from bridge.client.source import wait_message
from bridge.engine.errors import InvalidCommand
from bridge.platform_settings import DialogflowSettings
from bridge.runtime import Bridge

from . import handoffs
from .apidoc import doc
from .botframework import DEFAULT_QUESTION, MAX_LINES, MAX_TEXT, Wire, idempotency_key
from .dialogflow_auth import identity_ctx, identity_key
from .keys import bridge_key
from .limits import large_body
from .schemas import ChatStatusOut, HandoffIn, parse_body
from .views import chat_status

routes = web.RouteTableDef()
PARAMETER_PREFIX = "livechat_"


class UnknownTag(InvalidCommand):
    code = "dialogflow_unknown_tag"


class MissingParameter(InvalidCommand):
    code = "dialogflow_parameter_missing"


class CxText(Wire):
    text: list[str] = []


class CxMessage(Wire):
    text: CxText | None = None


class FulfillmentInfo(Wire):
    tag: str = ""


class IntentInfo(Wire):
    display_name: str | None = Field(default=None, alias="displayName")


class SessionInfo(Wire):
    session: Annotated[str, Field(min_length=1, max_length=1000)]
    parameters: dict[str, Any] = {}


class WebhookRequest(Wire):
    """Dialogflow CX's ``WebhookRequest`` (v3), the fields a handoff uses."""

    fulfillment_info: FulfillmentInfo = Field(alias="fulfillmentInfo")
    session_info: SessionInfo = Field(alias="sessionInfo")
    intent_info: IntentInfo | None = Field(default=None, alias="intentInfo")
    text: str | None = None
    transcript: str | None = None
    language_code: Annotated[str, Field(max_length=35)] | None = Field(
        default=None, alias="languageCode"
    )
    messages: Annotated[list[CxMessage], Field(max_length=500)] = []
    payload: dict[str, Any] = {}


class CxResponseText(Wire):
    text: list[str]


class CxResponseMessage(Wire):
    text: CxResponseText


class FulfillmentResponse(Wire):
    messages: list[CxResponseMessage]


class WebhookResponse(Wire):
    """Dialogflow CX's ``WebhookResponse``: what to say, and session parameters to set."""

    fulfillment_response: FulfillmentResponse = Field(alias="fulfillmentResponse")
    session_info: dict[str, Any] = Field(alias="sessionInfo")


def to_handoff(request: WebhookRequest, settings: DialogflowSettings) -> HandoffIn:
    """The JSON handoff this request means; its own validation applies to the result."""
    params = request.session_info.parameters

    def param(name: str) -> str | None:
        value = params.get(name)
        return None if value in (None, "") else str(value)

    company = param(settings.company_parameter)
    if company is None:
        raise MissingParameter(
            f"session parameter {settings.company_parameter!r} (the company) is required"
        )
    said = request.text or request.transcript
    customer_id = param(settings.customer_id_parameter) or _session_id(request)
    customer = {"id": customer_id, "name": param(settings.customer_name_parameter) or customer_id,
                "email": param(settings.customer_email_parameter)}  # fmt: skip
    intent = request.intent_info.display_name if request.intent_info else None
    return HandoffIn.model_validate({
        "source": "virtual_agent",
        "company": company,
        "queue": param(settings.queue_parameter),
        "customer": {k: v for k, v in customer.items() if v is not None},
        "question": (param(settings.question_parameter) or said or DEFAULT_QUESTION)[:MAX_TEXT],
        "transcript": _lines(request, said)[-MAX_LINES:],
        "context": {"intent": intent, "language": request.language_code},
        "callback_url": str(settings.callback_url) if settings.callback_url else None,
    })  # fmt: skip


def _session_id(request: WebhookRequest) -> str:
    return request.session_info.session.rsplit("/", 1)[-1][:200]


def _lines(request: WebhookRequest, said: str | None) -> list[dict[str, str]]:
    """The integration's transcript, then this turn: the user's words, the agent's replies."""
    kept = request.payload.get("transcript")
    lines = [
        {"from": "user" if item.get("from") == "user" else "bot", "text": str(item["text"])}
        for item in (kept if isinstance(kept, list) else [])
        if isinstance(item, dict) and str(item.get("text") or "").strip()
    ]
    if said and said.strip():
        lines.append({"from": "user", "text": said})
    for message in request.messages:
        texts = message.text.text if message.text is not None else []
        lines += [{"from": "bot", "text": text} for text in texts if text.strip()]
    return [{**line, "text": line["text"][:MAX_TEXT]} for line in lines]


def answer(bridge: Bridge, chat_id: str) -> dict[str, Any]:
    """The ``WebhookResponse`` for the chat as it stands now."""
    status = ChatStatusOut.model_validate(chat_status(bridge, chat_id))
    parameters = {
        "chat_id": chat_id,
        "status": status.status,
        "position": status.position,
        "estimated_wait": status.estimated_wait,
        "user_token": bridge.signer.user_token(chat_id),
    }
    return {
        "fulfillmentResponse": {"messages": [{"text": {"text": [wait_message(status)]}}]},
        "sessionInfo": {"parameters": {PARAMETER_PREFIX + k: v for k, v in parameters.items()}},
    }


@routes.post("/api/v1/dialogflow/webhook")
@large_body  # a transcript can be long
@doc("Dialogflow CX webhook: the handoff page hands the session over and is told the user's "
     "place and wait", body=WebhookRequest, response=WebhookResponse, status=200,
     errors=(429,), auth="source")  # fmt: skip
async def webhook(request: web.Request) -> web.Response:
    bridge = request.app[bridge_key]
    settings = bridge.settings.dialogflow
    src = await request.app[identity_key].source(request)
    body = await parse_body(request, WebhookRequest)
    if body.fulfillment_info.tag != settings.tag:
        raise UnknownTag(
            f"fulfillmentInfo.tag {body.fulfillment_info.tag!r} is not the handoff tag"
            f" {settings.tag!r}"
        )
    key = idempotency_key(body.session_info.session)
    stored = bridge.store.idempotent_answer(src.name, key)
    if stored is not None:  # the same session again: where its chat stands now
        return web.json_response(answer(bridge, stored[0]["chat_id"]))
    handoff = to_handoff(body, settings)
    created, _ = await handoffs.hand_off(bridge, src, handoff, key)
    return web.json_response(answer(bridge, created["chat_id"]))


def setup(app: web.Application) -> None:
    app.add_routes(routes)
    app.cleanup_ctx.append(identity_ctx)
