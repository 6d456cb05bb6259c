"""End-to-end reports benchmark: ``livechat-report build`` as a whole process on a big log.

Builds the synthetic log of ``benchmarks/reports.py`` (1,000,000 chats, about 4.3 M events) as a
Parquet file and as a bridge SQLite store (the schema of ``bridge.store``, payloads shaped like
the bridge's rows), then times, each as its own process, alternating, median of ``--rounds``:

- ``livechat-report build LOG --out DIR`` on either file (the whole report: facts, agents,
  routing, CSAT, supervision, charts, calibration page, CSV/Parquet tables, HTML);
- a plain pandas peer on the same SQLite file: ``pd.read_sql`` of the events table (flat payload
  fields by ``json_extract``), then arrivals, service level, abandonment and mean wait per queue.

Wall time and peak memory (``ru_maxrss`` of the child, from ``os.wait4``): per run the median
and the range over the rounds. Then each build against the peer of the same round (a ratio
per round, so a noisy shared machine slows both sides alike), median and range; the last line
is ``report build: R.RRx pandas time, M.MMx pandas memory`` (the SQLite build).

    .venv/bin/python benchmarks/report_build.py [--chats 1000000] [--rounds 3]
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

import pandas as pd

if __package__ in (None, ""):  # run as a script: this file's folder would shadow the package
    sys.path[0] = str(Path(__file__).resolve().parents[1])

from benchmarks.reports import synthetic_log
from bridge.engine.events import EVENT_TYPES
from bridge.store import EventStore
from reports.log import write_parquet
from reports.schema import FLAT_FIELDS

ROOT = Path(__file__).resolve().parents[1]
_BOOLEAN = ("available", "connected")
PEER_RUN = "pandas peer (read_sql + KPIs)"

PEER = textwrap.dedent(
    """
    import sqlite3, sys
    import pandas as pd
    con = sqlite3.connect(sys.argv[1])
    log = pd.read_sql(
        "SELECT at, type, chat_id, agent_id, json_extract(payload, '$.queue') AS queue"
        " FROM events ORDER BY seq", con)
    opened = log[log["type"] == "ChatOpened"].set_index("chat_id")
    first = log[log["type"] == "ChatAssigned"].groupby("chat_id")["at"].min()
    cancels = log[(log["type"] == "ChatCancelled") & log["agent_id"].isna()]
    chats = pd.DataFrame({"queue": opened["queue"], "created": opened["at"]})
    chats["wait"] = first.reindex(chats.index) - chats["created"]
    chats["met"] = chats["wait"] <= 30
    chats["abandoned"] = chats.index.isin(cancels["chat_id"])
    kpis = chats.groupby("queue").agg(
        arrivals=("created", "size"), service_level=("met", "mean"),
        abandonment=("abandoned", "mean"), mean_wait=("wait", "mean"))
    kpis.to_csv(sys.argv[2])
    """
)


def _payload_sql(type_name: str, columns: set[str]) -> str:
    """The JSON payload a bridge stores for one event type, built by SQLite from flat columns."""
    names = [f.name for f in dataclasses.fields(EVENT_TYPES[type_name])]
    parts = []
    for name in (n for n in names if n in FLAT_FIELDS and n in columns):
        if name in _BOOLEAN:
            text = f"CASE WHEN {name} IS NULL THEN 'null' WHEN {name} THEN 'true' ELSE 'false' END"
            value = f"json({text})"
        elif name == "queues":
            value = "json(queues)"
        else:
            value = name
        parts.append(f"'{name}', {value}")
    built = f"json_object({', '.join(parts)})"
    return f"json_patch({built}, coalesce(payload, '{{}}'))"


def write_store(frame: pd.DataFrame, path: Path) -> None:
    """The log as a bridge SQLite store: staged as flat columns, payloads built in SQL."""
    EventStore(path).close()
    con = sqlite3.connect(path)
    flat = frame.astype(object).where(frame.notna(), None)
    flat.to_sql("staging", con, index=False, chunksize=100_000)
    filled = {c for c in frame.columns if frame[c].notna().any()}
    for type_name in frame["type"].unique():
        con.execute(
            "INSERT INTO events SELECT seq, at, type, version, chat_id, agent_id, "
            f"{_payload_sql(type_name, filled)} FROM staging WHERE type = ?",
            (type_name,),
        )
    con.execute("DROP TABLE staging")
    con.commit()
    con.execute("VACUUM")
    con.close()


def _child(argv: list[str]) -> tuple[float, float]:
    """(seconds, peak MB) of one process run to completion."""
    started = time.perf_counter()
    proc = subprocess.Popen(argv, cwd=ROOT, stdout=subprocess.DEVNULL)
    _, status, usage = os.wait4(proc.pid, 0)
    took = time.perf_counter() - started
    if status != 0:
        raise SystemExit(f"{argv} failed with status {status}")
    return took, usage.ru_maxrss / 1024


def _report(path: Path, out: Path) -> list[str]:
    return [sys.executable, "-m", "reports.cli", "build", str(path), "--out", str(out)]


def _logs(chats: int, folder: Path) -> None:
    """Both logs of ``chats`` chats in ``folder``, unless an earlier run left them there."""
    if (folder / "events.db").is_file() and (folder / "log.parquet").is_file():
        return
    frame = synthetic_log(chats)
    write_parquet(frame, folder / "log.parquet")
    write_store(frame, folder / "events.db")


def run(chats: int, rounds: int, keep: Path | None) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = keep or Path(tmp)
        folder.mkdir(parents=True, exist_ok=True)
        # Its own process: a child inherits the parent's peak RSS at fork, so the parent must
        # never have held the generated log.
        make = [sys.executable, __file__, "--chats", str(chats), "--make", str(folder)]
        subprocess.run(make, check=True)
        events = len(pd.read_parquet(folder / "log.parquet", columns=["seq"]))
        size = (folder / "events.db").stat().st_size / 1e6
        print(f"{chats:,} chats, {events:,} events; SQLite store {size:,.0f} MB")
        runs = {
            "build (SQLite store)": _report(folder / "events.db", folder / "out-db"),
            "build (Parquet)": _report(folder / "log.parquet", folder / "out-pq"),
            PEER_RUN: [
                sys.executable,
                "-c",
                PEER,
                str(folder / "events.db"),
                str(folder / "peer.csv"),
            ],
        }
        got: dict[str, list[tuple[float, float]]] = {name: [] for name in runs}
        for _ in range(rounds):
            for name, argv in runs.items():
                got[name].append(_child(argv))
    _summary(got)


def _spread(ratios: list[float]) -> str:
    """'2.10x (1.90-2.30)': the median ratio and its range over the rounds."""
    return f"{statistics.median(ratios):.2f}x ({min(ratios):.2f}-{max(ratios):.2f})"


def _summary(got: dict[str, list[tuple[float, float]]]) -> None:
    """Per run median and range; per build its ratio to the peer of the same round."""
    for name, values in got.items():
        secs, peak = [v[0] for v in values], [v[1] for v in values]
        took = f"{statistics.median(secs):7.2f} s ({min(secs):.2f}-{max(secs):.2f})"
        held = f"{statistics.median(peak):6.0f} MB peak ({min(peak):.0f}-{max(peak):.0f})"
        print(f"  {name:<32}{took}  {held}")
    peer = got[PEER_RUN]
    ratios = {}
    for name, label in (("build (Parquet)", "Parquet"), ("build (SQLite store)", "SQLite")):
        pairs = list(zip(got[name], peer, strict=True))
        ratios[label] = ([a[0] / b[0] for a, b in pairs], [a[1] / b[1] for a, b in pairs])
        time_x, mem_x = ratios[label]
        print(f"  {label} build / peer, per round: {_spread(time_x)} time, {_spread(mem_x)} memory")
    time_x, mem_x = ratios["SQLite"]
    print(f"report build: {statistics.median(time_x):.2f}x pandas time, "
          f"{statistics.median(mem_x):.2f}x pandas memory")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chats", type=int, default=1_000_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--keep", type=Path, help="folder to keep (and reuse) the two logs in")
    parser.add_argument("--make", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.make:
        _logs(args.chats, args.make)
    else:
        run(args.chats, args.rounds, args.keep)


if __name__ == "__main__":
    main()
