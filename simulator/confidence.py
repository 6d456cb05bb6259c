"""The one Student-t quantile the replication statistics use (95%, two-sided).

scipy is imported only when some group has two or more values: a single replication (the
common ``livechat-sim run``) has no interval to compute and never pays scipy's import."""

from __future__ import annotations

from typing import TypeVar

import numpy as np
import pandas as pd

Counts = TypeVar("Counts", pd.Series, pd.DataFrame)


def t975(n: Counts) -> Counts:
    """The 0.975 quantile of Student t with ``n - 1`` degrees of freedom, elementwise, with
    ``n``'s labels; NaN where ``n`` < 2."""
    counts = n.to_numpy(dtype=float)
    dof = np.where(counts > 1, counts - 1, np.nan)
    values = dof
    if not np.isnan(dof).all():
        from scipy import stats

        values = stats.t.ppf(0.975, dof)
    if isinstance(n, pd.DataFrame):
        return pd.DataFrame(values, index=n.index, columns=n.columns)
    return pd.Series(values, index=n.index, name=n.name)
