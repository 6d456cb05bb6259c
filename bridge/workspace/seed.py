"""A seeded, realistic IT service-desk directory for demos, tests and the simulator.

The same ``seed`` gives the same records on any machine and any day: Faker and
``random.Random`` are seeded per call (never the global RNG), and times are relative to
``SEED_EPOCH``, not the wall clock.

Fixed demo data, whatever the seed:

- companies "Calbro Services" (calbroservices.com) and "Petramco" (petramco.com), then
  Faker-named ones up to ``companies``;
- customers ``PPL000000000001`` Allen Allbrook and ``PPL000000000002`` Francie Stafford
  (Calbro Services), ``PPL000000000003`` Mary Mann and ``PPL000000000004`` Ian Plyment
  (Petramco), each with at least one open ticket; generated people follow from
  ``PPL000000000005``;
- ticket templates ``TPL000000000001``..``TPL000000000011`` (see ``seed_content.templates``);
  most leave a required field blank (Impact, Urgency, Asset tag, Cost center...), so a ticket
  made from them starts in edit mode; ``TPL000000000004`` (password reset) does not;
- 60 knowledge articles ``KBA000000000001``..``KBA000000000060`` (VPN, passwords, Outlook,
  printing, Wi-Fi, MFA, laptop battery, Teams, OneDrive, ...).
"""

from __future__ import annotations

import random
import re
from itertools import count

from faker import Faker

from . import seed_content as content
from . import tickets as rules
from .errors import DirectoryNotEmpty
from .ports import Article, Asset, Company, Customer, Outage, Site, TicketDraft
from .seed_topics import TOPICS, Topic
from .sqlite_directory import Record, SqliteDirectory
from .tickets import TicketStatusSettings

SEED_EPOCH = 1_735_689_600.0  # 2025-01-01T00:00:00Z
KB_URL = "https://kb.example.com/articles"
DEMO_COMPANIES = (
    Company("Calbro Services", "calbroservices.com"),
    Company("Petramco", "petramco.com"),
)
DEMO_CUSTOMERS = (
    ("PPL000000000001", "Allen", "Allbrook", "Calbro Services"),
    ("PPL000000000002", "Francie", "Stafford", "Calbro Services"),
    ("PPL000000000003", "Mary", "Mann", "Petramco"),
    ("PPL000000000004", "Ian", "Plyment", "Petramco"),
)
DAY = 86_400.0


class _Seeder:
    """One generation run: the seeded sources of randomness and the id counters."""

    def __init__(self, seed: int, now: float, statuses: TicketStatusSettings) -> None:
        self.fake = Faker("en_US")
        self.fake.seed_instance(seed)
        self.rng = random.Random(seed)
        self.now = now
        self.statuses = statuses
        self.serial = {prefix: count(1) for prefix in ("SIT", "PPL", "AST", "KBA", "OUT")}
        self.emails: set[str] = set()

    def next_id(self, prefix: str) -> str:
        return f"{prefix}{next(self.serial[prefix]):012d}"

    def companies(self, n: int) -> list[Company]:
        found = list(DEMO_COMPANIES)
        while len(found) < n:
            name = self.fake.company()
            if all(c.name != name for c in found):
                slug = re.sub(r"[^a-z0-9]+", "", name.lower().split(",")[0].split(" and ")[0])
                found.append(Company(name, f"{slug}.com"))
        return found

    def sites(self, company: Company) -> list[Site]:
        found = []
        for n in range(self.rng.randint(2, 3)):
            city = self.fake.city()
            found.append(Site(
                self.next_id("SIT"), company.name,
                f"{city} Headquarters" if n == 0 else f"{city} Office",
                self.fake.street_address(), city, self.fake.state_abbr(), self.fake.postcode(),
                "United States",
            ))  # fmt: skip
        return found

    def customer(self, first: str, last: str, company: Company, sites: list[Site]) -> Customer:
        local = re.sub(r"[^a-z.]", "", f"{first}.{last}".lower())
        email, n = f"{local}@{company.domain}", 1
        while email in self.emails:
            n += 1
            email = f"{local}{n}@{company.domain}"
        self.emails.add(email)
        return Customer(
            self.next_id("PPL"), first, last, email, self.fake.numerify("+1 ###-###-####"),
            self.rng.choice(sites), company, self.rng.choice(content.DEPARTMENTS),
            self.rng.random() < 0.05,
        )  # fmt: skip

    def assets(self, customer: Customer) -> list[Asset]:
        kinds = [("Laptop", content.LAPTOPS)]
        if self.rng.random() < 0.6:
            kinds.append(("Mobile Phone", content.PHONES))
        if self.rng.random() < 0.5:
            kinds += [("Monitor", content.MONITORS), ("Docking Station", content.DOCKS)]
        found = []
        for kind, models in kinds:
            asset_id = self.next_id("AST")
            serial = self.fake.bothify("??########", letters="ABCDEFGHJKLMNPRSTUVWXYZ")
            abbr = "".join(w[0] for w in customer.company.name.split()[:2]).upper()
            tag = f"{abbr}-{int(asset_id[3:]):06d}"
            found.append(Asset(asset_id, customer.id, kind, self.rng.choice(models), serial, tag))
        return found

    def article(self, topic: Topic, title: str, domains: list[str]) -> Article:
        article_id = self.next_id("KBA")
        rng = self.rng
        context = {
            "vpn": rng.choice(content.VPN_CLIENTS), "erp": rng.choice(content.ERP_SYSTEMS),
            "authenticator": rng.choice(content.AUTHENTICATORS), "m365": "Microsoft 365",
            "printer": f"{rng.choice(content.PRINTER_PREFIXES)}-{rng.randint(100, 999)}",
            "ssid": rng.choice(("CORP-WIFI", "Corporate", "OfficeNet")),
            "city": self.fake.city(), "days": rng.choice((60, 90, 93)),
            "domain": rng.choice(domains), "laptop": rng.choice(content.LAPTOPS),
            "cycles": rng.randint(300, 900), "company": rng.choice(DEMO_COMPANIES).name,
        }  # fmt: skip
        n_steps = len(topic.steps)
        picked = sorted(rng.sample(range(n_steps), k=rng.randint(3, min(5, n_steps))))
        steps = "\n".join(f"{n}. {topic.steps[i]}" for n, i in enumerate(picked, 1))
        body = (
            f"Symptoms\n{rng.choice(topic.symptoms)}\n\nCause\n{rng.choice(topic.causes)}\n\n"
            f"Resolution\n{steps}\n\nIf this does not help, contact the Service Desk and quote "
            f"{article_id}. Reviewed by {self.fake.name()}."
        ).format_map(context)
        url = f"{KB_URL}/{article_id}"
        return Article(article_id, title.format_map(context), body, url, topic.category)

    def outage(self, company: str | None, service: str, site: str, active: bool) -> Outage:
        rng = self.rng
        words = {"service": service, "site": site}
        title = rng.choice(content.OUTAGE_TITLES).format_map(words)
        description = rng.choice(content.OUTAGE_DESCRIPTIONS).format_map(words)
        if active:
            started, ended = self.now - rng.uniform(600, 6 * 3600), None
        else:
            started = self.now - rng.uniform(2, 60) * DAY
            ended = started + rng.uniform(0.5, 8) * 3600
        return Outage(self.next_id("OUT"), company, service, title, description, started, ended)

    def tickets(self, customer: Customer, at_least_one: bool) -> list[TicketDraft]:
        n_open = self.rng.choices((0, 1, 2), (0.5, 0.35, 0.15))[0]
        n_closed = self.rng.choice((0, 0, 1))
        drafts = []
        for closed in [False] * max(n_open, int(at_least_one)) + [True] * n_closed:
            summary, kind = self.rng.choice(content.TICKET_SUMMARIES)
            rules_for = self.statuses.for_kind(kind)
            if closed:
                status, reason = rules_for.resolved, rules_for.resolved_reason
            else:
                opened = [s for s in rules_for.allowed if not rules_for.is_closed(s)]
                status, reason = self.rng.choice(opened), ""
            channel = self.rng.choice(("phone", "email", "self-service portal"))
            drafts.append(TicketDraft(
                kind, customer.id, customer.company.name, summary,
                f"Reported via {channel} by {customer.name}: {summary.lower()}. "
                f"{self.rng.choice(content.TICKET_DETAILS)}",
                rules.fill_fields(rules.plain_fields(kind), None),
                status=status, status_reason=reason,
            ))  # fmt: skip
        return drafts


def generate(
    seed: int = 42,
    people: int = 200,
    companies: int = 4,
    now: float = SEED_EPOCH,
    statuses: TicketStatusSettings | None = None,
) -> list[Record]:
    """All records of a directory, in load order: ``people`` generated plus the demo customers."""
    seeder = _Seeder(seed, now, statuses or TicketStatusSettings())
    firms = seeder.companies(max(companies, len(DEMO_COMPANIES)))
    sites = {c.name: seeder.sites(c) for c in firms}
    by_name = {c.name: c for c in firms}
    customers = [seeder.customer(f, la, by_name[co], sites[co]) for _, f, la, co in DEMO_CUSTOMERS]
    weights = [4, 3] + [2] * (len(firms) - 2)
    for company in seeder.rng.choices(firms, weights, k=people):
        first, last = seeder.fake.first_name(), seeder.fake.last_name()
        customers.append(seeder.customer(first, last, company, sites[company.name]))
    domains = [c.domain for c in firms]
    articles = [seeder.article(t, title, domains) for t in TOPICS for title in t.titles]
    outages = []
    for company in firms:
        services = seeder.rng.sample(content.SERVICES, k=seeder.rng.randint(3, 4))
        for n, service in enumerate(services):
            site = seeder.rng.choice(sites[company.name]).name
            outages.append(seeder.outage(company.name, service, site, active=n == 0))
    for n, service in enumerate(content.SHARED_SERVICES):
        outages.append(seeder.outage(None, service, "all sites", active=n == 0))
    records: list[Record] = [*firms, *(s for group in sites.values() for s in group), *customers]
    records += [a for c in customers for a in seeder.assets(c)]
    records += [*articles, *content.templates(), *outages]
    demo = {c[0] for c in DEMO_CUSTOMERS}
    records += [t for c in customers for t in seeder.tickets(c, c.id in demo)]
    return records


def seed_directory(
    path: str, seed: int = 42, people: int = 200, statuses: TicketStatusSettings | None = None
) -> SqliteDirectory:
    """Open ``path`` and fill it; refuses (``DirectoryNotEmpty``) a directory that has data."""
    directory = SqliteDirectory(path, statuses)
    try:
        if any(directory.counts().values()):
            raise DirectoryNotEmpty(f"{path} already holds a directory; seed a new file")
        directory.add(generate(seed, people, statuses=directory.statuses))
    except BaseException:
        directory.close()
        raise
    return directory


def main_seed(db_path: str, seed: int, people: int) -> dict[str, int]:
    """For ``livechat-bridge seed``: fill ``db_path`` and return the number of rows per table."""
    with seed_directory(db_path, seed, people) as directory:
        return directory.counts()
