"""KPIs per company, queue, source and interval; occupancy tables; estimated-wait accuracy.

Rates are fractions (0..1); times are seconds. The service level and abandonment follow
``reports.definitions`` exactly. Per-group columns:

volume (arrivals), served (answered), cancelled_waiting, cancelled_assigned, no_agent (closed
by the max-wait timer), inactive (closed for inactivity), open_at_end, overflowed / requeued /
transferred (chats with at least one), abandonment, service_level (with sl_eligible, sl_met and
sl_target_s), wait_mean / p50 / p90 / p95 (answered chats), handle_mean (closed answered chats),
transfer_rate (share of answered chats transferred at least once), tickets_per_chat (tickets
linked per answered chat), occupancy (only when grouping by nothing or by interval: occupancy is
a property of agents, who serve several queues; see ``occupancy_table`` for agents and groups).
"""

from __future__ import annotations

import os
from collections.abc import Sequence

import numpy as np
import pandas as pd

from bridge.engine.events import WaitEstimated

from .agents import agent_interval_facts
from .definitions import sl_flags, within_tolerance
from .facts import chat_facts, rows_of_chats
from .log import load
from .payloads import field_frame
from .schema import AGENT_FACTS_SCHEMA, FACTS_SCHEMA, validate

LogLike = str | os.PathLike[str] | pd.DataFrame
_COUNTS = (
    "volume",
    "served",
    "cancelled_waiting",
    "cancelled_assigned",
    "no_agent",
    "inactive",
    "open_at_end",
    "overflowed",
    "requeued",
    "transferred",
    "sl_eligible",
    "sl_met",
)
COUNT_COLUMNS = _COUNTS  # KPIs that are counts (sum over chats): zero for a group with none
KPI_COLUMNS = (
    *_COUNTS,
    "abandonment",
    "service_level",
    "sl_target_s",
    "wait_mean",
    "wait_p50",
    "wait_p90",
    "wait_p95",
    "handle_mean",
    "transfer_rate",
    "tickets_per_chat",
    "occupancy",
)
OCCUPANCY_SUMS = ("logged_in_s", "available_s", "capacity_s", "busy_s", "any_busy_s", "chats")


def facts_of(data: LogLike, interval: float = 900.0) -> tuple[pd.DataFrame, pd.DataFrame | None]:
    """(chat facts, agent facts or None) from a log path, a log frame or chat facts."""
    if not isinstance(data, pd.DataFrame) or "type" in data.columns:
        log = load(data)
        return chat_facts(log, interval), agent_interval_facts(log, interval)
    return validate(data, FACTS_SCHEMA, "chat facts"), None


def _ratio(num: pd.Series, den: pd.Series) -> pd.Series:
    return (num / den.where(den > 0)).astype(float)


def _grouped(frame: pd.DataFrame, by: list[str]):
    keys = by or np.zeros(len(frame), dtype=np.int8)
    return frame.groupby(keys, observed=True, sort=True)


def _work(facts: pd.DataFrame, target: float) -> pd.DataFrame:
    """Per-chat 0/1 columns whose group sums are the KPI counts."""
    eligible, met = sl_flags(facts["answered"], facts["wait"], facts["open_at_end"], target)
    answered = facts["answered"].to_numpy()
    complete = answered & ~facts["handle_censored"].to_numpy()
    return pd.DataFrame(
        {
            "volume": 1,
            "served": answered,
            "cancelled_waiting": facts["cancelled_waiting"],
            "cancelled_assigned": facts["cancelled_assigned"],
            "no_agent": facts["closed_no_agent"],
            "inactive": facts["closed_inactive"],
            "open_at_end": facts["open_at_end"],
            "overflowed": facts["overflowed"] > 0,
            "requeued": facts["requeued"] > 0,
            "transferred": answered & (facts["transfers"].to_numpy() > 0),
            "sl_eligible": eligible,
            "sl_met": met,
            "tickets": facts["tickets"],
            "handle_sum": np.where(complete, facts["handle_time"], 0.0),
            "handled": complete,
            "wait": np.where(answered, facts["wait"], np.nan),
        }
    )


def kpis(
    data: LogLike,
    by: Sequence[str] = ("company", "queue"),
    target: float = 30.0,
    interval: float | None = None,
    agent_facts: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """KPIs per group of ``by`` (facts columns, e.g. company, queue, source, interval)."""
    facts, agents = facts_of(data, interval or 900.0)
    agents = agent_facts if agent_facts is not None else agents
    by = list(by)
    work = _work(facts, target)
    if interval:
        work["interval"] = np.floor(facts["created"].to_numpy() / interval) * interval
    for col in by:
        if col not in work:
            work[col] = facts[col]
    grouped = _grouped(work, by)
    out = grouped[[*_COUNTS, "tickets", "handle_sum", "handled"]].sum()
    waits = grouped["wait"]
    out["abandonment"] = _ratio(out["cancelled_waiting"], out["volume"])
    out["service_level"] = _ratio(out["sl_met"], out["sl_eligible"])
    out["sl_target_s"] = float(target)
    out["wait_mean"] = waits.mean()
    for q in (50, 90, 95):
        out[f"wait_p{q}"] = waits.quantile(q / 100)
    out["handle_mean"] = _ratio(out["handle_sum"], out["handled"])
    out["transfer_rate"] = _ratio(out["transferred"], out["served"])
    out["tickets_per_chat"] = _ratio(out["tickets"], out["served"])
    out["occupancy"] = np.nan
    if agents is not None and set(by) <= {"interval"}:
        occ = occupancy_table(agents, by)
        if by:  # an interval with agents on duty and no chat is a row too (zero chats)
            occ = occ.set_index(by)["occupancy"]
            out = out.reindex(out.index.union(occ.index))
            out[[*_COUNTS, "sl_target_s"]] = out[[*_COUNTS, "sl_target_s"]].fillna(
                {**dict.fromkeys(_COUNTS, 0), "sl_target_s": float(target)}
            )
            out["occupancy"] = occ
        else:
            out["occupancy"] = occ["occupancy"].iloc[0]
    out = out.reset_index()[[*by, *KPI_COLUMNS]]
    out[list(_COUNTS)] = out[list(_COUNTS)].astype(np.int64)
    return out


def occupancy_table(agent_facts: pd.DataFrame, by: Sequence[str] = ("agent_id",)) -> pd.DataFrame:
    """Occupancy and busy share per ``by`` (agent_id, group, interval or nothing for overall)."""
    validate(agent_facts, AGENT_FACTS_SCHEMA, "agent facts")
    by = list(by)
    out = _grouped(agent_facts, by)[list(OCCUPANCY_SUMS)].sum()
    if not by and out.empty:
        out = pd.DataFrame([dict.fromkeys(OCCUPANCY_SUMS, 0.0)])
    out["occupancy"] = _ratio(out["busy_s"], out["capacity_s"])
    out["busy_share"] = _ratio(out["any_busy_s"], out["available_s"])
    return out.reset_index(drop=not by)


def _estimates(log: pd.DataFrame, facts: pd.DataFrame) -> pd.DataFrame:
    """What each waiting user was told on arrival: one row per chat and estimator, with the
    chat's ``row`` in ``facts`` (-1 for none)."""
    told_on_arrival = (log["type"] == WaitEstimated.__name__).to_numpy()
    rows = log.loc[
        told_on_arrival & log["chat_id"].notna().to_numpy(), ["chat_id", "queue", "payload"]
    ]
    rows = rows.drop_duplicates("chat_id")  # the arrival estimate, not later updates
    # One JSON per waiting chat: estimator names are open-ended, so not flattened.
    told = field_frame(rows["payload"], "estimates")
    told["row"] = rows_of_chats(facts, rows["chat_id"])
    told["queue"] = rows["queue"].astype(str).to_numpy()
    return told.melt(id_vars=["row", "queue"], var_name="estimator", value_name="told")


def ewt_accuracy(
    log: LogLike,
    tolerance_s: float = 30.0,
    tolerance_rel: float = 0.25,
    facts: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Accuracy of each estimator per queue (and ``(all)`` queues) against actual waits.

    Actual wait = first assignment - arrival, for answered chats; chats never answered are
    counted in ``unanswered`` and left out of the error. ``within`` is the share told within
    ``tolerance_s`` seconds OR ``tolerance_rel`` of the actual wait (either suffices). Chats
    assigned at once were told nothing (implicitly 0) and are not scored. ``facts`` may be
    passed to save recomputing them.
    """
    log = load(log)
    facts = chat_facts(log) if facts is None else validate(facts, FACTS_SCHEMA, "chat facts")
    told = _estimates(log, facts)
    columns = ["estimator", "queue", "n", "no_estimate", "unanswered", "mae", "bias", "within"]
    if told.empty:
        return pd.DataFrame(columns=columns)
    row = told["row"].to_numpy()
    answered = np.where(row >= 0, facts["answered"].to_numpy()[row], False)
    actual = np.where(answered, facts["wait"].to_numpy()[row], np.nan)
    told["told"] = told["told"].astype(float)
    scored = answered & told["told"].notna().to_numpy()
    error = told["told"].to_numpy() - actual
    work = told.assign(
        n=scored,
        no_estimate=answered & ~scored,
        unanswered=~answered,
        abs_error=np.where(scored, np.abs(error), np.nan),
        error=np.where(scored, error, np.nan),
        ok=np.where(
            scored, within_tolerance(told["told"], actual, tolerance_s, tolerance_rel), np.nan
        ),
    )
    parts = [work, work.assign(queue="(all)")]
    grouped = pd.concat(parts).groupby(["estimator", "queue"], sort=True)
    out = grouped[["n", "no_estimate", "unanswered"]].sum()
    out["mae"], out["bias"], out["within"] = (
        grouped[c].mean() for c in ("abs_error", "error", "ok")
    )
    return out.reset_index()[columns]
