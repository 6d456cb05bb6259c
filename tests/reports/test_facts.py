import numpy as np
import pandas as pd
import pytest

from reports.errors import SchemaMismatch
from reports.facts import chat_facts
from reports.log import events_to_frame
from reports.timeline import queue_length

from .logs import day_log


@pytest.fixture(scope="module")
def facts():
    return chat_facts(events_to_frame(day_log()), interval=3600).set_index("chat_id")


def test_one_row_per_chat_in_arrival_order(facts):
    assert facts.index.tolist() == ["c1", "c2", "c3", "c4", "c5", "c6", "c8", "c7"]


def test_waits_are_first_assignment_minus_arrival(facts):
    answered = facts[facts["answered"]]
    assert answered["wait"].to_dict() == {"c1": 0.0, "c2": 40.0, "c5": 25.0, "c8": 5.0}


def test_unanswered_waits_run_until_the_user_left_or_the_log_ended(facts):
    assert facts.loc[["c3", "c4", "c6", "c7"], "wait"].tolist() == [15.0, 300.0, 110.0, 10.0]
    assert facts["wait_censored"][lambda s: s].index.tolist() == ["c6", "c7"]


def test_cancellations_are_told_apart_by_whether_an_agent_held_the_chat(facts):
    assert facts["cancelled_waiting"][lambda s: s].index.tolist() == ["c3"]
    assert facts["cancelled_assigned"][lambda s: s].index.tolist() == ["c2"]


def test_timer_closes_are_counted_apart_from_cancellations(facts):
    assert facts["closed_no_agent"][lambda s: s].index.tolist() == ["c4"]
    assert facts["closed_inactive"][lambda s: s].index.tolist() == ["c5"]
    assert facts.loc["c4", "close_reason"] == "no_agent"


def test_moves_between_queues_and_agents_are_counted(facts):
    assert facts.loc["c2", ["transfers", "tickets", "agents"]].tolist() == [1, 1, 2]
    assert facts.loc["c4", "overflowed"] == 1
    assert facts.loc["c5", ["requeued", "agents"]].tolist() == [1, 2]
    assert facts.loc["c2", "first_agent"] == "a2"


def test_final_queue_follows_transfers_overflows_and_requeues(facts):
    final = facts["final_queue"].astype(str)
    assert final[["c1", "c2", "c4", "c5"]].tolist() == [
        "Acme/GENERAL",
        "Acme/HR",
        "Globex/AFTER",
        "Globex/GENERAL",
    ]
    assert facts.loc["c4", "queue"] == "Globex/GENERAL"


def test_handle_time_runs_from_first_assignment_to_close(facts):
    assert facts.loc[["c1", "c2", "c5"], "handle_time"].tolist() == [120.0, 100.0, 275.0]
    assert facts.loc["c8", "handle_time"] == 45.0 and facts.loc["c8", "handle_censored"]
    assert np.isnan(facts.loc["c3", "handle_time"])


def test_chats_without_a_close_are_open_at_the_end(facts):
    assert facts["open_at_end"][lambda s: s].index.tolist() == ["c6", "c8", "c7"]
    assert np.isnan(facts.loc["c6", "closed_at"])


def test_interval_is_arrival_time_floored(facts):
    assert facts.loc[["c6", "c7"], "interval"].tolist() == [0.0, 3600.0]


def test_a_log_without_chats_gives_empty_facts():
    facts = chat_facts(events_to_frame(day_log()[:3]))
    assert facts.empty and "wait" in facts.columns


def test_facts_refuse_a_frame_that_is_not_a_log():
    with pytest.raises(SchemaMismatch, match="event log"):
        chat_facts(pd.DataFrame({"at": [1.0]}))


def test_queue_length_is_time_weighted_per_interval():
    log = events_to_frame(day_log())
    length = queue_length(log, 3600).set_index("interval")
    # interval 0: c2 40 s + c3 15 s + c4 300 s + c5 25 s + c6 10 s + c2 again 10 s, c5 again
    # 20 s = 420 chat-seconds over 3590 s observed (10..3600); max 3 waiting (c2, c3, c4).
    assert length.loc[0.0, "mean_waiting"] == pytest.approx(420 / 3590)
    assert length.loc[0.0, "max_waiting"] == 3
    # interval 3600: c6 100 s, c8 5 s, c7 10 s over 100 s observed
    assert length.loc[3600.0, "mean_waiting"] == pytest.approx(115 / 100)
