"""Who gets which chat: manual accept, auto-accept, policies, FIFO, counts on the console."""

from __future__ import annotations

from bridge.engine import LeastBusy
from bridge.engine import errors as err
from bridge.engine.events import ChatAssigned, SystemMessage

from .support import ACME, VIP, check_invariants, of_type, refused, rig


def assigned(events) -> list[tuple[str, str]]:
    return [(e.chat_id, e.agent_id) for e in of_type(events, ChatAssigned)]


def test_in_manual_mode_a_chat_waits_until_an_agent_accepts_it_from_the_queue():
    r = rig(auto_accept=False)
    r.agent("a1")
    r.chat("c1")
    assert r.engine.chats["c1"].agent_id is None
    r.at(42.0)
    events = r.engine.accept("c1", "a1")
    assert events[0] == ChatAssigned(42.0, "c1", "a1", 42.0, "manual")
    assert of_type(events, SystemMessage)[0].kind == "joined"
    assert r.engine.my_chats("a1") == ["c1"]
    check_invariants(r.engine)


def test_an_agent_accepts_a_chat_from_transferred_after_a_transfer_to_its_queue():
    r = rig(auto_accept=False)
    r.agent("a1")
    r.agent("a2", (VIP,))
    r.chat("c1")
    r.engine.accept("c1", "a1")
    r.engine.transfer("c1", "a1", to_queue="VIP", note="needs VIP")
    assert r.engine.transferred_list("a2") == ["c1"]
    assert r.engine.queue_list("a2") == []
    assert assigned(r.engine.accept("c1", "a2")) == [("c1", "a2")]
    assert r.engine.counts("a2") == {"queue": 0, "transferred": 0, "my_chats": 1}


def test_an_agent_accepts_a_chat_transferred_to_it_by_name():
    r = rig(auto_accept=False)
    r.agent("a1")
    r.agent("a2", (VIP,))
    r.chat("c1")
    r.engine.accept("c1", "a1")
    r.engine.transfer("c1", "a1", to_agent="a2", note="over to you")
    assert r.engine.transferred_list("a2") == ["c1"]
    assert r.engine.position("c1") == 1
    assert assigned(r.engine.accept("c1", "a2")) == [("c1", "a2")]


def test_accept_refuses_chats_out_of_reach_or_not_waiting_and_busy_or_absent_agents():
    r = rig(auto_accept=False, manual_capacity=1)
    r.agent("a1")
    r.agent("a2", (VIP,))
    r.agent("a3")
    r.chat("c1")
    r.chat("c2", "VIP")
    r.chat("c3")
    refused(r, err.OutOfReach, r.engine.accept, "c2", "a1")
    r.engine.accept("c1", "a1")
    refused(r, err.ChatNotQueued, r.engine.accept, "c1", "a3")
    refused(r, err.CapacityReached, r.engine.accept, "c3", "a1")
    refused(r, err.UnknownChat, r.engine.accept, "nope", "a3")
    r.engine.set_availability("a3", False)
    refused(r, err.AgentUnavailable, r.engine.accept, "c3", "a3")
    r.engine.end("c1", "a1")
    refused(r, err.ChatClosed, r.engine.accept, "c1", "a1")
    r.engine.accept("c3", "a1")  # a chat sent to someone by name is theirs alone
    r.engine.transfer("c3", "a1", to_agent="a2")
    refused(r, err.OutOfReach, r.engine.accept, "c3", "a1")


def test_an_agent_cannot_take_back_a_chat_it_transferred_to_a_queue_it_does_not_serve():
    r = rig(auto_accept=False)
    r.agent("a1")
    r.chat("c1")
    r.engine.accept("c1", "a1")
    r.engine.transfer("c1", "a1", to_queue="VIP")
    refused(r, err.OutOfReach, r.engine.accept, "c1", "a1")
    # It may still look at the chat it handled.
    assert r.engine.can_see(r.engine.agents["a1"], r.engine.chats["c1"])


def test_agents_see_chats_of_their_queues_sent_to_them_or_handled_before_and_no_others():
    r = rig(auto_accept=False)
    r.agent("a1")
    r.agent("a2", (VIP,))
    r.agent("a3")
    r.chat("c1")
    r.engine.accept("c1", "a1")
    r.engine.transfer("c1", "a1", to_agent="a2")
    sees = {
        a: r.engine.can_see(r.engine.agents[a], r.engine.chats["c1"]) for a in ("a1", "a2", "a3")
    }
    # Sent by name: the addressee, and the sender who held it (reading only); not the queue.
    assert sees == {"a1": True, "a2": True, "a3": False}
    r.engine.accept("c1", "a2")
    sees = {
        a: r.engine.can_see(r.engine.agents[a], r.engine.chats["c1"]) for a in ("a1", "a2", "a3")
    }
    assert sees == {"a1": True, "a2": True, "a3": True}


def test_auto_accept_assigns_up_to_n_chats_the_moment_the_agent_is_available_for_n():
    r = rig()
    for n in range(4):
        r.chat(f"c{n}")
    r.agent("a1")
    assert r.engine.my_chats("a1") == ["c0"]
    events = r.engine.set_availability("a1", True, 3)
    assert assigned(events) == [("c1", "a1"), ("c2", "a1")]
    assert all(e.how == "auto" for e in of_type(events, ChatAssigned))
    check_invariants(r.engine)


def test_auto_accept_assigns_a_new_chat_at_once_and_a_freed_slot_takes_the_oldest_chat():
    r = rig()
    r.agent("a1", capacity=2)
    assert assigned(r.chat("c1")) == [("c1", "a1")]
    r.chat("c2")
    r.chat("c3")
    r.chat("c4")
    assert assigned(r.engine.end("c1", "a1")) == [("c3", "a1")]
    assert r.engine.queue_list("a1") == ["c4"]
    check_invariants(r.engine)


def test_longest_idle_gives_the_next_chat_to_the_agent_idle_longest():
    r = rig()
    for agent in ("a1", "a2", "a3"):
        r.agent(agent)
    for n in (1, 2, 3):
        r.chat(f"c{n}")
    r.engine.end("c2", "a2")
    r.engine.end("c1", "a1")
    r.engine.end("c3", "a3")
    assert assigned(r.chat("c4") + r.chat("c5") + r.chat("c6")) == [
        ("c4", "a2"),
        ("c5", "a1"),
        ("c6", "a3"),
    ]


def test_an_agent_who_changes_availability_joins_the_back_of_the_idle_line():
    r = rig()
    r.agent("a1")
    r.agent("a2")
    r.engine.set_availability("a1", True, 2)
    assert assigned(r.chat("c1")) == [("c1", "a2")]
    check_invariants(r.engine)


def test_least_busy_gives_the_next_chat_to_the_lowest_share_of_capacity_in_use():
    r = rig(policy=LeastBusy())
    r.agent("a1", capacity=3)
    events = r.chat("c1")
    r.agent("a2", capacity=2)
    events += r.chat("c2")
    r.agent("a3", capacity=4)
    for n in (3, 4, 5, 6):
        events += r.chat(f"c{n}")
    assert [agent for _, agent in assigned(events)] == ["a1", "a2", "a3", "a3", "a1", "a2"]
    check_invariants(r.engine)


def test_chats_of_one_queue_are_served_first_in_first_out():
    r = rig(auto_accept=False)
    r.agent("a1", capacity=1)
    for n in range(5):
        r.at(float(n))
        r.chat(f"c{n}")
    assert r.engine.queue_list("a1") == ["c0", "c1", "c2", "c3", "c4"]
    assert [r.engine.position(f"c{n}") for n in range(5)] == [1, 2, 3, 4, 5]


def test_an_agent_of_several_queues_gets_the_oldest_waiting_chat_first():
    r = rig()
    r.at(1.0)
    r.chat("c1", "VIP")
    r.at(2.0)
    r.chat("c2")
    r.at(3.0)
    r.chat("c3", "VIP")
    r.agent("a1", (ACME, VIP))
    assert r.engine.my_chats("a1") == ["c1"]
    assert assigned(r.engine.end("c1", "a1")) == [("c2", "a1")]
    assert assigned(r.engine.end("c2", "a1")) == [("c3", "a1")]


def test_an_agent_holds_several_chats_in_acceptance_order():
    r = rig(auto_accept=False)
    r.agent("a1")
    for n in range(3):
        r.chat(f"c{n}")
    for n in (2, 0, 1):
        r.engine.accept(f"c{n}", "a1")
    assert r.engine.my_chats("a1") == ["c2", "c0", "c1"]
    assert r.engine.counts("a1")["my_chats"] == 3


def test_counts_show_waiting_and_transferred_chats_as_each_agent_sees_them():
    r = rig(auto_accept=False)
    r.agent("a1", (ACME,))
    r.agent("a2", (VIP,))
    r.agent("a3", (ACME, VIP))
    for chat, queue in (("c3", None), ("c4", "VIP"), ("c5", "VIP")):
        r.chat(chat, queue)
        r.engine.accept(chat, "a3")
    r.engine.transfer("c3", "a3", to_queue="GENERAL")
    r.engine.transfer("c4", "a3", to_queue="Acme/VIP")
    r.engine.transfer("c5", "a3", to_agent="a1")
    r.chat("c1")
    r.chat("c2", "VIP")
    assert r.engine.counts("a1") == {"queue": 1, "transferred": 2, "my_chats": 0}
    assert r.engine.counts("a2") == {"queue": 1, "transferred": 1, "my_chats": 0}
    assert r.engine.counts("a3") == {"queue": 2, "transferred": 2, "my_chats": 0}
    assert r.engine.queue_list("a1") == ["c1"]
    assert r.engine.transferred_list("a1") == ["c5", "c3"]
    assert r.engine.transferred_list("a2") == ["c4"]
    refused(r, err.OutOfReach, r.engine.accept, "c3", "a2")
    refused(r, err.OutOfReach, r.engine.accept, "c5", "a2")
    check_invariants(r.engine)
