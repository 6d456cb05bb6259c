"""Calibration: from an event log to every scenario parameter it shows, and the scenario text.

    from reports.calibrate import calibrate, scenario_text
    text = scenario_text(calibrate("bridge.db", tz="Europe/Berlin"))

A measurement of a log, so it lives with the other readers of logs: the report's calibration
page uses it, and ``livechat-sim calibrate`` (:mod:`simulator.calibrate`) is its command.
Each quantity has its own module: ``arrivals`` (profiles and overdispersion), ``handle``
(legs, concurrency, fitted work), ``patience`` (censored), ``probabilities``, ``roster``,
``aftercare`` (wrap-up, retrials, presence); ``fits`` chooses distributions, ``writer`` writes
the YAML with the evidence as comments. Names load on first use (scipy only with ``fits``).
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .calibration import Calibration, calibrate
    from .writer import scenario_text

_EXPORTS = {"Calibration": "calibration", "calibrate": "calibration", "scenario_text": "writer"}
__all__ = ["Calibration", "calibrate", "scenario_text"]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'reports.calibrate' has no attribute {name!r}")
    return getattr(import_module(f".{module}", __name__), name)
