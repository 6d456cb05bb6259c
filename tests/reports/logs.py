"""Hand-built event logs whose KPIs are worked out by hand in the tests."""

from __future__ import annotations

from bridge.engine.events import (
    AgentAvailabilityChanged,
    AgentSignedIn,
    AgentSignedOut,
    ChatAssigned,
    ChatCancelled,
    ChatClosed,
    ChatOpened,
    ChatOverflowed,
    ChatRequeued,
    ChatTransferred,
    Event,
    InactivityWarned,
    MessagePosted,
    TicketLinked,
    WaitEstimated,
)

ROLES = (["IT Agent"], ["ESChat_Agent"])
ACME, ACME_HR = "Acme/GENERAL", "Acme/HR"
GLOBEX, GLOBEX_AFTER = "Globex/GENERAL", "Globex/AFTER"


def opened(at: float, chat: str, queue: str = ACME, source: str = "self_service") -> ChatOpened:
    return ChatOpened(at, chat, source, queue.split("/")[0], queue)


def day_log() -> list[Event]:
    """Eight chats covering every outcome; the log ends at 3700 s.

    c1 answered at once; c2 waits 40 s, ticket, transfer, cancelled after assignment;
    c3 cancels while waiting (inside the target); c4 overflows (queue closed) and hits the
    max-wait timer; c5 answered in 25 s, requeued when its agent signs out, closed inactive;
    c6 still waiting at the end (110 s); c7 still waiting (10 s); c8 answered, still open.
    """
    return [
        AgentSignedIn(0, "a1", "Ann", "Lee", [ACME], *ROLES),
        AgentAvailabilityChanged(0, "a1", True, 2),
        AgentSignedIn(0, "a2", "Bob", "Ray", [ACME, GLOBEX], *ROLES),
        opened(10, "c1"),
        ChatAssigned(10, "c1", "a1", 0.0),
        opened(20, "c2", source="virtual_agent"),
        WaitEstimated(20, "c2", ACME, 1, {"recent_history": 30.0, "queue_state": 60.0}),
        opened(30, "c3"),
        WaitEstimated(30, "c3", ACME, 2, {"recent_history": 10.0, "queue_state": None}),
        opened(40, "c4", GLOBEX),
        ChatOverflowed(40, "c4", GLOBEX, GLOBEX_AFTER, "closed"),
        WaitEstimated(40, "c4", GLOBEX_AFTER, 1, {"recent_history": 50.0}),
        ChatCancelled(45, "c3", None),
        ChatClosed(45, "c3", None, "cancelled"),
        ChatAssigned(60, "c2", "a2", 40.0),
        TicketLinked(70, "c2", "a2", "INC1", "incident"),
        ChatTransferred(100, "c2", "a2", None, ACME_HR, "over to HR"),
        ChatAssigned(110, "c2", "a1", 10.0),
        ChatClosed(130, "c1", "a1", "ended"),
        ChatCancelled(150, "c2", "a1"),
        ChatClosed(160, "c2", "a1", "ended"),
        opened(200, "c5", GLOBEX),
        WaitEstimated(200, "c5", GLOBEX, 1, {"recent_history": 20.0}),
        ChatAssigned(225, "c5", "a2", 25.0),
        AgentSignedOut(300, "a2"),
        ChatRequeued(300, "c5", "a2", GLOBEX, "signed_out"),
        ChatAssigned(320, "c5", "a1", 20.0),
        ChatClosed(340, "c4", None, "no_agent"),
        InactivityWarned(400, "c5", "a1"),
        ChatClosed(500, "c5", "a1", "inactive"),
        opened(3590, "c6"),
        opened(3650, "c8", ACME_HR, "virtual_agent"),
        ChatAssigned(3655, "c8", "a1", 5.0),
        opened(3690, "c7"),
        MessagePosted(3700, "c8", 1, "user", None, "hello?"),
    ]


def estimate_log() -> list[Event]:
    """Three waiting chats told 150/100/35 s that waited 200/40/10 s, and one who cancels."""
    told = {"c1": (150.0, 200.0), "c2": (100.0, 40.0), "c3": (35.0, 10.0)}
    events: list[Event] = [AgentSignedIn(0, "a1", "Ann", "Lee", [ACME], *ROLES)]
    for chat, (estimate, wait) in told.items():
        events += [
            opened(1000, chat),
            WaitEstimated(1000, chat, ACME, 1, {"recent_history": estimate}),
            ChatAssigned(1000 + wait, chat, "a1", wait),
        ]
    events += [
        opened(1000, "c4"),
        WaitEstimated(1000, "c4", ACME, 1, {"recent_history": 5.0}),
        ChatCancelled(1300, "c4", None),
        ChatClosed(1300, "c4", None, "cancelled"),
    ]
    return sorted(events, key=lambda e: e.at)
