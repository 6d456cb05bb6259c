"""``Engine.forget``: a long simulation drops closed chats; routing goes on as if it had not."""

from __future__ import annotations

from bridge.engine import EngineConfig, QueueConfig
from bridge.engine import errors as err
from bridge.engine.events import ChatAssigned

from .support import ACME, PERMISSIONS, ROLES, Rig, check_invariants, of_type, refused


def desk(**rules: object) -> Rig:
    rig = Rig(EngineConfig(queues={ACME: QueueConfig(**rules)}))
    rig.engine.sign_in("a1", "Ada", "Lovelace", [ACME], ROLES, PERMISSIONS)
    return rig


def test_an_open_chat_cannot_be_forgotten_and_stays_as_it_was():
    r = desk()
    r.chat("c1")
    r.chat("c2")
    refused(r, err.ChatNotClosed, r.engine.forget, "c2")
    refused(r, err.ChatNotClosed, r.engine.forget, "c1")
    refused(r, err.UnknownChat, r.engine.forget, "nope")


def test_a_forgotten_chat_is_gone_and_the_next_one_is_routed_as_before():
    r = desk(max_wait=120.0)
    r.chat("c1")
    r.chat("c2")  # waits, with a max-wait timer
    r.engine.cancel("c2")
    assert r.engine.forget("c2") is True
    r.engine.end("c1", "a1")
    assert r.engine.forget("c1") is True
    refused(r, err.UnknownChat, r.engine.chat_state, "c1")
    r.at(200.0)
    assert r.engine.advance() == []  # the forgotten chat's timer is dead, not an error
    out = r.chat("c3")
    assert [e.agent_id for e in of_type(out, ChatAssigned)] == ["a1"]
    check_invariants(r.engine)


def test_a_chat_in_wrap_up_is_kept_until_the_agent_is_ready():
    r = desk(wrap_up=60.0)
    r.chat("c1")
    r.engine.end("c1", "a1")
    assert r.engine.forget("c1") is False
    assert r.engine.chat_state("c1") == "closed"
    r.engine.ready("a1")
    assert r.engine.forget("c1") is True
