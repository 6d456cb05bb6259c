"""The embedded directory's SQLite schema and its full-text indexes.

Articles, templates and outages carry an integer ``pk`` for their FTS5 index (external content,
kept in step by triggers); everything else is keyed by its ITSM-style text id. Tickets keep their
own required field names, so a template edited later does not change a ticket already made.
"""

from __future__ import annotations

from .fts import FtsIndex

ARTICLES = FtsIndex("articles", ("title", "body"), (10.0, 1.0))
TEMPLATES = FtsIndex("templates", ("name", "summary", "category"), (6.0, 3.0, 2.0))
OUTAGES = FtsIndex("outages", ("title", "service", "description"), (6.0, 4.0, 1.0))

SCHEMA = """
CREATE TABLE IF NOT EXISTS companies (name TEXT PRIMARY KEY, domain TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS sites (
    id TEXT PRIMARY KEY, company TEXT NOT NULL REFERENCES companies(name), name TEXT NOT NULL,
    street TEXT, city TEXT, region TEXT, postal_code TEXT, country TEXT);
CREATE TABLE IF NOT EXISTS customers (
    id TEXT PRIMARY KEY, first_name TEXT, last_name TEXT, email TEXT, phone TEXT,
    site_id TEXT NOT NULL REFERENCES sites(id),
    company TEXT NOT NULL REFERENCES companies(name), department TEXT, vip INTEGER);
CREATE TABLE IF NOT EXISTS assets (
    id TEXT PRIMARY KEY, customer_id TEXT NOT NULL REFERENCES customers(id), kind TEXT,
    model TEXT, serial TEXT, tag TEXT, status TEXT);
CREATE INDEX IF NOT EXISTS assets_customer ON assets(customer_id);
CREATE TABLE IF NOT EXISTS articles (
    pk INTEGER PRIMARY KEY, id TEXT UNIQUE NOT NULL, title TEXT, body TEXT, url TEXT,
    category TEXT);
CREATE TABLE IF NOT EXISTS templates (
    pk INTEGER PRIMARY KEY, id TEXT UNIQUE NOT NULL, kind TEXT NOT NULL, name TEXT,
    summary TEXT, description TEXT, category TEXT, fields TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS outages (
    pk INTEGER PRIMARY KEY, id TEXT UNIQUE NOT NULL, company TEXT, service TEXT, title TEXT,
    description TEXT, started_at REAL, ended_at REAL);
CREATE TABLE IF NOT EXISTS tickets (
    pk INTEGER PRIMARY KEY, id TEXT UNIQUE NOT NULL, kind TEXT NOT NULL, status TEXT,
    status_reason TEXT, summary TEXT, description TEXT, fields TEXT NOT NULL,
    required TEXT NOT NULL, customer_id TEXT NOT NULL REFERENCES customers(id),
    company TEXT, chat_id TEXT, template_id TEXT, mode TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS tickets_customer ON tickets(customer_id);
CREATE UNIQUE INDEX IF NOT EXISTS tickets_chat ON tickets(chat_id) WHERE chat_id IS NOT NULL;
CREATE TABLE IF NOT EXISTS ticket_activity (
    pk INTEGER PRIMARY KEY, ticket_id TEXT NOT NULL, text TEXT NOT NULL, article_id TEXT);
CREATE INDEX IF NOT EXISTS ticket_activity_ticket ON ticket_activity(ticket_id, pk);
CREATE TABLE IF NOT EXISTS ticket_pins (
    pk INTEGER PRIMARY KEY, ticket_id TEXT NOT NULL, article_id TEXT NOT NULL,
    UNIQUE (ticket_id, article_id));
CREATE TABLE IF NOT EXISTS counters (kind TEXT PRIMARY KEY, last INTEGER NOT NULL);
"""

CUSTOMER_SQL = """
SELECT c.id, c.first_name, c.last_name, c.email, c.phone, c.department, c.vip,
       s.id AS site_id, s.company AS site_company, s.name AS site_name, s.street, s.city,
       s.region, s.postal_code, s.country, co.name AS company, co.domain
FROM customers c JOIN sites s ON s.id = c.site_id JOIN companies co ON co.name = c.company
WHERE c.id = ? AND c.company = ?"""

DDL = SCHEMA + "".join(index.ddl() for index in (ARTICLES, TEMPLATES, OUTAGES))
