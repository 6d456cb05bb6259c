"""A tiny hand-made directory whose contents each test can reason about."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from bridge.workspace import (
    INCIDENT,
    WORK_ORDER,
    Article,
    Asset,
    Company,
    Customer,
    Outage,
    Site,
    SqliteDirectory,
    Template,
    TemplateField,
    TicketStatusSettings,
    Workspace,
)

CALBRO = Company("Calbro Services", "calbroservices.com")
PETRAMCO = Company("Petramco", "petramco.com")
HQ = Site("SIT1", CALBRO.name, "Houston Headquarters", "1 Main St", "Houston", "TX", "77002", "US")
REFINERY = Site("SIT2", PETRAMCO.name, "Refinery", city="Tulsa")
ALLEN = Customer("PPL1", "Allen", "Allbrook", "allen@calbroservices.com", "+1 555", HQ, CALBRO)
MARY = Customer("PPL2", "Mary", "Mann", "mary@petramco.com", "+1 556", REFINERY, PETRAMCO)


def article(n: int, title: str, body: str) -> Article:
    return Article(f"KBA{n}", title, body, f"https://kb.example.com/KBA{n}", "General")


ARTICLES = [
    article(1, "Reset your password", "Use the self-service portal to choose a new one."),
    article(2, "Printer offline", "Remove the printer and add it again. " * 3),
    article(3, "Outlook tips", "If the VPN is down, Outlook works in offline mode."),
    article(4, "VPN disconnects", "Restart the client and sign in again."),
    article(5, "Wi-Fi drops in meeting rooms", "Forget the network and reconnect."),
]
TEMPLATES = [
    Template("TPL1", INCIDENT, "VPN connection failure", "User cannot connect to the VPN",
             "Remote access fails.", "Network",
             [TemplateField("impact", "Impact", required=True),
              TemplateField("urgency", "Urgency", required=True, default="3-Medium"),
              TemplateField("asset_tag", "Asset tag", required=True),
              TemplateField("location", "Working from")]),
    Template("TPL2", INCIDENT, "Password reset", "Password reset", "", "Accounts",
             [TemplateField("impact", "Impact", required=True, default="4-Minor/Localized")]),
    Template("TPL3", WORK_ORDER, "New laptop request", "Request for a new laptop", "", "Hardware",
             [TemplateField("cost_center", "Cost center", required=True)]),
]  # fmt: skip
OUTAGES = [
    Outage("OUT1", CALBRO.name, "Email", "Email down in Houston", "Exchange unreachable", 100.0),
    Outage("OUT2", CALBRO.name, "VPN", "VPN gateway failure", "Gateway rebooted", 50.0, 60.0),
    Outage("OUT3", PETRAMCO.name, "ERP", "ERP slow", "SAP responds slowly", 100.0),
    Outage("OUT4", None, "Microsoft 365", "Teams degraded", "Vendor incident", 100.0),
]
ASSETS = [
    Asset("AST1", ALLEN.id, "Laptop", "Dell Latitude 7440", "SN1", "CS-000001"),
    Asset("AST2", ALLEN.id, "Mobile Phone", "Apple iPhone 14", "SN2", "CS-000002"),
    Asset("AST3", MARY.id, "Laptop", "HP EliteBook 840 G10", "SN3", "PE-000003"),
]
TRANSCRIPT = [("Allen Allbrook", "My VPN keeps dropping"), ("Agent Smith", "Let me check")]


def make_directory(
    statuses: TicketStatusSettings | None = None, path: str = ":memory:"
) -> SqliteDirectory:
    directory = SqliteDirectory(path, statuses)
    directory.add(
        [CALBRO, PETRAMCO, HQ, REFINERY, ALLEN, MARY, *ASSETS, *ARTICLES, *TEMPLATES, *OUTAGES]
    )
    return directory


@pytest.fixture
def directory() -> Iterator[SqliteDirectory]:
    with make_directory() as opened:
        yield opened


@pytest.fixture
def workspace(directory: SqliteDirectory) -> Workspace:
    return Workspace(directory)
