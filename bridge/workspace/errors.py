"""Domain errors of the agent workspace: each carries a stable ``code`` and changes nothing.

They subclass the engine's error families (``NotFound``, ``WrongState``, ``InvalidCommand``) so
the bridge's one error middleware maps them to HTTP statuses without knowing this package.
"""

from __future__ import annotations

from collections.abc import Sequence

from bridge.engine.errors import InvalidCommand, LivechatError, NotFound, WrongState


class UnknownCustomer(NotFound):
    code = "unknown_customer"


class UnknownArticle(NotFound):
    code = "unknown_article"


class UnknownTemplate(NotFound):
    code = "unknown_template"


class UnknownTicket(NotFound):
    code = "unknown_ticket"


class InvalidTicketKind(InvalidCommand):
    code = "invalid_ticket_kind"


class UnknownField(InvalidCommand):
    """A field name the ticket (or its template) does not have: a typo must not vanish silently."""

    code = "unknown_field"


class TemplateKindMismatch(InvalidCommand):
    """An incident template cannot make a work order, and the other way round."""

    code = "template_kind_mismatch"


class InvalidStatus(InvalidCommand):
    """A Status / Status Reason outside the configured allowed set for the ticket type."""

    code = "invalid_status"


class TicketExists(WrongState):
    """A chat gets at most one ticket."""

    code = "ticket_exists"


class TicketClosed(WrongState):
    """The ticket is cancelled, resolved or otherwise closed; it no longer changes."""

    code = "ticket_closed"


class TicketIncomplete(WrongState):
    """Required fields are still blank; ``missing`` names them so the console can highlight them."""

    code = "ticket_incomplete"

    def __init__(self, ticket_id: str, missing: Sequence[str]) -> None:
        self.ticket_id = ticket_id
        self.missing = list(missing)
        super().__init__(
            f"ticket {ticket_id} is missing required fields: {', '.join(self.missing)}"
        )


class TicketNotConfirmed(WrongState):
    """The ticket is complete but still in edit mode: Confirm + Save comes first."""

    code = "ticket_not_confirmed"


class DirectoryNotEmpty(LivechatError):
    """Seeding refuses to add a second generated directory on top of existing data."""

    code = "directory_not_empty"
