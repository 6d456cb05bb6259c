"""The planner's commands that touch the world outside a simulation: ``drive`` and ``forecast``.

Kept apart from :mod:`simulator.cli` (which only registers them) so that the simulation
commands import nothing of the bridge's client or of the forecasting code.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from bridge.durations import duration_arg

SCENARIO_HELP = "a scenario file, or a shipped scenario's name (see `livechat-sim scenarios`)"


def _speed(text: str) -> float:
    value = float(text)
    if not 0 < value <= 1000:
        raise argparse.ArgumentTypeError("give a speed above 0 and at most 1000, e.g. 60")
    return value


def _weeks(text: str) -> int:
    value = int(text)
    if not 1 <= value <= 52:
        raise argparse.ArgumentTypeError("give 1 to 52 weeks")
    return value


def cmd_drive(args: argparse.Namespace) -> int:
    from .drive import run_drive
    from .loader import load_scenario
    from .twin_target import bridge_url, target_of

    bridge_url(args.bridge)  # a bad URL is refused before the config is read
    scenario = load_scenario(args.scenario)
    target = target_of(args.bridge, args.config, args.speed)
    print(f"Driving {scenario.name!r} against {target.url} at {target.speed:g}x "
          f"({(scenario.horizon + scenario.cooldown) / target.speed:.0f} s of wall time)",
          flush=True)  # fmt: skip
    for line in run_drive(scenario, target, args.seed).lines():
        print(line)
    return 0


def cmd_forecast(args: argparse.Namespace) -> int:
    from .forecast import forecast
    from .forecast_file import write_fragment

    result = forecast(args.log, args.weeks, args.interval, args.tz)
    path = write_fragment(result, Path(args.out), args.scenario)
    print(result.summary())
    print(f"Wrote {path}")
    return 0


def add_commands(sub: argparse._SubParsersAction) -> None:
    """Register ``drive`` and ``forecast`` on ``livechat-sim``'s sub-command parser."""
    drive = sub.add_parser("drive", help="play a scenario against a running bridge (a load test)")
    drive.add_argument("scenario", help=SCENARIO_HELP)
    drive.add_argument("--bridge", required=True, metavar="URL", help="e.g. http://127.0.0.1:8080")
    drive.add_argument(
        "--config", required=True, type=Path,
        help="the bridge's config file: its secret signs agent tokens, its sources' keys hand over",
    )  # fmt: skip
    drive.add_argument(
        "--speed", type=_speed,
        help="scenario seconds per wall second; must equal the bridge's engine.clock_speed "
        "(default: that setting)",
    )  # fmt: skip
    drive.add_argument("--seed", type=int, help="the users' and arrivals' seed (a replication's)")
    drive.set_defaults(func=cmd_drive)

    fc = sub.add_parser("forecast", help="the next weeks' arrival profile from an event log")
    fc.add_argument("log", help="a bridge SQLite store, a postgresql:// URL or a Parquet log")
    fc.add_argument("--weeks", type=_weeks, default=1, help="weeks to forecast (default 1)")
    fc.add_argument("--out", required=True, help="the scenario fragment (YAML) to write")
    fc.add_argument("--interval", type=duration_arg, default=None,
                    help="interval length (default: the log's, else 15m)")  # fmt: skip
    fc.add_argument("--tz", help="time zone of the weekdays and times of day (default UTC)")
    fc.add_argument(
        "--scenario",
        type=Path,
        metavar="BASE",
        help="write a whole scenario: BASE with the forecast's streams and weeks",
    )
    fc.set_defaults(func=cmd_forecast)
