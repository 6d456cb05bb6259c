"""What log lines written during a request carry: its request id (and trace ids when tracing).

``bridge.http.observe`` sets ``request_context`` once per request; ``add_request_context`` is
the structlog processor (``bridge.cli.configure_logging``) that copies it into each line. One
ContextVar set and reset is cheaper than binding keys one by one, and the request path is
benchmarked against a bare aiohttp handler.
"""

from __future__ import annotations

from collections.abc import MutableMapping
from contextvars import ContextVar
from typing import Any

request_context: ContextVar[dict[str, str] | None] = ContextVar(
    "livechat_request_context", default=None
)


def add_request_context(
    logger: Any, method_name: str, event_dict: MutableMapping[str, Any]
) -> MutableMapping[str, Any]:
    context = request_context.get()
    if context is not None:
        for key, value in context.items():
            event_dict.setdefault(key, value)
    return event_dict
