"""Skills with levels: what a chat requires, how that relaxes while it waits, who qualifies.

A requirement is a sorted tuple of ``(skill, minimum level)``. A chat's own requirement (sent
with the handoff or matched from its context) is merged with its queue's; relaxation steps of
the queue then lower every level (``RelaxStep.level``) or drop the requirement (``None``).
Relaxation only ever lowers levels, so of two chats with the same requirement the one waiting
longer asks at most what the newer one asks: routing may judge a whole lane by its head.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from .config import ContextRule, RelaxStep

Requirement = tuple[tuple[str, int], ...]
NONE: Requirement = ()


def requirement(pairs: Iterable[tuple[str, int]]) -> Requirement:
    """The highest level asked of each skill, sorted by skill (a canonical, hashable form)."""
    best: dict[str, int] = {}
    for skill, level in pairs:
        if level > best.get(skill, -1):
            best[skill] = level
    return tuple(sorted(best.items()))


def merged(own: Requirement, queue: Requirement) -> Requirement:
    if not own:
        return queue
    if not queue:
        return own
    return requirement((*own, *queue))


def relaxed(needs: Requirement, steps: tuple[RelaxStep, ...], step: int) -> Requirement:
    """The requirement after ``step`` relaxation steps (0: as asked)."""
    if step == 0 or not needs:
        return needs
    level = steps[step - 1].level
    if level is None:
        return NONE
    return tuple((skill, min(need, level)) for skill, need in needs)


def qualifies(skills: Mapping[str, int], req: Requirement) -> bool:
    return all(skills.get(skill, 0) >= level for skill, level in req)


def score(skills: Mapping[str, int], needs: Requirement) -> int:
    """How well an agent fits: the sum of its levels in the skills asked (higher is better)."""
    return sum(skills.get(skill, 0) for skill, _ in needs)


def from_context(
    rules: tuple[ContextRule, ...], detail: Mapping[str, object] | None
) -> tuple[Requirement, int | None]:
    """The skills and the priority the handoff's context asks for, by the configured rules."""
    if not rules or not detail:
        return NONE, None
    pairs: list[tuple[str, int]] = []
    priority: int | None = None
    for rule in rules:
        if rule.matches(detail):  # type: ignore[arg-type]
            pairs += rule.skills
            if rule.priority is not None:
                priority = rule.priority if priority is None else max(priority, rule.priority)
    return requirement(pairs), priority


def check_levels(pairs: Mapping[str, int], what: str) -> Requirement:
    """Refuse names or levels a rule could never match (a typo would silently never route)."""
    for skill, level in pairs.items():
        if not isinstance(skill, str) or not skill.strip():
            raise ValueError(f"{what}: a skill needs a name")
        if isinstance(level, bool) or not isinstance(level, int) or not 0 <= level <= 10:
            raise ValueError(f"{what}: level of {skill!r} must be a whole number 0-10")
    return requirement(pairs.items())
