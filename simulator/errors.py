"""Simulator domain errors: each carries a stable ``code``; the CLI prints them, never a trace."""

from __future__ import annotations

from dataclasses import dataclass

from bridge.engine.errors import LivechatError


@dataclass(frozen=True, slots=True)
class Issue:
    """One problem in a scenario file: where (line, dotted field) and what."""

    line: int | None
    field: str
    message: str

    def format(self, source: str) -> str:
        where = f"{source}:{self.line}" if self.line is not None else source
        field = f" {self.field}:" if self.field else ""
        return f"{where}:{field} {self.message}"


class SimulatorError(LivechatError):
    code = "simulator_error"


class ScenarioError(SimulatorError):
    """The scenario file cannot be read or is invalid; ``issues`` says where and why."""

    code = "invalid_scenario"

    def __init__(self, source: str, issues: list[Issue]) -> None:
        self.source = source
        self.issues = issues
        super().__init__("\n".join(issue.format(source) for issue in issues))


class StaffingError(SimulatorError):
    """The staffing search cannot meet the goal within its limits."""

    code = "staffing_failed"
