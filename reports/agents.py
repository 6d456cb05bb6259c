"""Agent-interval facts: signed-in, available and busy time per agent and interval.

Definitions (seconds within the interval):

* ``logged_in_s``: signed in. ``available_s``: serving, by the engine's own rule
  (``bridge.engine.model.is_present`` and ``is_permitted``): signed in, available, there (a
  stream connected or a heartbeat lease running) and with the IT Agent role and the ESChat_Agent
  permission. An agent who only signed in by one API call (no stream, no lease) or who never
  had the role and permission is never available. An agent is available on sign-in until an
  ``AgentAvailabilityChanged`` says otherwise.
* ``capacity_s``: available slot-seconds = available time x capacity. As in the engine, a
  fresh sign-in makes the agent available with ``default_capacity`` (the engine's
  ``EngineConfig.default_capacity`` with auto-accept, ``manual_capacity`` without), connected as
  the sign-in says; an ``AgentAvailabilityChanged`` then sets both. A sign-in while signed in
  changes neither.
* Time runs to ``log_end``: the run's end (an ``end`` passed, or horizon + cool-down from the
  log's metadata), not the last event, so a quiet end of the day counts as available time.
* ``held_s``: chat-seconds held, at any time (a chat is held from ``ChatAssigned`` until the
  chat's next transfer, requeue or close; chats still held at the end count up to the end).
* ``busy_s``: busy slot-seconds = chat-seconds held while available.
* **occupancy = busy_s / capacity_s**; ``busy_share = any_busy_s / available_s``, the share of
  available time with at least one chat. Occupancy can exceed 1 when an agent holds more chats
  than the declared capacity (manual accepts).
* ``chats``: assignments that started in the interval.

An agent serves several queues at once, so occupancy cannot be split by queue: it is reported
per agent, per agent group (the agent's queue set at its last sign-in) or overall.
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd

from bridge.engine.events import (
    AgentAvailabilityChanged,
    AgentConnectionChanged,
    AgentLeaseExpired,
    AgentLeaseRenewed,
    AgentSignedIn,
    AgentSignedOut,
    ChatAssigned,
)
from bridge.engine.model import is_permitted, is_present

from .logmeta import log_meta
from .schema import AGENT_FACTS_SCHEMA, LOG_SCHEMA, validate
from .timeline import chat_status, integrate, neighbour, same_key

AGENT_TYPES = (
    AgentSignedIn.__name__,
    AgentSignedOut.__name__,
    AgentAvailabilityChanged.__name__,
    AgentConnectionChanged.__name__,
    AgentLeaseRenewed.__name__,
    AgentLeaseExpired.__name__,
)
_STATE = ("signed", "available", "connected", "capacity", "leased", "permitted")
_COLUMNS = ("available", "connected", "capacity")  # read from the log's columns
_SUMS = ("logged_in_s", "available_s", "capacity_s", "busy_s", "held_s", "any_busy_s")


def _state_rows(log: pd.DataFrame) -> pd.DataFrame:
    """Agent events as state columns; NaN where the event leaves that state unchanged."""
    mask = log["type"].isin(AGENT_TYPES).to_numpy() & log["agent_id"].notna().to_numpy()
    sub = log.loc[mask, ["seq", "at", "type", "agent_id", *_COLUMNS, "payload"]]
    kind = sub["type"].to_numpy()
    signin, signout = kind == AgentSignedIn.__name__, kind == AgentSignedOut.__name__
    renewed, expired = kind == AgentLeaseRenewed.__name__, kind == AgentLeaseExpired.__name__
    return pd.DataFrame(
        {
            "agent": sub["agent_id"].cat.codes.to_numpy(),
            "at": sub["at"].to_numpy(),
            "seq": sub["seq"].to_numpy(),
            "signin": signin,
            "signed": np.where(signin, 1.0, np.where(signout, 0.0, np.nan)),
            **{c: sub[c].to_numpy(dtype=float, na_value=np.nan) for c in _COLUMNS},
            # A sign-out ends the lease too, as in the engine.
            "leased": np.where(renewed, 1.0, np.where(expired | signout, 0.0, np.nan)),
            "permitted": np.where(signin, _permitted(sub), np.nan),
            "delta": 0,
        }
    )


def _permitted(sign_ins: pd.DataFrame) -> np.ndarray:
    """Per row, 1.0 if a sign-in's roles and permissions allow Live Chat (the engine's rule)."""
    out = np.full(len(sign_ins), np.nan)
    payloads = sign_ins["payload"].to_numpy()
    for i in np.flatnonzero((sign_ins["type"] == AgentSignedIn.__name__).to_numpy()):
        body = json.loads(payloads[i]) if isinstance(payloads[i], str) else {}
        out[i] = float(is_permitted(body.get("roles") or (), body.get("permissions") or ()))
    return out


def _holding_rows(status: pd.DataFrame, log_end: float) -> pd.DataFrame:
    """+1 when an agent is assigned a chat, -1 when the chat next moves (or the log ends)."""
    assigned = (status["type"] == ChatAssigned.__name__).to_numpy()
    still_held = assigned & ~same_key(status["chat"].to_numpy(), 1)  # the chat's last status
    held = status[assigned]
    until = np.where(still_held[assigned], log_end, held["next_at"].to_numpy())
    agent = held["agent_id"].cat.codes.to_numpy()
    n = len(held)
    return pd.DataFrame(
        {
            "agent": np.concatenate([agent, agent]),
            "at": np.concatenate([held["at"].to_numpy(), until]),
            "seq": np.concatenate([held["seq"].to_numpy()] * 2),
            "delta": np.concatenate([np.ones(n, np.int64), -np.ones(n, np.int64)]),
            "signin": False,
        }
    )


def _fill_state(rows: pd.DataFrame, agent: np.ndarray, default_capacity: int) -> pd.DataFrame:
    """Forward-fill each agent's state; a fresh sign-in resets availability and capacity, and
    sets ``connected`` to what it says (v1 sign-ins, upcast, say connected); a sign-in while
    signed in leaves the connection alone, as in the engine."""
    signed = rows.groupby("agent", sort=False)["signed"].ffill().to_numpy()
    was_signed = same_key(agent, -1) & (neighbour(signed, -1, np.nan) == 1.0)
    signin = rows["signin"].to_numpy(dtype=bool)
    fresh = signin & ~was_signed
    connected = rows["connected"].to_numpy()
    rows["connected"] = np.where(
        fresh, np.nan_to_num(connected, nan=1.0), np.where(signin, np.nan, connected)
    )
    reset = {"available": 1.0, "capacity": float(default_capacity)}
    for col, value in reset.items():
        rows[col] = np.where(fresh, value, rows[col].to_numpy())
    state = rows.groupby("agent", sort=False)[list(_STATE)].ffill()
    defaults = {"signed": 0.0, "available": 0.0, "connected": 1.0, "leased": 0.0}
    return state.fillna({**defaults, "permitted": 0.0, **reset})


def _segments(
    log: pd.DataFrame, status: pd.DataFrame, default_capacity: int, log_end: float
) -> pd.DataFrame:
    """Constant-state spans per agent: state forward-filled, chats held as a running sum; each
    agent's last state lasts until ``log_end``."""
    rows = pd.concat([_state_rows(log), _holding_rows(status, log_end)], ignore_index=True)
    rows = rows.iloc[np.lexsort((rows["seq"], rows["at"], rows["agent"]))].reset_index(drop=True)
    agent = rows["agent"].to_numpy()
    state = _fill_state(rows, agent, default_capacity)
    held = rows.groupby("agent", sort=False)["delta"].cumsum().to_numpy(dtype=float)
    at = rows["at"].to_numpy()
    end = np.where(same_key(agent, 1), neighbour(at, 1, np.nan), log_end)
    flags = [state[c].to_numpy() > 0.5 for c in ("signed", "available", "connected", "leased")]
    # The engine's rules: present (an open stream or a lease), and permitted, to count.
    serving = is_present(*flags) & (state["permitted"].to_numpy() > 0.5)
    present = pd.Series(serving.astype(float), index=state.index)
    values = dict(
        zip(
            _SUMS,
            (
                state["signed"],
                present,
                present * state["capacity"],
                present * held,
                held,
                present * (held > 0),
            ),
            strict=True,
        )
    )
    return pd.DataFrame({"agent": agent, "at": at, "end": end, **values})


def _groups(log: pd.DataFrame) -> pd.Series:
    """Agent code -> its queue set at its last sign-in, as readable text."""
    signed_in = (log["type"] == AgentSignedIn.__name__).to_numpy()
    signin = log[signed_in & log["queues"].notna().to_numpy()]
    last = signin.drop_duplicates("agent_id", keep="last")
    text = {q: ", ".join(sorted(json.loads(q))) or "(none)" for q in last["queues"].cat.categories}
    return pd.Series(
        last["queues"].astype(object).map(text).to_numpy(),
        index=last["agent_id"].cat.codes.to_numpy(),
    )


def _assignments(status: pd.DataFrame, interval: float) -> pd.DataFrame:
    """Chats assigned per (agent code, interval)."""
    assigned = status[(status["type"] == ChatAssigned.__name__).to_numpy()]
    keys = pd.DataFrame(
        {
            "key": assigned["agent_id"].cat.codes.to_numpy(),
            "interval": np.floor(assigned["at"].to_numpy() / interval) * interval,
        }
    )
    return keys.groupby(["key", "interval"]).size().rename("chats").reset_index()


def _ratio(num: pd.Series, den: pd.Series) -> pd.Series:
    return num / den.where(den > 0)


def log_end(log: pd.DataFrame, end: float | None = None) -> float:
    """Where the log's time stops: ``end`` if given, else the run's end from the log's metadata
    (horizon + cool-down), else its last event; never before its last event. A quiet stretch
    at the end (agents on duty, no chats) is time too."""
    last = float(log["at"].max()) if len(log) else 0.0
    if end is None:
        meta = log_meta(log)
        end = meta.end_s if meta is not None else None
    return last if end is None else max(float(end), last)


def agent_interval_facts(
    log: pd.DataFrame,
    interval: float = 900.0,
    default_capacity: int = 1,
    end: float | None = None,
) -> pd.DataFrame:
    """One row per agent and interval with any signed-in time, held chat or assignment, up to
    ``log_end(log, end)``."""
    validate(log, LOG_SCHEMA, "event log")
    status = chat_status(log)
    seg = _segments(log, status, default_capacity, log_end(log, end))
    columns = {c: seg[c].to_numpy() for c in _SUMS}
    sums = integrate(seg["agent"].to_numpy(), seg["at"].to_numpy(), seg["end"].to_numpy(),
                     columns, interval)  # fmt: skip
    out = sums.merge(_assignments(status, interval), on=["key", "interval"], how="outer")
    out = out.fillna(0.0)
    out = out[(out[list(_SUMS)].sum(axis=1) > 0) | (out["chats"] > 0)]
    codes = out["key"].to_numpy().astype(np.int64)
    agents = pd.Index(log["agent_id"].cat.categories, dtype="str")
    frame = pd.DataFrame(
        {
            "agent_id": pd.Categorical.from_codes(codes, agents),
            "group": pd.Categorical(_groups(log).reindex(codes).fillna("(unknown)").to_numpy()),
            "interval": out["interval"].to_numpy(dtype=float),
            **{c: out[c].to_numpy(dtype=float) for c in _SUMS},
            "chats": out["chats"].to_numpy().astype(np.int64),
        }
    )
    frame["occupancy"] = _ratio(frame["busy_s"], frame["capacity_s"])
    frame["busy_share"] = _ratio(frame["any_busy_s"], frame["available_s"])
    return validate(frame, AGENT_FACTS_SCHEMA, "agent facts")
