"""Random command sequences keep every invariant, and the log replays into the same engine.

Refusals are expected (commands are drawn blindly) and must change nothing. At teardown the
sink's log goes through ``to_row`` / JSON / ``from_row`` into a fresh engine, which must hold
the same state, the same next deadline, and fire the same timers from then on.
"""

from __future__ import annotations

import json
from collections import defaultdict

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule

from bridge.engine import BusinessHours, Engine, EngineConfig, QueueConfig, policy_named
from bridge.engine.config import OfferRules, RelaxStep
from bridge.engine.errors import LivechatError
from bridge.engine.events import (
    ArticleShared,
    ChatAssigned,
    ChatClosed,
    ChatOffered,
    ChatRequeued,
    ChatTransferred,
    Event,
    MessagePosted,
    NoteAdded,
    SystemMessage,
    from_row,
    to_row,
)

from .support import PERMISSIONS, ROLES, FakeClock, check_invariants

AGENTS = ("a0", "a1", "a2", "a3")
QUEUES = ("Acme/GENERAL", "Acme/VIP", "Beta/GENERAL")
# Mostly the company's GENERAL queue; Closed overflows to it, Shut refuses handoffs.
HANDOFF_QUEUES = (None, None, None, "VIP", "VIP", "Closed", "Shut")
TICKETS = ("INC1", "WO1")
NUMBERED = (MessagePosted, NoteAdded, SystemMessage, ArticleShared)
FILE = [{"name": "log.txt"}]
MAX_CHATS = 12

agents = st.sampled_from(AGENTS)
chats = st.integers(0, MAX_CHATS - 1)  # an index into the chats opened so far
mostly = st.sampled_from([True, True, True, False])
rarely = st.sampled_from([False, False, False, True])


SKILL_SETS = (None, None, {"de": 1}, {"de": 3}, {"de": 5, "fr": 2}, {"fr": 4})
REASONS = ("Busy with another task", "Other", "Nope")
STATES = ("Available", "Break", "Lunch", "Away", "Gone fishing")


def make_config(
    auto: bool, policy: str, grace: bool, rescue: bool, quiet: bool, model: frozenset[str]
) -> EngineConfig:
    """The routing model's options switch on by name: skills, ageing, wrap-up, offers, weights."""
    never = BusinessHours("UTC", {})
    vip = QueueConfig(max_wait=50.0, inactivity_warn_after=40.0, priority=2)
    if "skills" in model:
        vip.skills = (("de", 3),)
        vip.relax = (RelaxStep(10.0, 2), RelaxStep(20.0, None))
    if "weights" in model:
        vip.weight = 2
    general = QueueConfig(max_wait=30.0, max_wait_overflow="Acme/VIP")
    fallback = QueueConfig(inactivity_warn_after=25.0, inactivity_close_after=15.0)
    if "wrap" in model:
        general.wrap_up = vip.wrap_up = fallback.wrap_up = 15.0
    return EngineConfig(
        auto_accept=auto,
        policy=policy_named(policy),
        default_capacity=1,
        manual_capacity=3,
        agent_gone_grace=20.0 if grace else None,
        agent_gone_queue="Acme/Rescue" if rescue else None,
        system_messages=not quiet,
        priority_ageing=15.0 if "ageing" in model else None,
        offers=OfferRules(timeout=12.0, max_missed=2) if "offers" in model else None,
        source_priority={"virtual_agent": 1},
        retrial_window=100.0,
        queues={
            "Acme/GENERAL": general,
            "Acme/VIP": vip,
            "Acme/Closed": QueueConfig(hours=never, closed_overflow="Acme/GENERAL"),
            "Acme/Shut": QueueConfig(hours=never),
        },
        default_queue=fallback,
    )


class EngineMachine(RuleBasedStateMachine):
    @initialize(
        auto=st.booleans(),
        policy=st.sampled_from(["longest_idle", "least_busy"]),
        grace=st.booleans(),
        rescue=st.booleans(),
        quiet=st.booleans(),
        model=st.frozensets(st.sampled_from(["skills", "ageing", "wrap", "offers", "weights"])),
    )
    def configure(self, auto, policy, grace, rescue, quiet, model) -> None:
        self.clock = FakeClock()
        self.config = make_config(auto, policy, grace, rescue, quiet, model)
        self.log: list[Event] = []
        self.named: set[str] = set()
        self.engine = Engine(self.clock, self.config, sink=self.seen)
        self.opened = [f"c{n}" for n in range(4)]
        # A busy start, so that transfers, timers and requeues happen within a few steps.
        self.engine.sign_in("a0", "Ann", "Lee", QUEUES[:2], ROLES, PERMISSIONS)
        self.engine.sign_in("a1", "Bo", "Kim", QUEUES[:1], ROLES, PERMISSIONS)
        self.engine.sign_in("a2", "Cy", "Ng", QUEUES[1:], ROLES, PERMISSIONS, "Desk")
        self.engine.set_availability("a0", True, 2)
        for chat_id in self.opened:
            self.engine.hand_off(chat_id, "self_service", "Acme")
        if not auto:
            self.engine.accept("c0", "a0")
            self.engine.accept("c1", "a1")

    def seen(self, event: Event) -> None:
        """The sink: keep the event, and check that auto-accept gave the agent its best chat."""
        self.log.append(event)
        kind = type(event)
        if kind is ChatTransferred and event.to_agent is not None:
            self.named.add(event.chat_id)  # in an inbox: sent by name, it goes first
        elif (
            kind is ChatOffered or (kind is ChatAssigned and event.how == "auto")
        ) and event.chat_id not in self.named:
            check_best_chat(self.engine, event.chat_id, event.agent_id)
        if kind in (ChatAssigned, ChatRequeued, ChatClosed):
            self.named.discard(event.chat_id)

    def run(self, call, *args, **kwargs) -> None:
        """Run a command: either it returns exactly what reached the sink, or it changed nothing."""
        before, deadline, logged = (
            self.engine.snapshot(),
            self.engine.next_deadline(),
            len(self.log),
        )
        try:
            out = call(*args, **kwargs)
        except LivechatError:
            assert self.engine.snapshot() == before
            assert self.engine.next_deadline() == deadline
            assert len(self.log) == logged
            return
        assert out == self.log[logged:]

    def chat(self, index: int) -> str:
        """Mostly one of the chats still open; sometimes any chat, closed ones included."""
        live = [c for c in self.opened if self.engine.chats[c].state != "closed"]
        pool = live if live and index < MAX_CHATS - 3 else self.opened
        return pool[index % len(pool)]

    def holder(self, index: int, agent_id: str, own: bool) -> tuple[str, str]:
        """The chat, and mostly the agent holding it, so that actions get past the checks."""
        chat_id = self.chat(index)
        chat = self.engine.chats.get(chat_id)
        own = own and chat is not None and chat.agent_id is not None
        return chat_id, chat.agent_id if own else agent_id  # type: ignore[union-attr]

    # --- agents ---------------------------------------------------------------------------

    @rule(
        op=st.sampled_from(
            [
                "sign_in",
                "availability",
                "connection",
                "sign_out",
                "screen_name",
                "heartbeat",
                "presence",
            ]
        ),
        agent=agents,
        queues=st.lists(st.sampled_from(QUEUES), min_size=1, max_size=3),
        permitted=mostly,
        flag=st.booleans(),
        capacity=st.sampled_from([None, 0, 1, 2, 2, 3, 4]),
        skills=st.sampled_from(SKILL_SETS),
        state=st.sampled_from(STATES),
    )
    def agent_profile(self, op, agent, queues, permitted, flag, capacity, skills, state):
        """Sign in (with or without a stream) with a random profile, change availability,
        connection or screen name, or send a heartbeat (a lease the timers end)."""
        engine = self.engine
        perms = PERMISSIONS if permitted else []
        name = "Desk" if flag else None
        calls = {
            "sign_in": lambda: engine.sign_in(
                agent,
                "Al",
                agent,
                queues,
                ROLES,
                perms,
                name,
                connected=flag or permitted,
                skills=skills,
            ),
            "presence": lambda: engine.set_presence(agent, state, capacity),
            "heartbeat": lambda: engine.heartbeat(agent),
            "availability": lambda: engine.set_availability(agent, flag, capacity),
            "connection": lambda: engine.set_connected(agent, flag),
            "sign_out": lambda: engine.sign_out(agent),
            "screen_name": lambda: engine.set_screen_name(agent, name),
        }
        self.run(calls[op])

    # --- users ----------------------------------------------------------------------------

    @precondition(lambda self: len(self.opened) < MAX_CHATS)
    @rule(
        again=rarely,
        source=st.sampled_from(["self_service", "virtual_agent", "self_service", "fax"]),
        company=st.sampled_from(["Acme", "Acme", "Beta"]),
        queue=st.sampled_from(HANDOFF_QUEUES),
        attach=rarely,
        priority=st.sampled_from([None, None, 0, 1, 3]),
        skills=st.sampled_from([None, None, {"fr": 2}, {"de": 4}]),
        customer=st.sampled_from([None, "u1", "u2"]),
    )
    def hand_off(self, again, source, company, queue, attach, priority, skills, customer):
        chat_id = self.chat(0) if again else f"c{len(self.opened)}"
        files = FILE if attach else ()
        self.run(
            self.engine.hand_off, chat_id, source, company, queue, attachments=files,
            priority=priority, skills=skills, customer_id=customer,
        )  # fmt: skip
        if chat_id in self.engine.chats and chat_id not in self.opened:
            self.opened.append(chat_id)

    @rule(chat=chats, cancel=rarely, attach=rarely)
    def user(self, chat, cancel, attach):
        if cancel:
            self.run(self.engine.cancel, self.chat(chat))
        else:
            files = FILE if attach else ()
            self.run(self.engine.post_user_message, self.chat(chat), "hello", files)

    # --- agents' chat actions -------------------------------------------------------------

    @rule(chat=chats, agent=agents, reachable=mostly)
    def accept(self, chat, agent, reachable):
        chat_id = self.chat(chat)
        if reachable:  # prefer an agent who may take the chat, so that accepts happen
            agent = next(iter(self.reaching(chat_id)), agent)
        self.run(self.engine.accept, chat_id, agent)

    @rule(
        op=st.sampled_from(["accept", "decline", "decline", "ready", "ready_all"]),
        chat=chats,
        agent=agents,
        reason=st.sampled_from(REASONS),
    )
    def offers_and_wrap_up(self, op, chat, agent, reason):
        """Answer an offer (mostly the agent it is for) or end a wrap-up."""
        engine = self.engine
        offered = [c.id for c in engine.chats.values() if c.offer_to is not None]
        wrapped = [(a.id, c) for a in engine.agents.values() for c in a.wraps]
        chat_id = self.chat(chat)
        if op in ("accept", "decline") and offered:
            chat_id = offered[chat % len(offered)]
            agent = engine.chats[chat_id].offer_to if reason != "Other" else agent
        if op.startswith("ready") and wrapped and reason != "Other":
            agent, chat_id = wrapped[chat % len(wrapped)]
        wrapping = [a.id for a in engine.agents.values() if chat_id in a.wraps]
        calls = {
            "accept": lambda: engine.accept_offer(chat_id, agent),
            "decline": lambda: engine.decline_offer(chat_id, agent, reason),
            "ready": lambda: engine.ready(wrapping[0] if wrapping else agent, chat_id),
            "ready_all": lambda: engine.ready(agent),
        }
        self.run(calls[op])

    def reaching(self, chat_id: str) -> list[str]:
        chat = self.engine.chats.get(chat_id)
        return [
            a.id
            for a in self.engine.agents.values()
            if chat is not None and a.present and self.engine._can_take(a, chat)
        ]

    @rule(
        op=st.sampled_from(
            ["message", "note", "transfer", "transfer", "end", "abandon", "ticket", "article"]
        ),
        chat=chats,
        agent=agents,
        own=mostly,
        flag=st.booleans(),
        to=st.sampled_from(
            [
                *((a, None) for a in AGENTS),
                *((None, q) for q in ("GENERAL", "VIP", "Beta/GENERAL")),
                (None, None),
                ("a1", "VIP"),
            ]
        ),
        ticket=st.sampled_from(TICKETS),
    )
    def agent_action(self, op, chat, agent, own, flag, to, ticket):
        """What an agent does with a chat, mostly as the agent holding it."""
        engine = self.engine
        chat_id, who = self.holder(chat, agent, own)
        kind = "incident" if ticket.startswith("INC") else "work_order"
        calls = {
            "message": lambda: engine.post_agent_message(chat_id, who, "hi", FILE if flag else ()),
            "note": lambda: engine.add_note(chat_id, who, "note"),
            "transfer": lambda: engine.transfer(chat_id, who, to_agent=to[0], to_queue=to[1]),
            "end": lambda: engine.end(chat_id, who),
            "abandon": lambda: engine.abandon(chat_id, who, confirm=flag),
            "ticket": lambda: engine.link_ticket(chat_id, who, ticket, kind),
            "article": lambda: engine.share_article(chat_id, who, "KB1", "VPN", "https://kb/1"),
        }
        self.run(calls[op])
        if op == "ticket" and flag:
            self.run(engine.pin_article, chat_id, who, ticket, "KB1")
            self.run(engine.record_ticket_status, chat_id, None, ticket, "Resolved")

    # --- time -----------------------------------------------------------------------------

    @rule(dt=st.sampled_from([0.0, 1.0, 5.0, 10.0, 25.0]))
    def tick(self, dt):
        self.clock.now += dt
        logged = len(self.log)
        out = self.engine.advance()
        assert out == self.log[logged:]
        deadline = self.engine.next_deadline()
        assert deadline is None or deadline > self.clock.now

    @precondition(lambda self: self.engine.next_deadline() is not None)
    @rule()
    def jump_to_next_deadline(self):
        self.clock.now = self.engine.next_deadline()
        self.engine.advance()

    # --- checks ---------------------------------------------------------------------------

    @invariant()
    def routing_invariants_hold(self):
        check_invariants(self.engine)

    def teardown(self):
        if not hasattr(self, "engine"):
            return
        check_log(self.log)
        rows = json.loads(json.dumps([to_row(e, seq) for seq, e in enumerate(self.log, 1)]))
        fresh = Engine(self.clock, self.config)
        fresh.replay(from_row(row) for row in rows)
        assert fresh.snapshot() == self.engine.snapshot()
        for key, queue in self.engine.queues.items():
            assert list(fresh.queues[key].free) == list(queue.free), "idle order differs"
        assert fresh.next_deadline() == self.engine.next_deadline()
        later = self.clock.now + 10_000.0
        assert [to_row(e) for e in fresh.advance(later)] == [
            to_row(e) for e in self.engine.advance(later)
        ]
        assert fresh.snapshot() == self.engine.snapshot()


def check_best_chat(engine: Engine, chat_id: str, agent_id: str) -> None:
    """Priority order kept: when auto-accept gives an agent a chat from its queues, no chat
    it could have taken instead ranks before it (inbox chats, sent by name, go first)."""
    chat, agent = engine.chats[chat_id], engine.agents[agent_id]
    room_before = agent.capacity - (agent.load - chat.weight)
    for key in agent.queues:
        queue = engine.queues.get(key)
        if queue is None:
            continue
        for other_id in queue.ordered():
            other = engine.chats[other_id]
            if other_id == chat_id or other.offer_to is not None or other.target_agent:
                continue
            fits = other.weight <= room_before
            skills_ok = all(agent.skills.get(s, 0) >= lv for s, lv in other.req)
            passed = other.passed is not None and agent_id in other.passed
            if fits and skills_ok and not passed:
                assert not other.rank < chat.rank, (
                    f"{agent_id} got {chat_id} {chat.rank} while {other_id} {other.rank} waited"
                )


def check_log(log: list[Event]) -> None:
    """Time never runs backwards, waits are never negative, chat sequences have no gaps."""
    stamps = [e.at for e in log]
    assert stamps == sorted(stamps), "the log's time runs backwards"
    assert all(e.waited >= 0 for e in log if isinstance(e, ChatAssigned))
    numbers: dict[str, list[int]] = defaultdict(list)
    for e in log:
        if isinstance(e, NUMBERED):
            numbers[e.chat_id].append(e.n)
    for chat_id, ns in numbers.items():
        assert ns == list(range(1, len(ns) + 1)), (chat_id, ns)


EngineMachine.TestCase.settings = settings(
    max_examples=300,
    stateful_step_count=60,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
test_engine_replays_and_keeps_its_invariants = EngineMachine.TestCase
