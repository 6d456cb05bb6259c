"""CSAT per queue, agent and interval, with the sample size (handled chats, responses)."""

from __future__ import annotations

import pandas as pd
import pytest

from bridge.engine.events import AgentSignedIn, ChatAssigned, ChatClosed, SurveyAnswered
from reports.csat import COLUMNS, csat_tables
from reports.facts import chat_facts
from reports.log import load, write_parquet
from reports.report import build_report

from .logs import ACME, ACME_HR, ROLES, day_log, opened


def surveyed_log() -> list:
    """Four chats handled: c1, c2 by a1 in GENERAL (rated 5 and 2), c3 by a2 in HR (rated 4),
    c4 by a2 in HR (not rated), the last one arriving in the second 15-minute interval."""
    log: list = [
        AgentSignedIn(0, "a1", "Ann", "Lee", [ACME], *ROLES),
        AgentSignedIn(0, "a2", "Bo", "Ray", [ACME_HR], *ROLES),
    ]
    for at, chat, queue, agent in (
        (10, "c1", ACME, "a1"),
        (20, "c2", ACME, "a1"),
        (30, "c3", ACME_HR, "a2"),
        (1000, "c4", ACME_HR, "a2"),
    ):
        log += [opened(at, chat, queue), ChatAssigned(at, chat, agent, 0.0)]
        log.append(ChatClosed(at + 100, chat, agent, "ended"))
    log += [
        SurveyAnswered(200, "c1", "a1", ACME, 5, "great", "user"),
        SurveyAnswered(210, "c2", "a1", ACME, 2, "", "user"),
        SurveyAnswered(220, "c3", "a2", ACME_HR, 4, "", "virtual_agent"),
    ]
    return sorted(log, key=lambda e: e.at)


def rows_of(table: pd.DataFrame, key: str) -> dict:
    return {r[key]: r for r in table.to_dict("records")}


def test_csat_per_queue_agent_and_interval_carries_its_sample_size(tmp_path):
    frame = load(write_parquet(surveyed_log(), tmp_path / "log.parquet"))
    tables = csat_tables(frame, chat_facts(frame, 900))
    assert set(tables) == {"csat_queue", "csat_agent", "csat_interval"}
    queue = rows_of(tables["csat_queue"], "queue")
    assert list(tables["csat_queue"].columns) == ["queue", *COLUMNS]
    general, hr = queue[ACME], queue[ACME_HR]
    assert (general["handled"], general["responses"], general["csat"]) == (2, 2, 0.5)
    assert general["mean_rating"] == pytest.approx(3.5) and general["response_rate"] == 1.0
    assert (hr["handled"], hr["responses"], hr["response_rate"], hr["csat"]) == (2, 1, 0.5, 1.0)
    agent = rows_of(tables["csat_agent"], "agent_id")
    assert (agent["a1"]["responses"], agent["a2"]["handled"]) == (2, 2)
    interval = rows_of(tables["csat_interval"], "interval")
    assert (interval[0.0]["responses"], interval[0.0]["handled"]) == (3, 3)
    assert (interval[900.0]["responses"], interval[900.0]["handled"]) == (0, 1)
    assert pd.isna(interval[900.0]["csat"])  # no response: no CSAT, not 0


def test_the_report_shows_csat_and_writes_its_tables(tmp_path):
    path = build_report(write_parquet(surveyed_log(), tmp_path / "log.parquet"), tmp_path / "out")
    html = path.read_text()
    section = html.split("<h2>Customer satisfaction (post-chat survey)</h2>")[1].split("<h2>")[0]
    assert ACME_HR in section and "a2" in section and "response_rate" in section
    assert (tmp_path / "out" / "csat_agent.csv").read_text().startswith("agent_id,handled,")


def test_a_log_without_surveys_has_no_csat_section(tmp_path):
    frame = load(write_parquet(day_log(), tmp_path / "log.parquet"))
    assert csat_tables(frame, chat_facts(frame, 900)) == {}
    html = build_report(frame, tmp_path / "out").read_text()
    assert "Customer satisfaction" not in html
