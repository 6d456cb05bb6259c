"""Ranked full-text search on SQLite FTS5: the index definitions and a safe query builder.

Users type free text; FTS5 has its own query language (``"``, ``*``, ``NEAR(``, ``-``, ``:``,
``AND``/``OR``/``NOT``), so raw input would raise syntax errors or change meaning. We keep only
word tokens, quote each one, and let the last one match as a prefix (search as you type). All
terms must match first; when that finds fewer than ``limit`` rows, rows matching any term are
appended, so a multi-word query that over-constrains still answers. bm25 ranks, with per-column
weights (a title hit outranks a body hit).
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass

TOKENIZER = "porter unicode61 remove_diacritics 2"
MAX_TOKENS = 12  # bounds the cost of one query; nobody types more words into a search box
_WORD = re.compile(r"\w+")


@dataclass(frozen=True, slots=True)
class FtsIndex:
    """An external-content FTS5 index over ``table`` (which has ``pk INTEGER PRIMARY KEY``)."""

    table: str
    columns: tuple[str, ...]
    weights: tuple[float, ...]

    @property
    def fts(self) -> str:
        return f"{self.table}_fts"

    def ddl(self) -> str:
        """The index and the triggers that keep it in step with its table."""
        cols = ", ".join(self.columns)
        new = ", ".join(f"new.{c}" for c in self.columns)
        old = ", ".join(f"old.{c}" for c in self.columns)
        delete = (
            f"INSERT INTO {self.fts}({self.fts}, rowid, {cols}) VALUES ('delete', old.pk, {old});"
        )
        insert = f"INSERT INTO {self.fts}(rowid, {cols}) VALUES (new.pk, {new});"
        return f"""
CREATE VIRTUAL TABLE IF NOT EXISTS {self.fts} USING fts5(
    {cols}, content='{self.table}', content_rowid='pk', tokenize='{TOKENIZER}');
CREATE TRIGGER IF NOT EXISTS {self.table}_ai AFTER INSERT ON {self.table} BEGIN {insert} END;
CREATE TRIGGER IF NOT EXISTS {self.table}_ad AFTER DELETE ON {self.table} BEGIN {delete} END;
CREATE TRIGGER IF NOT EXISTS {self.table}_au AFTER UPDATE ON {self.table}
    BEGIN {delete} {insert} END;
"""


def match_expression(term: str, any_term: bool = False) -> str | None:
    """A safe FTS5 MATCH string for user input, or None when it holds no searchable word."""
    tokens = _WORD.findall(term)[:MAX_TOKENS]
    if not tokens:
        return None
    quoted = [f'"{token}"' for token in tokens]  # \w never contains a double quote
    if _WORD.match(term[-1]):
        quoted[-1] += "*"
    return (" OR " if any_term else " ").join(quoted)


def ranked(
    conn: sqlite3.Connection,
    index: FtsIndex,
    term: str,
    limit: int,
    where: str = "",
    params: Sequence[object] = (),
) -> list[sqlite3.Row]:
    """Rows of ``index.table`` (aliased ``t``) matching ``term``, best first.

    ``where`` is an extra SQL condition on ``t`` with its ``params``. A blank term browses the
    table in ``pk`` order.
    """
    limit = max(0, limit)  # SQLite reads a negative LIMIT as "no limit"
    extra = f"AND ({where})" if where else ""
    if not term.strip():
        sql = f"SELECT t.* FROM {index.table} t WHERE 1 {extra} ORDER BY t.pk LIMIT ?"
        return conn.execute(sql, (*params, limit)).fetchall()
    weights = ", ".join(str(w) for w in index.weights)
    sql = (
        f"SELECT t.* FROM {index.fts} JOIN {index.table} t ON t.pk = {index.fts}.rowid "
        f"WHERE {index.fts} MATCH ? {extra} ORDER BY bm25({index.fts}, {weights}) LIMIT ?"
    )
    strict = match_expression(term)
    if strict is None:
        return []
    loose = match_expression(term, any_term=True)
    rows: list[sqlite3.Row] = []
    seen: set[int] = set()
    for query in (strict,) if loose == strict else (strict, loose):
        for row in conn.execute(sql, (query, *params, limit)):
            if row["pk"] not in seen:
                seen.add(row["pk"])
                rows.append(row)
        if len(rows) >= limit:
            break
    return rows[:limit]
