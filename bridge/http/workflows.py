"""The API's workflows as OpenAPI links: which answer leads to which next call.

A handoff answer names the chat, so it links to the chat's user routes (with the user token it
carries) and to the agent routes an agent of its queue uses; a created ticket links to the
ticket's routes. Stateful API testers follow these to reach real states instead of guessing ids.
Keys and targets are ``(method, path)`` as routed; a target that is not routed is left out.
"""

from __future__ import annotations

CHAT_ID = {"chat_id": "$response.body#/chat_id"}
TICKET_ID = {"ticket_id": "$response.body#/id"}

_USER = "/api/v1/chats/{chat_id}"
_AGENT = "/api/v1/agent/chats/{chat_id}"
_TICKET = "/api/v1/agent/tickets/{ticket_id}"

_CHAT_ROUTES: dict[str, tuple[str, str]] = {
    "chat_status": ("get", _USER),
    "chat_events": ("get", f"{_USER}/events"),
    "user_message": ("post", f"{_USER}/messages"),
    "cancel": ("post", f"{_USER}/cancel"),
    "agent_chat": ("get", _AGENT),
    "accept": ("post", f"{_AGENT}/accept"),
    "agent_message": ("post", f"{_AGENT}/messages"),
    "note": ("post", f"{_AGENT}/notes"),
    "transfer": ("post", f"{_AGENT}/transfer"),
    "end": ("post", f"{_AGENT}/end"),
    "abandon": ("post", f"{_AGENT}/abandon"),
    "customer": ("get", f"{_AGENT}/customer"),
    "resources": ("get", f"{_AGENT}/resources"),
    "create_ticket": ("post", f"{_AGENT}/tickets"),
    "user_typing": ("post", f"{_USER}/typing"),
    "user_read": ("post", f"{_USER}/read"),
    "survey_state": ("get", f"{_USER}/survey"),
    "answer_survey": ("post", f"{_USER}/survey"),
    "agent_typing": ("post", f"{_AGENT}/typing"),
    "agent_read": ("post", f"{_AGENT}/read"),
    "accept_offer": ("post", f"{_AGENT}/offer/accept"),  # issue 13
    "decline_offer": ("post", f"{_AGENT}/offer/decline"),
}
_TICKET_ROUTES: dict[str, tuple[str, str]] = {
    "ticket": ("get", _TICKET),
    "change_ticket": ("patch", _TICKET),
    "confirm_ticket": ("post", f"{_TICKET}/confirm"),
    "resolve_ticket": ("post", f"{_TICKET}/resolve"),
    "ticket_resolution": ("get", f"{_TICKET}/resolution"),
}

# (method, path) answering -> {link name: (target method, target path, parameters)}
LINKS: dict[tuple[str, str], dict[str, tuple[str, str, dict[str, str]]]] = {
    ("post", "/api/v1/handoffs"): {
        name: (*target, CHAT_ID) for name, target in _CHAT_ROUTES.items()
    },
    ("post", "/api/v1/botframework/activities"): {
        name: (*target, CHAT_ID) for name, target in _CHAT_ROUTES.items()
    },
    ("post", f"{_AGENT}/accept"): {
        name: (*target, {"chat_id": "$request.path.chat_id"})
        for name, target in _CHAT_ROUTES.items()
        if target[1].startswith(_AGENT)
    },
    ("post", f"{_AGENT}/tickets"): {
        name: (*target, TICKET_ID) for name, target in _TICKET_ROUTES.items()
    },
}
