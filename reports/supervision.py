"""Supervisor actions per supervisor: the small table behind the report's Supervision section.

Every supervisor action is an event (``bridge.engine.supervision``), with the supervisor as the
row's ``agent_id``; this counts them. A log without any has no table (the section is left out).
"""

from __future__ import annotations

import pandas as pd

from bridge.engine.events import (
    SupervisorJoined,
    SupervisorMonitored,
    SupervisorReassigned,
    SupervisorTookOver,
    SupervisorWhispered,
)

# Event type -> column, in the order a supervisor escalates.
ACTIONS: dict[str, str] = {
    SupervisorMonitored.__name__: "monitored",
    SupervisorWhispered.__name__: "whispers",
    SupervisorJoined.__name__: "barge_ins",
    SupervisorTookOver.__name__: "take_overs",
    SupervisorReassigned.__name__: "reassigns",
}
COLUMNS = ["supervisor", "chats", *ACTIONS.values(), "actions"]


def supervision_table(log: pd.DataFrame) -> pd.DataFrame:
    """One row per supervisor (by id), a column per action, the chats they acted on, and a
    total; an empty frame with the same columns when the log holds no supervisor action."""
    rows = log[log["type"].astype(str).isin(ACTIONS)]
    if rows.empty:
        return pd.DataFrame(columns=COLUMNS)
    kinds = rows["type"].astype(str).map(ACTIONS)
    supervisor = rows["agent_id"].astype(str)
    counts = pd.crosstab(supervisor, kinds).reindex(columns=list(ACTIONS.values()), fill_value=0)
    counts.insert(0, "chats", rows.groupby(supervisor, observed=True)["chat_id"].nunique())
    counts["actions"] = counts[list(ACTIONS.values())].sum(axis=1)
    counts = counts.rename_axis("supervisor").reset_index()
    counts.columns.name = None
    return counts.astype({c: "int64" for c in COLUMNS[1:]})
