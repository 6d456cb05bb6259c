"""Settings of typing indicators, the post-chat survey and offline messages (issue 16).

Kept apart from ``bridge.settings`` so that module stays small; ``Settings`` holds ``typing``
and ``survey``, and each queue's ``QueueSettings`` an ``offline`` section.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from bridge.config_files import Positive, Strict


class TypingSettings(Strict):
    """Typing notices are ephemeral (never in the log) and rate-limited per chat and side."""

    rate: float = Field(default=1.0, gt=0, allow_inf_nan=False)  # notices per second, steady
    burst: int = Field(default=5, ge=1)  # notices at once before the rate applies


class SurveySettings(Strict):
    """The post-chat survey (CSAT): a 1-5 rating once per chat, within ``window`` of its end."""

    enabled: bool = True
    window: Positive = 24 * 3600.0  # seconds after the chat ended during which it can be rated
    max_comment: int = Field(default=2000, ge=0, le=8000)


class OfflineSettings(Strict):
    """A queue that is closed or has no agent takes a message that becomes a ticket."""

    accept_messages: bool = False
    ticket: Literal["work_order", "incident"] = "work_order"
