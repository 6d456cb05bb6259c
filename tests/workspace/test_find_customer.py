"""Finding a chat's customer when the handoff names no directory id (a web chat's user)."""

from __future__ import annotations

import pytest

from bridge.workspace import Customer, SqliteDirectory, UnknownCustomer

from .conftest import ALLEN, CALBRO, HQ, MARY, PETRAMCO


def test_an_email_finds_its_customer_whatever_the_case(directory: SqliteDirectory):
    found = directory.find_customer(company=CALBRO.name, email="  Allen@CalbroServices.com ")
    assert found is not None and found.id == ALLEN.id
    assert found.company.name == CALBRO.name


def test_an_email_must_match_exactly_not_by_prefix(directory: SqliteDirectory):
    assert directory.find_customer(company=CALBRO.name, email="allen@calbroservices") is None
    assert directory.find_customer(company=CALBRO.name, email="%@calbroservices.com") is None


def test_a_name_finds_a_customer_only_within_the_given_company(directory: SqliteDirectory):
    found = directory.find_customer(company=CALBRO.name, name="allen  allbrook")
    assert found is not None and found.id == ALLEN.id
    assert directory.find_customer(company=PETRAMCO.name, name="Allen Allbrook") is None


def test_an_email_of_another_companys_person_finds_nobody(directory: SqliteDirectory):
    assert directory.find_customer(company=CALBRO.name, email="mary@petramco.com") is None
    found = directory.find_customer(company=PETRAMCO.name, email="mary@petramco.com")
    assert found is not None and found.id == MARY.id


def test_an_id_of_another_companys_person_is_unknown_there(directory: SqliteDirectory):
    with pytest.raises(UnknownCustomer, match="Calbro"):
        directory.customer(MARY.id, company=CALBRO.name)
    assert directory.customer(MARY.id, company=PETRAMCO.name).id == MARY.id
    assert directory.assets(MARY.id, company=CALBRO.name) == []
    assert [a.id for a in directory.assets(MARY.id, company=PETRAMCO.name)] == ["AST3"]


def test_the_email_wins_over_the_name_within_the_company(directory: SqliteDirectory):
    twin = Customer("PPL8", "Al", "Other", "al@calbroservices.com", "", HQ, CALBRO)
    directory.add([twin])
    found = directory.find_customer(
        company=CALBRO.name, email="al@calbroservices.com", name="Allen Allbrook"
    )
    assert found is not None and found.id == "PPL8"


def test_an_unknown_email_falls_back_to_the_name(directory: SqliteDirectory):
    found = directory.find_customer(company=CALBRO.name, email="al@home.example",
                                    name="Allen Allbrook")  # fmt: skip
    assert found is not None and found.id == ALLEN.id


@pytest.mark.parametrize("email, name", [(None, None), ("", ""), ("   ", "Nobody Here")])
def test_nothing_to_go_on_finds_nobody(directory: SqliteDirectory, email, name):
    assert directory.find_customer(company=CALBRO.name, email=email, name=name) is None


def test_a_name_shared_by_two_people_of_the_company_finds_nobody(directory: SqliteDirectory):
    twin = Customer("PPL9", "Allen", "Allbrook", "allen2@calbroservices.com", "", HQ, CALBRO)
    directory.add([twin])
    assert directory.find_customer(company=CALBRO.name, name="Allen Allbrook") is None
    found = directory.find_customer(company=CALBRO.name, email="allen2@calbroservices.com")
    assert found is not None and found.id == "PPL9"
