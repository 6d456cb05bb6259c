"""The real desk's routing model: skills with levels and relaxation, priorities and ageing,
presence states, wrap-up, offers that are declined or time out, weights, and retrials."""

from __future__ import annotations

import pytest

from bridge.engine import EngineConfig, QueueConfig
from bridge.engine import errors as err
from bridge.engine.config import ContextRule, OfferRules, RelaxStep
from bridge.engine.events import (
    AgentAvailabilityChanged,
    ChatAssigned,
    ChatOffered,
    ChatOpened,
    ChatRelaxed,
    OfferEnded,
    WaitEstimated,
    WrapUpEnded,
    WrapUpStarted,
)

from .support import ACME, PERMISSIONS, ROLES, VIP, Rig, check_invariants, of_type, refused

NET = "Acme/Network"


def desk(**config: object) -> Rig:
    queues = config.pop("queues", {})
    return Rig(EngineConfig(queues={ACME: QueueConfig(), VIP: QueueConfig(), **queues}, **config))


def sign(r: Rig, agent_id: str, skills: dict[str, int] | None = None, queues=(ACME,), cap=1):
    r.engine.sign_in(agent_id, "A", agent_id, list(queues), ROLES, PERMISSIONS, skills=skills)
    if cap != 1:
        r.engine.set_availability(agent_id, True, cap)


def network_desk(**config: object) -> Rig:
    steps = (RelaxStep(60.0, 2), RelaxStep(120.0, None))
    rules = QueueConfig(skills=(("network", 4),), relax=steps)
    return desk(queues={NET: rules}, **config)


# --- skills ---------------------------------------------------------------------------------


def test_a_chat_needing_a_skill_reaches_the_one_agent_who_has_it():
    r = network_desk()
    sign(r, "novice", {"network": 1}, (NET,))
    sign(r, "expert", {"network": 5}, (NET,))
    r.chat("c1", "Network")
    assert r.engine.my_chats("expert") == ["c1"] and r.engine.my_chats("novice") == []
    check_invariants(r.engine)


def test_the_best_level_goes_first_then_the_routing_policy():
    r = desk(queues={NET: QueueConfig(skills=(("network", 2),))})
    sign(r, "good", {"network": 3}, (NET,))
    sign(r, "best", {"network": 5}, (NET,))
    sign(r, "best2", {"network": 5}, (NET,))
    r.chat("c1", "Network")
    r.chat("c2", "Network")
    r.chat("c3", "Network")
    # best and best2 tie on level: the longest idle of them first; "good" gets the third.
    assert [r.engine.my_chats(a) for a in ("best", "best2", "good")] == [["c1"], ["c2"], ["c3"]]


def test_without_level_preference_the_policy_alone_picks_among_the_qualified():
    r = desk(queues={NET: QueueConfig(skills=(("network", 2),))}, prefer_skill_level=False)
    sign(r, "good", {"network": 3}, (NET,))
    sign(r, "best", {"network": 5}, (NET,))
    r.chat("c1", "Network")
    assert r.engine.my_chats("good") == ["c1"]


def test_requirements_relax_in_steps_while_the_chat_waits():
    r = network_desk()
    sign(r, "mid", {"network": 2}, (NET,))
    sign(r, "none", None, (NET,))
    r.chat("c1", "Network")
    assert r.engine.next_deadline() == 60.0
    r.at(60.0)
    events = r.engine.advance()
    assert [(e.step, e.level) for e in of_type(events, ChatRelaxed)] == [(1, 2)]
    assert r.engine.my_chats("mid") == ["c1"]
    r.chat("c2", "Network")  # at 60: its steps come at 120 and 180
    r.at(120.0)
    assert [e.chat_id for e in of_type(r.engine.advance(), ChatRelaxed)] == ["c2"]
    assert r.engine.my_chats("none") == []  # level 2 now, and "mid" is busy
    r.at(180.0)
    r.engine.advance()
    assert r.engine.my_chats("none") == ["c2"]  # after its second step, any agent of the queue
    check_invariants(r.engine)


def test_an_accept_before_the_relaxation_step_leaves_the_timer_stale():
    r = network_desk(auto_accept=False)
    sign(r, "expert", {"network": 4}, (NET,))
    r.chat("c1", "Network")
    r.at(30.0)
    r.engine.accept("c1", "expert")
    r.at(60.0)
    assert r.engine.advance() == [] and r.engine.next_deadline() is None


def test_a_relaxation_racing_a_transfer_applies_to_the_new_stint_only():
    r = network_desk()
    sign(r, "expert", {"network": 4}, (NET, ACME))
    sign(r, "generalist", None, (NET,))
    r.chat("c1", "Network")
    r.at(50.0)
    r.engine.set_presence("expert", "Meeting")  # keeps c1, gets nothing back
    r.engine.transfer("c1", "expert", to_queue="Network")  # waits afresh from 50
    r.at(60.0)
    assert of_type(r.engine.advance(), ChatRelaxed) == []
    r.at(170.0)
    r.engine.advance()
    assert r.engine.my_chats("generalist") == ["c1"]
    check_invariants(r.engine)


def test_manual_accept_without_the_skill_is_refused_and_changes_nothing():
    r = network_desk(auto_accept=False)
    sign(r, "novice", {"network": 1}, (NET,))
    r.chat("c1", "Network")
    refused(r, err.SkillsMissing, r.engine.accept, "c1", "novice")
    r.at(120.0)
    r.engine.advance()
    assert of_type(r.engine.accept("c1", "novice"), ChatAssigned)


def test_the_handoff_and_its_context_add_skills_and_priority():
    rules = (ContextRule("language", "de", (("german", 3),)), ContextRule("vip", "true", (), 5))
    r = desk(context_rules=rules, source_priority={"virtual_agent": 1})
    sign(r, "fr", {"french": 5})
    sign(r, "de", {"german": 3})
    out = r.chat("c1", detail={"language": "DE", "vip": True}, source="virtual_agent")
    opened = of_type(out, ChatOpened)[0]
    assert (opened.priority, opened.skills) == (5, {"german": 3})
    assert r.engine.my_chats("de") == ["c1"]
    out = r.chat("c2", skills={"french": 4}, priority=2)
    assert r.engine.my_chats("fr") == ["c2"] and of_type(out, ChatOpened)[0].priority == 2


@pytest.mark.parametrize(
    "asks", [{"skills": {"x": 11}}, {"skills": {"": 1}}, {"priority": "high"}, {"priority": True}]
)
def test_a_handoff_with_unreadable_asks_is_refused_and_changes_nothing(asks):
    r = desk()
    refused(r, err.InvalidCommand, r.chat, "c1", **asks)


def test_full_overlap_of_skills_routes_exactly_as_the_plain_queue():
    """Every agent holds the queue's one skill: the same assignments, in the same order."""

    def run(skills: bool) -> list[tuple[str, str, float]]:
        rules = QueueConfig(skills=(("it", 1),)) if skills else QueueConfig()
        r = desk(queues={NET: rules}, prefer_skill_level=True)
        for n in range(3):
            sign(r, f"a{n}", {"it": 3} if skills else None, (NET,), cap=2)
        for n in range(12):
            r.at(float(n))
            r.chat(f"c{n}", "Network")
            if n % 3 == 2:
                agent = sorted(r.engine.my_chats(f"a{n % 3}"))[0]
                r.engine.end(agent, f"a{n % 3}")
        return [(e.chat_id, e.agent_id, e.at) for e in of_type(r.log, ChatAssigned)]

    assert run(skills=True) == run(skills=False)


# --- priorities -----------------------------------------------------------------------------


def test_a_vip_chat_overtakes_and_position_and_estimate_say_so():
    r = desk(queues={VIP: QueueConfig(priority=5)})
    sign(r, "a1", queues=(ACME, VIP))
    r.chat("c0")
    r.chat("c1")
    r.chat("c2")
    out = r.chat("v1", "VIP")
    assert of_type(out, WaitEstimated)[0].position == 1
    assert r.engine.queue_list("a1") == ["v1", "c1", "c2"]
    r.engine.end("c0", "a1")
    assert r.engine.my_chats("a1") == ["v1"]
    assert [r.engine.position(c) for c in ("c1", "c2")] == [1, 2]


def test_priorities_within_one_queue_are_served_highest_first_then_fifo():
    r = desk()
    sign(r, "a1")
    r.chat("busy")
    for n, p in enumerate([0, 2, 0, 2, 1]):
        r.chat(f"c{n}", priority=p)
    assert r.engine.queue_list("a1") == ["c1", "c3", "c4", "c0", "c2"]
    assert [r.engine.position(c) for c in ("c1", "c3", "c4", "c0", "c2")] == [1, 2, 3, 4, 5]
    check_invariants(r.engine)


def test_ageing_lets_a_long_waiting_low_priority_chat_go_first():
    r = desk(priority_ageing=60.0)  # one level is worth a minute of waiting
    sign(r, "a1")
    r.chat("busy")
    r.chat("low")  # at 0
    r.at(90.0)
    r.chat("high", priority=1)  # ranks as if it came at 30: after "low"
    r.at(100.0)
    r.chat("higher", priority=2)  # ranks as if at -20: first
    assert r.engine.queue_list("a1") == ["higher", "low", "high"]
    r.engine.end("busy", "a1")
    assert r.engine.my_chats("a1") == ["higher"]


# --- presence states ------------------------------------------------------------------------


def test_break_stops_offers_and_available_brings_them_back():
    r = desk()
    sign(r, "a1")
    r.at(10.0)
    r.engine.set_presence("a1", "Break")
    r.chat("c1")
    assert r.engine.my_chats("a1") == [] and r.engine.presence("a1")["status"] == "Break"
    assert r.engine.presence("a1")["status_since"] == 10.0
    r.engine.set_availability("a1", False)  # unavailable keeps the reason chosen
    assert r.engine.presence("a1")["status"] == "Break"
    r.at(70.0)
    out = r.engine.set_presence("a1", "Available")
    assert of_type(out, ChatAssigned) and r.engine.presence("a1")["status_since"] == 70.0
    assert r.engine.agents_by_status()["Available"] == 1


def test_an_unknown_presence_state_is_refused_and_changes_nothing():
    r = desk()
    sign(r, "a1")
    refused(r, err.InvalidCommand, r.engine.set_presence, "a1", "Gone fishing")


def test_presence_states_must_include_available_and_away():
    with pytest.raises(ValueError, match="Available"):
        EngineConfig(presence_states=("Break", "Away")).check()


# --- wrap-up ------------------------------------------------------------------------------


def wrap_desk(**config: object) -> Rig:
    return desk(queues={ACME: QueueConfig(wrap_up=60.0)}, **config)


def test_wrap_up_holds_the_slot_until_ready():
    r = wrap_desk()
    sign(r, "a1")
    r.chat("c1")
    r.chat("c2")
    r.at(30.0)
    out = r.engine.end("c1", "a1")
    assert [(e.chat_id, e.until) for e in of_type(out, WrapUpStarted)] == [("c1", 90.0)]
    assert r.engine.my_chats("a1") == [] and r.engine.free_slots("a1") == 0
    check_invariants(r.engine)
    r.at(45.0)
    out = r.engine.ready("a1")
    assert of_type(out, WrapUpEnded)[0].how == "ready" and r.engine.my_chats("a1") == ["c2"]
    r.at(90.0)
    assert r.engine.advance() == []  # the stale wrap-up timer does nothing


def test_wrap_up_ends_by_itself_at_the_configured_time():
    r = wrap_desk()
    sign(r, "a1")
    r.chat("c1")
    r.chat("c2")
    r.engine.end("c1", "a1")
    r.at(60.0)
    out = r.engine.advance()
    assert [e.how for e in of_type(out, WrapUpEnded)] == ["timeout"]
    assert r.engine.my_chats("a1") == ["c2"]


def test_wrap_up_racing_sign_out_ends_with_the_sign_out():
    r = wrap_desk()
    sign(r, "a1")
    r.chat("c1")
    r.engine.end("c1", "a1")
    out = r.engine.sign_out("a1")
    assert [e.how for e in of_type(out, WrapUpEnded)] == ["signed_out"]
    r.at(60.0)
    assert r.engine.advance() == []
    check_invariants(r.engine)


def test_ready_without_a_wrap_up_is_refused_and_changes_nothing():
    r = wrap_desk()
    sign(r, "a1")
    refused(r, err.WrongState, r.engine.ready, "a1")
    r.chat("c1")
    r.engine.end("c1", "a1")
    refused(r, err.WrongState, r.engine.ready, "a1", "c9")


# --- offers -------------------------------------------------------------------------------


def offer_desk(**config: object) -> Rig:
    return desk(offers=OfferRules(timeout=20.0, max_missed=2), **config)


def test_a_declined_offer_goes_to_the_next_agent_without_losing_its_place():
    r = offer_desk()
    sign(r, "a1")
    sign(r, "a2")
    r.engine.set_presence("a2", "Break")
    out = r.chat("c1")
    assert [(e.agent_id, e.until) for e in of_type(out, ChatOffered)] == [("a1", 20.0)]
    r.chat("c2")
    assert r.engine.position("c1") == 1 and r.engine.queue_list("a1") == ["c1", "c2"]
    r.engine.set_presence("a2", "Available")  # c2 goes to a2: c1 is held for a1
    out = r.engine.decline_offer("c1", "a1", "Busy with another task")
    ended = of_type(out, OfferEnded)[0]
    assert (ended.outcome, ended.reason) == ("declined", "Busy with another task")
    # a2 holds an offer of c2; a1 does not get c1 back; c1 keeps its place at the front.
    assert r.engine.position("c1") == 1
    check_invariants(r.engine)
    r.engine.accept_offer("c2", "a2")
    r.engine.end("c2", "a2")
    assert r.engine.chat_view("c1").offered_to == "a2"


def test_an_offer_that_times_out_moves_on_and_repeated_timeouts_set_the_agent_away():
    r = offer_desk()
    sign(r, "a1")
    r.chat("c1")
    r.at(20.0)
    out = r.engine.advance()
    assert [e.outcome for e in of_type(out, OfferEnded)] == ["timed_out"]
    r.chat("c2")
    assert r.engine.chat_view("c2").offered_to == "a1"
    r.at(40.0)
    out = r.engine.advance()
    changed = of_type(out, AgentAvailabilityChanged)
    assert [(e.available, e.status) for e in changed] == [(False, "Away")]
    assert r.engine.presence("a1")["status"] == "Away"
    check_invariants(r.engine)


def test_accepting_an_offer_assigns_the_chat_and_others_may_not_take_it():
    r = offer_desk(auto_accept=True)
    sign(r, "a1")
    sign(r, "a2")
    r.engine.set_presence("a2", "Break")
    r.chat("c1")
    r.engine.set_presence("a2", "Available")
    refused(r, err.ChatNotQueued, r.engine.accept, "c1", "a2")
    refused(r, err.NoOffer, r.engine.accept_offer, "c1", "a2")
    refused(r, err.InvalidCommand, r.engine.decline_offer, "c1", "a1", "Because")
    out = r.engine.accept_offer("c1", "a1")
    assert of_type(out, ChatAssigned)[0].how == "offer"
    check_invariants(r.engine)


def test_a_user_cancelling_an_offered_chat_withdraws_the_offer():
    r = offer_desk()
    sign(r, "a1")
    r.chat("c1")
    out = r.engine.cancel("c1")
    assert [e.outcome for e in of_type(out, OfferEnded)] == ["withdrawn"]
    assert r.engine.free_slots("a1") == 1
    check_invariants(r.engine)


# --- weights ------------------------------------------------------------------------------


def test_a_heavy_queue_counts_its_chat_as_several_units():
    r = desk(queues={VIP: QueueConfig(weight=2)})
    sign(r, "a1", queues=(VIP, ACME), cap=2)
    r.chat("v1", "VIP")
    r.chat("c1")
    assert r.engine.my_chats("a1") == ["v1"] and r.engine.queue_list("a1") == ["c1"]
    r.engine.end("v1", "a1")
    r.chat("v2", "VIP")
    assert r.engine.my_chats("a1") == ["c1"]  # one unit left: the VIP chat needs two
    check_invariants(r.engine)


# --- retrials -----------------------------------------------------------------------------


def test_a_customer_back_within_the_window_retries_the_abandoned_chat():
    r = desk(retrial_window=600.0)
    r.chat("c1", customer_id="u1")
    r.at(50.0)
    r.engine.cancel("c1")
    r.at(200.0)
    assert of_type(r.chat("c2", customer_id="u1"), ChatOpened)[0].retrial_of == "c1"
    assert r.engine.chat_view("c2").retrial_of == "c1"
    r.at(2000.0)
    assert of_type(r.chat("c3", customer_id="u1"), ChatOpened)[0].retrial_of is None
    assert of_type(r.chat("c4", customer_id="u2"), ChatOpened)[0].retrial_of is None
