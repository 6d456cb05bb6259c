"""Shared fakes and checks for the engine tests: a fake clock, a rig, refusals, invariants."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

import pytest

from bridge.engine import Engine, EngineConfig
from bridge.engine.errors import LivechatError
from bridge.engine.events import Event
from bridge.engine.model import ASSIGNED, CLOSED, QUEUED

ROLES = ["IT Agent"]
PERMISSIONS = ["ESChat_Agent"]
ACME = "Acme/GENERAL"
VIP = "Acme/VIP"


class FakeClock:
    def __init__(self, now: float = 0.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


@dataclass
class Rig:
    """An engine on a fake clock whose sink keeps every event."""

    config: EngineConfig = field(default_factory=EngineConfig)
    clock: FakeClock = field(default_factory=FakeClock)
    log: list[Event] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.engine = Engine(self.clock, self.config, sink=self.log.append)

    def agent(
        self,
        agent_id: str,
        queues: tuple[str, ...] = (ACME,),
        *,
        first: str = "Ada",
        last: str = "Lovelace",
        screen_name: str | None = None,
        capacity: int | None = None,
    ) -> list[Event]:
        out = self.engine.sign_in(
            agent_id, first, last, list(queues), ROLES, PERMISSIONS, screen_name
        )
        if capacity is not None:
            out += self.engine.set_availability(agent_id, True, capacity)
        return out

    def chat(self, chat_id: str, queue: str | None = None, **kwargs: Any) -> list[Event]:
        company = kwargs.pop("company", "Acme")
        source = kwargs.pop("source", "self_service")
        return self.engine.hand_off(chat_id, source, company, queue, **kwargs)

    def at(self, now: float) -> None:
        self.clock.now = now


def rig(**config: Any) -> Rig:
    return Rig(EngineConfig(**config))


def of_type(events: list[Event], cls: type[Event]) -> list[Any]:
    return [e for e in events if type(e) is cls]


def refused(r: Rig, error: type[LivechatError], call: Any, *args: Any, **kwargs: Any) -> None:
    """The call raises exactly ``error``, changes no state, schedules nothing and emits nothing."""
    before, deadline, logged = r.engine.snapshot(), r.engine.next_deadline(), len(r.log)
    with pytest.raises(LivechatError) as info:
        call(*args, **kwargs)
    assert type(info.value) is error, f"{type(info.value).__name__}: {info.value}"
    assert info.value.code == error.code
    assert r.engine.snapshot() == before
    assert r.engine.next_deadline() == deadline
    assert len(r.log) == logged


def check_invariants(engine: Engine) -> None:
    """No chat without an owner or a place; the derived counters agree with the chats; no
    waiting chat has a free agent who qualifies for it; lanes keep their order."""
    _check_places(engine)
    _check_queues(engine)
    _check_load(engine)
    _check_free(engine)


def _check_places(engine: Engine) -> None:
    places: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for key, queue in engine.queues.items():
        for lane in queue.lanes:
            for cid, rank in lane.chats.items():
                places[cid].append(("front" if lane.front else "waiting", key))
                chat = engine.chats[cid]
                assert (lane.priority, lane.needs, rank) == (chat.priority, chat.needs, chat.rank)
            ranks = list(lane.chats.values())
            assert ranks == sorted(ranks), f"lane of {key} out of order"
    for agent in engine.agents.values():
        for cid in agent.inbox:
            places[cid].append(("inbox", agent.id))
        for cid in agent.chats:
            places[cid].append(("chats", agent.id))
        for cid in agent.offers:
            assert engine.chats[cid].offer_to == agent.id and engine.chats[cid].state == QUEUED
        for cid in agent.wraps:
            assert engine.chats[cid].state == CLOSED and agent.signed_in
    assert set(places) <= set(engine.chats), "a lane holds an unknown chat"
    for chat in engine.chats.values():
        found = places.get(chat.id, [])
        if chat.state == CLOSED:
            assert found == [] and chat.offer_to is None, (chat.id, found)
            continue
        assert len(found) == 1, (chat.id, found)
        if chat.state == ASSIGNED:
            expected = ("chats", chat.agent_id)
            assert engine.agents[chat.agent_id].signed_in
            assert chat.target_agent is None and chat.offer_to is None
        else:
            assert chat.state == QUEUED and chat.agent_id is None
            if chat.target_agent is not None:
                expected = ("inbox", chat.target_agent)
                assert engine.agents[chat.target_agent].signed_in
            else:
                expected = ("front" if chat.front else "waiting", chat.queue)
            assert not chat.user_cancelled, f"cancelled chat {chat.id} waits"
            if chat.offer_to is not None:
                assert chat.id in engine.agents[chat.offer_to].offers
        assert found[0] == expected, (chat.id, found, expected)


def _check_queues(engine: Engine) -> None:
    for key, queue in engine.queues.items():
        waiting = queue.ordered()
        assert len(queue) == len(waiting)
        assert queue.n_transferred == sum(engine.chats[c].transferred for c in waiting)
        slots = sum(a.capacity for a in engine.agents.values() if a.serving and key in a.queues)
        assert queue.slots == slots, (key, queue.slots, slots)
        ranks = [engine.chats[c].rank for c in waiting]
        assert ranks == sorted(ranks), f"{key} lists its chats out of priority order"


def _check_load(engine: Engine) -> None:
    chats = engine.chats
    for agent in engine.agents.values():
        held = [*agent.chats, *agent.offers, *agent.wraps]
        assert agent.load == sum(chats[c].weight for c in held), agent.id


def qualifies_for(agent: Any, chat: Any) -> bool:
    """The free agent could take the waiting chat now (the routing rule, restated plainly)."""
    skills_ok = all(agent.skills.get(s, 0) >= level for s, level in chat.req)
    passed = chat.passed is not None and agent.id in chat.passed
    return agent.load + chat.weight <= agent.capacity and skills_ok and not passed


def _check_free(engine: Engine) -> None:
    auto = engine.config.auto_accept
    for key, queue in engine.queues.items():
        eligible = {
            a.id
            for a in engine.agents.values()
            if auto and a.serving and key in a.queues and a.load < a.capacity
        }
        assert set(queue.free) == eligible, (key, sorted(queue.free), sorted(eligible))
        touched = [a.touched for a in queue.free.values()]
        assert touched == sorted(touched), f"free agents of {key} out of idle order"
        if not auto:
            continue
        for cid in queue.ordered():
            chat = engine.chats[cid]
            if chat.offer_to is None:
                idle = [a.id for a in queue.free.values() if qualifies_for(a, chat)]
                assert not idle, f"{cid} waits in {key} while {idle} could take it"
    if auto:
        for agent in engine.agents.values():
            if agent.serving:
                for cid in agent.inbox:
                    chat = engine.chats[cid]
                    free = chat.offer_to is None and qualifies_for(agent, chat)
                    assert not free, f"{agent.id} is free with {cid} in its inbox"
