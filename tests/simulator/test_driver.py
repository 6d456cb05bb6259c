"""The driver: service, patience, slowdown, transfers, tickets, manual accept and shifts.

Most tests replay fixed arrival times and use constant durations, so the expected event
times can be worked out by hand.
"""

from __future__ import annotations

from typing import Any

from bridge.engine.events import (
    ChatAssigned,
    ChatCancelled,
    ChatClosed,
    ChatRequeued,
    ChatTransferred,
    Event,
    TicketLinked,
    to_row,
)
from simulator.driver import Simulation
from simulator.scenario import Scenario

BASE: dict[str, Any] = {
    "name": "t",
    "horizon": 3600,
    "cooldown": 3600,
    "companies": [{"name": "A", "queues": [{"name": "GENERAL"}, {"name": "Tier2"}]}],
    "streams": [{"company": "A", "rate": 1}],
    "behaviour": {"handle_time": 100},
    "agents": [{"name": "g", "count": 1, "queues": ["GENERAL", "Tier2"]}],
}


def scenario(**changes: Any) -> Scenario:
    data = {**BASE, **changes}
    return Scenario.model_validate(data)


def run(s: Scenario, arrivals: list[float] | None = None, seed: int = 1) -> list[Event]:
    fixed = None if arrivals is None else [(t, 0) for t in arrivals]
    return Simulation(s, seed, arrivals=fixed).run().events


def of(events: list[Event], kind: type) -> list[Any]:
    return [e for e in events if type(e) is kind]


def closes(events: list[Event]) -> dict[str, float]:
    return {e.chat_id: e.at for e in of(events, ChatClosed)}


def test_an_agent_holding_two_chats_serves_each_at_the_second_level_rate():
    s = scenario(agents=[{"name": "g", "count": 1, "queues": ["GENERAL"], "capacity": 2,
                          "concurrency_rates": [1.0, 0.5]}])  # fmt: skip
    # c1 alone for 20 s (20 of 100 done), then both at half speed: c1's last 80 take 160 s
    # (ends at 180); c2 has 80 done by then and finishes its last 20 alone at full speed.
    assert closes(run(s, [0.0, 20.0])) == {"c1": 180.0, "c2": 200.0}


def test_without_slowdown_concurrent_chats_do_not_slow_each_other():
    s = scenario(agents=[{"name": "g", "count": 1, "queues": ["GENERAL"], "capacity": 2}])
    assert closes(run(s, [0.0, 20.0])) == {"c1": 100.0, "c2": 120.0}


def test_a_third_level_rate_applies_to_three_chats_and_the_last_rate_repeats():
    s = scenario(agents=[{"name": "g", "count": 1, "queues": ["GENERAL"], "capacity": 4,
                          "concurrency_rates": [1.0, 0.5, 0.25]}])  # fmt: skip
    # Four chats at once: each at 0.25 (the last rate repeats) -> all end at 400.
    assert set(closes(run(s, [0.0, 0.0, 0.0, 0.0])).values()) == {400.0}


def test_a_waiting_user_cancels_when_patience_runs_out():
    s = scenario(behaviour={"handle_time": 100, "patience": 50})
    events = run(s, [0.0, 1.0])
    (cancel,) = of(events, ChatCancelled)
    assert (cancel.chat_id, cancel.agent_id, cancel.at) == ("c2", None, 51.0)


def test_patience_never_cancels_a_chat_that_was_answered():
    s = scenario(behaviour={"handle_time": 100, "patience": 150})
    events = run(s, [0.0, 1.0])
    assert of(events, ChatCancelled) == []
    assert closes(events) == {"c1": 100.0, "c2": 200.0}


def test_a_user_may_cancel_after_an_agent_joined_and_the_agent_then_closes():
    s = scenario(behaviour={"handle_time": 100, "cancel_after_assign": 1.0})
    events = run(s, [0.0])
    (cancel,) = of(events, ChatCancelled)
    (closed,) = of(events, ChatClosed)
    assert cancel.agent_id == "g-001" and closed.reason == "ended"
    assert 0 < cancel.at == closed.at < 100


def test_transfers_and_tickets_follow_their_probabilities():
    s = scenario(behaviour={
        "handle_time": 100,
        "transfer": {"probability": 1.0, "to_queue": "Tier2", "handle_time": 50},
        "tickets": {"incident": 1.0},
    })  # fmt: skip
    events = run(s, [0.0, 1000.0])
    transfers = of(events, ChatTransferred)
    assert [(t.chat_id, t.to_queue, t.at) for t in transfers] == [
        ("c1", "A/Tier2", 100.0), ("c2", "A/Tier2", 1100.0)]  # fmt: skip
    assert closes(events) == {"c1": 150.0, "c2": 1150.0}  # the second leg's 50 s
    assert [(t.chat_id, t.kind, t.at) for t in of(events, TicketLinked)] == [
        ("c1", "incident", 150.0), ("c2", "incident", 1150.0)]  # fmt: skip


def test_manual_accept_waits_for_the_agents_pickup_delay():
    s = scenario(routing={"accept": "manual"},
                 agents=[{"name": "g", "count": 2, "queues": ["GENERAL"], "capacity": 1,
                          "pickup_delay": 30}])  # fmt: skip
    events = run(s, [0.0, 5.0, 10.0])
    assigned = of(events, ChatAssigned)
    assert [(a.chat_id, a.how, a.waited) for a in assigned] == [
        ("c1", "manual", 30.0),
        ("c2", "manual", 30.0),
        ("c3", "manual", 150.0),
    ]
    # c3 (at 10) found both agents busy: picked up 30 s after c1 ended at 130.


def test_an_agent_whose_shift_ends_finishes_its_chats_and_takes_no_new_ones():
    s = scenario(
        horizon=7200,
        routing={"agent_gone_grace": 10},
        streams=[{"company": "A", "rate": 60}],
        behaviour={"handle_time": {"dist": "exponential", "mean": 300}},
        agents=[
            {"name": "early", "count": 2, "queues": ["GENERAL"], "capacity": 2,
             "shift": {"start": 0, "end": 3600}},
            {"name": "late", "count": 3, "queues": ["GENERAL"], "capacity": 2,
             "shift": {"start": 3600}},
        ],
    )  # fmt: skip
    events = run(s, seed=4)
    assert of(events, ChatRequeued) == []  # wound down: nothing left for the grace timer
    late_early = [a for a in of(events, ChatAssigned)
                  if a.agent_id.startswith("early") and a.at > 3600]  # fmt: skip
    assert late_early == []
    opened = {e.chat_id for e in events if type(e).__name__ == "ChatOpened"}
    assert set(closes(events)) == opened  # no chat stranded


def test_the_same_seed_gives_the_same_log_and_another_seed_a_different_one():
    s = scenario(streams=[{"company": "A", "rate": 40}],
                 behaviour={"handle_time": {"dist": "lognormal", "mean": 200, "sd": 100},
                            "patience": {"dist": "exponential", "mean": 60}})  # fmt: skip
    first = [to_row(e) for e in run(s, seed=5)]
    assert first == [to_row(e) for e in run(s, seed=5)]
    assert first != [to_row(e) for e in run(s, seed=6)]


def test_max_wait_without_overflow_closes_the_chat_exactly_on_time():
    s = scenario(
        companies=[{"name": "A", "queues": [{"name": "GENERAL", "max_wait": 60},
                                            {"name": "Tier2"}]}],
        agents=[{"name": "g", "count": 1, "queues": ["Tier2"]}],
    )  # fmt: skip
    events = run(s, [0.0, 30.0])
    assert [(e.chat_id, e.reason, e.at) for e in of(events, ChatClosed)] == [
        ("c1", "no_agent", 60.0), ("c2", "no_agent", 90.0)]  # fmt: skip


def test_max_wait_overflow_moves_the_chat_to_a_queue_with_a_free_agent():
    s = scenario(
        companies=[{"name": "A", "queues": [
            {"name": "GENERAL", "max_wait": 60, "max_wait_overflow": "Tier2"},
            {"name": "Tier2"}]}],
        agents=[{"name": "g", "count": 1, "queues": ["Tier2"]}],
    )  # fmt: skip
    events = run(s, [0.0])
    (assigned,) = of(events, ChatAssigned)
    assert (assigned.at, assigned.waited) == (60.0, 0.0)  # waited 0 in its new queue
    assert closes(events) == {"c1": 160.0}


def test_the_same_seed_brings_the_same_chats_whatever_the_staffing():
    busy = {"handle_time": {"dist": "lognormal", "mean": 400, "sd": 200},
            "patience": {"dist": "exponential", "mean": 120}}  # fmt: skip
    runs = []
    for agents in (1, 3):
        s = scenario(streams=[{"company": "A", "rate": 30}], behaviour=busy,
                     agents=[{"name": "g", "count": agents, "queues": ["GENERAL"]}])  # fmt: skip
        runs.append([(e.at, e.customer_id, e.question) for e in run(s, seed=8)
                     if type(e).__name__ == "ChatOpened"])  # fmt: skip
    assert runs[0] == runs[1] and len(runs[0]) > 20
