"""Durations, written once: every CLI flag and every file field that takes a time uses this.

``90`` and ``"90"`` are seconds; ``"30s"``, ``"5m"``, ``"1.5h"``, ``"2d"``, ``"250ms"`` carry a
unit; ``"01:30"`` is h:mm (``"1:30:15"`` h:mm:ss). Pure Python with no imports beyond the
standard library, so the bridge, the simulator and the reports can all share it cheaply.
"""

from __future__ import annotations

import argparse
import math
import re
from typing import Any

UNITS = {"ms": 0.001, "s": 1.0, "sec": 1.0, "m": 60.0, "min": 60.0, "h": 3600.0, "d": 86400.0}
_DURATION = re.compile(r"^\s*(\d+(?:\.\d*)?|\.\d+)\s*([a-z]*)\s*$")
_CLOCK = re.compile(r"^\s*(\d+):(\d{2})(?::(\d{2}(?:\.\d*)?))?\s*$")


def parse_duration(value: Any) -> Any:
    """Seconds from a number or a duration string; other types pass through for pydantic.

    Numbers pass unchanged so that a schema's own bounds (``ge=0``) still judge them.
    """
    if isinstance(value, bool) or not isinstance(value, str):
        return value
    clock = _CLOCK.match(value)
    if clock:
        hours, minutes, seconds = clock.groups()
        return int(hours) * 3600 + int(minutes) * 60 + float(seconds or 0)
    match = _DURATION.match(value.lower())
    if match is None or match.group(2) not in ("", *UNITS):
        raise ValueError(f"{value!r} is not a duration: use seconds or a unit (90s, 5m, 1.5h, 2d)")
    return float(match.group(1)) * UNITS.get(match.group(2), 1.0)


def duration_arg(text: str) -> float:
    """argparse ``type=`` for a duration of zero or more seconds (``15m``, ``900``)."""
    try:
        value = float(parse_duration(text))
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None
    if value < 0 or not math.isfinite(value):
        raise argparse.ArgumentTypeError(f"{text!r}: give a duration of zero or more seconds")
    return value


def positive_duration_arg(text: str) -> float:
    """argparse ``type=`` for a duration longer than zero (an interval, a mean)."""
    value = duration_arg(text)
    if value <= 0:
        raise argparse.ArgumentTypeError(f"{text!r}: give a duration longer than zero")
    return value
