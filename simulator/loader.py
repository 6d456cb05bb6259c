"""Read a scenario file: YAML -> pydantic -> cross-references, every error mapped to its line.

The YAML reading and the line mapping are the bridge config's (:mod:`bridge.config_files`), so
a value means the same in both files. A scenario is a file path or the name of a shipped one
(``small-helpdesk``, see :mod:`scenarios`).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from pydantic import ValidationError

from bridge.config_files import (
    ConfigFileError,
    Issue,
    compose,
    locate,
    read_text,
    validation_issues,
)
from bridge.engine.config import AVAILABLE, AWAY
from scenarios import shipped_path

from .errors import ScenarioError
from .scenario import OfferBehaviour, Scenario, UnresolvedQueue, resolve_queue

Loc = tuple[str | int, ...]


# Distribution names: pydantic puts the union member's tag in error locations.
_TAGS = frozenset({"exponential", "lognormal", "gamma", "empirical", "uniform", "constant"})


def _references(s: Scenario) -> Iterator[tuple[Loc, str]]:
    """Cross-checks pydantic cannot see: names unique, queues resolvable, modes consistent."""
    companies = [c.name for c in s.companies]
    for i, name in enumerate(companies):
        if name in companies[:i]:
            yield ("companies", i, "name"), f"company {name!r} is defined twice"
    for i, company in enumerate(s.companies):
        names = [q.name for q in company.queues]
        for j, queue in enumerate(company.queues):
            if queue.name in names[:j]:
                yield ("companies", i, "queues", j, "name"), f"queue {queue.name!r} twice"
            for attr in ("max_wait_overflow", "closed_overflow"):
                ref = getattr(queue, attr)
                if ref is not None:
                    loc = ("companies", i, "queues", j, attr)
                    yield from _resolvable(s, ref, company.name, loc)
            if queue.max_wait_overflow is not None and queue.max_wait is None:
                yield ("companies", i, "queues", j, "max_wait_overflow"), "needs max_wait"
            if queue.closed_overflow is not None and queue.hours is None:
                yield ("companies", i, "queues", j, "closed_overflow"), "needs hours"
    for i in range(len(s.streams)):
        yield from _stream_references(s, i)
    states = s.routing.presence_states
    groups = [g.name for g in s.agents]
    for i, group in enumerate(s.agents):
        if group.name in groups[:i]:
            yield ("agents", i, "name"), f"agent group {group.name!r} is defined twice"
        for j, ref in enumerate(group.queues):
            yield from _resolvable(s, ref, None, ("agents", i, "queues", j))
        if group.pickup_delay is not None and not s.manual:
            yield ("agents", i, "pickup_delay"), "applies to manual accept only (routing.accept)"
        if isinstance(group.count, list) and not group.count:
            yield ("agents", i, "count"), "give at least one count"
        for j, pause in enumerate(group.breaks):
            if pause.state not in states or pause.state == AVAILABLE:
                yield ("agents", i, "breaks", j, "state"), _not_a_state(pause.state, states)
        behaviour = group.offers
        if s.routing.offers is None and behaviour != OfferBehaviour():
            yield ("agents", i, "offers"), "needs routing.offers (reservations) to apply"
    if s.routing.agent_gone_queue is not None:
        yield from _resolvable(s, s.routing.agent_gone_queue, None, ("routing", "agent_gone_queue"))
    yield from _routing_references(s)


def _not_a_state(state: str, states: list[str]) -> str:
    others = [x for x in states if x != AVAILABLE]
    return f"{state!r} is not a presence state other than {AVAILABLE}: one of {others}"


def _routing_references(s: Scenario) -> Iterator[tuple[Loc, str]]:
    states = s.routing.presence_states
    if AVAILABLE not in states or AWAY not in states or len(set(states)) != len(states):
        yield ("routing", "presence_states"), f"list {AVAILABLE!r} and {AWAY!r}, each once"
    offers = s.routing.offers
    if offers is not None and (
        offers.missed_state not in states or offers.missed_state == AVAILABLE
    ):
        yield ("routing", "offers", "missed_state"), _not_a_state(offers.missed_state, states)
    if offers is not None and s.manual:
        yield ("routing", "offers"), "offers apply to auto-accept only (routing.accept)"


def _stream_references(s: Scenario, i: int) -> Iterator[tuple[Loc, str]]:
    stream = s.streams[i]
    if stream.company not in {c.name for c in s.companies}:
        yield ("streams", i, "company"), f"no company {stream.company!r}"
        return
    yield from _resolvable(s, stream.queue, stream.company, ("streams", i, "queue"))
    behaviour = s.behaviour_of(stream)
    own = stream.behaviour.model_fields_set if stream.behaviour is not None else set()
    if behaviour.handle_time is None:
        yield ("streams", i), "no handle_time: set it here (behaviour) or in the top behaviour"
    if behaviour.transfer is not None:
        where = ("streams", i, "behaviour") if "transfer" in own else ("behaviour",)
        loc = (*where, "transfer", "to_queue")
        yield from _resolvable(s, behaviour.transfer.to_queue, stream.company, loc)
    retrial = behaviour.retrial
    if retrial is not None and retrial.to_queue is not None:
        where = ("streams", i, "behaviour") if "retrial" in own else ("behaviour",)
        yield from _resolvable(s, retrial.to_queue, stream.company, (*where, "retrial", "to_queue"))


def _resolvable(s: Scenario, ref: str, company: str | None, loc: Loc) -> Iterator[tuple[Loc, str]]:
    try:
        resolve_queue(s, ref, company)
    except UnresolvedQueue as exc:
        yield loc, str(exc)


def parse_scenario(text: str, source: str = "<scenario>") -> Scenario:
    """Validate scenario text; raise :class:`ScenarioError` listing every problem found."""
    try:
        data, root = compose(text, source)
    except ConfigFileError as exc:
        raise ScenarioError(source, exc.issues) from None
    if not isinstance(data, dict):
        raise ScenarioError(source, [Issue(1, "", "a scenario is a mapping of keys to values")])
    try:
        scenario = Scenario.model_validate(data)
    except ValidationError as exc:
        raise ScenarioError(source, validation_issues(exc, root, _TAGS)) from None
    issues = [Issue(*locate(root, loc, _TAGS), msg) for loc, msg in _references(scenario)]
    if issues:
        raise ScenarioError(source, issues)
    return scenario


def load_scenario(path: str | Path) -> Scenario:
    """A scenario file, or a shipped scenario by name (``small-helpdesk``) when no such file."""
    path = Path(path)
    if not path.exists():
        path = shipped_path(str(path)) or path
    try:
        text = read_text(path)
    except ConfigFileError as exc:
        raise ScenarioError(exc.source, exc.issues) from None
    return parse_scenario(text, str(path))
