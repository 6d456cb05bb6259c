from __future__ import annotations

import pytest
from pydantic import ValidationError

from bridge.workspace import (
    INCIDENT,
    InvalidStatus,
    InvalidTicketKind,
    TemplateField,
    TicketStatusSettings,
    UnknownField,
)
from bridge.workspace.tickets import (
    TicketTypeStatuses,
    clip,
    default_summary,
    describe,
    fill_fields,
    missing_fields,
    ticket_id,
)


def test_ticket_ids_follow_the_itsm_formats():
    assert ticket_id("incident", 101) == "INC000000000101"
    assert ticket_id("work_order", 101) == "WO0000000000101"
    assert len(ticket_id("incident", 7)) == len(ticket_id("work_order", 7)) == 15


def test_an_unknown_ticket_kind_is_refused():
    with pytest.raises(InvalidTicketKind):
        ticket_id("problem", 1)


def test_the_description_puts_template_text_before_the_transcript():
    text = describe([("Allen", "VPN drops"), "Agent joined"], "Remote access fails.")
    assert text == "Remote access fails.\n\nChat transcript:\nAllen: VPN drops\nAgent joined"


def test_the_summary_defaults_to_the_first_thing_said_cut_to_the_field_length():
    assert default_summary([("Allen", "  "), ("Allen", "My VPN drops")], "c1") == "My VPN drops"
    assert default_summary([], "c1") == "Live chat c1"
    assert len(clip("x" * 300)) == 100


def test_blank_required_fields_are_missing():
    assert missing_fields(["impact", "urgency"], {"impact": " ", "urgency": "4-Low"}) == ["impact"]


def test_filling_a_field_the_template_lacks_is_refused():
    with pytest.raises(UnknownField, match="impcat"):
        fill_fields([TemplateField("impact", "Impact")], {"impcat": "1"})


def test_default_statuses_follow_the_itsm():
    settings = TicketStatusSettings()
    assert (settings.incident.resolved, settings.incident.resolved_reason) == (
        "Resolved",
        "No Further Action Required",
    )
    assert (settings.work_order.resolved, settings.work_order.resolved_reason) == (
        "Completed",
        "Successful",
    )
    assert settings.for_kind(INCIDENT).cancelled == settings.work_order.cancelled == "Cancelled"


def test_a_status_or_reason_outside_the_allowed_set_is_refused():
    rules = TicketStatusSettings().incident
    rules.check("Pending", "Client Hold")
    with pytest.raises(InvalidStatus, match="Done"):
        rules.check("Done")
    with pytest.raises(InvalidStatus, match="Successful"):
        rules.check("Resolved", "Successful")


def test_configuring_a_resolve_status_that_is_not_allowed_fails_at_load_time():
    with pytest.raises(ValidationError, match="Fixed"):
        TicketTypeStatuses(
            resolved="Fixed",
            resolved_reason="",
            allowed={"Assigned": (), "Resolved": (), "Cancelled": ()},
            closed=("Resolved", "Cancelled"),
        )


def test_settings_load_from_plain_configuration():
    settings = TicketStatusSettings.model_validate(
        {
            "incident": {
                "resolved": "Closed",
                "resolved_reason": "Fixed in chat",
                "allowed": {"Assigned": [], "Closed": ["Fixed in chat"], "Cancelled": []},
                "closed": ["Closed", "Cancelled"],
            }
        }
    )
    assert settings.incident.resolved_reason == "Fixed in chat"
    assert settings.work_order.resolved == "Completed"
