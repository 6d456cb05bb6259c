"""CSAT from post-chat surveys (``SurveyAnswered``) per queue, agent and interval, with the sample.

Definitions (one place; the report's Definitions list says the same):

* ``handled``: scored chats that closed in an agent's hands (``ChatClosed`` with an agent), the
  chats a survey could be answered for;
* ``responses``: those with a survey answer; ``response_rate`` = responses / handled;
* ``csat``: the share of responses rating 4 or 5 (the usual "top two boxes");
* ``mean_rating``: the mean of the 1-5 ratings.

A chat counts in the queue it closed in (the survey row's ``queue``), for the agent who held it
when it closed, and in the interval it arrived in (as every other per-interval table). With few
responses CSAT says little: ``responses`` is the sample size, always shown beside it.
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd

from bridge.engine.events import ChatClosed, SurveyAnswered

GROUPS = {"csat_queue": "queue", "csat_agent": "agent_id", "csat_interval": "interval"}
COLUMNS = ["handled", "responses", "response_rate", "csat", "mean_rating"]
SATISFIED = 4  # ratings at or above this count as satisfied


def survey_answers(log: pd.DataFrame) -> pd.DataFrame:
    """One row per answered survey: chat, agent, queue, rating, when."""
    rows = log[log["type"].astype(str) == SurveyAnswered.__name__]
    ratings = [int(json.loads(p)["rating"]) for p in rows["payload"]] if len(rows) else []
    return pd.DataFrame({
        "chat_id": rows["chat_id"].astype(str).to_numpy(),
        "agent_id": rows["agent_id"].astype(str).to_numpy(),
        "queue": rows["queue"].astype(str).to_numpy(),
        "rating": np.asarray(ratings, dtype=np.int64),
        "at": rows["at"].to_numpy(dtype=float),
    })  # fmt: skip


def handled_chats(log: pd.DataFrame, facts: pd.DataFrame) -> pd.DataFrame:
    """Scored chats that closed in an agent's hands: chat, closing agent, final queue, interval."""
    closed = log[(log["type"].astype(str) == ChatClosed.__name__) & log["agent_id"].notna()]
    frame = pd.DataFrame({
        "chat_id": closed["chat_id"].astype(str).to_numpy(),
        "agent_id": closed["agent_id"].astype(str).to_numpy(),
    })  # fmt: skip
    scored = pd.DataFrame({
        "chat_id": facts["chat_id"].astype(str).to_numpy(),
        "queue": facts["final_queue"].astype(str).to_numpy(),
        "interval": facts["interval"].to_numpy(dtype=float),
    })  # fmt: skip
    return frame.merge(scored, on="chat_id", how="inner")


def csat_tables(log: pd.DataFrame, facts: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """``csat_queue``, ``csat_agent`` and ``csat_interval``; empty when no survey was answered."""
    answers = survey_answers(log)
    if answers.empty:
        return {}
    handled = handled_chats(log, facts)
    answers = answers.merge(handled[["chat_id", "interval"]], on="chat_id", how="inner")
    return {name: _table(handled, answers, key) for name, key in GROUPS.items()}


def _table(handled: pd.DataFrame, answers: pd.DataFrame, key: str) -> pd.DataFrame:
    out = handled.groupby(key, sort=True).size().rename("handled").to_frame()
    grouped = answers.groupby(key, sort=True)["rating"]
    out = out.join(grouped.size().rename("responses"), how="outer")
    out = out.join(grouped.apply(lambda r: (r >= SATISFIED).mean()).rename("csat"), how="outer")
    out = out.join(grouped.mean().rename("mean_rating"), how="outer")
    out[["handled", "responses"]] = out[["handled", "responses"]].fillna(0).astype("int64")
    with np.errstate(divide="ignore", invalid="ignore"):
        out["response_rate"] = out["responses"] / out["handled"].replace(0, np.nan)
    return out.reset_index()[[key, *COLUMNS]]
