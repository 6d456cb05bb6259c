"""The web chat's start form offers the companies and topics GET /api/v1/queues lists."""

from __future__ import annotations

import json
from collections.abc import Callable

from playwright.sync_api import Page, Request, Route, expect

from .support import Pages, needs_chromium

pytestmark = needs_chromium

LISTED = [
    {"key": "Initech/GENERAL", "company": "Initech", "name": "GENERAL", "open": True},
    {"key": "Initech/PRINTERS", "company": "Initech", "name": "PRINTERS", "open": False},
]


def answering(body: object) -> Callable[[Page], None]:
    """Route the page's queue list to ``body`` instead of the bridge."""

    def reply(route: Route) -> None:
        route.fulfill(status=200, content_type="application/json", body=json.dumps(body))

    return lambda page: page.route("**/api/v1/queues", reply)


def test_the_form_offers_the_configured_queues_asked_with_the_publishable_key(
    pages: Pages,
) -> None:
    asked: list[Request] = []

    def record(request: Request) -> None:
        if "/api/v1/queues" in request.url:
            asked.append(request)

    user = pages.open("/chat", before=lambda page: page.on("request", record))
    expect(user.get_by_label("Company").locator("option")).to_have_text(
        ["Calbro Services", "Petramco"]
    )
    user.get_by_label("Company").select_option("Petramco")
    expect(user.get_by_label("Topic").locator("option")).to_have_text(
        ["General", "Network", "Hardware"]
    )
    assert [r.headers.get("x-api-key") for r in asked] == ["demo-web-key"]


def test_the_form_shows_what_the_queue_list_answers_and_which_queues_are_closed(
    pages: Pages,
) -> None:
    user = pages.open("/chat", before=answering({"queues": LISTED}))
    expect(user.get_by_label("Company").locator("option")).to_have_text(["Initech"])
    expect(user.get_by_label("Topic").locator("option")).to_have_text(
        ["General", "Printers (closed now)"]
    )
    assert user.get_by_label("Topic").locator("option").nth(1).get_attribute("value") == "PRINTERS"


def test_an_empty_queue_list_leaves_the_queues_rendered_into_the_page(pages: Pages) -> None:
    user = pages.open("/chat", before=answering({"queues": []}))
    expect(user.get_by_label("Company").locator("option")).to_have_text(
        ["Calbro Services", "Petramco"]
    )
