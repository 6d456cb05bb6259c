"""``livechat-sim``: run scenarios, answer Erlang questions, staff, schedule shifts, check files.

Every domain error (a bad scenario file, impossible Erlang inputs, an unreachable staffing
goal) is printed as one message without a traceback, with exit status 2.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path

from bridge.durations import duration_arg, positive_duration_arg
from bridge.engine.errors import LivechatError

from . import twin_cli
from .calibrate import cli as calibrate_cli
from .errors import SimulatorError
from .loader import load_scenario
from .scenario import Scenario

SCENARIO_HELP = "a scenario file, or a shipped scenario's name (see `livechat-sim scenarios`)"
SL_NOTE = (
    "Service level = share of ALL arrivals answered within {within:g}s; users who cancel while "
    "waiting count as not answered (before or after the target)."
)


def _share(text: str) -> float:
    value = float(text.rstrip("%")) / (100 if text.endswith("%") else 1)
    if not 0 < value <= 1:
        raise argparse.ArgumentTypeError("give a share such as 0.8 or 80%")
    return value


def _positive_int(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return value


def cmd_run(args: argparse.Namespace) -> int:
    from .replications import replicate
    from .report import print_report
    from .summary import combine, to_json

    scenario = _with_horizon(load_scenario(args.scenario), args.horizon)
    # Absolute before any task leaves: a Dask worker resolves a relative path in its own folder.
    out = Path(args.out).resolve() if args.out is not None else None
    summaries = replicate(scenario, args.replications, args.seed, out, args.dask,
                          args.workers)  # fmt: skip
    combined = combine(summaries)
    print_report(scenario, combined)
    if out is not None:
        path = out / "summary.json"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(to_json(combined, scenario), indent=2) + "\n")
        print(f"\nWrote {path}")
        print(_where_logs_are(out, args.replications, args.dask))
    return 0


def _with_horizon(scenario: Scenario, horizon: float | None) -> Scenario:
    """``--horizon``: the scenario with arrivals stopping elsewhere (for a longer or shorter run
    of the same desk, as the end-to-end benchmark does); the warm-up must still end before it."""
    if horizon is None:
        return scenario
    if scenario.warmup >= horizon:
        warmup = scenario.warmup
        raise SimulatorError(f"--horizon {horizon:g}s must end after the warm-up ({warmup:g}s)")
    return scenario.model_copy(update={"horizon": horizon})


def _where_logs_are(out: Path, replications: int, dask: str | None) -> str:
    logs: Path | str = out / "events.parquet"
    if replications > 1:
        logs = f"{out / 'rep-01' / 'events.parquet'} ... rep-{replications:02d}/events.parquet"
    if dask is None:
        return f"Event log(s): {logs}"
    return (f"Event log(s): {logs}, written by the Dask workers of {dask} on their own "
            "machines (here only if they share this file system)")  # fmt: skip


def cmd_scenarios(args: argparse.Namespace) -> int:
    """The shipped scenarios, by the name ``run``, ``validate`` and ``staff`` accept."""
    from scenarios import shipped, shipped_path

    for name in shipped():
        scenario = load_scenario(name)
        print(f"{name:<18} {scenario.description or scenario.name}")
    print(f"\nFiles in {shipped_path(shipped()[0]).parent}/ (copy one to start your own)")
    return 0


def cmd_validate(args: argparse.Namespace) -> int:
    scenario = load_scenario(args.scenario)
    print(
        f"{args.scenario}: OK — {scenario.name!r}: {len(scenario.companies)} companies, "
        f"{len(scenario.streams)} arrival streams, {len(scenario.agents)} agent groups, "
        f"{scenario.intervals} intervals of {scenario.interval:g}s"
    )
    return 0


def cmd_erlang(args: argparse.Namespace) -> int:
    from .erlang import erlang, format_result

    theta = 1.0 / args.patience if args.patience else None
    model = args.model if args.model else ("A" if theta is not None else "C")
    result = erlang(model, args.rate / 3600.0, 1.0 / args.aht, args.agents * args.capacity,
                    args.target, theta)  # fmt: skip
    if args.capacity > 1:
        print(f"{args.agents} agents x capacity {args.capacity} = {result.agents} chat slots")
    print(format_result(result))
    return 0


def cmd_staff(args: argparse.Namespace) -> int:
    from .staffing import format_plan, plan_staffing

    scenario: Scenario = load_scenario(args.scenario)
    target = _target(scenario, args)
    plan = plan_staffing(scenario, target, args.replications, args.seed, args.dask,
                         args.workers, args.max_rounds, args.max_replications,
                         args.tolerance)  # fmt: skip
    print(format_plan(scenario, plan))
    return 0


def cmd_schedule(args: argparse.Namespace) -> int:
    from .schedule.output import report, write_out
    from .schedule.shifts import load_shifts
    from .schedule.verify import Options, verify

    scenario: Scenario = load_scenario(args.scenario)
    shifts = load_shifts(args.shifts)  # both files are checked before any simulation
    options = Options(args.replications, args.max_replications, args.tolerance,
                      args.max_rounds, args.max_repairs, args.seed, args.dask,
                      args.workers)  # fmt: skip
    target = _target(scenario, args)
    verified = verify(scenario, shifts, target, options)
    text = report(scenario, verified, target)
    print(text)
    if args.out is not None:
        for path in write_out(Path(args.out), scenario, verified, target, text):
            print(f"Wrote {path}")
    return 0 if verified.met else 1


def _target(scenario: Scenario, args: argparse.Namespace):
    """The command line's target, the scenario's ``service_level`` where it gives none."""
    from .staffing import StaffingTarget

    sl = scenario.service_level
    return StaffingTarget(
        service_level=args.service_level if args.service_level is not None else sl.goal,
        within=args.within if args.within is not None else sl.within,
        max_abandon=args.max_abandon if args.max_abandon is not None else sl.max_abandon,
    )


def _search_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--service-level", type=_share, help="e.g. 0.8 or 80%%")
    p.add_argument("--within", type=duration_arg, help="target answer time, e.g. 30s")
    p.add_argument("--max-abandon", type=_share, help="e.g. 0.05")
    p.add_argument("--max-rounds", type=_positive_int, default=12)
    p.add_argument(
        "--max-replications",
        type=_positive_int,
        default=40,
        help="cap on replications per round (sequential sampling)",
    )
    p.add_argument(
        "--tolerance",
        type=_share,
        default=0.01,
        help="CI half-width that counts as precise, e.g. 0.01 or 1%%",
    )


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(prog="livechat-sim", description=__doc__.splitlines()[0])
    sub = top.add_subparsers(dest="command", required=True)

    def parallel(p: argparse.ArgumentParser) -> None:
        p.add_argument("--seed", type=int, help="base seed (replication i uses seed + i)")
        p.add_argument("--replications", "-n", type=_positive_int, default=1)
        p.add_argument("--dask", metavar="ADDRESS", help="Dask scheduler, e.g. tcp://host:8786")
        p.add_argument("--workers", type=_positive_int, help="local processes (default: CPUs)")

    run = sub.add_parser("run", help="simulate a scenario and print its KPIs")
    run.add_argument("scenario", help=SCENARIO_HELP)
    parallel(run)
    run.add_argument("--out", metavar="DIR", help="write events.parquet and summary.json here")
    run.add_argument("--horizon", type=positive_duration_arg,
                     help="arrivals stop here, not at the file's horizon (250h)")  # fmt: skip
    run.set_defaults(func=cmd_run)

    check = sub.add_parser("validate", help="check a scenario file")
    check.add_argument("scenario", help=SCENARIO_HELP)
    check.set_defaults(func=cmd_validate)

    listing = sub.add_parser("scenarios", help="list the shipped scenarios, by name")
    listing.set_defaults(func=cmd_scenarios)

    erl = sub.add_parser("erlang", help="Erlang C (M/M/c) or Erlang A (M/M/c+M) closed forms")
    erl.add_argument("--model", choices=["A", "C", "a", "c"], type=str.upper)
    erl.add_argument("--rate", type=float, required=True, help="arrivals per hour")
    erl.add_argument("--aht", type=duration_arg, required=True, help="mean handle time (5m, 300)")
    erl.add_argument("--agents", type=_positive_int, required=True)
    erl.add_argument("--capacity", type=_positive_int, default=1, help="chats per agent")
    erl.add_argument("--patience", type=duration_arg, help="mean patience (Erlang A)")
    erl.add_argument("--target", type=duration_arg, default=30.0, help="service-level target")
    erl.set_defaults(func=cmd_erlang)

    staff = sub.add_parser("staff", help="fewest agents per interval meeting a target")
    staff.add_argument("scenario", help=SCENARIO_HELP)
    _search_options(staff)
    parallel(staff)
    staff.set_defaults(func=cmd_staff, replications=10)  # the first batch of each round

    sched = sub.add_parser("schedule", help="agents per shift at least cost, checked by simulation")
    sched.add_argument("scenario", help=SCENARIO_HELP)
    sched.add_argument("--shifts", required=True, metavar="FILE", help="shift patterns (YAML)")
    _search_options(sched)
    sched.add_argument("--max-repairs", type=int, default=6,
                       help="rounds of repair after the first verification")  # fmt: skip
    sched.add_argument("--out", metavar="DIR", help="write the schedule, its scenario and chart")
    parallel(sched)
    sched.set_defaults(func=cmd_schedule, replications=10)
    twin_cli.add_commands(sub)  # drive, forecast
    calibrate_cli.add_command(sub)
    return top


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        return args.func(args)
    except LivechatError as exc:
        text = str(exc)
        print(f"error ({exc.code}):{chr(10) if chr(10) in text else ' '}{text}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
