"""Simulator domain errors: each carries a stable ``code``; the CLI prints them, never a trace."""

from __future__ import annotations

from bridge.config_files import ConfigFileError, Issue
from bridge.engine.errors import LivechatError

__all__ = ["Issue", "ScenarioError", "SimulatorError", "StaffingError"]


class SimulatorError(LivechatError):
    code = "simulator_error"


class ScenarioError(ConfigFileError, SimulatorError):
    """The scenario file cannot be read or is invalid; ``issues`` says where and why."""

    code = "invalid_scenario"


class StaffingError(SimulatorError):
    """The staffing search cannot meet the goal within its limits."""

    code = "staffing_failed"
