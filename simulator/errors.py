"""Simulator domain errors: each carries a stable ``code``; the CLI prints them, never a trace."""

from __future__ import annotations

from bridge.config_files import ConfigFileError, Issue
from bridge.engine.errors import LivechatError

__all__ = [
    "BridgeUnreachable",
    "CalibrationError",
    "DriveError",
    "Issue",
    "ScenarioError",
    "SimulatorError",
    "StaffingError",
]


class SimulatorError(LivechatError):
    code = "simulator_error"


class ScenarioError(ConfigFileError, SimulatorError):
    """The scenario file cannot be read or is invalid; ``issues`` says where and why."""

    code = "invalid_scenario"


class StaffingError(SimulatorError):
    """The staffing search cannot meet the goal within its limits."""

    code = "staffing_failed"


class DriveError(SimulatorError):
    """``livechat-sim drive`` cannot play this scenario against this bridge (nothing was sent)."""

    code = "drive_refused"


class BridgeUnreachable(DriveError):
    """No bridge answers at the URL given to ``livechat-sim drive``."""

    code = "bridge_unreachable"


class CalibrationError(SimulatorError):
    """The log cannot be calibrated from (missing, unreadable, or with no chats in it)."""

    code = "calibration_failed"

    def __init__(self, message: str, code: str | None = None) -> None:
        super().__init__(message)
        if code is not None:
            self.code = code
