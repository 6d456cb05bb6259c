"""The routing model's tables: KPIs per priority, skill set and contact, presence time by state
(shrinkage), offers and wrap-up — on a hand-made log and on the shipped skilled-desk run."""

from __future__ import annotations

import pandas as pd
import pytest

from bridge.engine import events as ev
from reports.cli import main
from reports.facts import chat_facts
from reports.log import events_to_frame, write_parquet
from reports.routing import presence_time, routing_tables, uses_routing_model, with_routing
from simulator.cli import main as sim_main

ROLES, PERMS = ["IT Agent"], ["ESChat_Agent"]
Q = "Acme/GENERAL"


def routed_log() -> list[ev.Event]:
    """c1 VIP answered at once; c2 needs network 4, declined once, times out once, answered at
    60 s; c3 abandons at 40 s; c4 retries c3 and is answered after 10 s. a1 takes a break."""
    opened = ev.ChatOpened
    return [
        ev.AgentSignedIn(0, "a1", "A", "L", [Q], ROLES, PERMS, None, True, {"network": 5}),
        opened(1, "c1", "virtual_agent", "Acme", Q, "u1", "", None, 3),
        ev.ChatAssigned(1, "c1", "a1", 0.0),
        opened(2, "c2", "self_service", "Acme", Q, "u2", "", None, 0, None, None, {"network": 4}),
        ev.ChatOffered(2, "c2", "a1", 22.0),
        ev.OfferEnded(5, "c2", "a1", "declined", "Busy with another task"),
        ev.ChatOffered(5, "c2", "a1", 25.0),
        ev.OfferEnded(25, "c2", "a1", "timed_out"),
        opened(30, "c3", "self_service", "Acme", Q, "u3"),
        ev.ChatCancelled(70, "c3", None),
        ev.ChatClosed(70, "c3", None, "cancelled"),
        ev.ChatClosed(61, "c1", "a1", "ended"),
        ev.WrapUpStarted(61, "c1", "a1", 121.0),
        ev.WrapUpEnded(91, "c1", "a1", "ready"),
        ev.ChatAssigned(62, "c2", "a1", 60.0, "manual"),
        ev.AgentAvailabilityChanged(100, "a1", False, 1, "Break"),
        opened(110, "c4", "self_service", "Acme", Q, "u3", "", None, 0, None, "c3"),
        ev.AgentAvailabilityChanged(200, "a1", True, 1),
        ev.ChatAssigned(120, "c4", "a1", 10.0, "manual"),
        ev.ChatClosed(250, "c2", "a1", "ended"),
        ev.ChatClosed(260, "c4", "a1", "ended"),
        ev.AgentSignedOut(300, "a1"),
    ]


@pytest.fixture
def log() -> pd.DataFrame:
    events = sorted(routed_log(), key=lambda e: e.at)
    return events_to_frame(events)


def test_per_chat_routing_facts_come_from_the_log(log):
    facts = with_routing(chat_facts(log), log).set_index("chat_id")
    assert facts["priority"].to_dict() == {"c1": 3, "c2": 0, "c3": 0, "c4": 0}
    assert facts.loc["c2", "skills"] == "network 4" and facts.loc["c1", "skills"] == "(none)"
    assert list(facts["contact"].astype(str)) == ["first", "first", "first", "retrial"]
    assert (facts.loc["c2", "offers_declined"], facts.loc["c2", "offers_timed_out"]) == (1, 1)
    assert facts.loc["c1", "wrap_up"] == pytest.approx(30.0)
    assert pd.isna(facts.loc["c2", "wrap_up"])


def test_presence_time_splits_signed_in_time_by_state(log):
    table = presence_time(log, end=400.0).set_index("state")
    assert table["seconds"].to_dict() == pytest.approx({"Available": 200.0, "Break": 100.0})
    assert table.loc["Break", "share"] == pytest.approx(1 / 3)
    assert table.loc["Break", "shrinkage"] and not table.loc["Available", "shrinkage"]


def test_kpis_per_priority_skill_and_contact_and_the_offer_and_wrap_up_tables(log):
    assert uses_routing_model(log)
    facts = with_routing(chat_facts(log), log)
    tables = routing_tables(log, facts, target=30.0, end=400.0)
    by_priority = tables["kpis_priority"].set_index("priority")
    assert by_priority.loc[3, "service_level"] == 1.0 and by_priority.loc[0, "volume"] == 3
    contact = tables["kpis_contact"].set_index("contact")
    assert (contact.loc["retrial", "volume"], contact.loc["retrial", "service_level"]) == (1, 1.0)
    assert contact.loc["first", "abandonment"] == pytest.approx(1 / 3)
    skills = tables["kpis_skills"].set_index("skills")
    assert skills.loc["network 4", "wait_mean"] == 60.0
    offers = tables["offers"].set_index("outcome")
    assert offers.loc["declined", "reason"] == "Busy with another task"
    assert offers.loc["timed_out", "offers"] == 1 and offers.loc["accepted", "offers"] == 0
    assert tables["wrap_up"].loc[0, "wrap_mean"] == pytest.approx(30.0)


def test_a_plain_log_shows_no_routing_tables(tmp_path):
    plain = [
        ev.ChatOpened(1, "c1", "self_service", "Acme", Q, "u1"),
        ev.AgentAvailabilityChanged(2, "a1", True, 2),
    ]
    assert not uses_routing_model(events_to_frame(plain))


def test_the_skilled_desk_scenario_reports_its_routing_tables(tmp_path):
    """The shipped scenario as a planner runs it: simulate, then build the report."""
    out = tmp_path / "run"
    assert sim_main(["run", "skilled-desk", "--out", str(out), "--seed", "13"]) == 0
    report = tmp_path / "report"
    assert main(["build", str(out / "events.parquet"), "--out", str(report)]) == 0
    html = (report / "report.html").read_text()
    for heading in ("By priority", "By skills needed", "First contact and retrial",
                    "Presence time by state", "Offers", "Wrap-up"):  # fmt: skip
        assert heading in html
    presence = pd.read_csv(report / "presence_time.csv").set_index("state")
    assert presence.loc["Lunch", "seconds"] > 0 and presence.loc["Break", "seconds"] > 0
    assert set(pd.read_csv(report / "kpis_priority.csv")["priority"]) >= {0, 1, 3}
    contact = pd.read_csv(report / "kpis_contact.csv").set_index("contact")
    assert contact.loc["retrial", "volume"] > 0


def test_writing_and_loading_keeps_the_routing_fields(tmp_path, log):
    path = write_parquet(log, tmp_path / "routed.parquet")
    from reports.log import load

    again = load(path)
    facts = with_routing(chat_facts(again), again)
    assert list(facts["contact"].astype(str)) == ["first", "first", "first", "retrial"]
