"""The sample scenarios shipped with livechat, found by name from an installed package.

``livechat-sim run small-helpdesk`` reads ``small-helpdesk.yaml`` from this package (through
:mod:`importlib.resources`, so it works from a wheel as well as from a checkout), and
``livechat-sim scenarios`` lists them. The files stay plain YAML a planner can copy and edit.
"""

from __future__ import annotations

from importlib.resources import as_file, files
from pathlib import Path

SUFFIX = ".yaml"


def shipped() -> list[str]:
    """The names of the shipped scenarios, sorted."""
    names = (entry.name for entry in files(__name__).iterdir())
    return sorted(name.removesuffix(SUFFIX) for name in names if name.endswith(SUFFIX))


def shipped_path(name: str) -> Path | None:
    """The file of the shipped scenario ``name`` (with or without ``.yaml``), else None."""
    name = name.removesuffix(SUFFIX)
    if not name or "/" in name or "\\" in name or name not in shipped():
        return None
    with as_file(files(__name__) / f"{name}{SUFFIX}") as path:
        return Path(path)  # package data inside a regular install: a real file
