"""Domain errors: a rule said no, and nothing changed.

Each error carries a stable machine-readable ``code``. They know nothing about HTTP; the bridge
maps them to statuses in one place (``bridge.http.errors``).
"""

from __future__ import annotations


class LivechatError(Exception):
    """A rule said no; nothing changed."""

    code = "livechat_error"


class NotFound(LivechatError):
    code = "not_found"


class UnknownChat(NotFound):
    code = "unknown_chat"


class UnknownAgent(NotFound):
    code = "unknown_agent"


class UnknownQueue(NotFound):
    code = "unknown_queue"


class DuplicateChat(LivechatError):
    code = "duplicate_chat"


class NotPermitted(LivechatError):
    """The agent lacks the IT Agent role or the ESChat_Agent permission."""

    code = "not_permitted"


class OutOfReach(LivechatError):
    """The chat is not in the agent's support queues, or is held by someone else."""

    code = "out_of_reach"


class WrongState(LivechatError):
    code = "wrong_state"


class ChatNotQueued(WrongState):
    code = "chat_not_queued"


class ChatNotActive(WrongState):
    """The chat is not assigned to this agent, or it is already closed."""

    code = "chat_not_active"


class ChatClosed(WrongState):
    code = "chat_closed"


class ChatNotClosed(WrongState):
    """Only a closed chat can be forgotten (a driver's memory bound, ``Engine.forget``)."""

    code = "chat_not_closed"


class AlreadyCancelled(WrongState):
    code = "already_cancelled"


class AgentUnavailable(WrongState):
    code = "agent_unavailable"


class AttachmentNotAllowed(LivechatError):
    """A virtual-agent chat never carries attachments."""

    code = "attachments_not_allowed"


class CapacityReached(LivechatError):
    code = "capacity_reached"


class ConfirmationRequired(LivechatError):
    """Abandoning a chat without a ticket needs the agent's explicit confirmation."""

    code = "confirmation_required"


class QueueClosed(LivechatError):
    """The support queue is outside its business hours and has no overflow queue."""

    code = "queue_closed"


class InvalidCommand(LivechatError):
    """The command's arguments contradict each other or the domain (e.g. transfer to oneself)."""

    code = "invalid_command"


# --- conversation (issue 16): typing, receipts, surveys, offline messages ---


class SurveyNotOpen(WrongState):
    """No survey to answer: the chat has not ended, no agent handled it, or the window passed."""

    code = "survey_not_open"


class SurveyAlreadyAnswered(WrongState):
    code = "survey_already_answered"


class InvalidRating(LivechatError):
    code = "invalid_rating"


class QueueOnline(WrongState):
    """An offline message for a queue that is open with an agent present: start a chat."""

    code = "queue_online"


class OfflineMessagesOff(LivechatError):
    """The queue's configuration takes no offline messages."""

    code = "offline_messages_off"


class NotSupervisor(NotPermitted):
    """Supervision needs the supervisor role (``supervision.role``) besides Live Chat's."""

    code = "not_supervisor"


class AlreadyJoined(WrongState):
    """The supervisor barged into this chat already (and it has not changed hands since)."""

    code = "already_joined"


class NotJoined(WrongState):
    """A supervisor writes to the user only after barging in, while the same agent holds it."""

    code = "not_joined"


class SkillsMissing(OutOfReach):
    """The agent lacks a skill (at the level asked now) that the waiting chat requires."""

    code = "skills_missing"


class NoOffer(WrongState):
    """The chat is not offered to this agent (never, or the offer ended)."""

    code = "no_offer"
