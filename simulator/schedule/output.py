"""What ``livechat-sim schedule`` prints and writes: heads per shift, coverage per interval,
cost, the simulated KPIs; with ``--out``, the schedule as a runnable scenario, a JSON record
and a chart (PNG, and an HTML page holding it with the tables)."""

from __future__ import annotations

import html
import json
from datetime import timedelta
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from ..scenario import Scenario
from ..staffing import StaffingTarget
from ..tables import KPI_COLS, Col, render
from .verify import Verified


def clock(s: Scenario, seconds: float) -> str:
    return (s.start + timedelta(seconds=float(seconds))).strftime("%H:%M")


def shift_rows(s: Scenario, v: Verified) -> list[dict[str, object]]:
    rows = []
    for p, heads, placed in zip(v.schedule.patterns, v.schedule.heads, v.schedule.placed,
                                strict=True):  # fmt: skip
        breaks = "; ".join(
            ", ".join(f"{clock(s, t)}x{n}" for t, n in zip(starts, counts, strict=True) if n)
            for (starts, _), counts in zip(p.breaks, placed, strict=True)
        )
        rows.append({"shift": p.spec.name, "hours": f"{clock(s, p.start)}-{clock(s, p.end)}",
                     "heads": heads, "breaks": breaks or "-",
                     "agent-hours": round(heads * p.spec.length / 3600, 2),
                     "cost": round(heads * p.spec.cost, 2)})  # fmt: skip
    return rows


def interval_frame(s: Scenario, v: Verified) -> pd.DataFrame:
    """Per interval: chats/h, heads required and on duty, and the simulated KPIs."""
    need = np.array(v.plan.counts[v.group], dtype=float)
    return pd.DataFrame({
        "interval": [clock(s, j * s.interval) for j in range(s.intervals)],
        "chats_h": v.plan.offered,
        "required": need,
        "on_duty": np.round(v.schedule.coverage, 2),
        "service_level": v.kpis["service_level"].to_numpy(),
        "service_level_ci": v.kpis["service_level_ci"].to_numpy(),
        "abandonment": v.kpis["abandonment"].to_numpy(),
    })  # fmt: skip


SHIFT_COLS = [Col(t, t, "text") for t in ("hours", "heads", "breaks", "agent-hours", "cost")]
INTERVAL_COLS = [Col("chats/h", "chats_h", "text"), Col("required", "required", "text"),
                 Col("on duty", "on_duty", "text"), Col("SL", "service_level", "pct"),
                 Col("aband.", "abandonment", "pct")]  # fmt: skip
OVERALL_COLS = [
    c
    for c in KPI_COLS
    if c.name in {"volume", "abandonment", "wait_mean", "wait_p90", "service_level", "occupancy"}
]


def report(s: Scenario, v: Verified, target: StaffingTarget) -> str:
    goal = [
        f"service level >= {target.service_level:.0%} within {target.within:g}s"
        if target.service_level is not None
        else "",
        f"abandonment <= {target.max_abandon:.1%}" if target.max_abandon is not None else "",
    ]
    status = "met in every interval" if v.met else "NOT met in every interval"
    sched = v.schedule
    frame = interval_frame(s, v).assign(
        chats_h=lambda f: f["chats_h"].map("{:g}".format),
        required=lambda f: f["required"].map("{:g}".format),
        on_duty=lambda f: f["on_duty"].map("{:g}".format))  # fmt: skip
    lines = [
        f"{s.name}: shifts for {' and '.join(g for g in goal if g)} — {status} in simulation",
        "", "Heads per shift (breaks: start x heads)",
        render(pd.DataFrame(shift_rows(s, v)), SHIFT_COLS, ["shift"]),
        f"total: {sum(sched.heads)} heads, {sched.agent_hours:g} agent-hours, cost "
        f"{sched.cost:g} (the solver's first answer: {v.first.agent_hours:g} agent-hours, "
        f"cost {v.first.cost:g})",
        "", "Coverage per interval: heads required (staffing search) and on duty (breaks out); "
        "simulated SL ± 95% CI",
        render(frame, INTERVAL_COLS, ["interval"]),
        "", f"Simulated KPIs of the schedule ({v.combined.replications} replications)",
        render(v.combined.tables["overall"], OVERALL_COLS),
    ]  # fmt: skip
    if not v.plan.met:
        lines.append("the staffing search did not meet the target in every interval: the "
                     "requirement is its last try (raise --max-rounds)")  # fmt: skip
    for k, failing in enumerate(v.repairs, start=1):
        when = ", ".join(clock(s, j * s.interval) for j in failing)
        lines.append(f"repair {k}: one more head on duty at {when}")
    return "\n".join(lines)


def write_out(out: Path, s: Scenario, v: Verified, target: StaffingTarget, text: str) -> list[Path]:
    """schedule-scenario.yaml (run it with ``livechat-sim run``), schedule.json, the chart."""
    from .chart import coverage_chart

    out.mkdir(parents=True, exist_ok=True)
    scenario = out / "schedule-scenario.yaml"
    data = v.scenario.model_dump(mode="json", exclude_defaults=True)
    head = f"# The schedule of {s.name}: one agent group per shift and break placement.\n"
    scenario.write_text(head + yaml.safe_dump(data, sort_keys=False, default_flow_style=None))
    record = out / "schedule.json"
    record.write_text(json.dumps({
        "scenario": s.name, "met": v.met, "agent_hours": v.schedule.agent_hours,
        "cost": v.schedule.cost, "shifts": shift_rows(s, v), "repairs": v.repairs,
        "intervals": interval_frame(s, v).replace({np.nan: None}).to_dict("records"),
    }, indent=2) + "\n")  # fmt: skip
    png = out / "schedule.png"
    png.write_bytes(coverage_chart(s, interval_frame(s, v), target))
    page = out / "schedule.html"
    page.write_text(f"<!doctype html><meta charset=utf-8><title>{html.escape(s.name)} schedule"
                    f"</title><h1>{html.escape(s.name)}: shift schedule</h1>"
                    f'<img src="{png.name}" alt="coverage and service level per interval">'
                    f"<pre>{html.escape(text)}</pre>\n")  # fmt: skip
    return [scenario, record, png, page]
