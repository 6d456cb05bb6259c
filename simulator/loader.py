"""Read a scenario file: YAML -> pydantic -> cross-references, every error mapped to its line.

YAML nodes keep their marks, so a pydantic error location such as ``('agents', 0, 'count')``
is walked down the node tree to the line a planner must fix. Location parts that are not in
the file (a union's tag, a model name) are skipped on the way.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from .errors import Issue, ScenarioError
from .scenario import Scenario, UnresolvedQueue, resolve_queue

Loc = tuple[str | int, ...]


class _Loader(yaml.SafeLoader):
    """YAML 1.2 numbers: ``18:00`` stays a string instead of YAML 1.1's base-60 integer 1080."""


_Loader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag not in ("tag:yaml.org,2002:int",
                                                              "tag:yaml.org,2002:float")]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}  # fmt: skip
_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:int", re.compile(r"^[-+]?(?:0|[1-9][0-9_]*)$"), list("-+0123456789")
)
_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:float",
    re.compile(
        r"^[-+]?(?:[0-9][0-9_]*)?\.[0-9_]*(?:[eE][-+]?[0-9]+)?$|^[-+]?[0-9]+[eE][-+]?[0-9]+$"
    ),
    list("-+0123456789."),
)


def _line(node: yaml.Node) -> int:
    return node.start_mark.line + 1


def _child(node: yaml.Node, part: str | int) -> tuple[yaml.Node, yaml.Node] | None:
    """(the node to point at, the node to descend into) for one location part."""
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            if key.value == str(part):
                return key, value
    if isinstance(node, yaml.SequenceNode) and isinstance(part, int) and part < len(node.value):
        item = node.value[part]
        return item, item
    return None


def line_of(root: yaml.Node | None, loc: Loc) -> int | None:
    """The line of the deepest node along ``loc`` that exists in the file."""
    if root is None:
        return None
    node, line = root, _line(root)
    for part in loc:
        found = _child(node, part)
        if found is not None:
            line, node = _line(found[0]), found[1]
    return line


_TAGS = frozenset(
    {"exponential", "lognormal", "gamma", "empirical", "uniform", "constant", "int", "float", "str"}
)


def _is_tag(part: str | int) -> bool:
    """Union members and validators pydantic names in locations: not fields of the file."""
    return isinstance(part, str) and (part in _TAGS or any(c in part for c in "[(-"))


def field_name(loc: Loc) -> str:
    """``agents[0].count`` from a location, without the union tags pydantic adds."""
    text = ""
    for part in loc:
        if isinstance(part, int):
            text += f"[{part}]"
        elif not _is_tag(part):
            text += f".{part}" if text else part
    return text


def _compose(text: str, source: str) -> tuple[Any, yaml.Node | None]:
    try:
        loader = _Loader(text)
        try:
            node = loader.get_single_node()
            data = loader.construct_document(node) if node is not None else None
        finally:
            loader.dispose()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else None
        raise ScenarioError(source, [Issue(line, "", f"not valid YAML: {exc.problem}")]) from None
    except yaml.YAMLError as exc:
        raise ScenarioError(source, [Issue(None, "", f"not valid YAML: {exc}")]) from None
    return data, node


def _validation_issues(exc: ValidationError, root: yaml.Node | None) -> list[Issue]:
    issues = []
    for error in exc.errors(include_url=False, include_context=False, include_input=False):
        loc = tuple(error["loc"])
        message = error["msg"].removeprefix("Value error, ")
        issues.append(Issue(line_of(root, loc), field_name(loc), message))
    return issues


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
    if s.routing.agent_gone_queue is not None:
        yield from _resolvable(s, s.routing.agent_gone_queue, None, ("routing", "agent_gone_queue"))


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


def _resolvable(s: Scenario, ref: str, company: str | None, loc: Loc) -> Iterator[tuple[Loc, str]]:
    try:
        resolve_queue(s, ref, company)
    except UnresolvedQueue as exc:
        yield loc, str(exc)


def parse_scenario(text: str, source: str = "<scenario>") -> Scenario:
    """Validate scenario text; raise :class:`ScenarioError` listing every problem found."""
    data, root = _compose(text, source)
    if not isinstance(data, dict):
        raise ScenarioError(source, [Issue(1, "", "a scenario is a mapping of keys to values")])
    try:
        scenario = Scenario.model_validate(data)
    except ValidationError as exc:
        raise ScenarioError(source, _validation_issues(exc, root)) from None
    issues = [Issue(line_of(root, loc), field_name(loc), msg) for loc, msg in _references(scenario)]
    if issues:
        raise ScenarioError(source, issues)
    return scenario


def load_scenario(path: str | Path) -> Scenario:
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ScenarioError(str(path), [Issue(None, "", f"cannot read the file ({exc})")]) from None
    return parse_scenario(text, str(path))
