"""``livechat-report``: build a report from an event log, or compare two runs.

    livechat-report build LOG --out DIR [--target 30s] [--interval 15m] [--goal 0.8]
    livechat-report compare A B --out DIR [--threshold 0.1] [--align start] [--level 0.95]

LOG is a simulator Parquet file, a bridge SQLite store or the ``postgresql://`` URL of a bridge's
PostgreSQL database (read-only); A and B may also be report folders.
Bad input (missing or unreadable file, bad option) ends with a one-line message and status 2.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bridge.durations import duration_arg, positive_duration_arg
from bridge.store.factory import is_postgres

from .alignment import ALIGNMENTS
from .errors import LogUnreadable, ReportError

EXIT_BAD_INPUT = 2


def _zone(text: str) -> str:
    try:
        ZoneInfo(text)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise argparse.ArgumentTypeError(f"unknown time zone {text!r}") from exc
    return text


def _level(text: str) -> float:
    value = float(text)
    if not 0.5 <= value < 1:
        raise argparse.ArgumentTypeError("give a level such as 0.95 (0.5 to below 1)")
    return value


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--out", required=True, help="folder to write into (created if missing)")
    parser.add_argument(
        "--target",
        type=duration_arg,
        help="service-level target, s (default: the simulated log's scenario, else 30)",
    )
    parser.add_argument(
        "--interval",
        type=positive_duration_arg,
        help="interval length, s (default: the simulated log's scenario, else 900)",
    )
    parser.add_argument("--tz", type=_zone, help="time zone (default: the scenario's, else UTC)")
    parser.add_argument(
        "--capacity",
        type=int,
        default=1,
        help="chats an agent may hold after signing in (the engine's default_capacity)",
    )


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(prog="livechat-report", description=__doc__.splitlines()[0])
    sub = top.add_subparsers(dest="command", required=True)
    build = sub.add_parser("build", help="HTML report plus CSV/Parquet KPI tables")
    build.add_argument(
        "log",
        help="Parquet event log, a `livechat-sim run --out` folder, a bridge SQLite store, or"
        " a bridge's postgresql:// database URL",
    )
    _common(build)
    build.add_argument(
        "--goal",
        type=float,
        help="service-level goal line, 0..1 (default: the scenario's, else 0.8)",
    )
    cmp = sub.add_parser("compare", help="two runs side by side (HTML + CSV)")
    cmp.add_argument("a", help="log or report folder of run A")
    cmp.add_argument("b", help="log or report folder of run B")
    _common(cmp)
    cmp.add_argument(
        "--threshold",
        type=float,
        default=0.10,
        help="highlight relative differences above this (0.1 = 10%%)",
    )
    cmp.add_argument(
        "--align",
        choices=ALIGNMENTS,
        default="clock",
        help="line intervals up on the clock (default), or by offset from each run's start or"
        " first arrival (a simulated run against a live or driven one)",
    )
    cmp.add_argument(
        "--level",
        type=_level,
        default=0.95,
        help="interval level when one side has replications (default 0.95)",
    )
    return top


def run_folder_log(path: Path) -> Path:
    """A ``livechat-sim run --out`` folder stands for its one log; with several replications
    the planner is told which files there are instead of being shown one of them silently."""
    if not path.is_dir():
        return path
    if (path / "events.parquet").is_file():
        return path / "events.parquet"
    reps = sorted(path.glob("rep-*/events.parquet"))
    if reps:
        raise LogUnreadable(
            f"{path} holds {len(reps)} replications: build one ({reps[0]}), "
            f"or compare two (livechat-report compare {reps[0]} {reps[-1]} --out DIR)"
        )
    raise LogUnreadable(f"{path}: a folder with no events.parquet")


def _run(args: argparse.Namespace) -> str:
    common = {"target": args.target, "interval": args.interval, "tz": args.tz,
              "default_capacity": args.capacity}  # fmt: skip
    if args.command == "build":
        from .report import build_report

        log = args.log if is_postgres(args.log) else run_folder_log(Path(args.log))
        return str(build_report(log, args.out, goal=args.goal, **common))
    from .comparison import compare

    return str(compare(args.a, args.b, args.out, threshold=args.threshold, align=args.align,
                       level=args.level, **common))  # fmt: skip


def main(argv: Sequence[str] | None = None) -> int:
    try:
        args = parser().parse_args(argv)
    except SystemExit as exc:  # argparse has printed its message already
        return int(exc.code or 0)
    try:
        written = _run(args)
    except (ReportError, OSError) as exc:
        print(f"livechat-report: error: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    print(written)
    return 0


if __name__ == "__main__":
    sys.exit(main())
