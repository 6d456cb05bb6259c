import re
import subprocess
import sys

import pandas as pd
import pytest

from bridge.engine.events import ChatAssigned
from reports.cli import main
from reports.log import write_parquet

from .logs import day_log


@pytest.fixture
def logs(tmp_path):
    """Run A is the day log; in run B chat c1 waits 60 s instead of being answered at once."""
    a = write_parquet(day_log(), tmp_path / "a.parquet")
    slower = [
        ChatAssigned(70, "c1", "a1", 60.0) if type(e) is ChatAssigned and e.chat_id == "c1" else e
        for e in day_log()
    ]
    b = write_parquet(sorted(slower, key=lambda e: e.at), tmp_path / "b.parquet")
    return a, b


def test_build_writes_a_self_contained_report_and_the_tables(logs, tmp_path, capsys):
    out = tmp_path / "report"
    assert main(["build", str(logs[0]), "--out", str(out), "--interval", "3600"]) == 0
    html = (out / "report.html").read_text()
    assert not re.search(r"https?://", html)
    assert html.count("data:image/png;base64,") == 5
    assert "Estimated wait accuracy" in html
    for name in ("kpis_overall", "kpis_queue", "kpis_interval", "ewt_accuracy", "occupancy_agents"):
        assert (out / f"{name}.csv").is_file()
        assert (out / f"{name}.parquet").is_file()
    overall = pd.read_csv(out / "kpis_overall.csv")
    assert overall.loc[0, "service_level"] == pytest.approx(3 / 7)
    assert str(out / "report.html") in capsys.readouterr().out


def test_compare_highlights_a_differing_kpi(logs, tmp_path):
    out = tmp_path / "cmp"
    assert main(["compare", str(logs[0]), str(logs[1]), "--out", str(out)]) == 0
    table = pd.read_csv(out / "compare_overall.csv").set_index("kpi")
    assert table.loc["service_level", "flagged"]
    assert table.loc["service_level", ["a", "b"]].tolist() == pytest.approx([3 / 7, 2 / 7])
    assert not table.loc["volume", "flagged"]
    html = (out / "compare.html").read_text()
    row = r"<td class=\"text\">Service level, %</td><td>42\.9%</td><td class=\"flag\">28\.6%"
    assert re.search(row, html)  # readable KPI name, values in their format, B flagged


def test_compare_reads_report_folders_too(logs, tmp_path):
    folders = []
    for name, log in zip("ab", logs, strict=True):
        assert main(["build", str(log), "--out", str(tmp_path / name)]) == 0
        folders.append(str(tmp_path / name))
    assert main(["compare", *folders, "--out", str(tmp_path / "cmp")]) == 0
    table = pd.read_csv(tmp_path / "cmp" / "compare_company.csv")
    flagged = table[table["flagged"]]
    assert ("Acme", "service_level") in set(zip(flagged["company"], flagged["kpi"], strict=True))


def test_a_missing_log_exits_2_with_a_message(tmp_path, capsys):
    assert main(["build", str(tmp_path / "nope.parquet"), "--out", str(tmp_path / "r")]) == 2
    err = capsys.readouterr().err
    assert "nope.parquet: no such file" in err and "Traceback" not in err


def test_an_unreadable_log_exits_2_with_a_message(tmp_path, capsys):
    junk = tmp_path / "junk.parquet"
    junk.write_bytes(b"PAR1 definitely not parquet")
    assert main(["build", str(junk), "--out", str(tmp_path / "r")]) == 2
    assert "not a readable Parquet event log" in capsys.readouterr().err


def test_a_folder_that_is_not_a_report_exits_2(logs, tmp_path, capsys):
    assert main(["compare", str(tmp_path), str(logs[1]), "--out", str(tmp_path / "c")]) == 2
    assert "not a report directory" in capsys.readouterr().err


def test_bad_options_exit_2(logs, tmp_path, capsys):
    assert main(["build", str(logs[0]), "--out", str(tmp_path), "--interval", "0"]) == 2
    assert main(["build", str(logs[0]), "--out", str(tmp_path), "--tz", "Mars/Base"]) == 2
    assert "unknown time zone" in capsys.readouterr().err


def test_importing_the_package_loads_neither_the_charts_nor_matplotlib():
    code = (
        "import sys, reports; print('matplotlib' in sys.modules, 'reports.charts' in sys.modules)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.split() == ["False", "False"]


def test_build_reads_a_bridge_sqlite_store(tmp_path):
    from bridge.engine.events import to_row

    from .test_log import make_store

    make_store(tmp_path / "bridge.db", [to_row(e, i + 1) for i, e in enumerate(day_log())]).close()
    assert main(["build", str(tmp_path / "bridge.db"), "--out", str(tmp_path / "r")]) == 0
    assert pd.read_csv(tmp_path / "r" / "kpis_overall.csv").loc[0, "volume"] == 8


def test_a_log_without_chats_still_gives_a_report(tmp_path):
    log = write_parquet(day_log()[:3], tmp_path / "agents-only.parquet")
    assert main(["build", str(log), "--out", str(tmp_path / "r")]) == 0
    assert "Estimated wait accuracy" not in (tmp_path / "r" / "report.html").read_text()


def test_help_exits_0(capsys):
    assert main(["--help"]) == 0
    assert "livechat-report" in capsys.readouterr().out


# --- issue 19.8: one duration reading for every CLI


def test_interval_and_target_take_the_same_durations_as_livechat_sim(logs, tmp_path):
    plain, units = tmp_path / "plain", tmp_path / "units"
    assert main(["build", str(logs[0]), "--out", str(plain), "--interval", "900",
                 "--target", "30"]) == 0  # fmt: skip
    assert main(["build", str(logs[0]), "--out", str(units), "--interval", "15m",
                 "--target", "30s"]) == 0  # fmt: skip
    for name in ("kpis_interval.csv", "kpis_overall.csv"):
        assert (plain / name).read_text() == (units / name).read_text()


@pytest.mark.parametrize("flag, value", [("--interval", "15q"), ("--interval", "0m"),
                                         ("--target", "soon")])  # fmt: skip
def test_a_bad_duration_is_refused_with_status_2_and_writes_nothing(
    logs, tmp_path, capsys, flag, value
):
    out = tmp_path / "report"
    assert main(["build", str(logs[0]), "--out", str(out), flag, value]) == 2
    assert f"argument {flag}" in capsys.readouterr().err
    assert not out.exists()


# --- issue 19.6: the folder `livechat-sim run --out` wrote


def test_build_reads_the_log_of_a_one_replication_run_folder(logs, tmp_path):
    run = tmp_path / "run"
    run.mkdir()
    (run / "events.parquet").write_bytes(logs[0].read_bytes())
    assert main(["build", str(run), "--out", str(tmp_path / "report")]) == 0
    assert (tmp_path / "report" / "report.html").is_file()


def test_a_folder_of_replications_names_its_logs_instead_of_picking_one(logs, tmp_path, capsys):
    run = tmp_path / "run"
    for rep, log in zip(("rep-01", "rep-02"), logs, strict=True):
        (run / rep).mkdir(parents=True)
        (run / rep / "events.parquet").write_bytes(log.read_bytes())
    assert main(["build", str(run), "--out", str(tmp_path / "report")]) == 2
    err = capsys.readouterr().err
    assert "holds 2 replications" in err and str(run / "rep-01" / "events.parquet") in err
    assert not (tmp_path / "report").exists()
