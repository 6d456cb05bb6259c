"""The calibrated scenario as YAML text with comments: what ``simulator.loader`` reads back.

The text follows the scenario schema (``simulator.scenario``) without importing it, so the
report's calibration page needs no simulator; ``livechat-sim calibrate`` checks every text it
writes with the scenario loader, and the calibration tests load what this writes.

Written by hand rather than by a YAML dumper, so each value carries the evidence behind it as
a comment (see :mod:`evidence`) and a week-long profile reads one day per line.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from typing import Any

import numpy as np

from . import aftercare_text
from .arrivals import StreamArrivals
from .calibration import Calibration
from .evidence import dispersion_line, fit_lines, patience_lines, seconds
from .grid import WEEKDAYS

_PLAIN = re.compile(r"^[A-Za-z_][A-Za-z0-9_ ./+-]*$")


def _str(value: str) -> str:
    return value if _PLAIN.match(value) and value.strip() == value else json.dumps(value)


def _flow(mapping: dict[str, Any]) -> str:
    parts = []
    for key, value in mapping.items():
        if isinstance(value, dict):
            text = _flow(value)
        elif isinstance(value, str):
            text = _str(value)
        elif isinstance(value, float) and key in ("mean", "sd"):
            text = seconds(value)
        else:
            text = f"{value:g}" if isinstance(value, float) else str(value)
        parts.append(f"{key}: {text}")
    return "{" + ", ".join(parts) + "}"


def _comment(lines: list[str], indent: int) -> list[str]:
    pad = " " * indent
    return [f"{pad}# {line}".rstrip() for line in lines]


def _header(cal: Calibration) -> list[str]:
    g = cal.grid
    start = g.start_datetime()
    days = (g.end - g.start) / 86400
    typical = "one typical week of it" if g.end - g.start > g.horizon else "all of it"
    return [
        f"# Calibrated by `livechat-sim calibrate` from {cal.source}",
        f"# on {datetime.now(UTC):%Y-%m-%d %H:%M} UTC: {cal.chats:,} chats over {days:.2f} days"
        f" from {start:%a %Y-%m-%d %H:%M %Z}; this scenario covers {typical}.",
        "# Every value was measured from the log; the comments show the evidence. Weekday",
        "# and time-of-day means are averaged over the days of the same weekday.",
        f"name: {_str('Calibrated: ' + (cal.name or cal.source.rsplit('/', 1)[-1]))}",
        f"description: {_str(f'Measured from {cal.chats} chats of {cal.source}')}",
        "",
        f"start: {start.isoformat()}",
        f"horizon: {seconds(g.horizon)}",
        f"interval: {seconds(g.interval)}",
        "cooldown: 1h",
        "seed: 1",
        "",
        "service_level:",
        f"  within: {seconds(cal.target)}",
        "",
        "routing:",
        f"  accept: {'manual' if cal.manual else 'auto'}",
        "",
    ]


def _queue_keys(cal: Calibration) -> list[str]:
    keys = {f"{s.company}/{s.queue}" for s in cal.streams}
    keys |= set(cal.shares) | set(cal.handle.second)
    keys |= {q for g in cal.groups for q in g.queues if "/" in q}
    keys |= {s.transfer_to for s in cal.shares.values() if s.transfer_to}
    keys |= {r.to_queue for r in cal.retrials.values() if r.to_queue}
    return sorted(keys)


def _companies(cal: Calibration) -> list[str]:
    by_company: dict[str, list[str]] = {}
    for key in _queue_keys(cal):
        company, _, queue = key.partition("/")
        by_company.setdefault(company, []).append(queue)
    lines = ["companies:"]
    for company, queues in by_company.items():
        lines.append(f"  - name: {_str(company)}")
        lines.append("    queues:")
        for q in queues:
            lines.append(f"      - name: {_str(q)}")
            lines += aftercare_text.queue_lines(cal, f"{company}/{q}", " " * 8)
    return [*lines, ""]


def _by_day(key: str, values: list[str], cal: Calibration, note: str) -> list[str]:
    """``key: [...]`` over the profile's entries, one local day per line, each line commented
    with its weekday and first slot."""
    g = cal.grid
    local = g.local(g.start + g.interval * np.arange(g.profile_length))
    day = local.normalize()
    lines = [f"    {key}: [  # {note}"]
    for label in dict.fromkeys(day):
        idx = np.flatnonzero(day == label)
        first = local[idx[0]]
        text = ", ".join(values[i] for i in idx)
        lines.append(f"      {text},  # {WEEKDAYS[first.weekday()]} from {first:%H:%M}")
    return [*lines, "    ]"]


def _profile(stream: StreamArrivals, cal: Calibration) -> list[str]:
    values = [f"{float(f'{v:.4g}'):g}" for v in stream.profile]
    note = f"chats per hour, per {seconds(cal.grid.interval)} interval"
    return _by_day("profile", values, cal, note)


def _counts(counts: list[int], cal: Calibration) -> list[str]:
    if len(set(counts)) == 1:
        return [f"    count: {counts[0]}"]
    return _by_day("count", [str(c) for c in counts], cal, "from start, one per interval")


def _overdispersion(stream: StreamArrivals) -> list[str]:
    d = stream.overdispersion
    lines = _comment([dispersion_line(d)], 4)
    if not d.measured:
        return lines
    field = f"overdispersion: {{day_cv: {d.day_cv:.3g}, interval_cv: {d.interval_cv:.3g}}}"
    return [*lines, f"    {field}"]


def _handle(cal: Calibration, key: str, indent: int) -> list[str]:
    fitted = cal.handle.first.get(key) or _pooled(cal)
    pad = " " * indent
    if fitted is None:
        note = "no chat was answered in the log: a placeholder handle time, set it yourself"
        return [*_comment([note], indent), f"{pad}handle_time: 5m"]
    what = f"handle time of first legs in {key}" if key in cal.handle.first else (
        "handle time of all first legs (none in this queue)")  # fmt: skip
    if cal.handle.rates is not None:
        what += " (work at one-chat speed, see concurrency_rates)"
    lines = _comment(fit_lines(what, fitted), indent)
    return [*lines, f"{pad}handle_time: {_flow(fitted.best.scenario())}"]


def _pooled(cal: Calibration):
    return max(cal.handle.first.values(), key=lambda f: len(f.observed), default=None)


def _behaviour(cal: Calibration, key: str) -> list[str]:
    lines = ["    behaviour:", *_handle(cal, key, 6)]
    p = cal.patience.get(key)
    if p is not None:
        lines += _comment(patience_lines(p), 6)
        if p.fit is not None:
            lines.append(f"      patience: {_flow(p.fit.best.scenario())}")
    s = cal.shares.get(key)
    if s is None:
        return lines
    lines += _comment([f"{s.answered:,} answered; of them {s.answered - s.worked:,} cancelled"
                       " by the user after an agent joined"], 6)  # fmt: skip
    lines.append(f"      cancel_after_assign: {s.cancel_after_assign:.4f}")
    if s.transfer_to is not None:
        others = ", ".join(f"{q}: {n}" for q, n in s.destinations.items())
        lines += _comment([f"transferred to a queue: {sum(s.destinations.values()):,} of"
                           f" {s.worked:,} worked chats ({others})"], 6)  # fmt: skip
        transfer = {"probability": round(s.transfer, 4), "to_queue": s.transfer_to}
        second = cal.handle.second.get(s.transfer_to)
        if second is not None:
            lines += _comment(fit_lines(f"work after a transfer to {s.transfer_to}", second), 6)
            transfer["handle_time"] = second.best.scenario()
        lines.append(f"      transfer: {_flow(transfer)}")
    if s.tickets:
        tickets = {k: round(v, 4) for k, v in sorted(s.tickets.items())}
        lines += _comment([f"tickets per worked chat ({s.worked:,} worked)"], 6)
        lines.append(f"      tickets: {_flow(tickets)}")
    return [*lines, *aftercare_text.behaviour_lines(cal, key, _flow)]


def _streams(cal: Calibration) -> list[str]:
    lines = ["streams:"]
    for s in cal.streams:
        key = f"{s.company}/{s.queue}"
        lines += [f"  # {key}, {s.source}: {s.chats:,} chats in the window",
                  f"  - company: {_str(s.company)}", f"    queue: {_str(s.queue)}",
                  f"    source: {s.source}", *_profile(s, cal), *_overdispersion(s),
                  *_behaviour(cal, key)]  # fmt: skip
    return [*lines, ""]


def _agents(cal: Calibration) -> list[str]:
    lines = ["agents:"]
    if not cal.groups:
        first = _queue_keys(cal)[0]
        return [*lines, "  # nobody signed in in the log: a group of none, add agents",
                f"  - {{name: agents, count: 0, queues: [{_str(first)}]}}", ""]  # fmt: skip
    rates = cal.handle.rates
    for g in cal.groups:
        shown = ", ".join(g.agents[:6]) + (", ..." if len(g.agents) > 6 else "")
        people = f"{len(g.agents)} agent" + "s" * (len(g.agents) != 1)
        lines += [f"  # {people} signed in to {', '.join(g.queues)}: {shown}",
                  f"  - name: {_str(g.name)}",
                  f"    queues: [{', '.join(_str(q) for q in g.queues)}]",
                  f"    capacity: {g.capacity}", *aftercare_text.group_lines(cal, g)]  # fmt: skip
        if rates is not None and g.capacity > 1:
            lines += _comment(
                [
                    "each chat's speed while holding k chats, from legs grouped by"
                    " the level they started at (work does not depend on it)"
                ],
                4,
            )
            lines.append(f"    concurrency_rates: [{', '.join(f'{r:g}' for r in rates)}]")
        lines += _comment(
            [
                f"agents serving per {seconds(cal.grid.interval)} interval from"
                " start (available agent-time / interval, rounded)"
            ],
            4,
        )
        lines += _counts(g.counts, cal)
    return [*lines, ""]


def scenario_text(cal: Calibration) -> str:
    """The whole scenario file."""
    parts = [*_header(cal), *_companies(cal), *_streams(cal), *_agents(cal)]
    return "\n".join(parts).rstrip() + "\n"
