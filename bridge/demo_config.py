"""The built-in demo (``livechat-bridge --demo``): two companies, three queues each, three
agents with skills, a bot source and a publishable web key.

Plain data, kept apart from ``bridge.settings`` so that file stays small: ``demo_settings``
there lays it under the environment and flags with ``deep_merge``.
"""

from __future__ import annotations

from typing import Any

_CALBRO, _PETRAMCO = "Calbro Services", "Petramco"
_QUEUES = ("GENERAL", "NETWORK", "HARDWARE")


def _demo_user(
    username: str,
    first: str,
    last: str,
    queues: list[str],
    roles: tuple[str, ...] = ("IT Agent",),
    skills: dict[str, int] | None = None,
) -> dict[str, Any]:
    profile = {
        "agent_id": username,
        "first_name": first,
        "last_name": last,
        "queues": queues,
        "roles": list(roles),
        "skills": skills or {},
    }
    return {"username": username, "password": f"{username}-demo", "profile": profile}


def demo_config() -> dict[str, Any]:
    """The built-in demo: two companies, three queues each, three agents, two source keys."""
    queues: dict[str, Any] = {f"{c}/{q}": {} for c in (_CALBRO, _PETRAMCO) for q in _QUEUES}
    for company in (_CALBRO, _PETRAMCO):
        queues[f"{company}/NETWORK"] = {"max_wait": 600, "max_wait_overflow": f"{company}/GENERAL"}
    # With no agent there, Calbro's hardware desk takes messages as work orders (issue 16).
    queues[f"{_CALBRO}/HARDWARE"] = {"offline": {"accept_messages": True, "ticket": "work_order"}}
    return {
        "engine": {
            "auto_accept": False,
            "queues": queues,
            "strict_queues": True,
            "agent_gone_grace": 120,
            # Issue 13, to try: a German handoff (context.language "de") needs Bob's German,
            # an "outage" intent jumps the queue; agents' skills are in their profiles below.
            "routing": {
                "context_rules": [
                    {"field": "language", "value": "de", "skills": {"german": 2}},
                    {"field": "intent", "value": "outage", "priority": 5},
                ]
            },
        },
        # Development only: the demo bot authenticates with its X-API-Key, not a Bot
        # Connector token, and gets answers without one. Real deployments leave auth on.
        "botframework": {"auth": False},
        "sources": [
            {
                "name": "demo-bot",
                "api_key": "demo-source-key",
                "callback_secret": "demo-callback-secret",
                # The demo's bot runs on this machine; a real source lists its own hosts.
                "callback_allow": ["localhost", "127.0.0.1"],
                "allow_private_callbacks": True,
            },
            {
                "name": "web",
                "api_key": "demo-web-key",
                "kinds": ["self_service"],
                "publishable": True,
            },
        ],
        "demo_users": [
            _demo_user(
                "alice",
                "Alice",
                "Adams",
                [f"{_CALBRO}/GENERAL", f"{_CALBRO}/NETWORK"],
                skills={"network": 4, "english": 5},
            ),
            _demo_user(
                "bob",
                "Bob",
                "Brown",
                [f"{_CALBRO}/GENERAL", f"{_CALBRO}/HARDWARE", f"{_PETRAMCO}/GENERAL"],
                skills={"hardware": 4, "german": 3, "english": 3},
            ),
            _demo_user(
                "carol",
                "Carol",
                "Chen",
                [f"{c}/{q}" for c in (_CALBRO, _PETRAMCO) for q in _QUEUES],
                roles=("IT Agent", "Supervisor"),
                skills={"network": 2, "hardware": 2, "english": 5, "german": 1},
            ),
        ],
    }


def deep_merge(base: dict[str, Any], top: dict[str, Any]) -> dict[str, Any]:
    """``top`` over ``base``, section by section: setting one key keeps the section's others."""
    merged = dict(base)
    for key, value in top.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = deep_merge(merged[key], value)
        else:
            merged[key] = value
    return merged
