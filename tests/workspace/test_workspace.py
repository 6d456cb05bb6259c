from __future__ import annotations

import pytest

from bridge.workspace import (
    EDIT,
    SAVED,
    Directory,
    InvalidStatus,
    SqliteDirectory,
    TemplateKindMismatch,
    TicketClosed,
    TicketExists,
    TicketIncomplete,
    TicketNotConfirmed,
    TicketStatusSettings,
    UnknownArticle,
    UnknownCustomer,
    UnknownField,
    UnknownTemplate,
    UnknownTicket,
    Workspace,
)

from .conftest import CALBRO, PETRAMCO, TRANSCRIPT, make_directory


def test_the_embedded_directory_implements_every_directory_method():
    wanted = {name for name in vars(Directory) if not name.startswith("_")}
    assert wanted <= set(dir(SqliteDirectory))
    assert {"customer", "create_ticket", "statuses", "chat_ticket"} <= wanted


def incident(workspace: Workspace, chat_id: str = "c1", **kwargs):
    return workspace.create_ticket(
        "incident", company=CALBRO.name, chat_id=chat_id, customer_id="PPL1",
        transcript=TRANSCRIPT, **kwargs,
    )  # fmt: skip


def test_customer_info_shows_contact_site_company_tickets_and_assets(workspace):
    opened = incident(workspace)
    info = workspace.customer_info("PPL1", company=CALBRO.name)
    assert info.customer.name == "Allen Allbrook"
    assert info.customer.email == "allen@calbroservices.com"
    assert (info.customer.site.city, info.customer.company.name) == ("Houston", "Calbro Services")
    assert [a.id for a in info.assets] == ["AST1", "AST2"]
    assert [t.id for t in info.open_tickets] == [opened.id]


def test_resolved_tickets_are_not_among_the_open_ones(workspace):
    workspace.resolve_ticket(incident(workspace).id)
    assert workspace.customer_info("PPL1", company=CALBRO.name).open_tickets == []


def test_resources_show_the_customers_outages_templates_and_articles(workspace):
    found = workspace.resources("PPL2", company=PETRAMCO.name, term="vpn")
    assert [o.id for o in workspace.resources("PPL2", company=PETRAMCO.name).outages] == [
        "OUT3",
        "OUT4",
    ]
    assert [t.id for t in found.templates] == ["TPL1"]
    assert [a.id for a in found.articles] == ["KBA4", "KBA3"]


def test_an_incident_without_a_template_has_the_transcript_as_its_description(workspace):
    ticket = incident(workspace)
    assert ticket.description == (
        "Chat transcript:\nAllen Allbrook: My VPN keeps dropping\nAgent Smith: Let me check"
    )
    assert (ticket.summary, ticket.mode, ticket.missing_fields) == (
        "My VPN keeps dropping",
        SAVED,
        [],
    )
    assert (ticket.status, ticket.chat_id, ticket.company) == ("Assigned", "c1", "Calbro Services")


def test_a_template_fills_fields_and_text_and_the_transcript_is_appended(workspace):
    ticket = incident(workspace, template_id="TPL1", fields={"impact": "3-Moderate/Limited"})
    assert ticket.summary == "User cannot connect to the VPN"
    assert ticket.description.startswith("Remote access fails.\n\nChat transcript:\n")
    assert ticket.fields == {
        "impact": "3-Moderate/Limited",
        "urgency": "3-Medium",
        "asset_tag": "",
        "location": "",
    }
    assert ticket.template_id == "TPL1"


def test_blank_required_fields_put_the_ticket_in_edit_mode_until_completed_and_confirmed(
    workspace,
):
    directory = workspace.directory
    ticket = incident(workspace, template_id="TPL1")
    assert (ticket.mode, ticket.missing_fields) == (EDIT, ["impact", "asset_tag"])
    ticket = directory.update_ticket(ticket.id, {"impact": "2-Significant/Large"})
    assert (ticket.mode, ticket.missing_fields) == (EDIT, ["asset_tag"])
    ticket = directory.update_ticket(ticket.id, {"asset_tag": "CS-000001", "summary": "VPN down"})
    assert (ticket.mode, ticket.missing_fields, ticket.summary) == (EDIT, [], "VPN down")
    assert directory.confirm_ticket(ticket.id).mode == SAVED


def test_confirm_with_fields_still_missing_is_refused_with_the_field_list(workspace):
    ticket = incident(workspace, template_id="TPL1")
    with pytest.raises(TicketIncomplete, match="impact, asset_tag") as refused:
        workspace.directory.confirm_ticket(ticket.id)
    assert refused.value.missing == ["impact", "asset_tag"]
    assert refused.value.code == "ticket_incomplete"
    assert workspace.directory.ticket(ticket.id).mode == EDIT


def test_a_saved_ticket_cannot_lose_a_required_value(workspace):
    ticket = incident(workspace, template_id="TPL2")
    assert ticket.mode == SAVED
    with pytest.raises(TicketIncomplete):
        workspace.directory.update_ticket(ticket.id, {"impact": ""})
    assert workspace.directory.ticket(ticket.id).fields["impact"] == "4-Minor/Localized"


def test_an_unknown_field_is_refused_by_name(workspace):
    ticket = incident(workspace, template_id="TPL1")
    with pytest.raises(UnknownField, match="impcat"):
        workspace.directory.update_ticket(ticket.id, {"impcat": "1"})
    with pytest.raises(UnknownField):
        incident(workspace, chat_id="c2", template_id="TPL1", fields={"impcat": "1"})


def test_ticket_ids_have_the_itsm_format_and_increase_per_kind(workspace):
    first = incident(workspace, chat_id="c1").id
    second = incident(workspace, chat_id="c2").id
    order = workspace.create_ticket(
        "work_order", company=CALBRO.name, chat_id="c3", customer_id="PPL1", transcript=TRANSCRIPT
    ).id
    assert (first, second, order) == ("INC000000000001", "INC000000000002", "WO0000000000001")


def test_ids_keep_increasing_after_reopening_the_file(tmp_path):
    path = str(tmp_path / "ws.db")
    with make_directory(path=path) as directory:
        first = incident(Workspace(directory), chat_id="c1").id
    with SqliteDirectory(path) as directory:
        second = incident(Workspace(directory), chat_id="c2").id
        assert directory.ticket(first).chat_id == "c1"
    assert second > first


def test_a_work_order_template_cannot_make_an_incident(workspace):
    with pytest.raises(TemplateKindMismatch):
        incident(workspace, template_id="TPL3")


def test_a_chat_gets_only_one_ticket(workspace):
    incident(workspace)
    with pytest.raises(TicketExists):
        incident(workspace)


def test_resolving_from_chat_uses_the_default_status_per_type(workspace):
    inc = workspace.resolve_ticket(incident(workspace).id)
    wo = workspace.create_ticket(
        "work_order", company=CALBRO.name, chat_id="c2", customer_id="PPL1", transcript=[]
    )
    wo = workspace.resolve_ticket(wo.id)
    assert (inc.status, inc.status_reason) == ("Resolved", "No Further Action Required")
    assert (wo.status, wo.status_reason) == ("Completed", "Successful")


def test_resolving_from_chat_uses_the_configured_status():
    defaults = TicketStatusSettings().incident
    custom = TicketStatusSettings(
        incident=defaults.model_copy(update={"resolved_reason": "Customer Follow-Up Required"})
    )
    with make_directory(custom) as directory:
        ticket = Workspace(directory).resolve_ticket(incident(Workspace(directory)).id)
    assert (ticket.status, ticket.status_reason) == ("Resolved", "Customer Follow-Up Required")


def test_a_status_outside_the_allowed_set_is_refused_and_changes_nothing(workspace):
    ticket = incident(workspace)
    with pytest.raises(InvalidStatus):
        workspace.directory.set_status(ticket.id, "Done")
    with pytest.raises(InvalidStatus):
        workspace.directory.set_status(ticket.id, "Pending", "Successful")
    assert workspace.directory.ticket(ticket.id) == ticket


def test_a_ticket_in_edit_mode_can_be_cancelled_but_not_resolved(workspace):
    ticket = incident(workspace, template_id="TPL1")
    with pytest.raises(TicketIncomplete):
        workspace.resolve_ticket(ticket.id)
    workspace.directory.update_ticket(ticket.id, {"impact": "1", "asset_tag": "x"})
    with pytest.raises(TicketNotConfirmed):
        workspace.resolve_ticket(ticket.id)
    assert workspace.abandon_chat("c1").status == "Cancelled"


def test_abandoning_the_chat_cancels_its_ticket(workspace):
    incident(workspace)
    ticket = workspace.abandon_chat("c1")
    assert (ticket.status, ticket.status_reason) == ("Cancelled", "")
    assert workspace.abandon_chat("no-ticket") is None


def test_abandoning_leaves_an_already_resolved_ticket_resolved(workspace):
    workspace.resolve_ticket(incident(workspace).id)
    assert workspace.abandon_chat("c1").status == "Resolved"


def test_a_closed_ticket_no_longer_changes(workspace):
    ticket = incident(workspace)
    workspace.abandon_chat("c1")
    directory = workspace.directory
    for change in (
        lambda: directory.update_ticket(ticket.id, {"summary": "x"}),
        lambda: directory.set_status(ticket.id, "Assigned"),
        lambda: directory.pin_article(ticket.id, "KBA1"),
        lambda: workspace.resolve_ticket(ticket.id),
    ):
        with pytest.raises(TicketClosed):
            change()


def test_pinning_flags_an_article_once_and_unpinning_removes_it(workspace):
    ticket = incident(workspace)
    workspace.directory.pin_article(ticket.id, "KBA4")
    assert workspace.directory.pin_article(ticket.id, "KBA4").pinned_articles == ["KBA4"]
    assert workspace.directory.unpin_article(ticket.id, "KBA4").pinned_articles == []


def test_sharing_in_a_chat_with_a_ticket_writes_its_activity_log(workspace):
    ticket = incident(workspace)
    shared = workspace.share_article("c1", "KBA4", company=CALBRO.name)
    assert shared.article.title == "VPN disconnects"
    assert shared.ticket is not None and shared.ticket.id == ticket.id
    [entry] = shared.ticket.activity
    assert entry.article_id == "KBA4"
    assert "VPN disconnects" in entry.text and "https://kb.example.com/KBA4" in entry.text


def test_sharing_before_a_ticket_exists_logs_nothing_until_the_ticket_carries_it(workspace):
    assert workspace.share_article("c1", "KBA4", company=CALBRO.name).ticket is None
    ticket = incident(workspace, prior_shares=["KBA4", "KBA3"])
    assert [a.article_id for a in ticket.activity] == ["KBA4", "KBA3"]
    ticket = workspace.share_article("c1", "KBA1", company=CALBRO.name).ticket
    assert [a.article_id for a in ticket.activity] == ["KBA4", "KBA3", "KBA1"]


def test_activity_can_still_be_recorded_on_a_closed_ticket(workspace):
    ticket = incident(workspace)
    workspace.abandon_chat("c1")
    assert workspace.directory.add_activity(ticket.id, "Follow-up call").activity[-1].text == (
        "Follow-up call"
    )


@pytest.mark.parametrize(
    ("call", "error", "code"),
    [
        (
            lambda ws: ws.customer_info("PPL404", company=CALBRO.name),
            UnknownCustomer,
            "unknown_customer",
        ),
        (
            lambda ws: ws.customer_info("PPL2", company=CALBRO.name),
            UnknownCustomer,
            "unknown_customer",
        ),
        (
            lambda ws: ws.share_article("c1", "KBA404", company=CALBRO.name),
            UnknownArticle,
            "unknown_article",
        ),
        (lambda ws: incident(ws, template_id="TPL404"), UnknownTemplate, "unknown_template"),
        (lambda ws: incident(ws, prior_shares=["KBA404"]), UnknownArticle, "unknown_article"),
        (lambda ws: ws.directory.ticket("INC404"), UnknownTicket, "unknown_ticket"),
        (lambda ws: ws.resolve_ticket("INC404"), UnknownTicket, "unknown_ticket"),
    ],
)
def test_unknown_records_are_refused_with_their_own_code(workspace, call, error, code):
    with pytest.raises(error) as refused:
        call(workspace)
    assert refused.value.code == code
    assert workspace.directory.chat_ticket("c1") is None


def test_pinning_an_unknown_article_is_refused_and_changes_nothing(workspace):
    ticket = incident(workspace)
    with pytest.raises(UnknownArticle):
        workspace.directory.pin_article(ticket.id, "KBA404")
    assert workspace.directory.ticket(ticket.id) == ticket


def test_tickets_created_from_many_threads_get_distinct_increasing_ids(workspace):
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=4) as pool:
        made = list(pool.map(lambda n: incident(workspace, chat_id=f"c{n}").id, range(40)))
    assert sorted(made) == [f"INC{n:012d}" for n in range(1, 41)]


def test_a_ticket_is_not_filed_on_another_companys_customer_and_nothing_is_written(workspace):
    before = workspace.directory.counts()["tickets"]
    with pytest.raises(UnknownCustomer, match="Petramco"):
        workspace.create_ticket(
            "incident", company=PETRAMCO.name, chat_id="c9", customer_id="PPL1", transcript=[]
        )
    assert workspace.directory.counts()["tickets"] == before
    assert workspace.directory.chat_ticket("c9") is None


def test_open_tickets_are_those_of_the_company_asked_for(workspace):
    opened = incident(workspace)
    assert workspace.directory.open_tickets("PPL1", company=PETRAMCO.name) == []
    assert [t.id for t in workspace.directory.open_tickets("PPL1", company=CALBRO.name)] == [
        opened.id
    ]
