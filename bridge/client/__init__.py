"""A typed async client for the livechat bridge, for bots, integrations and agent tools.

```python
from bridge.client import LivechatClient

async with LivechatClient("http://127.0.0.1:8080", api_key) as client:
    chat = await client.handoff(company="Acme", customer={"id": "C-1", "name": "Ann"},
                                question="VPN drops", idempotency_key=conversation_id)
    user = client.user_chat(chat.chat_id, chat.user_token)
    async for item in user.stream():      # resumes by itself after a disconnect or restart
        ...
```

Results are the bridge's own response models (``bridge.http.schemas``), so the client and the
server share one definition of each shape. Errors are ``LivechatClientError`` with the
bridge's ``code``.
"""

from __future__ import annotations

from . import webhooks
from .agent import AgentClient
from .errors import ConnectionFailed, LivechatClientError, WebhookVerificationError
from .retry import RetryPolicy
from .source import LivechatClient, UserChat, new_key, wait_message
from .stream import Notice, ResumingStream, StreamItem

__all__ = [
    "AgentClient",
    "ConnectionFailed",
    "LivechatClient",
    "LivechatClientError",
    "Notice",
    "ResumingStream",
    "RetryPolicy",
    "StreamItem",
    "UserChat",
    "WebhookVerificationError",
    "new_key",
    "wait_message",
    "webhooks",
]
