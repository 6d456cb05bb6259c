"""Request and response bodies: pydantic at the edge, ``extra="forbid"`` on everything sent in.

Responses are built as plain dicts on the hot path; their models here document them in
``/openapi.json``.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal, TypeVar

from aiohttp import web
from pydantic import AnyHttpUrl, BaseModel, ConfigDict, Field, ValidationError, model_validator

# Retries never duplicate: the header a client repeats on every retry of one call, and its bounds.
IDEMPOTENCY_HEADER = "Idempotency-Key"
MAX_IDEMPOTENCY_KEY = 200

M = TypeVar("M", bound=BaseModel)

Name = Annotated[str, Field(min_length=1, max_length=200)]
# A company or queue name: the "/" separates them in queue keys.
Segment = Annotated[str, Field(min_length=1, max_length=100, pattern=r"^[^/]+$")]
Text = Annotated[str, Field(max_length=8000)]
Seq = Annotated[int, Field(ge=0, le=2**63 - 1)]  # what SQLite's INTEGER holds


class In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Out(BaseModel):
    pass


# --- requests ------------------------------------------------------------------------------


class CustomerIn(In):
    id: Annotated[str, Field(min_length=1, max_length=128)]
    name: Name
    email: Annotated[str, Field(max_length=254)] | None = None
    phone: Annotated[str, Field(max_length=64)] | None = None
    site: Name | None = None


class TranscriptLine(In):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)
    sender: Literal["user", "bot"] = Field(alias="from")
    text: Text


class ContextIn(In):
    # What the virtual agent knew; the engine's routing.context_rules match these fields.
    intent: Name | None = None
    topic: Name | None = None
    language: Annotated[str, Field(max_length=35)] | None = None


SkillName = Annotated[str, Field(min_length=1, max_length=100, pattern=r"\S")]
# Skill -> level (0-10): what a chat requires (handoff) or an agent holds (presence).
SkillLevels = Annotated[dict[SkillName, Annotated[int, Field(ge=0, le=10)]], Field(max_length=20)]
Priority = Annotated[int, Field(ge=-100, le=100, description="Higher is served first")]


class AttachmentIn(In):
    name: Annotated[str, Field(min_length=1, max_length=255)]
    content_type: Annotated[str, Field(min_length=1, max_length=100)]
    data: str  # base64


class HandoffIn(In):
    source: Literal["self_service", "virtual_agent"]
    company: Segment
    queue: Segment | None = None
    customer: CustomerIn
    question: Annotated[str, Field(min_length=1, max_length=8000)]
    transcript: Annotated[list[TranscriptLine], Field(max_length=500)] = []
    context: ContextIn | None = None
    callback_url: Annotated[AnyHttpUrl | None, Field(description=(
        "Where user-facing rows are POSTed, signed the Standard Webhooks way; must match the "
        "source's callback_allow and not be an internal address (else 422 "
        "callback_not_allowed)"))] = None  # fmt: skip
    attachments: Annotated[list[AttachmentIn], Field(max_length=50)] = []
    # Issue 13: at least this priority (a VIP, an escalation); the queue's may be higher.
    priority: Priority | None = None
    skills: SkillLevels | None = None  # required besides the queue's and the context rules'


class MessageIn(In):
    # What _not_empty checks, for the document: some text, or at least one attachment.
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "anyOf": [
                {"required": ["text"], "properties": {"text": {"pattern": r"\S"}}},
                {"required": ["attachments"], "properties": {"attachments": {"minItems": 1}}},
            ]
        },
    )
    text: Text = ""
    attachments: Annotated[list[AttachmentIn], Field(max_length=50)] = []

    @model_validator(mode="after")
    def _not_empty(self) -> MessageIn:
        if not self.text.strip() and not self.attachments:
            raise ValueError("a message needs text or an attachment")
        return self


class NoteIn(In):
    text: Annotated[str, Field(min_length=1, max_length=8000)]


class TransferIn(In):
    # What _one_target checks, for the document: exactly one target that is not null.
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "oneOf": [
                {"required": [name], "properties": {name: {"type": "string"}}}
                for name in ("to_agent", "to_queue")
            ]
        },
    )
    to_agent: Name | None = None
    to_queue: Name | None = None
    note: Text = ""

    @model_validator(mode="after")
    def _one_target(self) -> TransferIn:
        if (self.to_agent is None) == (self.to_queue is None):
            raise ValueError("give exactly one of to_agent and to_queue")
        return self


class AbandonIn(In):
    confirm: bool = False


class EndIn(In):
    # Also mail the user the transcript (to the handoff's email), once the chat is closed.
    send_transcript: bool = False


class AvailabilityIn(In):
    available: bool
    capacity: Annotated[int, Field(ge=1, le=1000)] | None = None


class ScreenNameIn(In):
    screen_name: Annotated[str, Field(max_length=64)] | None


class LoginIn(In):
    username: Name
    password: Annotated[str, Field(min_length=1, max_length=200)]


class EmptyIn(In):
    """Actions that take no body accept none, or ``{}``."""


class SinceQuery(In):
    since: Seq = 0


class StreamQuery(In):
    token: str | None = None
    since: Seq | None = None


class AvailabilityQuery(In):
    company: Segment
    queue: Segment | None = None


class SearchQuery(In):
    q: Annotated[str, Field(max_length=200)] = ""


# --- responses -------------------------------------------------------------------------------


class FieldError(Out):
    """One pydantic error: where (``loc``), what kind (``type``) and a sentence (``msg``)."""

    loc: list[str | int]
    msg: str
    type: str


class Problem(Out):
    """Every error answer (RFC 9457 problem details, ``application/problem+json``)."""

    type: str = Field(description="A URI naming the problem; ends with the code")
    title: str = Field(description="The HTTP status phrase")
    status: int
    detail: str = Field(description="What went wrong, for people")
    code: str = Field(description="Stable and machine-readable: branch on this")
    errors: list[FieldError] | None = Field(
        default=None, description="invalid_body, invalid_json, invalid_query: each field's error"
    )


class AgentName(Out):
    screen_name: str


class HandoffOut(Out):
    chat_id: str
    status: Literal["queued", "assigned", "closed"]
    queue: str
    position: int | None
    estimated_wait: float | None
    user_token: str
    agent: AgentName | None = None


class ChatStatusOut(Out):
    chat_id: str
    status: str
    queue: str
    position: int | None
    estimated_wait: float | None
    agent: AgentName | None
    user_cancelled: bool
    closed_reason: str | None


class RowOut(Out):
    seq: int
    at: float
    type: str
    version: int | None = None
    chat_id: str | None
    agent_id: str | None
    payload: dict[str, Any]


class EventsOut(Out):
    events: list[RowOut]


class PostedOut(Out):
    seq: int
    n: int


class StatusOut(Out):
    status: str


class ActionOut(Out):
    chat_id: str
    status: str
    events: list[RowOut]


class QueueOut(Out):
    key: str
    company: str
    name: str
    open: bool  # within business hours now (always true for a queue without hours)


class QueuesOut(Out):
    queues: list[QueueOut]


class AvailabilityOut(Out):
    queue: str
    open: bool
    agents_available: int
    free_capacity: int
    queue_length: int
    estimated_wait: float | None


class CountsOut(Out):
    queue: int
    transferred: int
    my_chats: int


class AgentMeOut(Out):
    agent_id: str
    first_name: str
    last_name: str
    screen_name: str | None
    display_name: str
    queues: list[str]
    available: bool
    capacity: int
    auto_accept: bool
    counts: CountsOut


class WrapUpOut(Out):
    chat_id: str
    until: float | None = Field(description="Engine seconds when it ends by itself; null: Ready")


class PresenceOut(Out):
    agent_id: str
    signed_in: bool
    present: bool = Field(description="Counts as there: an open agent stream or a running lease")
    stream_open: bool
    lease_expires_at: float | None = Field(description="Epoch seconds; null: no lease")
    lease_seconds: float = Field(description="What one heartbeat is worth; beat every third")
    # Issue 13: the presence state with its reason, and what holds the agent's capacity.
    status: str = Field(description="A configured presence state; only Available takes chats")
    status_since: float = Field(description="Engine seconds since when the state holds")
    capacity: int = Field(description="Units the agent takes while Available")
    load: int = Field(description="Units held now: chats (by their queue's weight), wrap-ups")
    skills: dict[str, int] = Field(description="Skill -> level, from the agent token")
    offers: list[str] = Field(description="Chats offered to the agent, waiting for Accept")
    wrap_ups: list[WrapUpOut] = Field(description="Ended chats whose after-chat work runs")
    missed_offers: int = Field(description="Offers timed out in a row (max_missed: not ready)")


class CustomerRef(Out):
    id: str | None
    name: str | None


class ChatSummary(Out):
    chat_id: str
    source: str
    company: str
    queue: str
    question: str
    customer: CustomerRef
    created_at: float
    waiting_since: float | None
    position: int | None
    transferred: bool
    user_cancelled: bool
    status: str
    agent_id: str | None
    priority: int = Field(default=0, description="Higher is served first (VIP, escalations)")
    skills: dict[str, int] | None = Field(default=None, description="Required now (relaxed)")
    offered_to: str | None = Field(default=None, description="The agent the chat is offered to")
    retrial_of: str | None = Field(default=None, description="The abandoned chat it retries")


class ChatListOut(Out):
    chats: list[ChatSummary]


class AgentChatOut(Out):
    chat: ChatSummary
    history: list[RowOut]


class DirectoryAgent(Out):
    agent_id: str
    display_name: str
    queues: list[str]
    available: bool


class DirectoryOut(Out):
    agents: list[DirectoryAgent]
    queues: list[str]


class TokenOut(Out):
    token: str


class HealthOut(Out):
    status: str
    seq: int
    chats: int
    agents: int
    # "ok", or why the last commit failed: storage_full, storage_locked, storage_read_only...
    store: str = "ok"
    # "leader"; a standby (PostgreSQL, another bridge leads) answers 503 "standby" instead.
    role: str = "leader"


async def parse_body(request: web.Request, model: type[M]) -> M:
    """The body as ``model``; an empty body counts as ``{}``. Errors go to the middleware."""
    raw = await request.read()
    return model.model_validate_json(raw or b"{}")


def parse_query(request: web.Request, model: type[M]) -> M:
    # Imported here: ``bridge.client`` uses these models without the server's runtime.
    from .errors import InvalidQuery

    try:
        return model.model_validate(dict(request.query))
    except ValidationError as exc:
        raise InvalidQuery(
            exc.errors(include_url=False, include_context=False, include_input=False)
        ) from exc
