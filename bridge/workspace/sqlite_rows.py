"""Rows of the embedded directory to records and back: the SQL every method shares."""

from __future__ import annotations

import json
import sqlite3

from . import tickets as rules
from .errors import UnknownArticle, UnknownTicket
from .ports import Activity, Article, Outage, Template, TemplateField, Ticket


def find(conn: sqlite3.Connection, table: str, column: str, value: str) -> sqlite3.Row | None:
    return conn.execute(f"SELECT * FROM {table} WHERE {column} = ?", (value,)).fetchone()


def insert_row(conn: sqlite3.Connection, table: str, row: dict[str, object]) -> None:
    cols = ", ".join(row)
    marks = ", ".join("?" * len(row))
    conn.execute(f"INSERT INTO {table} ({cols}) VALUES ({marks})", tuple(row.values()))


def insert_activity(conn: sqlite3.Connection, ticket_id: str, entry: Activity) -> None:
    conn.execute(
        "INSERT INTO ticket_activity (ticket_id, text, article_id) VALUES (?, ?, ?)",
        (ticket_id, entry.text, entry.article_id),
    )


def get_article(conn: sqlite3.Connection, article_id: str) -> Article:
    row = find(conn, "articles", "id", article_id)
    if row is None:
        raise UnknownArticle(f"no knowledge article {article_id!r}")
    return article(row)


def load_ticket(conn: sqlite3.Connection, ticket_id: str) -> tuple[Ticket, list[str]]:
    """The ticket and its required field names (kept per ticket: templates may change later)."""
    row = find(conn, "tickets", "id", ticket_id)
    if row is None:
        raise UnknownTicket(f"no ticket {ticket_id!r}")
    fields, required = json.loads(row["fields"]), json.loads(row["required"])
    activity = conn.execute(
        "SELECT text, article_id FROM ticket_activity WHERE ticket_id = ? ORDER BY pk",
        (ticket_id,),
    ).fetchall()
    pins = conn.execute(
        "SELECT article_id FROM ticket_pins WHERE ticket_id = ? ORDER BY pk", (ticket_id,)
    ).fetchall()
    ticket = Ticket(
        row["id"], row["kind"], row["status"], row["status_reason"], row["summary"],
        row["description"], fields, rules.missing_fields(required, fields), row["customer_id"],
        row["company"], row["chat_id"], [Activity(*a) for a in activity],
        [p[0] for p in pins], row["template_id"], row["mode"],
    )  # fmt: skip
    return ticket, required


def article(row: sqlite3.Row) -> Article:
    return Article(row["id"], row["title"], row["body"], row["url"], row["category"])


def template(row: sqlite3.Row) -> Template:
    fields = [TemplateField(**f) for f in json.loads(row["fields"])]
    return Template(
        row["id"], row["kind"], row["name"], row["summary"], row["description"],
        row["category"], fields,
    )  # fmt: skip


def outage(row: sqlite3.Row) -> Outage:
    return Outage(
        row["id"], row["company"], row["service"], row["title"], row["description"],
        row["started_at"], row["ended_at"],
    )  # fmt: skip
