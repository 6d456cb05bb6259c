"""Shift schedules side by side: ``livechat-sim schedule`` against pyworkforce's
``MinRequiredResources``, on the same requirement and shift set, each checked by simulation.

The requirement is the staffing search's heads per interval for scenarios/day-profile.yaml
(service level 80% within 30 s, abandonment at most 5%); the shifts are
scenarios/shifts/day.yaml without minimum heads (pyworkforce has none). pyworkforce cannot
place breaks: it gets each break at its window's earliest start (what its coverage arrays
express), or one pattern per break start (our break model, written out). Every schedule is
then simulated like ours (common random numbers, sequential sampling) and the intervals
whose mean KPIs miss the target are listed. Needs the dev extra (``pip install pyworkforce``).

    python benchmarks/schedule.py [--workers 2]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # for tests.simulator.pyworkforce_peer

from simulator.loader import load_scenario  # noqa: E402
from simulator.replications import Runner  # noqa: E402
from simulator.schedule.output import clock  # noqa: E402
from simulator.schedule.shifts import load_shifts, staffed_group  # noqa: E402
from simulator.schedule.verify import Options, simulate, verify  # noqa: E402
from simulator.staffing import StaffingTarget  # noqa: E402
from tests.simulator.pyworkforce_peer import ours, pyworkforce_schedule  # noqa: E402

TARGET = StaffingTarget(0.8, 30.0, 0.05)


def main() -> None:
    args = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    args.add_argument("--workers", type=int, default=2)
    o = Options(workers=args.parse_args().workers)
    s = load_scenario("day-profile")
    loaded = load_shifts(ROOT / "scenarios" / "shifts" / "day.yaml")
    group = staffed_group(loaded, s)
    v = verify(s, loaded, TARGET, o)
    need, patterns = v.first.need, v.first.patterns
    rows = [("livechat-sim schedule: solver's answer", "cost", v.first, None),
            ("livechat-sim schedule: after repair", "cost", v.schedule, None)]  # fmt: skip
    for objective in ("cost", "hours"):
        if objective == "hours":
            rows.append(("livechat-sim solver", "hours", *ours(patterns, need, "hours")))
        for expand, how in ((False, "breaks at earliest start"), (True, "a pattern per break")):
            schedule, seconds = pyworkforce_schedule(patterns, need, expand, objective)
            rows.append((f"pyworkforce MinRequiredResources, {how}", objective, schedule, seconds))
    print(f"requirement: {sum(need) * s.interval / 3600:g} agent-hours on duty\n")
    print("| schedule | minimises | heads | agent-hours | cost | solve | misses in simulation |")
    print("| --- | --- | ---: | ---: | ---: | ---: | --- |")
    with Runner(o.dask, o.workers) as runner:
        for name, objective, schedule, seconds in rows:
            failing = simulate(runner, s, group, schedule, TARGET, o)[2]
            when = ", ".join(clock(s, j * s.interval) for j in failing)
            solve = "" if seconds is None else f"{seconds * 1000:.0f} ms"
            cost = sum(p.spec.cost * n for p, n in zip(patterns, schedule.heads, strict=True))
            print(f"| {name} | {objective} | {sum(schedule.heads)} | {schedule.agent_hours:g} | "
                  f"{cost:g} | {solve} | {when or 'none'} |")  # fmt: skip


if __name__ == "__main__":
    main()
