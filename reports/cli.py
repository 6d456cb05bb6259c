"""``livechat-report``: build a report from an event log, or compare two runs.

    livechat-report build LOG --out DIR [--target 30] [--interval 900] [--goal 0.8]
    livechat-report compare A B --out DIR [--threshold 0.1]

LOG is a simulator Parquet file or a bridge SQLite store; A and B may also be report folders.
Bad input (missing or unreadable file, bad option) ends with a one-line message and status 2.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from .errors import ReportError

EXIT_BAD_INPUT = 2


def _positive(text: str) -> float:
    value = float(text)
    if not value > 0:
        raise argparse.ArgumentTypeError(f"must be positive, not {text}")
    return value


def _zone(text: str) -> str:
    try:
        ZoneInfo(text)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise argparse.ArgumentTypeError(f"unknown time zone {text!r}") from exc
    return text


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--out", required=True, help="folder to write into (created if missing)")
    parser.add_argument("--target", type=float, default=30.0, help="service-level target, s")
    parser.add_argument("--interval", type=_positive, default=900.0, help="interval length, s")
    parser.add_argument("--tz", type=_zone, default="UTC", help="time zone for epoch times")
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
    build.add_argument("log", help="Parquet event log or bridge SQLite store")
    _common(build)
    build.add_argument("--goal", type=float, default=0.8, help="service-level goal line, 0..1")
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
    return top


def _run(args: argparse.Namespace) -> str:
    common = {"target": args.target, "interval": args.interval, "tz": args.tz,
              "default_capacity": args.capacity}  # fmt: skip
    if args.command == "build":
        from .report import build_report

        return str(build_report(args.log, args.out, goal=args.goal, **common))
    from .comparison import compare

    return str(compare(args.a, args.b, args.out, threshold=args.threshold, **common))


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
