"""``build_report``: one self-contained HTML file plus CSV and Parquet files of every table.

Self-contained means inline CSS and charts as data-URI PNGs: the file can be mailed or archived
and still shows everything, with no reference to any external URL.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from jinja2 import Environment, FileSystemLoader
from markupsafe import Markup

from . import charts
from .agents import agent_interval_facts
from .definitions import answered_waits
from .facts import chat_facts
from .log import load
from .metrics import ewt_accuracy, kpis, occupancy_table
from .present import NO_VALUE, as_rows, for_display, html_table, time_labels
from .timeline import queue_length

# Table name -> KPI grouping. "queue" is the arrival queue (a key "Company/QUEUE").
KPI_TABLES: dict[str, tuple[str, ...]] = {
    "overall": (),
    "company": ("company",),
    "queue": ("company", "queue"),
    "source": ("source",),
    "interval": ("interval",),
}
# Above this many agents the occupancy chart shows agent groups instead.
MAX_AGENT_BARS = 40


def templates() -> Environment:
    folder = Path(__file__).with_name("templates")
    return Environment(loader=FileSystemLoader(folder), autoescape=True)


def kpi_tables(
    facts: pd.DataFrame, agents: pd.DataFrame | None, target: float
) -> dict[str, pd.DataFrame]:
    return {
        f"kpis_{name}": kpis(facts, by=by, target=target, agent_facts=agents)
        for name, by in KPI_TABLES.items()
    }


def write_tables(tables: Mapping[str, pd.DataFrame], out: Path) -> None:
    for name, frame in tables.items():
        frame.to_csv(out / f"{name}.csv", index=False)
        frame.to_parquet(out / f"{name}.parquet", index=False)


def outcome_counts(facts: pd.DataFrame) -> pd.DataFrame:
    """Arrivals per interval split into disjoint outcomes, for the stacked chart."""
    answered = facts["answered"].to_numpy()
    unanswered = ~answered
    parts = {
        "answered": answered,
        "cancelled waiting": unanswered & facts["cancelled_waiting"].to_numpy(),
        "no agent": unanswered & facts["closed_no_agent"].to_numpy(),
        "still waiting": unanswered & facts["open_at_end"].to_numpy(),
    }
    parts["other"] = unanswered & ~np.logical_or.reduce(list(parts.values())[1:])
    frame = pd.DataFrame({"interval": facts["interval"], **parts})
    return frame.groupby("interval", sort=True).sum().reset_index()


def _charts(
    log: pd.DataFrame,
    facts: pd.DataFrame,
    agents: pd.DataFrame,
    tables: Mapping[str, pd.DataFrame],
    opts: Mapping[str, Any],
) -> dict[str, Markup]:
    per_interval = tables["kpis_interval"]
    interval, tz, target = opts["interval"], opts["tz"], opts["target"]
    occ_by = "agent_id" if agents["agent_id"].nunique() <= MAX_AGENT_BARS else "group"
    drawn = {
        "arrivals": charts.arrivals(per_interval, queue_length(log, interval), interval, tz),
        "waits": charts.wait_histogram(answered_waits(facts), target),
        "service_level": charts.service_level(per_interval, opts["goal"], target, tz),
        "occupancy": charts.occupancy(occupancy_table(agents, (occ_by,)), occ_by),
        "outcomes": charts.outcomes(outcome_counts(facts), interval, tz),
    }
    return {name: Markup(img) for name, img in drawn.items()}


def _summary(log: pd.DataFrame, facts: pd.DataFrame, tz: str) -> dict[str, Any]:
    span = time_labels([log["at"].min(), log["at"].max()], tz) if len(log) else [NO_VALUE, NO_VALUE]
    return {
        "events": len(log),
        "chats": len(facts),
        "start": span[0],
        "end": span[1],
        "agents": int(log["agent_id"].nunique()),
    }


def _html_tables(tables: Mapping[str, pd.DataFrame], tz: str) -> dict[str, Markup]:
    shown = {name: html_table(for_display(t, tz)) for name, t in tables.items()}
    shown["kpis_overall"] = html_table(as_rows(tables["kpis_overall"]))
    return {name: Markup(text) for name, text in shown.items()}


def _name(log: object) -> str:
    return "a DataFrame" if isinstance(log, pd.DataFrame) else Path(str(log)).name


def build_report(
    log: str | os.PathLike[str] | pd.DataFrame,
    out: str | os.PathLike[str],
    target: float = 30.0,
    interval: float = 900.0,
    goal: float = 0.8,
    tz: str = "UTC",
    default_capacity: int = 1,
) -> Path:
    """Write ``report.html`` and the KPI tables into ``out``; returns the HTML path.

    ``goal`` is the service-level goal drawn as the target line (0..1); ``default_capacity``
    is the agent capacity a fresh sign-in gets (see ``reports.agents``).
    """
    frame = load(log)
    facts = chat_facts(frame, interval)
    agents = agent_interval_facts(frame, interval, default_capacity)
    tables = kpi_tables(facts, agents, target)
    tables["occupancy_agents"] = occupancy_table(agents, ("agent_id", "group"))
    tables["occupancy_groups"] = occupancy_table(agents, ("group",))
    if (frame["type"] == "WaitEstimated").any():
        tables["ewt_accuracy"] = ewt_accuracy(frame, facts=facts)
    folder = Path(out)
    folder.mkdir(parents=True, exist_ok=True)
    write_tables(tables, folder)
    opts = {"target": target, "interval": interval, "goal": goal, "tz": tz}
    html = (
        templates()
        .get_template("report.html")
        .render(
            title=f"Live chat report: {_name(log)}",
            summary=_summary(frame, facts, tz),
            opts=opts,
            charts=_charts(frame, facts, agents, tables, opts),
            tables=_html_tables(tables, tz),
        )
    )
    path = folder / "report.html"
    path.write_text(html, encoding="utf-8")
    return path
