"""``compare``: two runs side by side, KPI by KPI, flagging relative differences over a threshold.

Each side is an event log (Parquet or SQLite) or a directory written by ``build_report`` (its
``kpis_*.parquet`` tables are reused, so comparing saved reports needs no log).
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pandas as pd
from markupsafe import Markup

from .agents import agent_interval_facts
from .errors import LogUnreadable
from .facts import chat_facts
from .log import load
from .metrics import KPI_COLUMNS
from .present import KPI_FORMATS, format_value, html_table, with_time_labels
from .report import KPI_TABLES, kpi_tables, templates

Source = str | os.PathLike[str] | pd.DataFrame
# Above this many rows the HTML shows only flagged rows of a table (the CSV has them all).
MAX_HTML_ROWS = 2000


def run_tables(
    source: Source, target: float, interval: float, default_capacity: int = 1
) -> dict[str, pd.DataFrame]:
    """KPI tables (``kpis_<name>``) of a log, or as saved in a report directory."""
    if not isinstance(source, pd.DataFrame) and Path(source).is_dir():
        folder = Path(source)
        missing = [n for n in KPI_TABLES if not (folder / f"kpis_{n}.parquet").is_file()]
        if missing:
            raise LogUnreadable(f"{folder}: not a report directory (no kpis_{missing[0]}.parquet)")
        return {f"kpis_{n}": pd.read_parquet(folder / f"kpis_{n}.parquet") for n in KPI_TABLES}
    log = load(source)
    facts = chat_facts(log, interval)
    return kpi_tables(facts, agent_interval_facts(log, interval, default_capacity), target)


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


def _html(table: pd.DataFrame, tz: str) -> tuple[Markup, bool]:
    """Values shown in their KPI's format (percent, seconds, counts); flagged cells marked."""
    shown = table if len(table) <= MAX_HTML_ROWS else table[table["flagged"]]
    shown = with_time_labels(shown.reset_index(drop=True), tz)
    kinds = [KPI_FORMATS.get(k, "num") for k in shown["kpi"].astype(str)]
    for col in ("a", "b", "diff"):
        shown[col] = [format_value(v, k) for v, k in zip(shown[col], kinds, strict=True)]
    flag = shown["flagged"].to_numpy()
    flags = pd.DataFrame({"b": flag, "diff": flag, "rel_diff": flag})
    return Markup(html_table(shown.drop(columns="flagged"), flags=flags)), len(shown) < len(table)


def _name(source: Source) -> str:
    return "a DataFrame" if isinstance(source, pd.DataFrame) else str(source)


def compare(
    a: Source,
    b: Source,
    out: str | os.PathLike[str],
    threshold: float = 0.10,
    target: float = 30.0,
    interval: float = 900.0,
    tz: str = "UTC",
    default_capacity: int = 1,
) -> Path:
    """Write ``compare.html`` and ``compare_<table>.csv`` into ``out``; returns the HTML path."""
    ta, tb = (run_tables(s, target, interval, default_capacity) for s in (a, b))
    folder = Path(out)
    folder.mkdir(parents=True, exist_ok=True)
    sections = []
    for name, keys in KPI_TABLES.items():
        table = side_by_side(ta[f"kpis_{name}"], tb[f"kpis_{name}"], list(keys), threshold)
        table.to_csv(folder / f"compare_{name}.csv", index=False)
        html, trimmed = _html(table, tz)
        sections.append(
            {
                "name": name,
                "html": html,
                "trimmed": trimmed,
                "flagged": int(table["flagged"].sum()),
                "rows": len(table),
            }
        )
    html = (
        templates()
        .get_template("compare.html")
        .render(
            title="Live chat runs compared",
            a=_name(a),
            b=_name(b),
            threshold=threshold,
            sections=sections,
        )
    )
    path = folder / "compare.html"
    path.write_text(html, encoding="utf-8")
    return path
