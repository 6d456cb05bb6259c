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
