"""The report's bar charts draw a month of intervals as one collection, pixel for pixel what
one ``ax.bar`` patch per interval drew (the PNG in the report does not change)."""

from __future__ import annotations

import io

import numpy as np
import pandas as pd
import pytest
from matplotlib.figure import Figure
from PIL import Image

from reports.charts import bars


def _pixels(draw) -> np.ndarray:
    fig = Figure(figsize=(9.0, 3.2), dpi=96, layout="constrained")
    ax = fig.add_subplot()
    draw(ax)
    fig.legend(loc="outside upper center", ncols=2, frameon=False)
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    return np.asarray(Image.open(buf))


@pytest.mark.parametrize("clock", [False, True], ids=["simulated-hours", "datetimes"])
def test_stacked_bars_with_gaps_draw_the_pixels_of_ax_bar(clock):
    rng = np.random.default_rng(1)
    secs = np.delete(np.arange(300) * 900.0, [5, 6, 120])  # intervals without a row: gaps
    x = pd.to_datetime(secs + 1.7e9, unit="s").to_numpy() if clock else secs / 3600
    width = 900 / (86400 if clock else 3600)
    low, top = rng.integers(0, 30, secs.size) * 1.0, rng.integers(0, 9, secs.size) * 1.0
    top[-1] = 0.0  # a zero-height bar on top still pins the axis (its bottom is sticky)

    def patches(ax):
        ax.bar(x, low, width=width, align="edge", color="#90caf9", label="low")
        ax.bar(x, top, bottom=low, width=width, align="edge", color="#2e7d32", label="top")

    def collection(ax):
        bars(ax, x, low, width, color="#90caf9", label="low")
        bars(ax, x, top, width, low, color="#2e7d32", label="top")

    expected = _pixels(patches)
    assert (expected != 255).any()  # something was drawn
    assert np.array_equal(_pixels(collection), expected)
