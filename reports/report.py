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

from bridge.engine.events import WaitEstimated
from bridge.store.factory import is_postgres

from . import charts
from .agents import log_end
from .calibration_page import write_calibration_page
from .csat import csat_tables
from .definitions import answered_waits
from .derived import Derived
from .legs import chat_legs, service_kpis
from .log import load, source_name
from .logmeta import log_meta
from .metrics import ewt_accuracy, kpis, occupancy_table
from .options import RunOptions, on_clock, resolve, scored
from .present import NO_VALUE, as_rows, for_display, html_table, time_labels
from .routing import routing_tables, uses_routing_model, with_routing
from .supervision import supervision_table
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


def seconds(value: float) -> str:
    """A duration as a reader says it: '30 s', '15 min', '1 h', '1 h 30 min'."""
    value = float(value)
    if value < 60 or value % 60:
        return f"{value:g} s"
    hours, minutes = divmod(int(value // 60), 60)
    parts = [f"{hours} h"] * bool(hours) + [f"{minutes} min"] * bool(minutes)
    return " ".join(parts)


def templates() -> Environment:
    folder = Path(__file__).with_name("templates")
    env = Environment(loader=FileSystemLoader(folder), autoescape=True)
    env.filters["seconds"] = seconds
    return env


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
    opts: RunOptions,
) -> dict[str, Markup]:
    per_interval = tables["kpis_interval"]  # already on the clock (see build_report)
    interval, tz, target = opts.interval, opts.tz, opts.target
    queue = on_clock(queue_length(log, interval), opts.origin)
    occ_by = "agent_id" if agents["agent_id"].nunique() <= MAX_AGENT_BARS else "group"
    drawn = {
        "arrivals": charts.arrivals(per_interval, queue, interval, tz),
        "waits": charts.wait_histogram(answered_waits(facts), target),
        "service_level": charts.service_level(per_interval, opts.goal, target, tz),
        "occupancy": charts.occupancy(occupancy_table(agents, (occ_by,)), occ_by),
        "outcomes": charts.outcomes(on_clock(outcome_counts(facts), opts.origin), interval, tz),
    }
    return {name: Markup(img) for name, img in drawn.items()}


def _summary(log: pd.DataFrame, facts: pd.DataFrame, opts: RunOptions) -> dict[str, Any]:
    times = np.asarray([log["at"].min(), log["at"].max()], dtype=float) + opts.origin
    span = time_labels(times, opts.tz) if len(log) else [NO_VALUE, NO_VALUE]
    return {
        "events": len(log),
        "chats": len(facts),
        "start": span[0],
        "end": span[1],
        "agents": int(log["agent_id"].nunique()),
    }


def _html_tables(tables: Mapping[str, pd.DataFrame], tz: Any) -> dict[str, Markup]:
    shown = {name: html_table(for_display(t, tz)) for name, t in tables.items()}
    shown["kpis_overall"] = html_table(as_rows(tables["kpis_overall"]))
    return {name: Markup(text) for name, text in shown.items()}


def service_tables(log: pd.DataFrame, opts: RunOptions) -> dict[str, pd.DataFrame]:
    """KPIs per queue of service: every leg of a chat in a queue (after the warm-up)."""
    legs = chat_legs(log)
    legs = legs[legs["entered"].to_numpy() >= opts.warmup]
    return {"kpis_service_queue": service_kpis(legs, opts.target)}


def report_tables(
    log: pd.DataFrame, opts: RunOptions, default_capacity: int = 1, derived: Derived | None = None
) -> tuple[pd.DataFrame, pd.DataFrame, dict[str, pd.DataFrame]]:
    """(scored facts, scored agent facts, KPI tables with intervals on the clock) of a log;
    ``derived`` shares the facts with the rest of the report."""
    derived = derived if derived is not None else Derived(log)
    facts = derived.chat_facts(opts.interval)
    agents = derived.agent_facts(opts.interval, default_capacity)
    facts, agents = scored(facts, agents, opts.warmup, opts.horizon)
    tables = kpi_tables(facts, agents, opts.target)
    tables.update(service_tables(log, opts))
    tables["occupancy_agents"] = occupancy_table(agents, ("agent_id", "group"))
    tables["occupancy_groups"] = occupancy_table(agents, ("group",))
    tables = {name: on_clock(t, opts.origin) for name, t in tables.items()}
    return facts, agents, tables


def _name(log: object) -> str:
    """A file by its name; a PostgreSQL URL whole, but without its password."""
    if isinstance(log, pd.DataFrame) or is_postgres(str(log)):
        return source_name(log)
    return Path(str(log)).name


def build_report(
    log: str | os.PathLike[str] | pd.DataFrame,
    out: str | os.PathLike[str],
    target: float | None = None,
    interval: float | None = None,
    goal: float | None = None,
    tz: str | None = None,
    default_capacity: int = 1,
) -> Path:
    """Write ``report.html`` and the KPI tables into ``out``; returns the HTML path.

    ``target``, ``interval`` and ``goal`` (the service-level goal line, 0..1) default to what
    a simulated log's metadata says, then to 30 s, 15 min and 80%; a simulated log's times are
    shown from its scenario's start date. ``default_capacity`` is the agent capacity a fresh
    sign-in gets (see ``reports.agents``).
    """
    frame = load(log)
    opts = resolve(log_meta(frame), target, interval, goal, tz)
    derived = Derived(frame)
    facts, agents, tables = report_tables(frame, opts, default_capacity, derived)
    if (frame["type"] == WaitEstimated.__name__).any():
        tables["ewt_accuracy"] = ewt_accuracy(frame, facts=facts)
    if not (supervision := supervision_table(frame)).empty:
        tables["supervision"] = supervision  # issue 16: only logs with supervisor actions
    for name, table in csat_tables(frame, facts).items():  # issue 16: logs with surveys only
        tables[name] = on_clock(table, opts.origin)
    if uses_routing_model(frame):  # issue 13: priorities, skills, retrials, offers, wrap-up
        end = log_end(frame)
        tables.update(routing_tables(frame, with_routing(facts, frame), opts.target, end))
    folder = Path(out)
    folder.mkdir(parents=True, exist_ok=True)
    write_tables(tables, folder)
    calibration = write_calibration_page(derived, opts, folder, default_capacity)
    html = (
        templates()
        .get_template("report.html")
        .render(
            title=f"Live chat report: {opts.name or _name(log)}",
            source=_name(log),
            summary=_summary(frame, facts, opts),
            opts=opts,
            charts=_charts(frame, facts, agents, tables, opts),
            tables=_html_tables(tables, opts.tz),
            calibration=calibration is not None,
        )
    )
    path = folder / "report.html"
    path.write_text(html, encoding="utf-8")
    return path
