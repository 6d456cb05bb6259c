"""Nothing outside ``bridge/engine/`` reaches into engine internals.

Other packages drive the engine through its commands and ask it through its query methods.
Internals, precisely:

- any attribute of an engine that is not a public method of ``Engine`` (commands and queries)
  or one of ``BOUND`` (the configuration, and the timer and replay entry points bound in
  ``__init__``): so ``engine.chats``, ``engine.agents``, ``engine.queues``, the collaborators
  (``engine.state``, ``engine.routing``, ``engine.timers``, ``engine.checks``,
  ``engine.roster``, ``engine.queries``) and anything underscored;
- importing the collaborator modules, or the mutable model classes (``Chat``, ``Agent``,
  ``Queue``) whose fields only the appliers may change: the outside gets frozen views
  (``bridge.engine.views``). The model's rule functions and constants (``is_present``,
  ``IT_AGENT_ROLE``, ...) stay importable: one rule, one place.

"An engine" is any expression named ``engine`` (``engine``, ``self.engine``,
``bridge.engine``, ``self.sim.engine``, ...), except a settings object's ``engine`` section.
Tests may look inside: they are not scanned.
"""

from __future__ import annotations

import ast
from pathlib import Path

from bridge.engine import Engine

REPO = Path(__file__).resolve().parents[2]
SCANNED = ("bridge", "simulator", "reports", "benchmarks")
BOUND = frozenset({"config", "next_deadline", "advance", "replay"})
PUBLIC = (
    frozenset(
        name for name, value in vars(Engine).items() if callable(value) and not name.startswith("_")
    )
    | BOUND
)
PRIVATE_MODULES = frozenset(
    f"bridge.engine.{m}" for m in ("state", "routing", "timers", "checks", "queries", "presence")
)
MODEL_CLASSES = frozenset({"Chat", "Agent", "Queue"})


def _is_engine(node: ast.expr) -> bool:
    if isinstance(node, ast.Name):
        return node.id == "engine"
    if isinstance(node, ast.Attribute) and node.attr == "engine":
        base = node.value
        owner = base.id if isinstance(base, ast.Name) else getattr(base, "attr", "")
        return "settings" not in owner
    return False


def _module_of(node: ast.ImportFrom, path: Path, root: Path) -> str:
    if not node.level:
        return node.module or ""
    package = path.relative_to(root).with_suffix("").parts[: -node.level]
    return ".".join([*package, *([node.module] if node.module else [])])


def violations(root: Path) -> list[str]:
    """``file:line: what`` for every reach into engine internals under ``root``."""
    found = []
    for top in SCANNED:
        for path in sorted((root / top).rglob("*.py")):
            rel = path.relative_to(root)
            if rel.parts[:2] == ("bridge", "engine"):
                continue
            tree = ast.parse(path.read_text(), str(rel))
            for node in ast.walk(tree):
                where = f"{rel}:{getattr(node, 'lineno', 0)}"
                if isinstance(node, ast.Attribute) and _is_engine(node.value):
                    if node.attr not in PUBLIC:
                        found.append(f"{where}: engine.{node.attr} is an engine internal")
                elif isinstance(node, ast.ImportFrom):
                    module = _module_of(node, path, root)
                    names = {a.name for a in node.names}
                    if module in PRIVATE_MODULES or (
                        module == "bridge.engine"
                        and names & {m.rsplit(".")[-1] for m in PRIVATE_MODULES}
                    ):
                        found.append(f"{where}: imports {module} (an engine collaborator)")
                    elif module == "bridge.engine.model" and names & MODEL_CLASSES:
                        classes = ", ".join(sorted(names & MODEL_CLASSES))
                        found.append(f"{where}: imports the engine's model class {classes}")
                elif isinstance(node, ast.Import):
                    for alias in node.names:
                        if alias.name in PRIVATE_MODULES:
                            found.append(f"{where}: imports {alias.name} (an engine collaborator)")
    return sorted(found, key=lambda f: (f.split(":")[0], int(f.split(":")[1])))


def test_no_module_outside_the_engine_reaches_into_its_internals():
    found = violations(REPO)
    assert not found, "ask the engine through a query method instead:\n" + "\n".join(found)


def test_the_boundary_check_catches_a_read_of_engine_state(tmp_path):
    (tmp_path / "bridge").mkdir()
    (tmp_path / "bridge" / "leak.py").write_text(
        "from bridge.engine.model import Chat\n"
        "def f(bridge, engine, settings):\n"
        "    settings.engine.queues\n"  # a settings section, not an engine
        "    engine.counts('a1')\n"
        "    return bridge.engine.chats, engine._clock, engine.routing\n"
    )
    assert violations(tmp_path) == [
        "bridge/leak.py:1: imports the engine's model class Chat",
        "bridge/leak.py:5: engine.chats is an engine internal",
        "bridge/leak.py:5: engine._clock is an engine internal",
        "bridge/leak.py:5: engine.routing is an engine internal",
    ]


def test_the_public_surface_is_the_command_and_query_methods():
    assert {"hand_off", "accept", "end", "sign_in", "counts", "chat_view", "staffing"} <= PUBLIC
    assert not PUBLIC & {"chats", "agents", "queues", "state", "routing", "timers", "roster"}
