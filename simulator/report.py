"""The terminal report of ``livechat-sim run``: overall, per company/queue/source/interval."""

from __future__ import annotations

import pandas as pd

from .scenario import Scenario
from .summary import Combined
from .tables import KPI_COLS, Col, interval_label, render

OCCUPANCY_COLS = (
    Col("occupancy", "occupancy", "pct"),
    Col("with a chat", "busy_share", "pct"),
    Col("assignments", "chats"),
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
    if combined.replications > 1:
        lines.append("Values are means over replications ± the half-width of a 95% CI (t).")
    if scenario.warmup > 0:
        lines.append(f"Chats arriving in the first {scenario.warmup:g}s (warm-up) are left out.")
    out = "\n".join(lines)
    label = interval_label(scenario.start)
    out += _section("Overall", render(t["overall"], KPI_COLS))
    for level, keys, show in (
        ("company", ["company"], len(scenario.companies) > 1),
        ("queue", ["queue"], True),
        ("source", ["source"], t["source"]["source"].nunique() > 1),
        ("interval", ["interval"], True),
    ):
        if show:
            out += _section(f"By {level}", render(t[level], KPI_COLS, keys, label))
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
