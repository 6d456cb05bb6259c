"""The terminal report of ``livechat-sim run``: overall, per company/queue/source/interval."""

from __future__ import annotations

import pandas as pd

from .scenario import Scenario
from .summary import Combined
from .tables import KPI_COLS, RUNS_COL, Col, interval_label, render

OCCUPANCY_COLS = (
    Col("occupancy", "occupancy", "pct"),
    Col("with a chat", "busy_share", "pct"),
    Col("assignments", "chats"),
)
LEG_COLS = (
    Col("legs", "legs"),
    Col("answered", "answered"),
    Col("cancelled", "cancelled_waiting"),
    Col("moved on", "moved_on", optional=True),
    Col("wait mean", "wait_mean", "seconds"),
    Col("p90", "wait_p90", "seconds"),
    Col("SL", "service_level", "pct"),
)
EWT_COLS = (
    Col("scored", "n"),
    Col("mean abs. error", "mae", "seconds"),
    Col("bias", "bias", "seconds"),
    Col("within tolerance", "within", "pct"),
)


def _section(title: str, body: str) -> str:
    return f"\n\n{title}\n{body}"


def report_text(scenario: Scenario, combined: Combined) -> str:
    c, t = combined.counters, combined.tables
    runs = f"{combined.replications} replication{'s' * (combined.replications > 1)}"
    lines = [
        f"{scenario.name}: {runs} (seeds {combined.seeds[0]}..{combined.seeds[-1]}), "
        f"{c['arrivals']:,.0f} chats per run, simulated at {c['chats_per_s']:,.0f} chats/s",
        f"Service level = share of ALL arrivals answered within {scenario.service_level.within:g}s;"
        " users who cancel while waiting count as not answered (before or after the target).",
        "Waits (mean, p50/p90/p95) are of answered chats: arrival to the first agent.",
    ]
    cols = KPI_COLS
    if combined.replications > 1:
        lines.append("Values are means over replications ± the half-width of a 95% CI (t).")
        lines.append("Counts average every replication (none in a group = 0); waits and rates "
                     "average the runs with chats there ('runs with chats').")  # fmt: skip
        cols = (*KPI_COLS, RUNS_COL)
    if scenario.warmup > 0:
        lines.append(f"Chats arriving in the first {scenario.warmup:g}s (warm-up) are left out.")
    out = "\n".join(lines)
    label = interval_label(scenario.start)
    out += _section("Overall", render(t["overall"], cols))
    for level, keys, show in (
        ("company", ["company"], len(scenario.companies) > 1),
        ("queue", ["queue"], True),
        ("source", ["source"], t["source"]["source"].nunique() > 1),
        ("interval", ["interval"], True),
    ):
        if show:
            out += _section(f"By {level}", render(t[level], cols, keys, label))
    if "service_queue" in t:
        out += _section("By queue of service (each leg in a queue: arrival, transfer, overflow, "
                        "requeue; wait = entering the queue -> assigned)",
                        render(t["service_queue"], LEG_COLS, ["queue"]))  # fmt: skip
    out += _section("Occupancy by agent group (busy chat slots / available slots)",
                    render(t["group"], OCCUPANCY_COLS, ["group"]))  # fmt: skip
    out += _ewt(scenario, t["ewt"])
    return out


def _ewt(scenario: Scenario, frame: pd.DataFrame) -> str:
    if frame.empty:
        return _section("Estimated wait accuracy", "no chat had to wait")
    queues = frame["queue"].nunique()
    shown = frame if queues > 2 else frame[frame["queue"] == "(all)"]
    tol = scenario.ewt_tolerance
    title = (
        "Estimated wait told on arrival vs actual wait (answered chats; within "
        f"±{tol.seconds:g}s or ±{tol.relative:.0%})"
    )
    return _section(title, render(shown, EWT_COLS, ["estimator", "queue"]))


def print_report(scenario: Scenario, combined: Combined) -> None:
    print(report_text(scenario, combined))
