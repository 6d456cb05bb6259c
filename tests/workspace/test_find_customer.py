"""Finding a chat's customer when the handoff names no directory id (a web chat's user)."""

from __future__ import annotations

import pytest

from bridge.workspace import Customer, SqliteDirectory

from .conftest import ALLEN, CALBRO, HQ, PETRAMCO


def test_an_email_finds_its_customer_whatever_the_case(directory: SqliteDirectory):
    found = directory.find_customer(email="  Allen@CalbroServices.com ")
    assert found is not None and found.id == ALLEN.id
    assert found.company.name == CALBRO.name


def test_an_email_must_match_exactly_not_by_prefix(directory: SqliteDirectory):
    assert directory.find_customer(email="allen@calbroservices") is None
    assert directory.find_customer(email="%@calbroservices.com") is None


def test_a_name_finds_a_customer_only_within_the_given_company(directory: SqliteDirectory):
    found = directory.find_customer(name="allen  allbrook", company=CALBRO.name)
    assert found is not None and found.id == ALLEN.id
    assert directory.find_customer(name="Allen Allbrook", company=PETRAMCO.name) is None
    assert directory.find_customer(name="Allen Allbrook") is None


def test_the_email_wins_over_the_name(directory: SqliteDirectory):
    found = directory.find_customer(
        email="mary@petramco.com", name="Allen Allbrook", company=CALBRO.name
    )
    assert found is not None and found.id == "PPL2"


def test_an_unknown_email_falls_back_to_the_name(directory: SqliteDirectory):
    found = directory.find_customer(email="al@home.example", name="Allen Allbrook",
                                    company=CALBRO.name)  # fmt: skip
    assert found is not None and found.id == ALLEN.id


@pytest.mark.parametrize("email, name", [(None, None), ("", ""), ("   ", "Nobody Here")])
def test_nothing_to_go_on_finds_nobody(directory: SqliteDirectory, email, name):
    assert directory.find_customer(email=email, name=name, company=CALBRO.name) is None


def test_a_name_shared_by_two_people_of_the_company_finds_nobody(directory: SqliteDirectory):
    twin = Customer("PPL9", "Allen", "Allbrook", "allen2@calbroservices.com", "", HQ, CALBRO)
    directory.add([twin])
    assert directory.find_customer(name="Allen Allbrook", company=CALBRO.name) is None
    found = directory.find_customer(email="allen2@calbroservices.com")
    assert found is not None and found.id == "PPL9"
