"""``compare``: two runs side by side, KPI by KPI, flagging relative differences over a threshold.

Each side is an event log (Parquet, SQLite or a PostgreSQL URL) or a directory written by
``build_report`` (its ``kpis_*.parquet`` tables are reused, so comparing saved reports needs no
log).
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pandas as pd
from markupsafe import Markup

from .errors import LogUnreadable
from .log import load, source_name
from .logmeta import log_meta
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
    simulated and a live run line up interval by interval."""
    if not isinstance(source, pd.DataFrame) and Path(source).is_dir():
        folder = Path(source)
        missing = [n for n in KPI_TABLES if not (folder / f"kpis_{n}.parquet").is_file()]
        if missing:
            raise LogUnreadable(f"{folder}: not a report directory (no kpis_{missing[0]}.parquet)")
        opts = resolve(None, target, interval, None, tz)
        return {
            f"kpis_{n}": pd.read_parquet(folder / f"kpis_{n}.parquet") for n in KPI_TABLES
        }, opts
    log = load(source)
    opts = resolve(log_meta(log), target, interval, None, tz)
    _, _, tables = report_tables(log, opts, default_capacity)
    return {f"kpis_{n}": tables[f"kpis_{n}"] for n in KPI_TABLES}, opts


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


def _settings(opts: RunOptions) -> str:
    start = "log times" if not opts.origin else f"start {time_labels([opts.origin], opts.tz)[0]}"
    name = f"scenario “{opts.name}”, " if opts.name else ""
    return f"{name}{start}, SL within {seconds(opts.target)}, intervals of {seconds(opts.interval)}"


def compare(
    a: Source,
    b: Source,
    out: str | os.PathLike[str],
    threshold: float = 0.10,
    target: float | None = None,
    interval: float | None = None,
    tz: str | None = None,
    default_capacity: int = 1,
) -> Path:
    """Write ``compare.html`` and ``compare_<table>.csv`` into ``out``; returns the HTML path.

    Each side is measured with its own log's settings unless given here; intervals of both
    are clock times (from each log's start date), so a simulated and a live run line up."""
    (ta, oa), (tb, ob) = (run_tables(s, target, interval, default_capacity, tz) for s in (a, b))
    folder = Path(out)
    folder.mkdir(parents=True, exist_ok=True)
    sections = []
    for name, keys in KPI_TABLES.items():
        table = side_by_side(ta[f"kpis_{name}"], tb[f"kpis_{name}"], list(keys), threshold)
        table.to_csv(folder / f"compare_{name}.csv", index=False)
        html, trimmed = (_long_html(table), False) if not keys else _wide_html(table, list(keys),
                                                                                oa.tz)  # fmt: skip
        sections.append({"name": name, "html": html, "trimmed": trimmed,
                         "flagged": int(table["flagged"].sum()), "rows": len(table)})  # fmt: skip
    aligned = bool(oa.origin) == bool(ob.origin)
    html = (
        templates()
        .get_template("compare.html")
        .render(
            title="Live chat runs compared",
            a=_name(a),
            b=_name(b),
            a_settings=_settings(oa),
            b_settings=_settings(ob),
            aligned=aligned,
            threshold=threshold,
            sections=sections,
            headline=[label(k) for k in HEADLINE],
            overall=[label(k) for k in OVERALL],
        )
    )
    path = folder / "compare.html"
    path.write_text(html, encoding="utf-8")
    return path
