"""What the seed generator draws from besides articles: products, services, templates.

Constants only (tuples), so every run with the same seed picks the same things.
"""

from __future__ import annotations

from .ports import INCIDENT, WORK_ORDER, Template, TemplateField

VPN_CLIENTS = ("GlobalProtect", "Cisco AnyConnect", "FortiClient")
ERP_SYSTEMS = ("SAP", "Oracle EBS", "Workday")
AUTHENTICATORS = ("Microsoft Authenticator", "Okta Verify", "Duo Mobile")
PRINTER_PREFIXES = ("PRN", "MFP")

LAPTOPS = (
    "Dell Latitude 7440",
    "Lenovo ThinkPad T14 Gen 4",
    "HP EliteBook 840 G10",
    "Apple MacBook Pro 14",
)
PHONES = ("Apple iPhone 14", "Samsung Galaxy S23", "Google Pixel 8")
MONITORS = ("Dell P2723DE", "LG 27UL850-W", "HP E24 G5")
DOCKS = ("Dell WD19S", "Lenovo ThinkPad Universal USB-C Dock")

DEPARTMENTS = ("Finance", "Sales", "Engineering", "Human Resources", "Operations", "Legal", "IT")
SERVICES = ("Email", "VPN", "Wi-Fi", "Printing", "ERP", "Telephony", "File Shares", "HR Portal")
SHARED_SERVICES = ("Microsoft 365", "Zoom")

OUTAGE_TITLES = (
    "{service} unavailable at {site}",
    "{service} degraded performance",
    "Intermittent {service} failures",
    "Planned {service} maintenance overran",
)
OUTAGE_DESCRIPTIONS = (
    "Users report they cannot reach {service}. Engineers are investigating.",
    "{service} responds slowly; a fix is being deployed.",
    "A failed network switch affects {service} for some users.",
    "The vendor has confirmed an incident affecting {service}.",
)


def templates() -> list[Template]:
    """The demo ticket templates, built fresh per call (they are mutable dataclasses)."""
    impact = TemplateField("impact", "Impact", required=True)
    urgency = TemplateField("urgency", "Urgency", required=True)
    asset_tag = TemplateField("asset_tag", "Asset tag", required=True)
    cost_center = TemplateField("cost_center", "Cost center", required=True)
    return [
        Template("TPL000000000001", INCIDENT, "Email - Outlook not working",
                 "Outlook cannot connect to the mailbox", "User cannot send or receive email.",
                 "Email", [impact, urgency, TemplateField("client", "Outlook version")]),
        Template("TPL000000000002", INCIDENT, "VPN connection failure",
                 "User cannot connect to the VPN", "Remote access via VPN fails.", "Network",
                 [impact, TemplateField("urgency", "Urgency", True, "3-Medium"),
                  TemplateField("location", "Working from")]),
        Template("TPL000000000003", INCIDENT, "Printer not printing",
                 "Print jobs are not printed", "Printer issue reported in chat.", "Printing",
                 [TemplateField("printer", "Printer name", required=True),
                  TemplateField("impact", "Impact", True, "4-Minor/Localized"),
                  TemplateField("urgency", "Urgency", True, "4-Low")]),
        Template("TPL000000000004", INCIDENT, "Password reset or account locked",
                 "Password reset / account unlock", "Identity verified in chat.", "Accounts",
                 [TemplateField("impact", "Impact", True, "4-Minor/Localized"),
                  TemplateField("urgency", "Urgency", True, "3-Medium")]),
        Template("TPL000000000005", INCIDENT, "Laptop hardware failure",
                 "Laptop hardware fault", "Hardware fault reported in chat.", "Hardware",
                 [asset_tag, impact, TemplateField("urgency", "Urgency", True, "3-Medium")]),
        Template("TPL000000000006", INCIDENT, "Wi-Fi connectivity issue",
                 "User cannot connect to the office Wi-Fi", "Wireless issue.", "Network",
                 [TemplateField("building", "Building and floor", required=True), urgency,
                  TemplateField("impact", "Impact", True, "4-Minor/Localized")]),
        Template("TPL000000000007", WORK_ORDER, "New laptop request",
                 "Request for a new laptop", "Provide a standard laptop image.", "Hardware",
                 [cost_center, TemplateField("delivery_site", "Delivery site", required=True),
                  TemplateField("model", "Model", default="Standard business laptop")]),
        Template("TPL000000000008", WORK_ORDER, "Software installation request",
                 "Install software on user's laptop", "Install licensed software.", "Software",
                 [TemplateField("software", "Software name", required=True),
                  TemplateField("version", "Version"), cost_center]),
        Template("TPL000000000009", WORK_ORDER, "Shared mailbox access",
                 "Grant access to a shared mailbox", "Manager approval attached.", "Email",
                 [TemplateField("mailbox", "Shared mailbox", required=True),
                  TemplateField("access", "Access level", True, "Full access")]),
        Template("TPL000000000010", WORK_ORDER, "Monitor or peripheral request",
                 "Request for a monitor or peripheral", "Standard peripherals only.", "Hardware",
                 [TemplateField("item", "Item", required=True),
                  TemplateField("quantity", "Quantity", True, "1")]),
        Template("TPL000000000011", WORK_ORDER, "New starter IT setup",
                 "Set up accounts and equipment for a new starter", "Onboarding.", "Accounts",
                 [TemplateField("start_date", "Start date", required=True),
                  TemplateField("manager", "Line manager", required=True)]),
    ]  # fmt: skip


# (summary, kind) for tickets customers already have open or had resolved.
TICKET_SUMMARIES = (
    ("Outlook keeps asking for a password", INCIDENT),
    ("VPN drops every few minutes", INCIDENT),
    ("Printer on 3rd floor shows offline", INCIDENT),
    ("Laptop battery drains within an hour", INCIDENT),
    ("Cannot join Teams meetings with audio", INCIDENT),
    ("OneDrive sync error on desktop folder", INCIDENT),
    ("Account locked after password change", INCIDENT),
    ("Docking station does not detect monitors", INCIDENT),
    ("Request second monitor", WORK_ORDER),
    ("Install Visio on laptop", WORK_ORDER),
    ("Access to Finance shared mailbox", WORK_ORDER),
)

TICKET_DETAILS = (
    "The user has restarted the device; the problem persists.",
    "It started after the latest Windows update.",
    "Only this user is affected so far.",
    "Colleagues on the same floor report the same problem.",
    "The user needs it fixed before a customer meeting tomorrow.",
    "A workaround is in place; the user can work meanwhile.",
)
