"""The checks commands run before they emit: each raises the specific ``LivechatError``.

They only read state, so a refused command changes nothing.
"""

from __future__ import annotations

from collections.abc import Sequence

from . import errors as err
from . import events as ev
from .config import QueueConfig, queue_key
from .model import ASSIGNED, CLOSED, Agent, Chat, distinct
from .state import State

SOURCES = ("self_service", "virtual_agent")


class Checks:
    """Owns the lookups and refusals commands (and queries) run first: unknown chat or agent,
    closed chat, missing permission, chat not held, unknown or closed queue."""

    def __init__(self, state: State) -> None:
        self.state = state
        self.config = state.config
        self.chats = state.chats
        self.agents = state.agents

    def chat(self, chat_id: str) -> Chat:
        chat = self.chats.get(chat_id)
        if chat is None:
            raise err.UnknownChat(f"no chat {chat_id!r}")
        return chat

    def open_chat(self, chat_id: str) -> Chat:
        chat = self.chat(chat_id)
        if chat.state == CLOSED:
            raise err.ChatClosed(f"chat {chat_id!r} is closed ({chat.closed_reason})")
        return chat

    def agent(self, agent_id: str) -> Agent:
        agent = self.agents.get(agent_id)
        if agent is None:
            raise err.UnknownAgent(f"no agent {agent_id!r}")
        return agent

    def permitted(self, agent_id: str) -> Agent:
        """Every Live Chat action needs the IT Agent role and the ESChat_Agent permission."""
        agent = self.agent(agent_id)
        if not agent.permitted:
            raise err.NotPermitted(
                f"agent {agent_id!r} needs the IT Agent role and the ESChat_Agent permission"
            )
        return agent

    def held(self, chat_id: str, agent_id: str) -> tuple[Chat, Agent]:
        """The chat and the agent holding it, for actions only that agent may take."""
        agent = self.agents.get(agent_id)
        chat = self.chats.get(chat_id)
        if (
            agent is not None
            and agent.permitted
            and chat is not None
            and chat.agent_id == agent_id
            and chat.state == ASSIGNED
        ):
            return chat, agent
        self.permitted(agent_id)  # say why, in the order the checks matter
        self.open_chat(chat_id)
        raise err.ChatNotActive(f"chat {chat_id!r} is not one of {agent_id!r}'s chats")

    def transfer_target(self, agent_id: str, to_agent: str) -> None:
        if to_agent == agent_id:
            raise err.InvalidCommand("an agent cannot transfer a chat to themself")
        self.can_receive(self.agent(to_agent))

    @staticmethod
    def can_receive(target: Agent) -> None:
        """An agent a chat is moved to by name (transfer, reassignment): permitted, present."""
        if not target.permitted:
            raise err.NotPermitted(f"agent {target.id!r} may not take chats")
        if not target.present:
            raise err.AgentUnavailable(f"agent {target.id!r} is not available")

    @staticmethod
    def movable(chat: Chat, to_agent: str | None, to_queue: str | None, verb: str) -> None:
        """A transfer or a reassignment moves a chat the user has not cancelled to exactly one
        of an agent or a support queue."""
        if chat.user_cancelled:
            raise err.AlreadyCancelled(f"chat {chat.id!r} was cancelled by the user: end it")
        if (to_agent is None) == (to_queue is None):
            raise err.InvalidCommand(f"{verb} to exactly one of an agent or a support queue")

    def known_queue(self, key: str) -> str:
        if self.config.strict_queues and key not in self.config.queues:
            raise err.UnknownQueue(f"no support queue {key!r}")
        return key

    def landing(self, company: str, queue: str | None, now: float) -> tuple[str, str, QueueConfig]:
        """The queue a handoff names, and where it lands (there, or its overflow while closed)
        with the rules of that queue."""
        key = self.known_queue(queue_key(company, queue))
        target, seen = key, {key}
        while True:  # follow closed overflows until a queue is open
            rules = self.state.rules_for(target)
            hours = rules.hours
            if hours is None or hours.is_open(now):
                return key, target, rules
            target = rules.closed_overflow  # type: ignore[assignment]
            if target is None or target in seen:
                raise err.QueueClosed(f"support queue {key!r} is closed now")
            seen.add(target)


def check_source(source: str, attachments: Sequence[object]) -> None:
    if source not in SOURCES:
        raise err.InvalidCommand(f"source must be one of {SOURCES}, not {source!r}")
    if attachments:
        check_attachments(source, attachments)


def check_attachments(source: str, attachments: Sequence[object]) -> None:
    if attachments and source == "virtual_agent":
        raise err.AttachmentNotAllowed("a virtual-agent chat cannot carry attachments")


def same_profile(agent: Agent, e: ev.AgentSignedIn) -> bool:
    """Signing in again with an unchanged profile is a no-op."""
    return (
        agent.first_name,
        agent.last_name,
        agent.screen_name,
        agent.queues,
        agent.roles,
        agent.permissions,
        agent.skills,
    ) == (
        e.first_name,
        e.last_name,
        e.screen_name,
        distinct(e.queues),
        frozenset(e.roles),
        frozenset(e.permissions),
        e.skills or {},
    )
