"""What a planner meets: the whole ``livechat-sim run`` process against a Ciw + pandas script.

Both sides run the M/M/50+M textbook desk (540 chats/h, 5-minute exponential handle time,
10-minute exponential patience, ``scenarios/mmc-textbook.yaml``) for the same horizon, each
as its own process, and each ends with a Parquet log and the same three KPIs:

* **ours**: ``livechat-sim run scenarios/mmc-textbook.yaml --horizon H --out DIR`` (the full
  engine, the event log streamed to ``DIR/events.parquet``, every KPI table and summary.json);
* **Ciw**: the same queue in Ciw, its records in a DataFrame written to Parquet, then
  abandonment, service level (30 s) and mean wait of answered chats with pandas, for chats that
  arrived after the one-hour warm-up.

Each process is measured whole: wall time from spawn to exit, peak memory as the child's own
``ru_maxrss`` (``os.wait4``). The two alternate, ``--repeat`` times, and the medians count. Then
ours runs once at 10x the horizon, to show how its peak memory grows with the run's length.
The last line reads ``end-to-end: R.RRx Ciw time, M.MMx Ciw memory`` (ours over Ciw: below 1
is better for both). ``--quick`` is a smoke test (a short horizon, one run each).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import NamedTuple

ROOT = Path(__file__).resolve().parent.parent
SCENARIO = ROOT / "scenarios" / "mmc-textbook.yaml"
SIM = Path(sys.executable).with_name("livechat-sim")
AGENTS, RATE, AHT, PATIENCE = 50, 540 / 3600, 300.0, 600.0  # the scenario file's desk
WARMUP, TARGET = 3600.0, 30.0


class Measured(NamedTuple):
    wall: float  # seconds, spawn to exit
    peak_mb: float  # the child's maximum resident set size


def measure(argv: list[str]) -> Measured:
    """Run ``argv`` as a child and return its wall time and its own peak memory."""
    started = time.perf_counter()
    quiet = {**os.environ, "TQDM_DISABLE": "1"}  # no progress bar on the terminal
    child = subprocess.Popen(argv, stdout=subprocess.DEVNULL, cwd=ROOT, env=quiet)
    _, status, usage = os.wait4(child.pid, 0)
    wall = time.perf_counter() - started
    child.returncode = os.waitstatus_to_exitcode(status)
    if child.returncode != 0:
        raise SystemExit(f"{argv[0]} failed with status {child.returncode}")
    return Measured(wall, usage.ru_maxrss / 1024)  # Linux reports kilobytes


def ours(hours: float, out: Path) -> list[str]:
    return [str(SIM), "run", str(SCENARIO), "--horizon", f"{hours:g}h", "--out", str(out)]


def ciw(hours: float, out: Path) -> list[str]:
    return [sys.executable, __file__, "--ciw-child", f"{hours:g}", str(out)]


def ciw_child(hours: float, out: Path) -> None:
    """The peer as its user would write it: simulate, DataFrame, Parquet, KPIs with pandas."""
    import ciw as ciw_lib
    import pandas as pd

    network = ciw_lib.create_network(
        arrival_distributions=[ciw_lib.dists.Exponential(RATE)],
        service_distributions=[ciw_lib.dists.Exponential(1 / AHT)],
        number_of_servers=[AGENTS],
        reneging_time_distributions=[ciw_lib.dists.Exponential(1 / PATIENCE)],
    )
    ciw_lib.seed(1)
    sim = ciw_lib.Simulation(network)
    sim.simulate_until_max_time(hours * 3600)
    records = pd.DataFrame(sim.get_all_records())
    records["destination"] = records["destination"].astype(int)  # -1 or False: Parquet wants one
    out.mkdir(parents=True, exist_ok=True)
    records.to_parquet(out / "records.parquet")
    scored = records[records["arrival_date"] >= WARMUP]
    served = scored["record_type"] == "service"
    abandon = (scored["record_type"] == "renege").mean()
    level = (served & (scored["waiting_time"] <= TARGET)).mean()
    print(f"chats {len(scored)}, abandon {abandon:.4f}, service level {level:.4f}, "
          f"mean wait {scored.loc[served, 'waiting_time'].mean():.1f}s")  # fmt: skip


def compare(hours: float, repeat: int, work: Path) -> tuple[Measured, Measured]:
    """Median wall and peak of each side over ``repeat`` alternating runs."""
    runs: dict[str, list[Measured]] = {"ours": [], "ciw": []}
    for i in range(repeat):
        for name, argv in (("ours", ours), ("ciw", ciw)):
            runs[name].append(measure(argv(hours, work / f"{name}-{i}")))
    return _median(runs["ours"]), _median(runs["ciw"])


def _median(runs: list[Measured]) -> Measured:
    return Measured(statistics.median(r.wall for r in runs),
                    statistics.median(r.peak_mb for r in runs))  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hours", type=float, default=100.0, help="the 1x horizon")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--quick", action="store_true", help="smoke test: 3 h, one run each")
    parser.add_argument("--ciw-child", nargs=2, metavar=("HOURS", "OUT"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.ciw_child:
        ciw_child(float(args.ciw_child[0]), Path(args.ciw_child[1]))
        return
    hours, repeat = (3.0, 1) if args.quick else (args.hours, args.repeat)
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        mine, theirs = compare(hours, repeat, work)
        long = measure(ours(hours * 10, work / "ours-10x"))
    print(f"Ciw + pandas, {hours:g} h: {theirs.wall:.2f} s, {theirs.peak_mb:.0f} MB peak")
    print(f"livechat-sim run, {hours:g} h: {mine.wall:.2f} s, {mine.peak_mb:.0f} MB peak")
    print(f"livechat-sim run, {hours * 10:g} h (10x): {long.wall:.2f} s, {long.peak_mb:.0f} MB "
          f"peak, {long.peak_mb / mine.peak_mb:.2f}x the 1x peak")  # fmt: skip
    print(f"end-to-end: {mine.wall / theirs.wall:.2f}x Ciw time, "
          f"{mine.peak_mb / theirs.peak_mb:.2f}x Ciw memory")  # fmt: skip


if __name__ == "__main__":
    main()
