"""Comment lines that show the evidence behind each calibrated value (fits, censoring, counts).

They sit above the value they explain in the written scenario, so a planner who edits the file
sees why a number is what it is, and how sure the log is about it.
"""

from __future__ import annotations

import numpy as np

from .arrivals import Overdispersion
from .fits import Fit
from .patience import Patience

CRITERION = "AIC = 2k - 2 log L, lowest wins"
KM_POINTS = (30.0, 60.0, 120.0, 300.0, 600.0)


def seconds(value: float) -> str:
    """A duration as the scenario file takes it: ``9h``, ``30m``, ``540.3s``."""
    value = float(value)
    if value >= 3600 and value % 3600 == 0:
        return f"{value / 3600:g}h"
    if value >= 60 and value % 60 == 0:
        return f"{value / 60:g}m"
    return f"{float(f'{value:.5g}'):g}s"


def fit_lines(what: str, fitted: Fit) -> list[str]:
    """``what``: counts, the chosen family, and every candidate's parameters, AIC and KS."""
    best = fitted.best
    lines = [f"{what}: {len(fitted.observed):,} values; chose {best.dist} by {CRITERION}"]
    for cand in fitted.candidates:
        params = f"mean {seconds(cand.mean)}"
        params += "" if cand.dist == "exponential" else f", sd {seconds(cand.sd)}"
        lines.append(f"  {cand.dist:<11} {params:<28} AIC {cand.aic:12.1f}  KS {cand.ks:.3f}")
    return lines


def patience_lines(p: Patience) -> list[str]:
    """Censoring counts, the fit, the Kaplan-Meier curve, and the naive mean it replaces."""
    total = p.gave_up + p.censored
    share = p.censored / total if total else 0.0
    lines = [
        f"patience of {total:,} waiting users: {p.gave_up:,} gave up (observed), {p.censored:,}"
        f" ({share:.0%}) right-censored at their wait (answered, closed by a timer or still"
        " waiting)",
    ]
    if p.fit is None:
        return [*lines, "nobody gave up: patience cannot be measured and is left out"]
    lines += fit_lines("censored maximum-likelihood fit", p.fit)[1:]
    lines.insert(1, f"censored maximum-likelihood fits ({CRITERION}); exponential: d / sum t")
    if len(p.km_times):
        points = [t for t in KM_POINTS if t <= p.km_times.max()] or [float(p.km_times.max())]
        km = ", ".join(f"S({seconds(t)}) = {_step(p, t):.3f}" for t in points)
        lines.append(f"Kaplan-Meier survival: {km}")
    if p.naive_mean is not None:
        lines.append(
            f"(the mean of the observed abandon times, {seconds(p.naive_mean)}, ignores the"
            " censored users: it is not the patience)"
        )
    return lines


def _step(p: Patience, t: float) -> float:
    i = np.searchsorted(p.km_times, t, side="right") - 1
    return 1.0 if i < 0 else float(p.km_survival[i])


def dispersion_line(d: Overdispersion) -> str:
    if not d.measured:
        return ("day-to-day variation not measured: it needs each weekday seen on two days"
                " or more")  # fmt: skip
    return (
        f"per-slot variance/mean {d.vmr:.2f} (Poisson: 1.00) over {d.days} days; gamma rate"
        f" factors that explain it: day CV {d.day_cv:.3f}, interval CV {d.interval_cv:.3f}"
    )
