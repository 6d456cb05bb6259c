"""The forecast as a scenario fragment: commented YAML with ``start``, ``interval``,
``horizon`` and the ``streams`` (``profile:`` in chats per hour), or a whole scenario.

A fragment's keys are scenario keys: pasted into a scenario (or merged by ``--scenario BASE``,
which keeps everything else of the base, each base stream's ``behaviour`` included) they make
it simulate, staff and schedule the forecast weeks.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import yaml

from scenarios import shipped_path

from .forecast import Forecast, holdout_text
from .loader import load_scenario, parse_scenario

METHOD = (
    "multiplicative weekday x time-of-day factors times a level with a linear trend "
    "(least squares on deseasonalised daily totals; the trend kept only when its slope is two "
    "standard errors from zero, over two weeks of history or more)"
)


def fragment_data(result: Forecast) -> dict[str, Any]:
    streams = [
        {"company": c, "queue": q, "source": s, "profile": profile}
        for (c, q, s), profile in sorted(result.profiles.items())
    ]
    return {
        "start": result.start.isoformat(),
        "interval": result.interval,
        "horizon": 7 * 86400.0 * result.weeks,
        "streams": streams,
    }


def _comments(result: Forecast) -> str:
    made = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    lines = [
        f"Arrival forecast by `livechat-sim forecast` from {result.source} ({made}).",
        f"History: {result.history_days} day(s); forecast: {result.weeks} week(s) of "
        f"{result.interval:g}-second intervals from {result.start.isoformat()}.",
        f"Method: {METHOD}.",
        holdout_text(result.holdout),
        "Profiles are chats per hour per interval from start; paste these keys into a "
        "scenario, or merge them with `livechat-sim forecast ... --scenario BASE`.",
    ]
    return "".join(f"# {line}\n" for line in lines)


def _dump(data: dict[str, Any]) -> str:
    class Flow(yaml.SafeDumper):
        pass

    def lists(dumper: yaml.SafeDumper, value: list[Any]) -> yaml.Node:
        flow = bool(value) and not isinstance(value[0], dict)
        return dumper.represent_sequence("tag:yaml.org,2002:seq", value, flow_style=flow)

    Flow.add_representer(list, lists)
    return yaml.dump(data, Dumper=Flow, sort_keys=False, width=100, allow_unicode=True)


def merged(base: Path, result: Forecast) -> dict[str, Any]:
    """The base scenario with the forecast's start, interval, horizon and streams."""
    load_scenario(base)  # a bad base is refused with its own file:line messages
    path = base if base.exists() else shipped_path(str(base)) or base  # or a shipped name
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    behaviours = {
        (s["company"], s.get("queue", "GENERAL"), s.get("source", "self_service")): s["behaviour"]
        for s in data.get("streams", [])
        if "behaviour" in s
    }
    fragment = fragment_data(result)
    for stream in fragment["streams"]:
        key = (stream["company"], stream["queue"], stream["source"])
        if key in behaviours:
            stream["behaviour"] = behaviours[key]
    return {**data, **fragment}


def write_fragment(result: Forecast, out: Path, base: Path | None = None) -> Path:
    """Write the fragment (or, with ``base``, a whole scenario checked by the loader)."""
    data = merged(base, result) if base is not None else fragment_data(result)
    text = _comments(result) + _dump(data)
    if base is not None:
        parse_scenario(text, str(out))  # the written scenario runs, or nothing is written
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text, encoding="utf-8")
    return out
