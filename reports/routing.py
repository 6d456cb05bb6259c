"""The routing model in the log: per-chat priority, skills and contact, offers, wrap-up, and
agents' time by presence state (shrinkage).

Definitions (one place; the report's Definitions list says the same):

* ``priority``: the chat's priority on arrival (``ChatOpened.priority``: the highest of its own,
  its source's, its context's and its queue's).
* ``skills``: the skills it needed in its arrival queue (``ChatOpened.needs``) as text,
  ``network 4, german 3``; ``(none)`` when it needed none.
* ``contact``: ``retrial`` when the handoff retried the same customer's recently abandoned chat
  (``ChatOpened.retrial_of``), else ``first``.
* ``offers_declined`` / ``offers_timed_out``: offers of the chat that an agent declined or let
  time out (``OfferEnded``); ``wrap_up``: seconds of after-chat work on it (``WrapUpStarted`` to
  ``WrapUpEnded``; NaN with none).
* Presence time: per state, the seconds signed-in agents spent in it (from sign-in, which is
  Available, through each ``AgentAvailabilityChanged`` to the next change, the sign-out or the
  log's end); ``share`` is of all signed-in time; everything but Available is shrinkage.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from bridge.engine.events import (
    AgentAvailabilityChanged,
    AgentSignedIn,
    AgentSignedOut,
    ChatAssigned,
    ChatOffered,
    ChatOpened,
    OfferEnded,
    WrapUpEnded,
    WrapUpStarted,
)

from .payloads import payload_dicts
from .timeline import same_key

NO_SKILLS = "(none)"
SIGNED_OUT = "(signed out)"
ROUTING_COLUMNS = (
    "priority",
    "skills",
    "contact",
    "offers_declined",
    "offers_timed_out",
    "wrap_up",
)


def _rows(log: pd.DataFrame, type_name: str) -> pd.DataFrame:
    return log[(log["type"] == type_name).to_numpy()]


def _payloads(rows: pd.DataFrame) -> list[dict[str, Any]]:
    return payload_dicts(rows["payload"])


def skills_text(needs: dict[str, int] | None) -> str:
    if not needs:
        return NO_SKILLS
    return ", ".join(f"{skill} {level}" for skill, level in sorted(needs.items()))


def routing_facts(log: pd.DataFrame) -> pd.DataFrame:
    """One row per chat (by ``chat_id``, first ``ChatOpened``): the columns of the docstring."""
    opened = _rows(log, ChatOpened.__name__).drop_duplicates("chat_id")
    bodies = _payloads(opened)
    chat_ids = opened["chat_id"].astype(str).to_numpy()
    frame = pd.DataFrame(
        {
            "chat_id": chat_ids,
            "priority": np.array([int(b.get("priority") or 0) for b in bodies], dtype=np.int64),
            "skills": pd.Categorical([skills_text(b.get("needs")) for b in bodies]),
            "contact": pd.Categorical(
                ["retrial" if b.get("retrial_of") else "first" for b in bodies],
                categories=["first", "retrial"],
            ),
        }
    )
    ended = _rows(log, OfferEnded.__name__)
    outcomes = pd.Series([b.get("outcome") for b in _payloads(ended)], dtype=object)
    chats = ended["chat_id"].astype(str).to_numpy()
    for column, outcome in (("offers_declined", "declined"), ("offers_timed_out", "timed_out")):
        counts = pd.Series(chats[(outcomes == outcome).to_numpy()]).value_counts()
        frame[column] = frame["chat_id"].map(counts).fillna(0).astype(np.int64).to_numpy()
    frame["wrap_up"] = frame["chat_id"].map(_wrap_seconds(log)).astype(float).to_numpy()
    return frame


def _wrap_seconds(log: pd.DataFrame) -> pd.Series:
    started = _rows(log, WrapUpStarted.__name__)
    ended = _rows(log, WrapUpEnded.__name__)
    start = pd.Series(started["at"].to_numpy(), index=started["chat_id"].astype(str).to_numpy())
    end = pd.Series(ended["at"].to_numpy(), index=ended["chat_id"].astype(str).to_numpy())
    start = start[~start.index.duplicated()]
    end = end[~end.index.duplicated()]
    return (end - start).dropna()


def with_routing(facts: pd.DataFrame, log: pd.DataFrame) -> pd.DataFrame:
    """Chat facts with the routing columns added (joined on the chat)."""
    extra = routing_facts(log).set_index("chat_id")
    ids = facts["chat_id"].astype(str)
    out = facts.copy()
    for column in ROUTING_COLUMNS:
        values = ids.map(extra[column]).to_numpy()
        if column in ("skills", "contact"):
            out[column] = pd.Categorical(values)
        elif column == "wrap_up":
            out[column] = values.astype(float)
        else:
            out[column] = np.nan_to_num(values.astype(float)).astype(np.int64)
    return out


def presence_time(log: pd.DataFrame, end: float) -> pd.DataFrame:
    """Seconds per presence state of signed-in agents, with each state's share (shrinkage)."""
    kinds = (AgentSignedIn.__name__, AgentSignedOut.__name__, AgentAvailabilityChanged.__name__)
    rows = log[log["type"].isin(kinds).to_numpy() & log["agent_id"].notna().to_numpy()]
    kind = rows["type"].astype(str).to_numpy()
    bodies = _payloads(rows)  # ``status`` is left out when it is the default, Available
    agent = rows["agent_id"].cat.codes.to_numpy()
    order = np.lexsort((rows["seq"].to_numpy(), agent))
    agent, kind = agent[order], kind[order]
    at = rows["at"].to_numpy(dtype=float)[order]
    bodies = [bodies[i] for i in order]
    states: list[str | None] = []
    current: dict[int, str] = {}
    for a, k, body in zip(agent, kind, bodies, strict=True):
        if k == AgentSignedOut.__name__:
            current[a] = SIGNED_OUT
        elif k == AgentAvailabilityChanged.__name__:
            current[a] = body.get("status", "Available")
        elif current.get(a, SIGNED_OUT) == SIGNED_OUT:
            current[a] = "Available"  # a fresh sign-in is Available; again while in keeps it
        states.append(current[a])
    until = np.where(same_key(agent, 1), np.append(at[1:], end), end)
    spans = pd.DataFrame({"state": states, "seconds": np.maximum(until - at, 0.0)})
    spans = spans[spans["state"] != SIGNED_OUT]
    table = spans.groupby("state", sort=True)["seconds"].sum().reset_index()
    total = table["seconds"].sum()
    table["share"] = table["seconds"] / total if total > 0 else np.nan
    table["shrinkage"] = table["state"] != "Available"
    return table


def offer_table(log: pd.DataFrame) -> pd.DataFrame:
    """Offers made, accepted, and how the others ended (with the decline reasons)."""
    offered = int((log["type"] == ChatOffered.__name__).sum())
    if offered == 0:
        return pd.DataFrame(columns=["outcome", "reason", "offers", "share"])
    accepted = _rows(log, ChatAssigned.__name__)
    n_accepted = int((accepted["how"].astype(str) == "offer").sum())
    rows = _rows(log, OfferEnded.__name__)
    ended = pd.DataFrame(
        {
            "outcome": [b.get("outcome", "") for b in _payloads(rows)],
            "reason": rows["reason"].astype(object).fillna("").to_numpy(),  # a log column
        }
    )
    counts = ended.groupby(["outcome", "reason"], sort=True).size().rename("offers").reset_index()
    table = pd.concat(
        [pd.DataFrame({"outcome": ["accepted"], "reason": [""], "offers": [n_accepted]}), counts],
        ignore_index=True,
    )
    table["share"] = table["offers"] / offered
    return table


def wrap_up_table(facts: pd.DataFrame) -> pd.DataFrame:
    """After-chat work per final queue: chats with wrap-up, mean and 90th percentile seconds."""
    done = facts[facts["wrap_up"].notna().to_numpy()]
    grouped = done.groupby(done["final_queue"].astype(str), sort=True)["wrap_up"]
    table = grouped.agg(["count", "mean"]).rename(columns={"count": "chats", "mean": "wrap_mean"})
    table["wrap_p90"] = grouped.quantile(0.9)
    return table.reset_index().rename(columns={"final_queue": "queue"})


def uses_routing_model(log: pd.DataFrame) -> bool:
    """Whether the log shows any of the routing model: offers, wrap-ups, presence reasons,
    priorities, skills or retrials (the report then shows its tables)."""
    kinds = set(log["type"].astype(str).unique())
    if kinds & {ChatOffered.__name__, WrapUpStarted.__name__}:
        return True
    opened = _rows(log, ChatOpened.__name__)
    marks = ('"priority":', '"needs":', '"retrial_of":')
    payloads = opened["payload"].dropna().astype(str)
    if any(payloads.str.contains(m, regex=False).any() for m in marks):
        return True
    changes = _rows(log, AgentAvailabilityChanged.__name__)["payload"].dropna().astype(str)
    return bool(changes.str.contains('"status":', regex=False).any())


ROUTING_LEVELS = {"priority": ("priority",), "skills": ("skills",), "contact": ("contact",)}


def routing_tables(
    log: pd.DataFrame, facts: pd.DataFrame, target: float, end: float
) -> dict[str, pd.DataFrame]:
    """KPIs per priority, skill set and contact (first or retrial); presence time by state;
    offers; wrap-up per queue. ``facts`` are the scored chat facts with the routing columns."""
    from .metrics import kpis  # metrics imports the log readers; keep this module light

    tables = {f"kpis_{name}": kpis(facts, by, target) for name, by in ROUTING_LEVELS.items()}
    tables["presence_time"] = presence_time(log, end)
    tables["offers"] = offer_table(log)
    tables["wrap_up"] = wrap_up_table(facts)
    return tables
