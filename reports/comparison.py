"""``compare``: two runs side by side, KPI by KPI, flagging relative differences over a threshold.

Each side is an event log (Parquet, SQLite or a PostgreSQL URL) or a directory written by
``build_report`` (its ``kpis_*.parquet`` tables are reused, so comparing saved reports needs no
log).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from markupsafe import Markup

from .alignment import aligned, borrowed
from .coverage import coverage, mean_table
from .errors import LogUnreadable, ReportError
from .log import load, source_name
from .logmeta import ATTR, LogMeta, log_meta
from .metrics import KPI_COLUMNS
from .options import RunOptions, resolve
from .present import KPI_FORMATS, format_value, html_table, label, time_labels, with_time_labels
from .report import KPI_TABLES, report_tables, seconds, templates

Source = str | os.PathLike[str] | pd.DataFrame
# Above this many rows the HTML shows only flagged rows of a table (the CSV has them all).
MAX_HTML_ROWS = 2000
# The KPIs a per-group comparison shows side by side (the CSV has every KPI).
HEADLINE = {"volume": "Chats", "service_level": "SL, %", "abandonment": "Aband., %",
            "wait_mean": "Wait, s", "wait_p90": "Wait p90, s",
            "occupancy": "Occup., %"}  # fmt: skip
# The overall table shows these KPIs, plus any other that differs (the CSV has every KPI).
OVERALL = ("volume", "served", "cancelled_waiting", "abandonment", "service_level", "wait_mean",
           "wait_p90", "wait_p95", "handle_mean", "occupancy")  # fmt: skip


def run_tables(
    source: Source,
    target: float | None = None,
    interval: float | None = None,
    default_capacity: int = 1,
    tz: str | None = None,
) -> tuple[dict[str, pd.DataFrame], RunOptions]:
    """KPI tables (``kpis_<name>``) of a log, or as saved in a report directory, and the
    options they were measured with (a simulated log's own metadata unless overridden).

    Intervals are on the clock (epoch seconds) whenever the log says when it started, so a
    simulated and a live run line up."""
    if _is_report_folder(source):
        return _folder_tables(Path(source)), resolve(None, target, interval, None, tz)  # type: ignore[arg-type]
    log = load(source)
    opts = resolve(log_meta(log), target, interval, None, tz)
    return _log_tables(log, opts, default_capacity), opts


def _is_report_folder(source: Source) -> bool:
    if isinstance(source, pd.DataFrame) or not Path(source).is_dir():
        return False
    folder = Path(source)
    if (folder / "events.parquet").is_file() or any(folder.glob("rep-*/events.parquet")):
        return False
    missing = [n for n in KPI_TABLES if not (folder / f"kpis_{n}.parquet").is_file()]
    if missing:
        raise LogUnreadable(f"{folder}: not a report directory (no kpis_{missing[0]}.parquet)")
    return True


def _folder_tables(folder: Path) -> dict[str, pd.DataFrame]:
    return {f"kpis_{n}": pd.read_parquet(folder / f"kpis_{n}.parquet") for n in KPI_TABLES}


def _log_tables(
    log: pd.DataFrame, opts: RunOptions, default_capacity: int
) -> dict[str, pd.DataFrame]:
    _, _, tables = report_tables(log, opts, default_capacity)
    return {f"kpis_{n}": tables[f"kpis_{n}"] for n in KPI_TABLES}


def run_logs(source: Source) -> list[pd.DataFrame]:
    """The logs of one side: a log, or a ``livechat-sim run --out`` folder's replications."""
    if isinstance(source, pd.DataFrame) or not Path(source).is_dir():
        return [load(source)]
    folder = Path(source)
    if (folder / "events.parquet").is_file():
        return [load(folder / "events.parquet")]
    return [load(path) for path in sorted(folder.glob("rep-*/events.parquet"))]


@dataclass(slots=True)
class Side:
    """One side of a comparison: its replications' tables (one for a live log) and options."""

    name: str
    tables: list[dict[str, pd.DataFrame]]
    opts: RunOptions

    def mean(self, name: str, keys: list[str]) -> pd.DataFrame:
        return mean_table([t[f"kpis_{name}"] for t in self.tables], keys)


def _at_horizon(log: pd.DataFrame, meta: LogMeta | None) -> None:
    """Agents' time ends at the horizon on both sides (no cool-down): the drain after it is
    idle time one run may have and the other not, also inside a last interval the horizon
    cuts (intervals are scored whole)."""
    if meta is not None and meta.horizon_s is not None:
        log.attrs[ATTR] = replace(meta, cooldown_s=0.0)


def _sides(a: Source, b: Source, align: str, cfg: dict[str, Any]) -> tuple[Side, Side]:
    """Both sides measured on one time base, a side without metadata with the other's."""
    sources = (a, b)
    folder = [_is_report_folder(s) for s in sources]
    if any(folder) and align != "clock":
        raise ReportError(f"{sources[folder.index(True)]}: a report folder is on the clock "
                          f"already; --align {align} needs event logs (or a `livechat-sim run "
                          "--out` folder)")  # fmt: skip
    logs = [[] if f else [aligned(x, align) for x in run_logs(s)]
            for s, f in zip(sources, folder, strict=True)]  # fmt: skip
    metas = [log_meta(side[0]) if side else None for side in logs]
    out = []
    for i, source in enumerate(sources):
        meta = borrowed(metas[i], metas[1 - i], align)
        opts = resolve(meta, cfg["target"], cfg["interval"], None, cfg["tz"])
        if folder[i]:
            out.append(Side(_name(source), [_folder_tables(Path(source))], opts))  # type: ignore[arg-type]
            continue
        if not logs[i]:
            raise LogUnreadable(f"{source}: a folder with no events.parquet")
        for log in logs[i]:
            _at_horizon(log, log_meta(log) or meta)
        tables = [_log_tables(x, opts, cfg["capacity"]) for x in logs[i]]
        out.append(Side(_name(source), tables, opts))
    return out[0], out[1]


def _relative(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """(b - a) / |a|; 0 when both are 0, infinite when only a is 0, NaN when either is."""
    with np.errstate(divide="ignore", invalid="ignore"):
        rel = (b - a) / np.abs(a)
    return np.where((a == 0) & (b == 0), 0.0, rel)


def side_by_side(
    a: pd.DataFrame, b: pd.DataFrame, keys: list[str], threshold: float
) -> pd.DataFrame:
    """Long table: keys, kpi, a, b, diff, rel_diff, flagged.

    Flagged: |rel_diff| > threshold, or only one run has a value.
    """
    metrics = [c for c in KPI_COLUMNS if c in a.columns or c in b.columns]

    def longform(frame: pd.DataFrame, name: str) -> pd.DataFrame:
        frame = frame.assign(**{k: frame[k].astype(str) for k in keys if k != "interval"})
        present = [m for m in metrics if m in frame.columns]
        return frame.melt(id_vars=keys, value_vars=present, var_name="kpi", value_name=name)

    out = longform(a, "a").merge(longform(b, "b"), on=[*keys, "kpi"], how="outer")
    va, vb = out["a"].to_numpy(dtype=float), out["b"].to_numpy(dtype=float)
    out["diff"] = vb - va
    out["rel_diff"] = _relative(va, vb)
    out["flagged"] = (np.abs(out["rel_diff"]) > threshold) | (np.isnan(va) != np.isnan(vb))
    out["kpi"] = pd.Categorical(out["kpi"], categories=metrics, ordered=True)
    return out.sort_values([*keys, "kpi"], ignore_index=True)


def _formatted(table: pd.DataFrame) -> pd.DataFrame:
    """a, b and diff as text in their KPI's format (percent, seconds, counts)."""
    kinds = [KPI_FORMATS.get(k, "num") for k in table["kpi"].astype(str)]
    out = table.copy()
    for col in ("a", "b", "diff"):
        out[col] = [format_value(v, k) for v, k in zip(table[col], kinds, strict=True)]
    return out


def _long_html(table: pd.DataFrame) -> Markup:
    """The overall table: one row per KPI (its readable name), A, B, B - A, relative."""
    kept = table["kpi"].astype(str).isin(OVERALL).to_numpy() | table["flagged"].to_numpy()
    shown = _formatted(table[kept].reset_index(drop=True))
    shown["kpi"] = [label(k) for k in shown["kpi"].astype(str)]
    flag = shown["flagged"].to_numpy()
    flags = pd.DataFrame({"b": flag, "diff": flag, "rel_diff": flag})
    return Markup(html_table(shown.drop(columns="flagged"), flags=flags))


def _wide_html(table: pd.DataFrame, keys: list[str], tz: object) -> tuple[Markup, bool]:
    """Per group, the headline KPIs as A | B column pairs: one line per group, one screen."""
    known = table[table[["a", "b"]].notna().any(axis=1)]  # e.g. occupancy per queue: none
    rows = known[known["kpi"].astype(str).isin(HEADLINE)]
    if len(rows) > MAX_HTML_ROWS:
        flagged_keys = rows.loc[rows["flagged"], keys].drop_duplicates()
        rows = rows.merge(flagged_keys, on=keys)
    shown = _formatted(rows.reset_index(drop=True))
    shown["kpi"] = shown["kpi"].astype(str)
    wide = shown.pivot_table(index=keys, columns="kpi", values=["a", "b", "flagged"],
                             aggfunc="first", sort=True)  # fmt: skip
    out = with_time_labels(wide.index.to_frame(index=False), tz)
    flags = {}
    for kpi in (k for k in HEADLINE if k in set(shown["kpi"])):
        name = HEADLINE[kpi]
        out[f"{name} A"] = wide[("a", kpi)].to_numpy()
        out[f"{name} B"] = wide[("b", kpi)].to_numpy()
        flags[f"{name} B"] = wide[("flagged", kpi)].fillna(False).astype(bool).to_numpy()
    html = html_table(out, flags=pd.DataFrame(flags))
    return Markup(html), len(out) < table[keys].drop_duplicates().shape[0]


def _name(source: Source) -> str:
    return source_name(source)


def _settings(side: Side) -> str:
    opts = side.opts
    start = "log times" if not opts.origin else f"start {time_labels([opts.origin], opts.tz)[0]}"
    name = f"scenario “{opts.name}”, " if opts.name else ""
    runs = f", mean of {len(side.tables)} replications" if len(side.tables) > 1 else ""
    return (f"{name}{start}, SL within {seconds(opts.target)}, intervals of "
            f"{seconds(opts.interval)}{runs}")  # fmt: skip


def compare(
    a: Source,
    b: Source,
    out: str | os.PathLike[str],
    threshold: float = 0.10,
    target: float | None = None,
    interval: float | None = None,
    tz: str | None = None,
    default_capacity: int = 1,
    align: str = "clock",
    level: float = 0.95,
) -> Path:
    """Write ``compare.html`` and ``compare_<table>.csv`` into ``out``; returns the HTML path.

    ``align`` puts both runs on one time base (``reports.alignment``); each side is measured
    with its own log's settings unless given here (a side without any, with the other's). A
    side with several replications (a ``livechat-sim run -n N --out`` folder) is shown as
    their mean, and the other side's KPIs are checked against their intervals at ``level``
    (``compare_coverage_<table>.csv``, see ``reports.coverage``)."""
    cfg = {"target": target, "interval": interval, "tz": tz, "capacity": default_capacity}
    sa, sb = _sides(a, b, align, cfg)
    folder = Path(out)
    folder.mkdir(parents=True, exist_ok=True)
    sections = []
    for name, keys in KPI_TABLES.items():
        table = side_by_side(sa.mean(name, list(keys)), sb.mean(name, list(keys)), list(keys),
                             threshold)  # fmt: skip
        table.to_csv(folder / f"compare_{name}.csv", index=False)
        if keys:
            html, trimmed = _wide_html(table, list(keys), sa.opts.tz)
        else:
            html, trimmed = _long_html(table), False
        sections.append({"name": name, "html": html, "trimmed": trimmed,
                         "flagged": int(table["flagged"].sum()), "rows": len(table)})  # fmt: skip
    checked = _coverage(sa, sb, folder, level)
    html = (
        templates()
        .get_template("compare.html")
        .render(
            title="Live chat runs compared",
            a=sa.name,
            b=sb.name,
            a_settings=_settings(sa),
            b_settings=_settings(sb),
            aligned=align != "clock" or bool(sa.opts.origin) == bool(sb.opts.origin),
            align=align,
            threshold=threshold,
            sections=sections,
            headline=[label(k) for k in HEADLINE],
            overall=[label(k) for k in OVERALL],
            coverage=checked,
        )
    )
    path = folder / "compare.html"
    path.write_text(html, encoding="utf-8")
    return path


def _coverage(sa: Side, sb: Side, folder: Path, level: float) -> dict[str, Any] | None:
    """The single run against the replications' intervals, when exactly one side has several."""
    if (len(sa.tables) > 1) == (len(sb.tables) > 1):
        return None
    sims, live = (sa, sb) if len(sa.tables) > 1 else (sb, sa)
    tables = {}
    for name in ("overall", "interval"):
        keys = list(KPI_TABLES[name])
        reps = [t[f"kpis_{name}"] for t in sims.tables]
        tables[name] = coverage(reps, live.tables[0][f"kpis_{name}"], keys, level)
        tables[name].to_csv(folder / f"compare_coverage_{name}.csv", index=False)
    overall = tables["overall"]
    return {"sim": sims.name, "live": live.name, "runs": len(sims.tables), "level": level,
            "inside": int(overall["inside"].sum()), "checked": len(overall),
            "html": Markup(html_table(_coverage_shown(overall)))}  # fmt: skip


def _coverage_shown(table: pd.DataFrame) -> pd.DataFrame:
    kinds = [KPI_FORMATS.get(k, "num") for k in table["kpi"]]

    def cells(col: str) -> list[str]:
        return [format_value(v, k) for v, k in zip(table[col], kinds, strict=True)]

    def span(low: str, high: str) -> list[str]:
        return [f"{a} to {b}" for a, b in zip(cells(low), cells(high), strict=True)]

    return pd.DataFrame({
        "KPI": [label(k) for k in table["kpi"]],
        "Live": cells("live"),
        "Simulated mean": cells("sim_mean"),
        "Mean's interval": span("ci_low", "ci_high"),
        "One run's interval": span("pi_low", "pi_high"),
        "Inside": ["yes" if v else "NO" for v in table["inside"]],
    })  # fmt: skip
