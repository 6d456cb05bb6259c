"""The report's Supervision table counts every supervisor action, per supervisor."""

from __future__ import annotations

from bridge.engine.events import (
    AgentSignedIn,
    ChatAssigned,
    ChatTransferred,
    SupervisorJoined,
    SupervisorMonitored,
    SupervisorReassigned,
    SupervisorTookOver,
    SupervisorWhispered,
)
from reports.log import load, write_parquet
from reports.report import build_report
from reports.supervision import COLUMNS, supervision_table

from .logs import ACME, ROLES, day_log, opened

SUPERVISOR = (["IT Agent", "Supervisor"], ROLES[1])


def supervised_log() -> list:
    """Sue reads c1 and c2, whispers twice and barges into c1, then takes c2 over; Tom
    reassigns c3 (waiting) to another queue."""
    return [
        AgentSignedIn(0, "a1", "Ann", "Lee", [ACME], *ROLES),
        AgentSignedIn(0, "sue", "Sue", "Storm", [ACME], *SUPERVISOR),
        AgentSignedIn(0, "tom", "Tom", "Tam", [ACME], *SUPERVISOR),
        opened(10, "c1"),
        ChatAssigned(10, "c1", "a1", 0.0),
        opened(20, "c2"),
        ChatAssigned(20, "c2", "a1", 0.0),
        opened(30, "c3"),
        SupervisorMonitored(40, "c1", "sue"),
        SupervisorMonitored(41, "c2", "sue"),
        SupervisorWhispered(42, "c1", 2, "sue", "a1", "tag?"),
        SupervisorWhispered(43, "c1", 3, "sue", "a1", "now"),
        SupervisorJoined(44, "c1", "sue", "a1"),
        SupervisorTookOver(50, "c2", "sue", "a1"),
        ChatTransferred(50, "c2", "a1", "sue", None, "taken over"),
        ChatAssigned(50, "c2", "sue", 0.0, "takeover"),
        SupervisorReassigned(60, "c3", "tom", None, None, "Acme/HR", ""),
    ]


def test_each_supervisor_gets_a_row_with_a_count_per_action(tmp_path):
    frame = load(write_parquet(supervised_log(), tmp_path / "log.parquet"))
    table = supervision_table(frame)
    assert list(table.columns) == COLUMNS
    rows = {r["supervisor"]: r for r in table.to_dict("records")}
    assert rows["sue"] == {
        "supervisor": "sue",
        "chats": 2,
        "monitored": 2,
        "whispers": 2,
        "barge_ins": 1,
        "take_overs": 1,
        "reassigns": 0,
        "actions": 6,
    }
    assert (rows["tom"]["reassigns"], rows["tom"]["actions"], rows["tom"]["chats"]) == (1, 1, 1)


def test_a_log_without_supervision_has_no_table_and_no_section(tmp_path):
    frame = load(write_parquet(day_log(), tmp_path / "log.parquet"))
    assert supervision_table(frame).empty
    html = build_report(frame, tmp_path / "out").read_text()
    assert "<h2>Supervision</h2>" not in html


def test_the_report_shows_the_supervision_section_and_writes_its_csv(tmp_path):
    path = build_report(write_parquet(supervised_log(), tmp_path / "log.parquet"), tmp_path / "out")
    html = path.read_text()
    assert "<h2>Supervision</h2>" in html
    section = html.split("<h2>Supervision</h2>")[1].split("<h2>")[0]
    assert "sue" in section and "tom" in section
    assert (tmp_path / "out" / "supervision.csv").read_text().startswith("supervisor,chats,")
