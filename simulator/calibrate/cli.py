"""``livechat-sim calibrate LOG --out scenario.yaml``: registered by :mod:`simulator.cli`.

The file is checked by the scenario loader before it is written, so what calibrate writes,
``livechat-sim run`` reads. A missing or unreadable log, or one with no chats, is an error with
a code (exit status 2) and writes nothing.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bridge.durations import duration_arg, positive_duration_arg


def _zone(text: str) -> str:
    try:
        ZoneInfo(text)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise argparse.ArgumentTypeError(f"unknown time zone {text!r}") from exc
    return text


def cmd_calibrate(args: argparse.Namespace) -> int:
    from reports.calibrate import scenario_text

    from ..loader import parse_scenario
    from . import calibrate

    cal = calibrate(args.log, args.interval, args.tz, args.target, args.capacity)
    out = Path(args.out)
    text = scenario_text(cal)
    scenario = parse_scenario(text, str(out))  # never write a file `run` would refuse
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text, encoding="utf-8")
    g = cal.grid
    start = f"{g.start_datetime():%a %Y-%m-%d %H:%M %Z}"
    print(
        f"Wrote {out}: {len(scenario.streams)} arrival streams, {len(scenario.agents)} agent"
        f" groups, {g.profile_length} intervals of {g.interval:g}s from {start}, measured"
        f" from {cal.chats:,} chats of {cal.source}."
    )
    print(f"Next: livechat-sim run {out}   (and livechat-report build {args.log} --out DIR for"
          " the calibration page)")  # fmt: skip
    return 0


def add_command(sub: argparse._SubParsersAction) -> None:
    cal = sub.add_parser("calibrate", help="write a scenario file measured from an event log")
    cal.add_argument("log", help="a bridge SQLite store, a postgresql:// URL or a Parquet log")
    cal.add_argument("--out", required=True, help="the scenario file to write (YAML)")
    cal.add_argument(
        "--interval",
        type=positive_duration_arg,
        help="profile interval (default: the simulated log's, else 15m)",
    )
    cal.add_argument("--tz", type=_zone, help="time zone of days and weekdays (default: UTC)")
    cal.add_argument("--target", type=duration_arg, help="service-level target (default 30s)")
    cal.add_argument(
        "--capacity",
        type=int,
        default=1,
        help="chats an agent may hold after signing in (the bridge's default_capacity)",
    )
    cal.set_defaults(func=cmd_calibrate)
