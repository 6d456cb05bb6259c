"""``livechat-sim calibrate``: from an event log to a commented scenario file that reproduces it.

    from simulator.calibrate import calibrate, scenario_text
    text = scenario_text(calibrate("bridge.db", tz="Europe/Berlin"))

The measuring and the scenario text are :mod:`reports.calibrate`'s (the report's calibration
page shows the same, and reports never import the simulator); this package is the command
(``cli``) and turns a report error into the simulator's :class:`CalibrationError`, with the
same code. Names load on first use, so the CLI's parser does not import scipy or pandas.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd

    from reports.calibrate.calibration import Calibration, Zone

__all__ = ["Calibration", "calibrate", "scenario_text"]


def calibrate(
    source: str | os.PathLike[str] | pd.DataFrame,
    interval: float | None = None,
    tz: Zone = None,
    target: float | None = None,
    default_capacity: int = 1,
) -> Calibration:
    """:func:`reports.calibrate.calibrate`; raises :class:`CalibrationError` for a missing or
    unreadable log, or one without a single chat."""
    from reports.calibrate import calibrate as measure
    from reports.errors import ReportError

    from ..errors import CalibrationError

    try:
        return measure(source, interval, tz, target, default_capacity)
    except ReportError as exc:
        raise CalibrationError(str(exc), exc.code) from exc


def __getattr__(name: str) -> Any:
    if name not in ("Calibration", "scenario_text"):
        raise AttributeError(f"module 'simulator.calibrate' has no attribute {name!r}")
    from reports import calibrate as measured

    return getattr(measured, name)
