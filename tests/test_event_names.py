"""Event type names come from one place: the classes in ``bridge/engine/events.py``.

Production Python never spells a name (it uses ``ChatOpened.__name__``, so a typo is a
NameError at import). Tests and the browser's JavaScript must spell them; every literal there
that reads like an event name (it starts with an event's subject: Chat, Agent, Ticket...) must
be a real one, so a renamed or misspelled type fails here instead of silently matching nothing.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from bridge.engine.events import EVENT_TYPES

ROOT = Path(__file__).resolve().parents[1]
PRODUCTION = ("bridge", "simulator", "reports", "benchmarks")
SCHEMA = ROOT / "bridge" / "engine" / "events.py"
# Stream messages that are not stored events (they carry no seq).
STREAM_ONLY = frozenset({"QueueUpdate", "Counts"})
# Deliberately unknown names, used to test that unknown types are refused.
UNKNOWN_ON_PURPOSE = frozenset({"ChatOpend", "ChatParked"})
_SUBJECTS = sorted({re.match(r"[A-Z][a-z]+", name).group() for name in EVENT_TYPES})
EVENT_LIKE = re.compile(rf"^(?:{'|'.join(_SUBJECTS)})(?:[A-Z][a-z]*)+$")
_JS_STRING = re.compile(r"""["']([A-Z][A-Za-z]+)["']""")


def python_files(*dirs: str) -> Iterator[Path]:
    for name in dirs:
        yield from (p for p in (ROOT / name).rglob("*.py") if ".venv" not in p.parts)


def string_constants(source: str) -> Iterator[tuple[int, str]]:
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            yield node.lineno, node.value


def defined_names() -> frozenset[str]:
    """Classes and type aliases of the project: an ``__all__`` entry is not an event name."""
    names = set()
    for path in python_files(*PRODUCTION):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ClassDef):
                names.add(node.name)
            elif isinstance(node, ast.Assign):
                names.update(t.id for t in node.targets if isinstance(t, ast.Name))
    return frozenset(names - set(EVENT_TYPES))


def spelled_names(source: str) -> list[tuple[int, str]]:
    """Literals in production code that spell an event type instead of using its class."""
    return [(line, value) for line, value in string_constants(source) if value in EVENT_TYPES]


def unknown_names(literals: Iterator[tuple[int, str]], also: frozenset[str]) -> list:
    """Event-like literals that name no event type (nor anything in ``also``).

    A prefix of real names (``startswith("AgentLease")``) is not a misspelling."""
    allowed = set(EVENT_TYPES) | STREAM_ONLY | also
    return [
        (line, value)
        for line, value in literals
        if EVENT_LIKE.match(value)
        and value not in allowed
        and not any(name.startswith(value) for name in EVENT_TYPES)
    ]


def js_literals(source: str) -> Iterator[tuple[int, str]]:
    for number, line in enumerate(source.splitlines(), start=1):
        for match in _JS_STRING.finditer(line):
            yield number, match.group(1)


def test_production_code_never_spells_an_event_type_name():
    found = {
        str(path.relative_to(ROOT)): spelled
        for path in python_files(*PRODUCTION)
        if path != SCHEMA and (spelled := spelled_names(path.read_text(encoding="utf-8")))
    }
    assert found == {}, "use the event class's __name__ (from bridge.engine.events) instead"


def test_every_event_like_literal_in_tests_and_scripts_is_a_known_type():
    classes = defined_names() | UNKNOWN_ON_PURPOSE
    found = {}
    for path in python_files("tests", *PRODUCTION):
        if path == Path(__file__).resolve():
            continue  # its own examples are misspelled on purpose
        literals = string_constants(path.read_text(encoding="utf-8"))
        if bad := unknown_names(literals, classes):
            found[str(path.relative_to(ROOT))] = bad
    for path in (ROOT / "bridge" / "web").rglob("*.js"):
        if bad := unknown_names(js_literals(path.read_text(encoding="utf-8")), classes):
            found[str(path.relative_to(ROOT))] = bad
    assert found == {}, f"not event types: {found}; known: {sorted(EVENT_TYPES)}"


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ('if row["type"] == "ChatOpend": pass', [(1, "ChatOpend")]),
        ('kinds = ["ChatOpened", "ChatClosd"]', [(1, "ChatClosd")]),
        ('if row["type"] == "QueueUpdate": pass', []),
        ('if row["type"].startswith("AgentLease"): pass', []),
        ('if row["type"].startswith("AgentLeaseRenewd"): pass', [(1, "AgentLeaseRenewd")]),
    ],
)
def test_the_check_catches_a_misspelled_type(source, expected):
    assert unknown_names(string_constants(source), frozenset()) == expected
    assert unknown_names(js_literals(source), frozenset()) == expected


def test_the_check_catches_a_spelled_name_in_production_code():
    assert spelled_names('if kind == "ChatClosed": pass') == [(1, "ChatClosed")]
    assert spelled_names("if kind == ChatClosed.__name__: pass") == []
