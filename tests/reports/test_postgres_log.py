"""Reports on a bridge's PostgreSQL log: the same frame and the same report as its SQLite file.

The server is the suite's throwaway cluster (tests/pg.py, started by the ``pg_url`` fixture);
the rows go in through the bridge's own stores, exactly as a running bridge commits them.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd
import psycopg
import pytest

from bridge.engine import events as ev
from bridge.store import EventStore
from bridge.store.postgres import PostgresStore
from reports import log as report_log
from reports.cli import main
from reports.errors import LogUnreadable
from reports.log import events_to_frame, load

from ..processes import free_port
from .logs import day_log


def _rows() -> list[dict]:
    """The day log as stored rows, one of them an older version the upcaster must rewrite."""
    rows = [ev.to_row(e, i + 1) for i, e in enumerate(day_log())]
    first_closed = next(i for i, r in enumerate(rows) if r["type"] == "ChatClosed")
    rows[first_closed] = {**rows[first_closed], "version": 0, "payload": {}}
    return rows


@pytest.fixture
def legacy_upcaster(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(
        ev.UPCASTERS, ("ChatClosed", 0), lambda row: {**row, "payload": {"reason": "cancelled"}}
    )


@pytest.fixture
def both_stores(pg_url: str, tmp_path: Path, legacy_upcaster: None):
    """The same rows in a live PostgreSQL store (lock held, like a running bridge) and in an
    SQLite file; yields (url, sqlite path)."""
    sqlite = EventStore(tmp_path / "events.db")
    sqlite.write(_rows())
    sqlite.close()
    leader = PostgresStore(pg_url)
    leader.write(_rows())
    try:
        yield pg_url, tmp_path / "events.db"
    finally:
        leader.close()


def test_a_postgres_log_loads_into_the_same_frame_as_the_same_rows_in_sqlite(
    both_stores, monkeypatch: pytest.MonkeyPatch
):
    url, sqlite = both_stores
    monkeypatch.setattr(report_log, "FETCH_ROWS", 4)  # several server-side batches
    from_pg = load(url)
    pd.testing.assert_frame_equal(from_pg, load(sqlite))
    pd.testing.assert_frame_equal(from_pg, load(url.replace("postgresql://", "postgres://", 1)))
    expected = events_to_frame(day_log()).assign(seq=lambda f: f["seq"] + 1)
    pd.testing.assert_frame_equal(from_pg, expected, check_categorical=False)
    assert len(from_pg) == len(day_log()) > 4
    assert (from_pg.loc[from_pg["type"] == "ChatClosed", "version"] == ev.ChatClosed.version).all()


def test_reading_changes_nothing_in_the_database(both_stores):
    url = both_stores[0]
    before = PostgresStore(url, read_only=True)
    try:
        counts, top = before.counts(), before.max_seq()
        load(url)
        assert (before.counts(), before.max_seq()) == (counts, top)
    finally:
        before.close()


def _with_password(url: str) -> str:
    """The same URL with a password (the test server trusts every local connection)."""
    return url.replace("@/", ":s3cret@/", 1)


def test_build_and_compare_report_on_a_postgres_url(both_stores, tmp_path: Path, capsys):
    url, sqlite = both_stores
    url = _with_password(url)
    out_pg, out_sqlite = tmp_path / "pg", tmp_path / "sqlite"
    assert main(["build", url, "--out", str(out_pg), "--interval", "3600"]) == 0
    assert main(["build", str(sqlite), "--out", str(out_sqlite), "--interval", "3600"]) == 0
    tables = sorted(p.name for p in out_pg.glob("kpis_*.csv"))
    assert tables and tables == sorted(p.name for p in out_sqlite.glob("kpis_*.csv"))
    for name in tables:
        assert (out_pg / name).read_text() == (out_sqlite / name).read_text(), name
    html = (out_pg / "report.html").read_text()
    assert "s3cret" not in html and ":***@" in html
    assert main(["compare", url, str(sqlite), "--out", str(tmp_path / "cmp")]) == 0
    company = pd.read_csv(tmp_path / "cmp" / "compare_company.csv")
    assert len(company) and not company["flagged"].any()
    assert "s3cret" not in (tmp_path / "cmp" / "compare.html").read_text()
    assert "s3cret" not in capsys.readouterr().out


def test_an_unreachable_server_exits_2_with_one_line_and_writes_nothing(tmp_path: Path, capsys):
    url = f"postgresql://bridge:s3cret@127.0.0.1:{free_port()}/livechat"
    out = tmp_path / "report"
    assert main(["build", url, "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("livechat-report: error: ")
    assert "cannot connect" in err and "127.0.0.1" in err and "s3cret" not in err
    assert not out.exists()


def test_a_database_without_a_livechat_log_is_refused(pg_url: str):
    with pytest.raises(LogUnreadable, match="no livechat event log"):
        load(pg_url)
    with psycopg.connect(pg_url, autocommit=True) as conn:
        conn.execute("CREATE TABLE events (x INTEGER)")
    with pytest.raises(LogUnreadable, match="not a livechat event log"):
        load(pg_url)


def test_without_psycopg_the_error_says_what_to_install(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setitem(sys.modules, "psycopg", None)  # `import psycopg` raises ImportError
    with pytest.raises(LogUnreadable, match=r"pip install 'livechat\[postgres\]'"):
        load("postgres://bridge@localhost/livechat")
