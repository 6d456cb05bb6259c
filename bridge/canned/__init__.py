"""Canned responses (issue 16): scopes and placeholders (``rules``), the cache (``library``)."""

from .library import CannedLibrary
from .rules import (
    PLACEHOLDERS,
    CannedOutOfReach,
    CannedResponse,
    PlaceholderUnfilled,
    ReplyContext,
    UnknownCanned,
    UnknownPlaceholder,
)

__all__ = [
    "PLACEHOLDERS",
    "CannedLibrary",
    "CannedOutOfReach",
    "CannedResponse",
    "PlaceholderUnfilled",
    "ReplyContext",
    "UnknownCanned",
    "UnknownPlaceholder",
]
