"""``livechat-report build`` shows a calibration page: observed against fitted, per quantity."""

from __future__ import annotations

import pandas as pd
import pytest

from reports.cli import main
from reports.log import events_to_frame, write_parquet
from reports.logmeta import LogMeta
from simulator.driver import Simulation
from simulator.loader import load_scenario, parse_scenario

from .logs import day_log


@pytest.fixture(scope="module")
def helpdesk_log(tmp_path_factory):
    scenario = load_scenario("small-helpdesk")
    events = Simulation(scenario, seed=3).run().events
    path = tmp_path_factory.mktemp("helpdesk") / "events.parquet"
    return write_parquet(events_to_frame(events), path, LogMeta.of_scenario(scenario))


def test_build_writes_a_calibration_page_linked_from_the_report(helpdesk_log, tmp_path):
    out = tmp_path / "report"
    assert main(["build", str(helpdesk_log), "--out", str(out)]) == 0
    assert 'href="calibration.html"' in (out / "report.html").read_text()
    page = (out / "calibration.html").read_text()
    for alt in ("arrival profile of Contoso/GENERAL self_service",
                "handle time Contoso/GENERAL: observed and fitted",
                "patience survival in Contoso/GENERAL", "observed roster"):  # fmt: skip
        assert f'<img alt="{alt}" src="data:image/png;base64,' in page
    assert "http://" not in page and "https://" not in page  # self-contained
    fits = pd.read_csv(out / "calibration_fits.csv")
    chosen = fits[fits["chosen"]]
    assert set(chosen["quantity"]) == {"handle time Contoso/GENERAL", "patience Contoso/GENERAL"}
    assert (fits.groupby("quantity")["aic"].idxmin() == chosen.index).all()


def test_the_page_shows_the_scenario_it_wrote_and_that_scenario_loads(helpdesk_log, tmp_path):
    out = tmp_path / "report"
    main(["build", str(helpdesk_log), "--out", str(out)])
    text = (out / "calibrated-scenario.yaml").read_text()
    assert parse_scenario(text).streams[0].company == "Contoso"
    assert "chose lognormal by AIC" in text or "chose gamma by AIC" in text
    assert "Show calibrated-scenario.yaml" in (out / "calibration.html").read_text()


def test_a_log_without_chats_gets_its_report_but_no_calibration_page(tmp_path):
    log = write_parquet(day_log()[:3], tmp_path / "agents-only.parquet")
    out = tmp_path / "r"
    assert main(["build", str(log), "--out", str(out)]) == 0
    assert not (out / "calibration.html").exists()
    assert "calibration.html" not in (out / "report.html").read_text()


def test_no_calibration_chart_legend_covers_the_data(helpdesk_log, monkeypatch, tmp_path):
    """As for the report's own charts: every legend sits outside every plotting area."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    from reports import calibration_charts

    figures = []
    monkeypatch.setattr(
        calibration_charts, "_img", lambda fig, alt: figures.append((alt, fig)) or ""
    )
    main(["build", str(helpdesk_log), "--out", str(tmp_path / "r")])
    assert len(figures) == 4  # arrivals, handle time, patience, roster
    for alt, fig in figures:
        renderer = FigureCanvasAgg(fig).get_renderer()
        fig.draw(renderer)
        assert fig.legends, alt
        for legend in fig.legends:
            box = legend.get_window_extent(renderer)
            assert not any(box.overlaps(ax.get_window_extent(renderer)) for ax in fig.axes), alt


def test_a_report_with_its_calibration_page_imports_no_simulator_module(helpdesk_log, tmp_path):
    """Layering: reports read logs, the simulator writes them; the page's measurements are
    the reports package's own, so a build never loads a ``simulator`` module."""
    import subprocess
    import sys

    out = tmp_path / "report"
    script = (
        "import sys; from reports.cli import main\n"
        f"assert main(['build', {str(helpdesk_log)!r}, '--out', {str(out)!r}]) == 0\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] == 'simulator'))\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().splitlines()[-1] == "[]"
    assert (out / "calibration.html").is_file()
