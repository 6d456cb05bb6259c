"""Agents: the role and permission every action needs, names users see, availability."""

from __future__ import annotations

import pytest

from bridge.engine import errors as err
from bridge.engine.events import AgentSignedIn, ChatAssigned, SystemMessage

from .support import ACME, PERMISSIONS, ROLES, check_invariants, of_type, refused, rig

ACTIONS = {
    "accept": lambda e: e.accept("c2", "a1"),
    "post_agent_message": lambda e: e.post_agent_message("c1", "a1", "hi"),
    "add_note": lambda e: e.add_note("c1", "a1", "note"),
    "transfer": lambda e: e.transfer("c1", "a1", to_queue="VIP"),
    "end": lambda e: e.end("c1", "a1"),
    "abandon": lambda e: e.abandon("c1", "a1", confirm=True),
    "link_ticket": lambda e: e.link_ticket("c1", "a1", "INC2", "incident"),
    "share_article": lambda e: e.share_article("c1", "a1", "KB1", "VPN", "https://kb/1"),
    "pin_article": lambda e: e.pin_article("c1", "a1", "INC1", "KB1"),
    "set_availability": lambda e: e.set_availability("a1", False),
    "set_screen_name": lambda e: e.set_screen_name("a1", "Ada"),
}


@pytest.mark.parametrize("action", sorted(ACTIONS))
@pytest.mark.parametrize(
    ("roles", "permissions"), [([], PERMISSIONS), (ROLES, []), (["Viewer"], ["Other"])]
)
def test_every_agent_action_needs_the_it_agent_role_and_the_chat_permission(
    action, roles, permissions
):
    r = rig(auto_accept=False)
    r.agent("a1")
    r.chat("c1")
    r.chat("c2")
    r.engine.accept("c1", "a1")
    r.engine.link_ticket("c1", "a1", "INC1", "incident")
    # The profile changes while the agent holds a chat: from now on every action is refused.
    r.engine.sign_in("a1", "Ada", "Lovelace", [ACME], roles, permissions)
    refused(r, err.NotPermitted, ACTIONS[action], r.engine)


def test_an_agent_without_permission_never_receives_chats_automatically():
    r = rig()
    r.engine.sign_in("a1", "Ada", "Lovelace", [ACME], ROLES, [])
    r.chat("c1")
    assert r.engine.chats["c1"].agent_id is None
    assert r.engine.queues[ACME].free == {}


def test_a_chat_cannot_be_transferred_to_an_agent_without_permission():
    r = rig()
    r.agent("a1")
    r.engine.sign_in("a2", "Bob", "Byte", [ACME], ROLES, [])
    r.chat("c1")
    refused(r, err.NotPermitted, r.engine.transfer, "c1", "a1", to_agent="a2")


def test_actions_of_an_unknown_agent_are_refused():
    r = rig()
    r.chat("c1")
    refused(r, err.UnknownAgent, r.engine.accept, "c1", "ghost")
    refused(r, err.UnknownAgent, r.engine.set_connected, "ghost", False)
    refused(r, err.UnknownAgent, r.engine.sign_out, "ghost")


def joined_text(events) -> str:
    return next(e.text for e in of_type(events, SystemMessage) if e.kind == "joined")


def test_users_see_the_screen_name_when_the_agent_set_one():
    r = rig()
    r.agent("a1", screen_name="Helpdesk Ada")
    assert joined_text(r.chat("c1")) == "Helpdesk Ada has joined the chat."


def test_users_see_first_and_last_name_without_a_screen_name():
    r = rig()
    r.agent("a1", first="Grace", last="Hopper")
    assert joined_text(r.chat("c1")) == "Grace Hopper has joined the chat."


def test_a_screen_name_set_later_applies_and_an_empty_one_falls_back_to_the_name():
    r = rig()
    r.agent("a1", first="Grace", last="Hopper", capacity=3)
    r.engine.set_screen_name("a1", "G.")
    assert joined_text(r.chat("c1")) == "G. has joined the chat."
    r.engine.set_screen_name("a1", "")
    assert joined_text(r.chat("c2")) == "Grace Hopper has joined the chat."


def test_signing_in_again_with_the_same_profile_changes_nothing():
    r = rig()
    r.agent("a1")
    before = r.engine.snapshot()
    assert r.agent("a1") == []
    assert r.engine.snapshot() == before


def test_signing_in_again_with_new_queues_moves_the_agent_to_them():
    r = rig()
    r.agent("a1")
    r.chat("c1", "VIP")
    events = r.agent("a1", ("Acme/VIP",))
    assert of_type(events, AgentSignedIn) and of_type(events, ChatAssigned)
    assert r.engine.queues[ACME].free == {} and r.engine.queues[ACME].slots == 0
    check_invariants(r.engine)


def test_a_queue_listed_twice_counts_once():
    r = rig(auto_accept=False)
    r.agent("a1", (ACME, ACME))
    r.chat("c1")
    assert r.engine.counts("a1")["queue"] == 1
    assert r.engine.queues[ACME].slots == r.engine.agents["a1"].capacity
    check_invariants(r.engine)


@pytest.mark.parametrize("capacity", [0, 11, -1])
def test_available_for_n_must_be_between_one_and_the_configured_maximum(capacity):
    r = rig()
    r.agent("a1")
    refused(r, err.InvalidCommand, r.engine.set_availability, "a1", True, capacity)


def test_setting_the_same_availability_twice_emits_nothing():
    r = rig()
    r.agent("a1", capacity=2)
    assert r.engine.set_availability("a1", True, 2) == []
    assert r.engine.set_connected("a1", True) == []


def test_signing_out_twice_is_refused():
    r = rig()
    r.agent("a1")
    r.engine.sign_out("a1")
    refused(r, err.WrongState, r.engine.sign_out, "a1")


def test_a_signed_out_agent_signs_in_available_with_the_default_capacity():
    r = rig(default_capacity=2)
    r.agent("a1", capacity=3)
    r.engine.set_availability("a1", False)
    r.engine.sign_out("a1")
    r.agent("a1")
    agent = r.engine.agents["a1"]
    assert (agent.available, agent.connected, agent.capacity) == (True, True, 2)


def test_signing_in_again_without_a_screen_name_keeps_the_one_the_agent_set():
    r = rig()
    r.agent("a1")
    r.engine.set_screen_name("a1", "Ada")
    agent = r.engine.agents["a1"]
    again = r.engine.sign_in(
        "a1", agent.first_name, agent.last_name, agent.queues, ROLES, PERMISSIONS
    )
    assert again == []
    assert r.engine.agents["a1"].display_name == "Ada"
