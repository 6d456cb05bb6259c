"""The embedded directory: a small ITSM on SQLite for demos, tests and the simulator.

One connection (WAL; ``synchronous`` is a setting) shared under a lock, because the bridge
calls it from the event loop thread and tests may call it from others. Every call is a few
indexed queries, so it is fine to call synchronously. Writes run in one ``BEGIN IMMEDIATE``
transaction each: a refused command rolls back and changes nothing.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import asdict
from typing import Literal

from . import tickets as rules
from .errors import TicketExists, UnknownArticle, UnknownCustomer, UnknownTemplate, UnknownTicket
from .fts import ranked
from .ports import (
    EDIT,
    SAVED,
    Activity,
    Article,
    Asset,
    Company,
    Customer,
    Outage,
    Site,
    Template,
    TemplateField,
    Ticket,
    TicketDraft,
    TicketKind,
)
from .schema import ARTICLES, CUSTOMER_SQL, DDL, OUTAGES, TEMPLATES
from .tickets import TicketStatusSettings

Synchronous = Literal["OFF", "NORMAL", "FULL", "EXTRA"]
Record = Company | Site | Customer | Asset | Article | Template | Outage | TicketDraft

# Finding a chat's customer by email is a per-request lookup; NOCASE folds ASCII only.
EMAIL_INDEX = "CREATE INDEX IF NOT EXISTS customers_email ON customers(email COLLATE NOCASE);"
BY_EMAIL = "SELECT id FROM customers WHERE email = ? COLLATE NOCASE ORDER BY id LIMIT 1"
BY_NAME = "SELECT id FROM customers WHERE company = ? AND first_name || ' ' || last_name = ? "
BY_NAME += "COLLATE NOCASE LIMIT 2"

COUNTED = ("companies", "sites", "customers", "assets", "articles", "templates", "outages")


class SqliteDirectory:
    """``Directory`` on SQLite; ``path`` is a file or ``":memory:"``. Schema made on open."""

    def __init__(
        self,
        path: str = ":memory:",
        statuses: TicketStatusSettings | None = None,
        synchronous: Synchronous = "NORMAL",
    ) -> None:
        if synchronous not in ("OFF", "NORMAL", "FULL", "EXTRA"):
            raise ValueError(f"synchronous must be OFF, NORMAL, FULL or EXTRA, not {synchronous}")
        self._statuses = statuses or TicketStatusSettings()
        self._lock = threading.Lock()
        self._conn = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self._conn.row_factory = sqlite3.Row
        self._conn.execute("PRAGMA journal_mode=WAL")
        self._conn.execute(f"PRAGMA synchronous={synchronous}")
        self._conn.execute("PRAGMA foreign_keys=ON")
        self._conn.executescript(DDL + EMAIL_INDEX)

    @property
    def statuses(self) -> TicketStatusSettings:
        return self._statuses

    def close(self) -> None:
        with self._lock:
            self._conn.close()

    def __enter__(self) -> SqliteDirectory:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def _read(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            yield self._conn

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                yield self._conn
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise
            self._conn.execute("COMMIT")

    # --- customer information -------------------------------------------------------------

    def customer(self, customer_id: str) -> Customer:
        with self._read() as conn:
            row = conn.execute(CUSTOMER_SQL, (customer_id,)).fetchone()
        if row is None:
            raise UnknownCustomer(f"no customer {customer_id!r}")
        site = Site(
            row["site_id"], row["site_company"], row["site_name"], row["street"], row["city"],
            row["region"], row["postal_code"], row["country"],
        )  # fmt: skip
        return Customer(
            row["id"], row["first_name"], row["last_name"], row["email"], row["phone"], site,
            Company(row["company"], row["domain"]), row["department"], bool(row["vip"]),
        )  # fmt: skip

    def find_customer(
        self, email: str | None = None, name: str | None = None, company: str | None = None
    ) -> Customer | None:
        with self._read() as conn:
            found = _customer_id(conn, email, name, company)
        return None if found is None else self.customer(found)

    def open_tickets(self, customer_id: str) -> list[Ticket]:
        with self._read() as conn:
            ids = conn.execute(
                "SELECT id FROM tickets WHERE customer_id = ? ORDER BY pk", (customer_id,)
            ).fetchall()
            found = [_load_ticket(conn, row["id"])[0] for row in ids]
        return [t for t in found if not self._statuses.for_kind(t.kind).is_closed(t.status)]

    def assets(self, customer_id: str) -> list[Asset]:
        with self._read() as conn:
            rows = conn.execute(
                "SELECT id, customer_id, kind, model, serial, tag, status FROM assets "
                "WHERE customer_id = ? ORDER BY id",
                (customer_id,),
            ).fetchall()
        return [Asset(*row) for row in rows]

    # --- resources ------------------------------------------------------------------------

    def outages(
        self,
        company: str,
        services: list[str] | None = None,
        term: str = "",
        active_only: bool = True,
        limit: int = 20,
    ) -> list[Outage]:
        where, params = ["(t.company = ? OR t.company IS NULL)"], [company]
        if services is not None:
            where.append(f"t.service IN ({', '.join('?' * len(services))})")
            params.extend(services)
        if active_only:
            where.append("t.ended_at IS NULL")
        with self._read() as conn:
            rows = ranked(conn, OUTAGES, term, limit, " AND ".join(where), params)
        return [_outage(row) for row in rows]

    def search_articles(self, term: str, limit: int = 10) -> list[Article]:
        with self._read() as conn:
            return [_article(row) for row in ranked(conn, ARTICLES, term, limit)]

    def article(self, article_id: str) -> Article:
        with self._read() as conn:
            return _get_article(conn, article_id)

    def search_templates(
        self, term: str, kind: TicketKind | None = None, limit: int = 10
    ) -> list[Template]:
        if kind is not None:
            rules.check_kind(kind)
        where, params = ("t.kind = ?", [kind]) if kind else ("", [])
        with self._read() as conn:
            return [_template(row) for row in ranked(conn, TEMPLATES, term, limit, where, params)]

    def template(self, template_id: str) -> Template:
        with self._read() as conn:
            row = _find(conn, "templates", "id", template_id)
        if row is None:
            raise UnknownTemplate(f"no template {template_id!r}")
        return _template(row)

    # --- tickets --------------------------------------------------------------------------

    def create_ticket(self, draft: TicketDraft) -> Ticket:
        with self._write() as conn:
            ticket_id = self._insert_ticket(conn, draft)
            return _load_ticket(conn, ticket_id)[0]

    def update_ticket(self, ticket_id: str, fields: dict[str, str]) -> Ticket:
        with self._write() as conn:
            ticket, required = _load_ticket(conn, ticket_id)
            changed = rules.apply_changes(self._statuses, ticket, fields, required)
            conn.execute(
                "UPDATE tickets SET summary = ?, description = ?, fields = ? WHERE id = ?",
                (changed.summary, changed.description, json.dumps(changed.fields), ticket_id),
            )
            return _load_ticket(conn, ticket_id)[0]

    def confirm_ticket(self, ticket_id: str) -> Ticket:
        with self._write() as conn:
            rules.check_confirm(self._statuses, _load_ticket(conn, ticket_id)[0])
            conn.execute("UPDATE tickets SET mode = ? WHERE id = ?", (SAVED, ticket_id))
            return _load_ticket(conn, ticket_id)[0]

    def set_status(self, ticket_id: str, status: str, reason: str = "") -> Ticket:
        with self._write() as conn:
            ticket = _load_ticket(conn, ticket_id)[0]
            rules.check_status_change(self._statuses, ticket, status, reason)
            conn.execute(
                "UPDATE tickets SET status = ?, status_reason = ? WHERE id = ?",
                (status, reason, ticket_id),
            )
            return _load_ticket(conn, ticket_id)[0]

    def add_activity(self, ticket_id: str, text: str, article_id: str | None = None) -> Ticket:
        with self._write() as conn:
            _load_ticket(conn, ticket_id)
            if article_id is not None:
                _get_article(conn, article_id)
            _insert_activity(conn, ticket_id, Activity(text, article_id))
            return _load_ticket(conn, ticket_id)[0]

    def pin_article(self, ticket_id: str, article_id: str) -> Ticket:
        return self._pin(
            ticket_id,
            article_id,
            "INSERT OR IGNORE INTO ticket_pins (ticket_id, article_id) VALUES (?, ?)",
        )

    def unpin_article(self, ticket_id: str, article_id: str) -> Ticket:
        return self._pin(
            ticket_id, article_id, "DELETE FROM ticket_pins WHERE ticket_id = ? AND article_id = ?"
        )

    def _pin(self, ticket_id: str, article_id: str, sql: str) -> Ticket:
        with self._write() as conn:
            rules.check_open(self._statuses, _load_ticket(conn, ticket_id)[0])
            _get_article(conn, article_id)
            conn.execute(sql, (ticket_id, article_id))
            return _load_ticket(conn, ticket_id)[0]

    def ticket(self, ticket_id: str) -> Ticket:
        with self._read() as conn:
            return _load_ticket(conn, ticket_id)[0]

    def chat_ticket(self, chat_id: str) -> Ticket | None:
        with self._read() as conn:
            row = _find(conn, "tickets", "chat_id", chat_id)
            return None if row is None else _load_ticket(conn, row["id"])[0]

    # --- loading --------------------------------------------------------------------------

    def add(self, records: Iterable[Record]) -> None:
        """Load directory records (and ticket drafts) in one transaction: all or nothing."""
        with self._write() as conn:
            for record in records:
                self._insert(conn, record)

    def counts(self) -> dict[str, int]:
        with self._read() as conn:
            counts = {
                table: conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
                for table in (*COUNTED, "tickets")
            }
        return counts

    def _insert(self, conn: sqlite3.Connection, record: Record) -> None:
        match record:
            case Company():
                _insert_row(conn, "companies", asdict(record))
            case Site():
                _insert_row(conn, "sites", asdict(record))
            case Asset():
                _insert_row(conn, "assets", asdict(record))
            case Article():
                _insert_row(conn, "articles", asdict(record))
            case Customer():
                row = asdict(record)
                row.update(site_id=record.site.id, company=record.company.name)
                del row["site"]
                _insert_row(conn, "customers", row)
            case Template():
                row = asdict(record)
                row["fields"] = json.dumps(row["fields"])
                _insert_row(conn, "templates", row)
            case Outage():
                _insert_row(conn, "outages", asdict(record))
            case TicketDraft():
                self._insert_ticket(conn, record)
            case _:
                raise TypeError(f"cannot load {type(record).__name__}")

    def _insert_ticket(self, conn: sqlite3.Connection, draft: TicketDraft) -> str:
        status, reason = rules.initial_status(self._statuses, draft)
        if _find(conn, "customers", "id", draft.customer_id) is None:
            raise UnknownCustomer(f"no customer {draft.customer_id!r}")
        if draft.template_id and _find(conn, "templates", "id", draft.template_id) is None:
            raise UnknownTemplate(f"no template {draft.template_id!r}")
        held = draft.chat_id and _find(conn, "tickets", "chat_id", draft.chat_id)
        if held:
            raise TicketExists(f"chat {draft.chat_id} already has ticket {held['id']}")
        number = conn.execute(
            "INSERT INTO counters (kind, last) VALUES (?, 1) "
            "ON CONFLICT (kind) DO UPDATE SET last = last + 1 RETURNING last",
            (draft.kind,),
        ).fetchone()[0]
        ticket_id = rules.ticket_id(draft.kind, number)
        missing = rules.missing_fields(draft.required, draft.fields)
        _insert_row(conn, "tickets", {
            "id": ticket_id, "kind": draft.kind, "status": status, "status_reason": reason,
            "summary": draft.summary, "description": draft.description,
            "fields": json.dumps(draft.fields), "required": json.dumps(draft.required),
            "customer_id": draft.customer_id, "company": draft.company,
            "chat_id": draft.chat_id, "template_id": draft.template_id,
            "mode": EDIT if missing else SAVED,
        })  # fmt: skip
        for entry in draft.activity:
            _insert_activity(conn, ticket_id, entry)
        return ticket_id


def _customer_id(
    conn: sqlite3.Connection, email: str | None, name: str | None, company: str | None
) -> str | None:
    """By email first (the lowest id if shared); by name only when exactly one person fits."""
    email = (email or "").strip()
    row = conn.execute(BY_EMAIL, (email,)).fetchone() if email else None
    if row is not None or not (name and company):
        return None if row is None else row["id"]
    rows = conn.execute(BY_NAME, (company, " ".join(name.split()))).fetchall()
    return rows[0]["id"] if len(rows) == 1 else None


def _find(conn: sqlite3.Connection, table: str, column: str, value: str) -> sqlite3.Row | None:
    return conn.execute(f"SELECT * FROM {table} WHERE {column} = ?", (value,)).fetchone()


def _insert_row(conn: sqlite3.Connection, table: str, row: dict[str, object]) -> None:
    cols = ", ".join(row)
    marks = ", ".join("?" * len(row))
    conn.execute(f"INSERT INTO {table} ({cols}) VALUES ({marks})", tuple(row.values()))


def _insert_activity(conn: sqlite3.Connection, ticket_id: str, entry: Activity) -> None:
    conn.execute(
        "INSERT INTO ticket_activity (ticket_id, text, article_id) VALUES (?, ?, ?)",
        (ticket_id, entry.text, entry.article_id),
    )


def _get_article(conn: sqlite3.Connection, article_id: str) -> Article:
    row = _find(conn, "articles", "id", article_id)
    if row is None:
        raise UnknownArticle(f"no knowledge article {article_id!r}")
    return _article(row)


def _load_ticket(conn: sqlite3.Connection, ticket_id: str) -> tuple[Ticket, list[str]]:
    """The ticket and its required field names (kept per ticket: templates may change later)."""
    row = _find(conn, "tickets", "id", ticket_id)
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


def _article(row: sqlite3.Row) -> Article:
    return Article(row["id"], row["title"], row["body"], row["url"], row["category"])


def _template(row: sqlite3.Row) -> Template:
    fields = [TemplateField(**f) for f in json.loads(row["fields"])]
    return Template(
        row["id"], row["kind"], row["name"], row["summary"], row["description"],
        row["category"], fields,
    )  # fmt: skip


def _outage(row: sqlite3.Row) -> Outage:
    return Outage(
        row["id"], row["company"], row["service"], row["title"], row["description"],
        row["started_at"], row["ended_at"],
    )  # fmt: skip
