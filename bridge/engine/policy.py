"""Assignment policies for auto-accept: which free agent of a queue gets the next chat.

A policy sees the queue's free agents (those with a spare slot), least recently touched
(assigned, released, or availability changed) first, and must pick one. Within a queue chats
are always FIFO; across an agent's queues the oldest head goes first — those rules are the
engine's, not the policy's.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from .model import Agent


class AssignmentPolicy(Protocol):
    name: str

    def pick(self, free: dict[str, Agent]) -> Agent: ...


class LongestIdle:
    """The agent idle longest (since its last assignment, release or availability change).

    Spreads work evenly in time. The free dict is kept in that order, so this is O(1).
    """

    name = "longest_idle"

    def pick(self, free: dict[str, Agent]) -> Agent:
        return next(iter(free.values()))


class LeastBusy:
    """The agent with the lowest share of capacity in use; ties go to the longest idle."""

    name = "least_busy"

    def pick(self, free: dict[str, Agent]) -> Agent:
        return min(free.values(), key=lambda a: (a.load / a.capacity, a.touched))


POLICIES: dict[str, type[AssignmentPolicy]] = {"longest_idle": LongestIdle, "least_busy": LeastBusy}


def policy_named(name: str) -> AssignmentPolicy:
    try:
        return POLICIES[name]()
    except KeyError:
        choices = sorted(POLICIES)
        raise ValueError(f"unknown routing policy {name!r}; choose one of {choices}") from None
