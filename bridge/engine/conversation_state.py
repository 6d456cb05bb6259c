"""Conversation facts (issue 16) kept beside the routing state, and their appliers.

Routing never reads these: who read which message, and which chats were rated. They live in
one ``ConversationFacts`` object hung on the ``State`` the first time an applier or a command
needs it, so the routing model's classes stay as they are; replay runs the same appliers, so a
replayed log rebuilds the same facts.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from . import events as ev

if TYPE_CHECKING:
    from .state import State

READERS = ("user", "agent")
SURVEY_BY = ("user", "virtual_agent")
RATINGS = range(1, 6)


class ConversationFacts:
    __slots__ = ("joined", "read", "surveyed")

    def __init__(self) -> None:
        self.read: dict[tuple[str, str], int] = {}  # (chat id, reader) -> read up to n
        self.surveyed: set[str] = set()  # chats whose survey was answered
        # (chat id, supervisor) -> the holder when the supervisor barged in (supervision)
        self.joined: dict[tuple[str, str], str] = {}


def facts(s: State) -> ConversationFacts:
    """The state's conversation facts, created on first use."""
    found = getattr(s, "conversation_facts", None)
    if found is None:
        found = s.conversation_facts = ConversationFacts()  # type: ignore[attr-defined]
    return found


def forget(s: State, chat_id: str) -> None:
    """A forgotten chat's facts go with it (``State.forget``)."""
    found: ConversationFacts | None = getattr(s, "conversation_facts", None)
    if found is None:
        return
    for reader in READERS:
        found.read.pop((chat_id, reader), None)
    found.surveyed.discard(chat_id)
    for key in [k for k in found.joined if k[0] == chat_id]:
        del found.joined[key]


def read_up_to(s: State, chat_id: str, reader: str) -> int:
    """The highest message number ``reader`` has read in the chat (0: none)."""
    return facts(s).read.get((chat_id, reader), 0)


def messages_read(s: State, e: ev.MessagesRead) -> None:
    facts(s).read[(e.chat_id, e.reader)] = e.up_to


def survey_answered(s: State, e: ev.SurveyAnswered) -> None:
    facts(s).surveyed.add(e.chat_id)


def joined_holder(s: State, chat_id: str, supervisor_id: str) -> str | None:
    """Whom the chat was with when the supervisor barged in (None: never barged in)."""
    return facts(s).joined.get((chat_id, supervisor_id))


def supervisor_joined(s: State, e: ev.SupervisorJoined) -> None:
    facts(s).joined[(e.chat_id, e.agent_id)] = e.holder
