import numpy as np
import pandas as pd
import pytest

from reports.agents import agent_interval_facts
from reports.facts import chat_facts
from reports.log import events_to_frame
from reports.metrics import KPI_COLUMNS, ewt_accuracy, kpis, occupancy_table

from .logs import day_log, estimate_log


@pytest.fixture(scope="module")
def log():
    return events_to_frame(day_log())


def test_overall_kpis_match_the_hand_count(log):
    row = kpis(log, by=(), target=30, interval=3600).iloc[0]
    counts = {c: int(row[c]) for c in KPI_COLUMNS[:12]}
    assert counts == {
        "volume": 8, "served": 4, "cancelled_waiting": 1, "cancelled_assigned": 1,
        "no_agent": 1, "inactive": 1, "open_at_end": 3, "overflowed": 1, "requeued": 1,
        "transferred": 1, "sl_eligible": 7, "sl_met": 3,
    }  # fmt: skip
    assert row["service_level"] == pytest.approx(3 / 7)
    assert row["abandonment"] == pytest.approx(1 / 8)
    assert row["wait_mean"] == pytest.approx(17.5)
    assert row[["wait_p50", "wait_p90", "wait_p95"]].tolist() == pytest.approx([15, 35.5, 37.75])
    assert row["handle_mean"] == pytest.approx(165.0)  # c1 120, c2 100, c5 275; c8 still open
    assert row["transfer_rate"] == row["tickets_per_chat"] == pytest.approx(0.25)
    assert row["occupancy"] == pytest.approx(510 / 7700)


def test_kpis_per_company_split_the_service_level(log):
    table = kpis(log, by=("company",), target=30).set_index("company")
    assert table["volume"].to_dict() == {"Acme": 6, "Globex": 2}
    assert table["service_level"].to_dict() == pytest.approx({"Acme": 2 / 5, "Globex": 1 / 2})
    assert table["occupancy"].isna().all()  # agents serve several queues: not separable


def test_kpis_per_queue_use_the_arrival_queue(log):
    table = kpis(log, target=30)
    assert table[["company", "queue", "volume"]].astype(str).values.tolist() == [
        ["Acme", "Acme/GENERAL", "5"],
        ["Acme", "Acme/HR", "1"],
        ["Globex", "Globex/GENERAL", "2"],
    ]


def test_kpis_per_source_and_a_stricter_target(log):
    table = kpis(log, by=("source",), target=10).set_index("source")
    assert table["volume"].to_dict() == {"self_service": 6, "virtual_agent": 2}
    assert table.loc["virtual_agent", "service_level"] == pytest.approx(1 / 2)  # c8 in 5 s
    assert table.loc["self_service", "service_level"] == pytest.approx(1 / 5)  # c1 only


def test_kpis_per_interval_carry_interval_occupancy(log):
    table = kpis(log, by=("interval",), target=30, interval=3600).set_index("interval")
    assert table["volume"].to_dict() == {0.0: 6, 3600.0: 2}
    assert table.loc[3600.0, "sl_eligible"] == 1  # c7 undecided, c8 answered in 5 s
    # a1 has 2 slots for 3600 s and a2 1 slot for 300 s; busy 350 + 115 chat-seconds
    assert table.loc[0.0, "occupancy"] == pytest.approx(465 / 7500)
    assert table.loc[3600.0, "occupancy"] == pytest.approx(45 / 200)


def test_kpis_accept_facts_as_well_as_logs(log):
    facts = chat_facts(log)
    from_facts = kpis(facts, by=(), target=30)
    assert from_facts["service_level"].iloc[0] == pytest.approx(3 / 7)
    assert np.isnan(from_facts["occupancy"].iloc[0])  # facts alone carry no agent time


def test_agent_facts_measure_slots_and_busy_time(log):
    agents = agent_interval_facts(log, interval=3600)
    totals = occupancy_table(agents, ("agent_id",)).set_index("agent_id")
    assert totals.loc["a1", ["capacity_s", "busy_s", "any_busy_s"]].tolist() == [7400, 395, 375]
    assert totals.loc["a2", ["logged_in_s", "capacity_s", "busy_s", "chats"]].tolist() == [
        300,
        300,
        115,
        2,
    ]
    assert totals.loc["a1", "busy_share"] == pytest.approx(375 / 3700)
    groups = occupancy_table(agents, ("group",))
    assert set(groups["group"]) == {"Acme/GENERAL", "Acme/GENERAL, Globex/GENERAL"}


def test_unavailable_or_disconnected_time_is_no_capacity():
    from bridge.engine.events import (
        AgentAvailabilityChanged,
        AgentConnectionChanged,
        AgentSignedIn,
        MessagePosted,
    )

    roles = (["IT Agent"], ["ESChat_Agent"])
    events = [
        AgentSignedIn(0, "a1", "A", "B", ["Q/X"], *roles),  # available, default capacity 1
        AgentAvailabilityChanged(100, "a1", False, 3),
        AgentSignedIn(150, "a1", "A", "B", ["Q/X", "Q/Y"], *roles),  # profile update only
        AgentAvailabilityChanged(200, "a1", True, 3),
        AgentConnectionChanged(250, "a1", False),
        AgentConnectionChanged(270, "a1", True),
        MessagePosted(300, "c0", 1, "user", None, "end of log"),
    ]
    row = agent_interval_facts(events_to_frame(events), interval=1000).iloc[0]
    assert row[["logged_in_s", "available_s", "capacity_s"]].tolist() == [300, 180, 100 + 240]
    assert row["group"] == "Q/X, Q/Y"


def test_ewt_accuracy_scores_answered_chats_and_counts_the_rest():
    table = ewt_accuracy(events_to_frame(estimate_log())).set_index(["estimator", "queue"])
    row = table.loc[("recent_history", "(all)")]
    assert row[["n", "no_estimate", "unanswered"]].tolist() == [3, 0, 1]
    assert row["mae"] == pytest.approx((50 + 60 + 25) / 3)
    assert row["bias"] == pytest.approx((-50 + 60 + 25) / 3)
    assert row["within"] == pytest.approx(2 / 3)


def test_ewt_accuracy_per_queue_and_estimator_on_the_day_log(log):
    table = ewt_accuracy(log).set_index(["estimator", "queue"])
    rh = table.loc[("recent_history", "(all)")]
    assert rh[["n", "unanswered", "mae", "bias", "within"]].tolist() == [2, 2, 7.5, -7.5, 1.0]
    qs = table.loc[("queue_state", "(all)")]
    assert qs[["n", "no_estimate", "unanswered", "bias"]].tolist() == [1, 1, 2, 20.0]
    assert table.loc[("recent_history", "Globex/GENERAL"), "bias"] == -5.0


def test_ewt_accuracy_without_estimates_is_an_empty_table():
    log = events_to_frame([e for e in day_log() if type(e).__name__ != "WaitEstimated"])
    assert ewt_accuracy(log).empty


def test_kpis_of_an_empty_log_are_empty_not_an_error():
    assert kpis(events_to_frame(day_log()[:3]), by=()).empty
    assert isinstance(kpis(events_to_frame(day_log()[:3])), pd.DataFrame)
