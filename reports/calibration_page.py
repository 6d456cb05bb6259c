"""The report's calibration page: every quantity ``livechat-sim calibrate`` measures, observed
against fitted, and the scenario file it writes.

``calibration.html`` sits beside ``report.html`` (which links to it), with
``calibrated-scenario.yaml`` and ``calibration_fits.csv``. A log without chats gets no page.
The measurements are :mod:`reports.calibrate`'s (scipy loads only when a page is built).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd
from markupsafe import Markup

from . import calibration_charts as charts
from .options import RunOptions
from .present import html_table

if TYPE_CHECKING:
    from .calibrate import Calibration
    from .calibrate.fits import Fit
    from .derived import Derived


def fit_table(cal: Calibration) -> pd.DataFrame:
    """One row per (quantity, candidate family): parameters, AIC, KS and whether it was chosen."""
    rows: list[dict[str, Any]] = []
    quantities = [(f"handle time {q}", f) for q, f in cal.handle.first.items()]
    quantities += [(f"work after transfer to {q}", f) for q, f in cal.handle.second.items()]
    quantities += [(f"patience {q}", p.fit) for q, p in cal.patience.items() if p.fit is not None]
    quantities += _aftercare_fits(cal)
    for name, fitted in quantities:
        for cand in fitted.candidates:
            rows.append({"quantity": name, "dist": cand.dist, "chosen": cand is fitted.best,
                         "observed": len(fitted.observed), "censored": len(fitted.censored),
                         "mean_s": cand.mean, "sd_s": cand.sd, "aic": cand.aic,
                         "ks": cand.ks})  # fmt: skip
    return pd.DataFrame(rows)


def _aftercare_fits(cal: Calibration) -> list[tuple[str, Fit]]:
    """Wrap-up times and retrial delays, named as the fit table and the charts show them."""
    out = [(f"wrap-up {q}", f) for q, f in cal.wrap_ups.by_arrival.items()]
    return out + [(f"retrial delay {q}", r.delay) for q, r in cal.retrials.items() if r.delay]


def share_table(cal: Calibration) -> pd.DataFrame:
    rows = []
    for queue, s in cal.shares.items():
        rows.append(
            {
                "queue": queue,
                "answered": s.answered,
                "cancel_after_assign": s.cancel_after_assign,
                "worked": s.worked,
                "transfer": s.transfer,
                "transfer_to": s.transfer_to or "",
                **{f"ticket_{kind}": share for kind, share in sorted(s.tickets.items())},
                **_retrial_columns(cal, queue),
            }
        )
    return pd.DataFrame(rows)


def _retrial_columns(cal: Calibration, queue: str) -> dict[str, Any]:
    r = cal.retrials.get(queue)
    if r is None or r.abandoned == 0:
        return {}
    return {"abandoned": r.abandoned, "came_back": r.came_back, "retrial": r.probability}


def _charts(cal: Calibration) -> dict[str, list[Markup]]:
    handle = [(f"handle time {q}", f) for q, f in cal.handle.first.items()]
    handle += [(f"work after transfer to {q}", f) for q, f in cal.handle.second.items()]
    handle += _aftercare_fits(cal)
    waited = [p for p in cal.patience.values() if p.fit is not None]
    return {
        "arrivals": [Markup(charts.arrival_profile(s, cal.grid)) for s in cal.streams],
        "handle": [Markup(charts.handle_fit(f, title)) for title, f in handle],
        "patience": [Markup(charts.patience_survival(p)) for p in waited],
        "roster": [Markup(charts.roster(cal.groups, cal.grid))] if cal.groups else [],
    }


def write_calibration_page(
    derived: Derived, opts: RunOptions, folder: Path, default_capacity: int = 1
) -> Path | None:
    """Write the page and its files into ``folder``; None (nothing written) without chats.
    ``derived`` is the report's log with the frames the report has already derived."""
    from .calibrate import calibrate, scenario_text
    from .errors import LogHasNoChats
    from .report import templates

    try:
        cal = calibrate(derived.log, opts.interval, opts.tz, opts.target, default_capacity, derived)
    except LogHasNoChats:
        return None
    text = scenario_text(cal)
    (folder / "calibrated-scenario.yaml").write_text(text, encoding="utf-8")
    fits, shares = fit_table(cal), share_table(cal)
    fits.to_csv(folder / "calibration_fits.csv", index=False)
    html = (
        templates()
        .get_template("calibration.html")
        .render(
            title=f"Calibration: {opts.name or cal.source}",
            cal=cal,
            charts=_charts(cal),
            fits=Markup(html_table(fits)) if len(fits) else "",
            shares=Markup(html_table(shares)) if len(shares) else "",
            presence=Markup(html_table(cal.presence)) if len(cal.presence) else "",
            scenario=text,
        )
    )
    path = folder / "calibration.html"
    path.write_text(html, encoding="utf-8")
    return path
