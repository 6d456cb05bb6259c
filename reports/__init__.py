"""Reports: event log -> per-chat facts -> KPIs, tables, charts, HTML report and comparisons.

Importing the package is cheap: names load on first use (matplotlib only when a chart is drawn).

    import reports
    log = reports.load("run.parquet")          # or a bridge SQLite store
    facts = reports.chat_facts(log)
    reports.kpis(facts, by=("company", "queue"), target=30)
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .comparison import compare
    from .definitions import service_level
    from .facts import chat_facts
    from .log import load
    from .metrics import ewt_accuracy, kpis
    from .report import build_report

_EXPORTS = {
    "load": "log",
    "chat_facts": "facts",
    "kpis": "metrics",
    "ewt_accuracy": "metrics",
    "build_report": "report",
    "compare": "comparison",
    "service_level": "definitions",
}
__all__ = ["build_report", "chat_facts", "compare", "ewt_accuracy", "kpis", "load", "service_level"]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'reports' has no attribute {name!r}")
    return getattr(import_module(f".{module}", __name__), name)
