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

from . import sqlite_rows as rec
from . import tickets as rules
from .errors import TicketExists, UnknownCustomer, UnknownTemplate
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
BY_EMAIL = "SELECT id FROM customers WHERE email = ? COLLATE NOCASE AND company = ? "
BY_EMAIL += "ORDER BY id LIMIT 1"
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

    def customer(self, customer_id: str, *, company: str) -> Customer:
        with self._read() as conn:
            row = conn.execute(CUSTOMER_SQL, (customer_id, company)).fetchone()
        if row is None:
            raise UnknownCustomer(f"no customer {customer_id!r} in {company!r}")
        site = Site(
            row["site_id"], row["site_company"], row["site_name"], row["street"], row["city"],
            row["region"], row["postal_code"], row["country"],
        )  # fmt: skip
        return Customer(
            row["id"], row["first_name"], row["last_name"], row["email"], row["phone"], site,
            Company(row["company"], row["domain"]), row["department"], bool(row["vip"]),
        )  # fmt: skip

    def find_customer(
        self, *, company: str, email: str | None = None, name: str | None = None
    ) -> Customer | None:
        with self._read() as conn:
            found = _customer_id(conn, company, email, name)
        return None if found is None else self.customer(found, company=company)

    def open_tickets(self, customer_id: str, *, company: str) -> list[Ticket]:
        with self._read() as conn:
            ids = conn.execute(
                "SELECT id FROM tickets WHERE customer_id = ? AND company = ? ORDER BY pk",
                (customer_id, company),
            ).fetchall()
            found = [rec.load_ticket(conn, row["id"])[0] for row in ids]
        return [t for t in found if not self._statuses.for_kind(t.kind).is_closed(t.status)]

    def assets(self, customer_id: str, *, company: str) -> list[Asset]:
        with self._read() as conn:
            rows = conn.execute(
                "SELECT a.id, a.customer_id, a.kind, a.model, a.serial, a.tag, a.status "
                "FROM assets a JOIN customers c ON c.id = a.customer_id "
                "WHERE a.customer_id = ? AND c.company = ? ORDER BY a.id",
                (customer_id, company),
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
        return [rec.outage(row) for row in rows]

    def search_articles(self, term: str, limit: int = 10) -> list[Article]:
        with self._read() as conn:
            return [rec.article(row) for row in ranked(conn, ARTICLES, term, limit)]

    def article(self, article_id: str) -> Article:
        with self._read() as conn:
            return rec.get_article(conn, article_id)

    def search_templates(
        self, term: str, kind: TicketKind | None = None, limit: int = 10
    ) -> list[Template]:
        if kind is not None:
            rules.check_kind(kind)
        where, params = ("t.kind = ?", [kind]) if kind else ("", [])
        with self._read() as conn:
            found = ranked(conn, TEMPLATES, term, limit, where, params)
        return [rec.template(row) for row in found]

    def template(self, template_id: str) -> Template:
        with self._read() as conn:
            row = rec.find(conn, "templates", "id", template_id)
        if row is None:
            raise UnknownTemplate(f"no template {template_id!r}")
        return rec.template(row)

    # --- tickets --------------------------------------------------------------------------

    def create_ticket(self, draft: TicketDraft) -> Ticket:
        with self._write() as conn:
            ticket_id = self._insert_ticket(conn, draft)
            return rec.load_ticket(conn, ticket_id)[0]

    def update_ticket(self, ticket_id: str, fields: dict[str, str]) -> Ticket:
        with self._write() as conn:
            ticket, required = rec.load_ticket(conn, ticket_id)
            changed = rules.apply_changes(self._statuses, ticket, fields, required)
            conn.execute(
                "UPDATE tickets SET summary = ?, description = ?, fields = ? WHERE id = ?",
                (changed.summary, changed.description, json.dumps(changed.fields), ticket_id),
            )
            return rec.load_ticket(conn, ticket_id)[0]

    def confirm_ticket(self, ticket_id: str) -> Ticket:
        with self._write() as conn:
            rules.check_confirm(self._statuses, rec.load_ticket(conn, ticket_id)[0])
            conn.execute("UPDATE tickets SET mode = ? WHERE id = ?", (SAVED, ticket_id))
            return rec.load_ticket(conn, ticket_id)[0]

    def set_status(self, ticket_id: str, status: str, reason: str = "") -> Ticket:
        with self._write() as conn:
            ticket = rec.load_ticket(conn, ticket_id)[0]
            rules.check_status_change(self._statuses, ticket, status, reason)
            conn.execute(
                "UPDATE tickets SET status = ?, status_reason = ? WHERE id = ?",
                (status, reason, ticket_id),
            )
            return rec.load_ticket(conn, ticket_id)[0]

    def add_activity(self, ticket_id: str, text: str, article_id: str | None = None) -> Ticket:
        with self._write() as conn:
            rec.load_ticket(conn, ticket_id)
            if article_id is not None:
                rec.get_article(conn, article_id)
            rec.insert_activity(conn, ticket_id, Activity(text, article_id))
            return rec.load_ticket(conn, ticket_id)[0]

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
            rules.check_open(self._statuses, rec.load_ticket(conn, ticket_id)[0])
            rec.get_article(conn, article_id)
            conn.execute(sql, (ticket_id, article_id))
            return rec.load_ticket(conn, ticket_id)[0]

    def ticket(self, ticket_id: str) -> Ticket:
        with self._read() as conn:
            return rec.load_ticket(conn, ticket_id)[0]

    def chat_ticket(self, chat_id: str) -> Ticket | None:
        with self._read() as conn:
            row = rec.find(conn, "tickets", "chat_id", chat_id)
            return None if row is None else rec.load_ticket(conn, row["id"])[0]

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
                rec.insert_row(conn, "companies", asdict(record))
            case Site():
                rec.insert_row(conn, "sites", asdict(record))
            case Asset():
                rec.insert_row(conn, "assets", asdict(record))
            case Article():
                rec.insert_row(conn, "articles", asdict(record))
            case Customer():
                row = asdict(record)
                row.update(site_id=record.site.id, company=record.company.name)
                del row["site"]
                rec.insert_row(conn, "customers", row)
            case Template():
                row = asdict(record)
                row["fields"] = json.dumps(row["fields"])
                rec.insert_row(conn, "templates", row)
            case Outage():
                rec.insert_row(conn, "outages", asdict(record))
            case TicketDraft():
                self._insert_ticket(conn, record)
            case _:
                raise TypeError(f"cannot load {type(record).__name__}")

    def _insert_ticket(self, conn: sqlite3.Connection, draft: TicketDraft) -> str:
        status, reason = rules.initial_status(self._statuses, draft)
        owner = rec.find(conn, "customers", "id", draft.customer_id)
        if owner is None or owner["company"] != draft.company:
            raise UnknownCustomer(f"no customer {draft.customer_id!r} in {draft.company!r}")
        if draft.template_id and rec.find(conn, "templates", "id", draft.template_id) is None:
            raise UnknownTemplate(f"no template {draft.template_id!r}")
        held = draft.chat_id and rec.find(conn, "tickets", "chat_id", draft.chat_id)
        if held:
            raise TicketExists(f"chat {draft.chat_id} already has ticket {held['id']}")
        number = conn.execute(
            "INSERT INTO counters (kind, last) VALUES (?, 1) "
            "ON CONFLICT (kind) DO UPDATE SET last = last + 1 RETURNING last",
            (draft.kind,),
        ).fetchone()[0]
        ticket_id = rules.ticket_id(draft.kind, number)
        missing = rules.missing_fields(draft.required, draft.fields)
        rec.insert_row(conn, "tickets", {
            "id": ticket_id, "kind": draft.kind, "status": status, "status_reason": reason,
            "summary": draft.summary, "description": draft.description,
            "fields": json.dumps(draft.fields), "required": json.dumps(draft.required),
            "customer_id": draft.customer_id, "company": draft.company,
            "chat_id": draft.chat_id, "template_id": draft.template_id,
            "mode": EDIT if missing else SAVED,
        })  # fmt: skip
        for entry in draft.activity:
            rec.insert_activity(conn, ticket_id, entry)
        return ticket_id


def _customer_id(
    conn: sqlite3.Connection, company: str, email: str | None, name: str | None
) -> str | None:
    """Within ``company`` only: by email first (the lowest id if shared); by name only when
    exactly one person fits."""
    email = (email or "").strip()
    row = conn.execute(BY_EMAIL, (email, company)).fetchone() if email else None
    if row is not None or not name:
        return None if row is None else row["id"]
    rows = conn.execute(BY_NAME, (company, " ".join(name.split()))).fetchall()
    return rows[0]["id"] if len(rows) == 1 else None
