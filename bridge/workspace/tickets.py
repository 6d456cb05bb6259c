"""Ticket rules, kept apart from storage so the embedded directory and any ITSM adapter agree.

- ids look like the ITSM's: ``INC`` + 12 digits, ``WO`` + 13 digits, numbered per kind;
- a chat's transcript goes into the description (after the template's text, when there is one);
- a template's required fields left blank put the ticket in edit mode; Confirm + Save is
  refused while any remain blank;
- Status / Status Reason values come from ``TicketStatusSettings``: what a ticket starts in,
  what "resolve from chat" and "abandon" set, which values are allowed and which close it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace

from pydantic import BaseModel, ConfigDict, Field, model_validator

from .errors import (
    InvalidStatus,
    InvalidTicketKind,
    TemplateKindMismatch,
    TicketClosed,
    TicketIncomplete,
    TicketNotConfirmed,
    UnknownField,
)
from .ports import (
    EDIT,
    INCIDENT,
    SAVED,
    TICKET_KINDS,
    WORK_ORDER,
    Activity,
    Article,
    Customer,
    Template,
    TemplateField,
    Ticket,
    TicketDraft,
    TicketKind,
)

SUMMARY_LIMIT = 100  # the ITSM's Summary field length
# Keys update_ticket accepts besides the ticket's own fields.
TEXT_KEYS = ("summary", "description")

# A transcript line: (sender name, text), or a line already formatted.
TranscriptLine = tuple[str, str] | str


class TicketTypeStatuses(BaseModel):
    """Status rules of one ticket type.

    ``allowed`` maps each Status to its allowed Status Reasons; a blank reason is always
    accepted. ``closed`` lists the statuses after which the ticket no longer changes.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    initial: str = "Assigned"
    resolved: str
    resolved_reason: str
    cancelled: str = "Cancelled"
    cancelled_reason: str = ""
    allowed: dict[str, tuple[str, ...]]
    closed: tuple[str, ...]

    @model_validator(mode="after")
    def _consistent(self) -> TicketTypeStatuses:
        for status, reason in (
            (self.initial, ""),
            (self.resolved, self.resolved_reason),
            (self.cancelled, self.cancelled_reason),
        ):
            try:
                self.check(status, reason)
            except InvalidStatus as exc:  # a configuration mistake, reported as one
                raise ValueError(str(exc)) from None
        unknown = [s for s in self.closed if s not in self.allowed]
        if unknown:
            raise ValueError(f"closed statuses not in allowed: {unknown}")
        if self.resolved not in self.closed or self.cancelled not in self.closed:
            raise ValueError("the resolved and cancelled statuses must be closed ones")
        if self.initial in self.closed:
            raise ValueError("the initial status cannot be a closed one")
        return self

    def check(self, status: str, reason: str = "") -> None:
        if status not in self.allowed:
            raise InvalidStatus(f"status {status!r} is not one of {sorted(self.allowed)}")
        if reason and reason not in self.allowed[status]:
            raise InvalidStatus(
                f"status reason {reason!r} is not allowed with {status!r}; "
                f"allowed: {list(self.allowed[status])}"
            )

    def is_closed(self, status: str) -> bool:
        return status in self.closed


def _incident_statuses() -> TicketTypeStatuses:
    return TicketTypeStatuses(
        resolved="Resolved",
        resolved_reason="No Further Action Required",
        allowed={
            "New": (),
            "Assigned": (),
            "In Progress": (),
            "Pending": (
                "Client Hold",
                "Client Action Required",
                "Support Contact Hold",
                "Third Party Vendor Action Reqd",
                "Infrastructure Change",
            ),
            "Resolved": (
                "No Further Action Required",
                "Customer Follow-Up Required",
                "Temporary Corrective Action",
                "Automated Resolution Reported",
                "Future Enhancement",
                "Monitoring Incident",
            ),
            "Closed": ("Infrastructure Change Created",),
            "Cancelled": ("No longer a Causal CI",),
        },
        closed=("Resolved", "Closed", "Cancelled"),
    )


def _work_order_statuses() -> TicketTypeStatuses:
    return TicketTypeStatuses(
        resolved="Completed",
        resolved_reason="Successful",
        allowed={
            "Assigned": (),
            "Pending": ("Client Hold", "Vendor Hold", "Awaiting Parts"),
            "Waiting Approval": (),
            "Planning": (),
            "In Progress": (),
            "Completed": ("Successful", "Successful with Issues"),
            "Rejected": ("Not Approved",),
            "Cancelled": ("By User", "By Support"),
            "Closed": (),
        },
        closed=("Completed", "Rejected", "Cancelled", "Closed"),
    )


class TicketStatusSettings(BaseModel):
    """Per-type status configuration; defaults follow BMC Helix ITSM's out-of-the-box values."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    incident: TicketTypeStatuses = Field(default_factory=_incident_statuses)
    work_order: TicketTypeStatuses = Field(default_factory=_work_order_statuses)

    def for_kind(self, kind: str) -> TicketTypeStatuses:
        check_kind(kind)
        return self.incident if kind == INCIDENT else self.work_order


def check_kind(kind: str) -> None:
    if kind not in TICKET_KINDS:
        raise InvalidTicketKind(f"ticket kind {kind!r} is not one of {list(TICKET_KINDS)}")


def ticket_id(kind: str, number: int) -> str:
    """``INC000000000101`` / ``WO0000000000101``: both 15 characters, like the ITSM's."""
    check_kind(kind)
    return f"INC{number:012d}" if kind == INCIDENT else f"WO{number:013d}"


def plain_fields(kind: str) -> tuple[TemplateField, ...]:
    """Fields of a ticket made without a template: none required, so it is saved at once."""
    check_kind(kind)
    if kind == WORK_ORDER:
        return (TemplateField("priority", "Priority", default="Low"),)
    return (
        TemplateField("impact", "Impact", default="4-Minor/Localized"),
        TemplateField("urgency", "Urgency", default="4-Low"),
    )


def transcript_text(transcript: Iterable[TranscriptLine]) -> str:
    return "\n".join(
        line if isinstance(line, str) else f"{line[0]}: {line[1]}" for line in transcript
    )


def describe(transcript: Sequence[TranscriptLine], intro: str = "") -> str:
    """The template's text (if any) first, then the chat transcript under a heading."""
    parts = [intro.strip()] if intro.strip() else []
    body = transcript_text(transcript)
    if body:
        parts.append(f"Chat transcript:\n{body}")
    return "\n\n".join(parts)


def default_summary(transcript: Sequence[TranscriptLine], chat_id: str | None) -> str:
    """The first thing said in the chat, cut to the Summary field's length."""
    for line in transcript:
        text = (line if isinstance(line, str) else line[1]).strip()
        if text:
            return clip(text)
    return f"Live chat {chat_id}" if chat_id else "Live chat"


def clip(text: str, limit: int = SUMMARY_LIMIT) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def fill_fields(
    definitions: Sequence[TemplateField], values: Mapping[str, str] | None
) -> dict[str, str]:
    """Defaults overridden by ``values``; a name the definitions lack is refused."""
    filled = {f.name: f.default for f in definitions}
    values = values or {}
    unknown = [name for name in values if name not in filled]
    if unknown:
        raise UnknownField(f"unknown fields {unknown}; this ticket has {list(filled)}")
    filled.update(values)
    return filled


def missing_fields(required: Iterable[str], fields: Mapping[str, str]) -> list[str]:
    return [name for name in required if not str(fields.get(name, "")).strip()]


def share_activity(article: Article) -> Activity:
    """The activity log entry for an article shared in the chat: the console shows a link."""
    return Activity(
        f"Knowledge article {article.id} shared with the customer: {article.title} ({article.url})",
        article.id,
    )


def draft_ticket(
    kind: TicketKind,
    customer: Customer,
    transcript: Sequence[TranscriptLine],
    *,
    chat_id: str | None = None,
    template: Template | None = None,
    summary: str | None = None,
    values: Mapping[str, str] | None = None,
    shares: Iterable[Article] = (),
) -> TicketDraft:
    """A chat's ticket: template text and fields (or the plain ones), transcript, prior shares."""
    check_kind(kind)
    if template is not None and template.kind != kind:
        raise TemplateKindMismatch(f"template {template.id} makes {template.kind}, not {kind}")
    definitions = template.fields if template is not None else plain_fields(kind)
    if summary is None:
        summary = template.summary if template else default_summary(transcript, chat_id)
    return TicketDraft(
        kind=kind,
        customer_id=customer.id,
        company=customer.company.name,
        summary=clip(summary),
        description=describe(transcript, template.description if template else ""),
        fields=fill_fields(definitions, values),
        required=[f.name for f in definitions if f.required],
        chat_id=chat_id,
        template_id=template.id if template else None,
        activity=[share_activity(article) for article in shares],
    )


def check_open(settings: TicketStatusSettings, ticket: Ticket) -> None:
    if settings.for_kind(ticket.kind).is_closed(ticket.status):
        raise TicketClosed(f"ticket {ticket.id} is {ticket.status} and can no longer change")


def apply_changes(
    settings: TicketStatusSettings, ticket: Ticket, changes: Mapping[str, str], required: list[str]
) -> Ticket:
    """The ticket with ``changes`` applied; a saved ticket must stay complete."""
    check_open(settings, ticket)
    fields = dict(ticket.fields)
    unknown = [k for k in changes if k not in fields and k not in TEXT_KEYS]
    if unknown:
        raise UnknownField(f"unknown fields {unknown}; ticket {ticket.id} has {list(fields)}")
    fields.update({k: v for k, v in changes.items() if k not in TEXT_KEYS})
    changed = replace(
        ticket,
        summary=clip(changes.get("summary", ticket.summary)),
        description=changes.get("description", ticket.description),
        fields=fields,
        missing_fields=missing_fields(required, fields),
    )
    if changed.mode == SAVED and changed.missing_fields:
        raise TicketIncomplete(ticket.id, changed.missing_fields)
    return changed


def check_confirm(settings: TicketStatusSettings, ticket: Ticket) -> None:
    check_open(settings, ticket)
    if ticket.missing_fields:
        raise TicketIncomplete(ticket.id, ticket.missing_fields)


def check_status_change(
    settings: TicketStatusSettings, ticket: Ticket, status: str, reason: str
) -> None:
    """Closed tickets stay closed; a ticket still in edit mode may only be cancelled."""
    check_open(settings, ticket)
    rules = settings.for_kind(ticket.kind)
    rules.check(status, reason)
    if ticket.mode == EDIT and status != rules.cancelled:
        if ticket.missing_fields:
            raise TicketIncomplete(ticket.id, ticket.missing_fields)
        raise TicketNotConfirmed(f"ticket {ticket.id} is in edit mode: Confirm + Save it first")


def initial_status(settings: TicketStatusSettings, draft: TicketDraft) -> tuple[str, str]:
    rules = settings.for_kind(draft.kind)
    status = draft.status or rules.initial
    rules.check(status, draft.status_reason)
    return status, draft.status_reason
