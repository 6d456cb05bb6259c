import numpy as np
import pandas as pd

import reports
from reports.present import format_value, html_table, time_labels


def test_every_exported_name_resolves():
    assert all(callable(getattr(reports, name)) for name in reports.__all__)


def test_simulated_seconds_read_as_day_and_clock():
    assert time_labels(np.array([0.0, 3600 * 26 + 15 * 60])) == ["d0 00:00", "d1 02:15"]


def test_epoch_seconds_read_as_local_date_and_time():
    assert time_labels([1_700_000_000.0], tz="Europe/Paris") == ["2023-11-14 23:13"]


def test_values_are_formatted_by_kind():
    assert format_value(0.4286, "pct") == "42.9%"
    assert format_value(12.345, "sec") == "12.3"
    assert format_value(np.int64(12000), "num") == "12,000"
    assert format_value(float("nan"), "pct") == "\N{EN DASH}"


def test_html_tables_escape_text_and_mark_flagged_cells():
    frame = pd.DataFrame({"queue": ["<b>Acme</b>"], "service_level": [0.5]})
    html = html_table(frame, flags=pd.DataFrame({"service_level": [True]}))
    assert "&lt;b&gt;Acme&lt;/b&gt;" in html
    assert '<td class="flag">50.0%</td>' in html


def test_no_chart_legend_covers_the_data(monkeypatch, tmp_path):
    """Every legend of every report chart lies outside the plotting area."""
    from reports import charts
    from reports.log import write_parquet
    from reports.report import build_report

    from .logs import day_log

    figures = []
    monkeypatch.setattr(charts, "_img", lambda fig, alt: figures.append((alt, fig)) or "")
    build_report(write_parquet(day_log(), tmp_path / "log.parquet"), tmp_path / "out")
    assert len(figures) == 5
    for alt, fig in figures:
        from matplotlib.backends.backend_agg import FigureCanvasAgg

        renderer = FigureCanvasAgg(fig).get_renderer()
        fig.draw(renderer)
        legends = [*fig.legends, *(ax.get_legend() for ax in fig.axes if ax.get_legend())]
        assert legends, alt
        for legend in legends:
            box = legend.get_window_extent(renderer)
            for ax in fig.axes:
                assert not box.overlaps(ax.get_window_extent(renderer)), alt


def test_kpi_columns_read_as_names_with_units():
    html = html_table(pd.DataFrame({"queue": ["Acme/GENERAL"], "wait_p90": [12.0]}))
    assert "<th>90th pct. wait, s</th>" in html and '<th class="text">Queue</th>' in html
