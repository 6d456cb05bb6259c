"""One example per request body, keyed by the body model's name, for ``/openapi.json``.

API testers start from these (schemathesis runs them first), and people read them: each is a
real, valid request (a test validates every one against its model), not a placeholder.
"""

from __future__ import annotations

from typing import Any

_CUSTOMER = {"id": "cust-1", "name": "Ann Smith", "email": "ann@example.com", "site": "HQ"}

EXAMPLES: dict[str, dict[str, Any]] = {
    "HandoffIn": {
        "source": "virtual_agent",
        "company": "Acme",
        "queue": "GENERAL",
        "customer": _CUSTOMER,
        "question": "My VPN does not connect",
        "transcript": [
            {"from": "user", "text": "vpn is down"},
            {"from": "bot", "text": "Let me get you an agent"},
        ],
        "context": {"intent": "vpn", "language": "en"},
    },
    "MessageIn": {"text": "Thanks, that worked!"},
    "NoteIn": {"text": "Customer is on the old VPN client"},
    "SupervisorMessageIn": {"text": "Hi, I am the team lead: we are on it."},
    "TransferIn": {"to_queue": "Acme/NETWORK", "note": "VPN gateway issue"},
    "AbandonIn": {"confirm": True},
    "EndIn": {"send_transcript": True},
    "PresenceIn": {"status": "Break"},
    "DeclineIn": {"reason": "Busy with another task"},
    "ReadyIn": {"chat_id": None},
    "CannedIn": {
        "scope": "queue",
        "queue": "Acme/NETWORK",
        "title": "VPN reset",
        "shortcut": "vpn",
        "text": "Hi {customer_first_name}, I am {agent_name}: please restart the VPN client.",
    },
    "CannedPatchIn": {"text": "Hi {customer_first_name}, please restart the VPN client."},
    "RenderIn": {"canned_id": "cr_0123456789abcdef"},
    "TranscriptEmailIn": {"email": "ann@example.com"},
    "AvailabilityIn": {"available": True, "capacity": 3},
    "ScreenNameIn": {"screen_name": "Alice"},
    "LoginIn": {"username": "alice", "password": "pw"},
    "OidcSessionIn": {
        "code": "SplxlOBeZQQYbYS6WxSbIA",
        "code_verifier": "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk",
        "redirect_uri": "https://livechat.example.com/console/oidc/callback",
        "nonce": "n-0S6_WzA2Mj",
    },
    "EmptyIn": {},
    "TicketIn": {"kind": "incident", "summary": "VPN does not connect"},
    "FieldsIn": {"fields": {"summary": "VPN does not connect after the update"}},
    "PinIn": {"ticket_id": "INC0000001"},
    "ResolveIn": {"status": "Resolved", "status_reason": "Solved"},
    "IncomingActivity": {
        "type": "event",
        "name": "handoff.initiate",
        "from": {"id": "user-1", "name": "Ann Smith"},
        "conversation": {"id": "conv-1"},
        "serviceUrl": "https://smba.trafficmanager.net/emea/",
        "channelId": "msteams",
        "value": {"company": "Acme", "queue": "GENERAL", "question": "My VPN does not connect"},
    },
    "HeartbeatIn": {},
    "TypingIn": {"typing": True},
    "ReadIn": {"up_to": 7},
    "SurveyIn": {"rating": 5, "comment": "Fixed in five minutes, thanks!"},
    "OfflineIn": {
        "source": "self_service",
        "company": "Acme",
        "queue": "NETWORK",
        "customer": {"id": "cust-1", "name": "Ann Smith", "email": "ann@example.com"},
        "text": "The VPN drops every hour; please call me tomorrow morning.",
    },
    "WebhookRequest": {
        "detectIntentResponseId": "5f1c3b9e-6b0a-4f55-9d7e-1f0c6b9e0a11",
        "fulfillmentInfo": {"tag": "livechat-handoff"},
        "sessionInfo": {
            "session": "projects/acme-it/locations/global/agents/5b1f/sessions/sess-77",
            "parameters": {"company": "Acme", "queue": "NETWORK", "customer_id": "cust-1"},
        },
        "intentInfo": {"displayName": "vpn.broken"},
        "text": "I need a person",
        "languageCode": "en",
        "messages": [{"text": {"text": ["Connecting you to an agent"]}}],
    },
}
