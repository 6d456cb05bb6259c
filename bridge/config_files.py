"""Config and scenario files, read one way: every mistake answered ``file:line: field: reason``.

The bridge's settings file and the simulator's scenario files go through this one reader, so
they agree on what a value means. It is YAML with the YAML 1.2 reading of plain scalars:

* ``18:00`` stays the string ``"18:00"`` (YAML 1.1 reads it as the base-60 integer 1080);
* a date or timestamp stays a string, so pydantic judges it (``2024-13-01`` is a validation
  error on its line, not a traceback from the YAML library);
* only ``true``/``false`` are booleans (YAML 1.1 also reads ``yes``, ``no``, ``on``, ``off``).

YAML nodes keep their marks, so a pydantic error location such as ``('agents', 0, 'count')``
is walked down the node tree to the line to fix. Location parts that are not in the file (a
union member's tag, a validator's name) are left out of the field name.
"""

from __future__ import annotations

import json
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

import yaml
from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, ValidationError

from bridge.durations import parse_duration
from bridge.engine.errors import LivechatError
from bridge.engine.ewt import estimators_named
from bridge.engine.policy import policy_named

Loc = tuple[str | int, ...]

# Seconds, or a duration with a unit ("90s", "5m", "1.5h"): the field type of every file.
Duration = Annotated[float, BeforeValidator(parse_duration), Field(ge=0, allow_inf_nan=False)]
Positive = Annotated[float, BeforeValidator(parse_duration), Field(gt=0, allow_inf_nan=False)]


def _known_policy(value: str) -> str:
    policy_named(value)
    return value


def _known_estimators(value: list[str]) -> list[str]:
    estimators_named(value)
    return value


# A routing policy and EWT estimators by name (the bridge's settings and the simulator's
# scenarios), refused when the file is read unless the engine has them.
PolicyName = Annotated[str, AfterValidator(_known_policy)]
EstimatorNames = Annotated[list[str], AfterValidator(_known_estimators)]


class Strict(BaseModel):
    """A section of the bridge's settings: a key it does not know is a mistake on its line,
    never silently ignored (a misspelt setting would otherwise keep its default)."""

    model_config = ConfigDict(extra="forbid")


@dataclass(frozen=True, slots=True)
class Issue:
    """One problem in a file: where (line, dotted field) and what."""

    line: int | None
    field: str
    message: str

    def format(self, source: str) -> str:
        where = f"{source}:{self.line}" if self.line is not None else source
        field = f" {self.field}:" if self.field else ""
        return f"{where}:{field} {self.message}"


class ConfigFileError(LivechatError):
    """A config file cannot be read or is invalid; ``issues`` says where and why."""

    code = "invalid_config"

    def __init__(self, source: str, issues: list[Issue]) -> None:
        self.source = source
        self.issues = issues
        super().__init__("\n".join(issue.format(source) for issue in issues))


_INT, _FLOAT, _BOOL = "tag:yaml.org,2002:int", "tag:yaml.org,2002:float", "tag:yaml.org,2002:bool"
_REPLACED = (_INT, _FLOAT, _BOOL, "tag:yaml.org,2002:timestamp")


class Loader(yaml.SafeLoader):
    """SafeLoader with YAML 1.2 plain scalars (see the module docstring)."""


Loader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag not in _REPLACED]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
Loader.add_implicit_resolver(_INT, re.compile(r"^[-+]?(?:0|[1-9][0-9_]*)$"), list("-+0123456789"))
Loader.add_implicit_resolver(
    _FLOAT,
    re.compile(
        r"^[-+]?(?:[0-9][0-9_]*)?\.[0-9_]*(?:[eE][-+]?[0-9]+)?$|^[-+]?[0-9]+[eE][-+]?[0-9]+$"
    ),
    list("-+0123456789."),
)
Loader.add_implicit_resolver(
    _BOOL, re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)


def compose(text: str, source: str) -> tuple[Any, yaml.Node | None]:
    """The data and its node tree (for line numbers); bad YAML is a :class:`ConfigFileError`."""
    try:
        loader = Loader(text)
        try:
            node = loader.get_single_node()
            data = loader.construct_document(node) if node is not None else None
        finally:
            loader.dispose()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else None
        raise ConfigFileError(source, [Issue(line, "", f"not valid YAML: {exc.problem}")]) from None
    except (yaml.YAMLError, ValueError) as exc:
        raise ConfigFileError(source, [Issue(None, "", f"not valid YAML: {exc}")]) from None
    duplicates = _duplicate_keys(node)
    if duplicates:
        raise ConfigFileError(source, duplicates)
    return data, node


def _duplicate_keys(node: yaml.Node | None, where: str = "") -> list[Issue]:
    """YAML keeps the last of two equal keys silently; a config typo must not vanish so."""
    issues: list[Issue] = []
    if isinstance(node, yaml.MappingNode):
        first: dict[str, int] = {}
        for key, value in node.value:
            name = f"{where}.{key.value}" if where else str(key.value)
            if key.value in first:
                text = f"given twice (first on line {first[key.value]})"
                issues.append(Issue(_line(key), name, text))
            first.setdefault(key.value, _line(key))
            issues += _duplicate_keys(value, name)
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            issues += _duplicate_keys(item, f"{where}[{i}]")
    return issues


def read_text(path: Path) -> str:
    """The file's text, or a :class:`ConfigFileError` saying why it cannot be read."""
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else exc
        issue = Issue(None, "", f"cannot read the file ({reason})")
        raise ConfigFileError(str(path), [issue]) from None


def read_mapping(path: Path) -> tuple[dict[str, Any], yaml.Node | None]:
    """A YAML, TOML or JSON mapping (by suffix) and, for YAML and JSON, its node tree."""
    text, source = read_text(path), str(path)
    suffix = path.suffix.lower()
    root: yaml.Node | None = None
    try:
        if suffix == ".toml":
            data: Any = tomllib.loads(text)
        elif suffix == ".json":
            data = json.loads(text)
            root = _nodes_or_none(text, source)
        else:
            data, root = compose(text, source)
    except (tomllib.TOMLDecodeError, json.JSONDecodeError) as exc:
        line = getattr(exc, "lineno", None)
        issue = Issue(line, "", f"not valid {suffix[1:].upper()}: {exc}")
        raise ConfigFileError(source, [issue]) from None
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ConfigFileError(source, [Issue(1, "", "the file must hold a mapping of keys")])
    return data, root


def _nodes_or_none(text: str, source: str) -> yaml.Node | None:
    """JSON is (nearly) YAML: its node tree gives lines when the YAML reader accepts it."""
    try:
        return compose(text, source)[1]
    except ConfigFileError:
        return None


def _line(node: yaml.Node) -> int:
    return node.start_mark.line + 1


def _child(node: yaml.Node | None, part: str | int) -> tuple[yaml.Node, yaml.Node] | None:
    """(the node to point at, the node to descend into) for one location part."""
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            if key.value == str(part):
                return key, value
    if isinstance(node, yaml.SequenceNode) and isinstance(part, int) and part < len(node.value):
        item = node.value[part]
        return item, item
    return None


_MEMBER_TYPES = frozenset({"int", "float", "str", "bool", "list", "dict", "none"})


def _looks_like_tag(part: str | int, tags: frozenset[str]) -> bool:
    """Union members and validators pydantic names in locations: ``function-after[...]``,
    ``tagged-union[...]``, a discriminator's value (``tags``), a member type such as ``float``."""
    return isinstance(part, str) and (
        part in _MEMBER_TYPES or part in tags or any(c in part for c in "[(-")
    )


def locate(
    root: yaml.Node | None, loc: Loc, tags: frozenset[str] = frozenset()
) -> tuple[int | None, str]:
    """(line of the deepest node along ``loc`` in the file, the dotted field name).

    ``tags`` are the values a schema uses as union tags (a distribution's ``dist``), never
    field names."""
    node, line = root, (_line(root) if root is not None else None)
    text = ""
    for part in loc:
        found = _child(node, part)
        if found is not None:
            line, node = _line(found[0]), found[1]
        elif _looks_like_tag(part, tags):
            continue
        else:
            node = None  # a field missing from the file: name it, keep the parent's line
        if isinstance(part, int):
            text += f"[{part}]"
        elif not part.isidentifier():
            text += f"[{part!r}]"  # a mapping key such as "Company/QUEUE"
        else:
            text += f".{part}" if text else part
    return line, text


def validation_issues(
    exc: ValidationError, root: yaml.Node | None, tags: frozenset[str] = frozenset()
) -> list[Issue]:
    """One :class:`Issue` per pydantic error, pointed at its line when the file has it."""
    issues = []
    for error in exc.errors(include_url=False, include_context=False, include_input=False):
        line, field = locate(root, tuple(error["loc"]), tags)
        issues.append(Issue(line, field, error["msg"].removeprefix("Value error, ")))
    return issues
