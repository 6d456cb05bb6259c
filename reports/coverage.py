"""Does one run (the live one) fall inside the spread of simulated replications, KPI by KPI?

For each KPI the replications give a mean and a standard deviation s (n runs). Two intervals
at ``level`` (Student t, n - 1 degrees of freedom):

* the confidence interval of the mean, ``mean ± t·s/√n`` (what ``livechat-sim run`` prints):
  where the simulated *average* lies;
* the prediction interval of one run, ``mean ± t·s·√(1 + 1/n)``: where a single further run
  of the same scenario lies with probability ``level``.

A live log is ONE run, so the prediction interval is the fair test of "the simulation predicts
the live system" (a single run falls outside the mean's interval about half the time even when
the model is exact); both are stated, and ``inside`` is the prediction interval's verdict.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .errors import ReportError
from .metrics import KPI_COLUMNS

# The KPIs a twin is judged on, and the others worth a verdict.
CHECKED = ("service_level", "abandonment", "wait_mean", "occupancy", "wait_p90", "handle_mean",
           "volume", "served", "transfer_rate")  # fmt: skip
SHARES = ("service_level", "abandonment", "transfer_rate")  # occupancy may exceed 1 (manual)
COLUMNS = ("kpi", "live", "sim_mean", "ci_low", "ci_high", "pi_low", "pi_high", "runs",
           "inside_ci", "inside")  # fmt: skip


def _t(level: float, dof: np.ndarray) -> np.ndarray:
    try:
        from scipy import stats
    except ImportError as exc:  # the reports extra alone has no scipy
        message = "intervals over replications need scipy: pip install 'livechat[sim]'"
        raise ReportError(message) from exc
    return stats.t.ppf((1 + level) / 2, np.where(dof > 0, dof, np.nan))


def coverage(
    replications: list[pd.DataFrame], live: pd.DataFrame, keys: list[str], level: float = 0.95
) -> pd.DataFrame:
    """Long table: keys, kpi, live, sim_mean, ci/pi bounds, runs, inside_ci, inside."""
    kpis = [k for k in CHECKED if k in live.columns]
    sims = pd.concat(
        [t.assign(_rep=i) for i, t in enumerate(replications)], ignore_index=True
    ).melt(id_vars=[*keys, "_rep"], value_vars=kpis, var_name="kpi", value_name="value")
    sims = sims.dropna(subset=["value"])
    group = sims.groupby([*keys, "kpi"], sort=False)["value"]
    stats = pd.DataFrame({"sim_mean": group.mean(), "sd": group.std(ddof=1), "runs": group.size()})
    stats = stats.reset_index()
    t = _t(level, stats["runs"].to_numpy() - 1)
    sd, n = stats["sd"].to_numpy(), stats["runs"].to_numpy()
    half_ci, half_pi = t * sd / np.sqrt(n), t * sd * np.sqrt(1 + 1 / n)
    mean = stats["sim_mean"].to_numpy()
    top = np.where(stats["kpi"].isin(SHARES).to_numpy(), 1.0, np.inf)
    for name, half in (("ci", half_ci), ("pi", half_pi)):  # no KPI is negative, no share > 1
        stats[f"{name}_low"] = np.maximum(mean - half, 0.0)
        stats[f"{name}_high"] = np.minimum(mean + half, top)
    long_live = live.melt(id_vars=keys, value_vars=kpis, var_name="kpi", value_name="live")
    out = long_live.merge(stats, on=[*keys, "kpi"], how="inner")
    value = out["live"].to_numpy(dtype=float)
    out["inside_ci"] = (value >= out["ci_low"]) & (value <= out["ci_high"])
    out["inside"] = (value >= out["pi_low"]) & (value <= out["pi_high"])
    order = {k: i for i, k in enumerate(KPI_COLUMNS)}
    out = out.sort_values([*keys, "kpi"], key=lambda c: c.map(order) if c.name == "kpi" else c)
    return out[[*keys, *COLUMNS]].reset_index(drop=True)


def mean_table(tables: list[pd.DataFrame], keys: list[str]) -> pd.DataFrame:
    """KPIs averaged over replications (a group missing from a run is left out of its mean)."""
    if len(tables) == 1:
        return tables[0]
    stacked = pd.concat(tables, ignore_index=True)
    if not keys:
        return stacked.mean(numeric_only=True).to_frame().T
    return stacked.groupby(keys, observed=True, sort=True).mean(numeric_only=True).reset_index()
