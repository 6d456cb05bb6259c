from __future__ import annotations

import re

import pytest

from bridge.workspace import (
    DEMO_CUSTOMERS,
    EDIT,
    Customer,
    DirectoryNotEmpty,
    SqliteDirectory,
    Workspace,
    generate,
    main_seed,
    seed_content,
    seed_directory,
)

CALBRO = "Calbro Services"


def test_the_same_seed_gives_the_same_directory():
    assert generate(seed=7, people=30) == generate(seed=7, people=30)


def test_another_seed_gives_other_people_but_the_same_demo_customers():
    first, second = generate(seed=1, people=30), generate(seed=2, people=30)
    assert first != second
    with (
        seed_directory(":memory:", seed=1, people=5) as one,
        seed_directory(":memory:", seed=2, people=5) as two,
    ):
        for customer_id, first_name, last_name, company in DEMO_CUSTOMERS:
            a = one.customer(customer_id, company=company)
            b = two.customer(customer_id, company=company)
            assert (a.first_name, a.last_name, a.company.name) == (first_name, last_name, company)
            assert (a.email, a.company) == (b.email, b.company)


def test_main_seed_fills_a_file_and_reports_counts(tmp_path):
    path = str(tmp_path / "directory.db")
    counts = main_seed(path, seed=42, people=50)
    assert counts["customers"] == 50 + len(DEMO_CUSTOMERS)
    assert counts["companies"] == 4
    assert counts["articles"] == 60
    assert counts["templates"] == len(seed_content.templates())
    assert counts["assets"] >= counts["customers"]
    assert counts["outages"] > 0 and counts["tickets"] > 0
    with SqliteDirectory(path) as reopened:
        assert reopened.counts() == counts


def company_of(records: list, customer_id: str) -> str:
    return next(r.company.name for r in records if isinstance(r, Customer) and r.id == customer_id)


def test_the_same_seed_stores_the_same_rows(tmp_path):
    dumps = []
    company = company_of(generate(seed=3, people=20), "PPL000000000010")
    for name in ("a.db", "b.db"):
        with seed_directory(str(tmp_path / name), seed=3, people=20) as directory:
            dumps.append(
                [
                    directory.customer("PPL000000000010", company=company),
                    directory.assets("PPL000000000010", company=company),
                    directory.search_articles("vpn"),
                    directory.outages("Petramco", active_only=False),
                    directory.open_tickets("PPL000000000001", company=CALBRO),
                ]
            )
    assert dumps[0] == dumps[1]


def test_seeding_a_directory_that_has_data_is_refused(tmp_path):
    path = str(tmp_path / "directory.db")
    main_seed(path, seed=1, people=5)
    with pytest.raises(DirectoryNotEmpty):
        main_seed(path, seed=1, people=5)


@pytest.fixture(scope="module")
def seeded():
    with seed_directory(":memory:", seed=42, people=200) as directory:
        yield directory


def test_seeded_ids_are_stable_and_itsm_shaped(seeded):
    assert seeded.customer("PPL000000000001", company=CALBRO).name == "Allen Allbrook"
    last = company_of(generate(seed=42, people=200), "PPL000000000204")
    assert seeded.customer("PPL000000000204", company=last).id == "PPL000000000204"
    assert seeded.article("KBA000000000060").url.endswith("KBA000000000060")
    for customer_id, _, _, company in DEMO_CUSTOMERS:
        tickets = seeded.open_tickets(customer_id, company=company)
        assert tickets and all(re.fullmatch(r"INC\d{12}|WO\d{13}", t.id) for t in tickets)


def test_seeded_articles_cover_common_service_desk_topics(seeded):
    for term, word in [("vpn", "vpn"), ("password reset", "password"), ("outlook", "outlook"),
                       ("printer", "print"), ("wi-fi", "wi-fi"), ("mfa", "mfa"),
                       ("battery", "battery")]:  # fmt: skip
        assert word in seeded.search_articles(term)[0].title.lower()


def test_seeded_assets_have_serials_and_tags(seeded):
    assets = seeded.assets("PPL000000000001", company=CALBRO)
    assert assets[0].kind == "Laptop"
    assert all(a.serial and a.tag.startswith("CS-") for a in assets)


def test_seeded_companies_have_active_and_past_outages(seeded):
    for company in ("Calbro Services", "Petramco"):
        everything = seeded.outages(company, active_only=False)
        assert any(o.active for o in everything) and any(not o.active for o in everything)


def test_seeded_templates_leave_required_fields_blank_so_edit_mode_happens(seeded):
    incident = seeded.search_templates("laptop", kind="incident")[0]
    ticket = Workspace(seeded).create_ticket(
        "incident",
        company=CALBRO,
        chat_id="seed-chat",
        customer_id="PPL000000000002",
        transcript=["Francie: my laptop will not boot"],
        template_id=incident.id,
    )
    assert ticket.mode == EDIT
    assert "asset_tag" in ticket.missing_fields
