from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bridge.workspace import Article, SqliteDirectory
from bridge.workspace.fts import match_expression

from .conftest import make_directory


def ids(records: list) -> list[str]:
    return [r.id for r in records]


def test_a_title_match_ranks_above_a_body_only_match(directory: SqliteDirectory):
    assert ids(directory.search_articles("vpn")) == ["KBA4", "KBA3"]


def test_a_title_match_outranks_a_body_that_repeats_the_term():
    filler = "Plan your day, take breaks and keep your desk tidy. " * 4
    with SqliteDirectory() as directory:
        directory.add(
            [
                Article("A1", "Remote working tips", "Use the VPN. Start the VPN. VPN first.", ""),
                Article("A2", "VPN setup guide", filler, ""),
            ]
        )
        assert ids(directory.search_articles("vpn")) == ["A2", "A1"]


def test_articles_matching_every_term_come_before_those_matching_some(directory):
    found = ids(directory.search_articles("outlook vpn"))
    assert found[0] == "KBA3"
    assert "KBA4" in found[1:]


def test_the_last_word_matches_as_a_prefix_while_typing(directory):
    assert ids(directory.search_articles("passw")) == ["KBA1"]


def test_word_forms_match_through_stemming(directory):
    assert ids(directory.search_articles("printers")) == ["KBA2"]


def test_the_limit_caps_the_results(directory):
    assert len(directory.search_articles("the", limit=2)) == 2


def test_a_negative_limit_finds_nothing_rather_than_everything(directory):
    assert directory.search_articles("", limit=-1) == []


def test_a_blank_term_browses_in_id_order(directory):
    assert ids(directory.search_articles("  ", limit=3)) == ["KBA1", "KBA2", "KBA3"]


@pytest.mark.parametrize(
    "term",
    ['vpn"', '"vpn', "vpn*", "NEAR(vpn", "-vpn", "title:vpn", "^vpn", "(vpn)", "vpn AND",
     "OR vpn", "NOT vpn", "{title body}: vpn"],
)  # fmt: skip
def test_fts_syntax_in_a_term_is_taken_as_plain_words(directory, term: str):
    assert ids(directory.search_articles(term))[0] == "KBA4"


def test_sql_in_a_term_is_only_searched_for(directory):
    found = ids(directory.search_articles("vpn'; DELETE FROM articles; --"))
    assert found[:2] == ["KBA4", "KBA3"]
    assert directory.counts()["articles"] == 5


@pytest.mark.parametrize("term", ['"', "*", "NEAR(", "-", ":", "()", "''", "^", "\\"])
def test_a_term_without_any_word_finds_nothing(directory, term: str):
    assert directory.search_articles(term) == []


def test_the_match_expression_quotes_every_token():
    assert match_expression('NEAR(vpn "x') == '"NEAR" "vpn" "x"*'
    assert match_expression("vpn down ") == '"vpn" "down"'
    assert match_expression("vpn down", any_term=True) == '"vpn" OR "down"*'


@settings(max_examples=150, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(term=st.text(max_size=40))
def test_no_input_makes_any_search_raise(term: str):
    with make_directory() as directory:
        directory.search_articles(term)
        directory.search_templates(term)
        directory.outages("Calbro Services", term=term)


def test_templates_rank_a_name_match_first_and_filter_by_kind(directory):
    assert ids(directory.search_templates("vpn")) == ["TPL1"]
    assert ids(directory.search_templates("", kind="work_order")) == ["TPL3"]
    assert directory.search_templates("vpn", kind="work_order") == []


def test_templates_carry_their_fields(directory):
    template = directory.search_templates("password")[0]
    assert [(f.name, f.required, f.default) for f in template.fields] == [
        ("impact", True, "4-Minor/Localized")
    ]


def test_outages_are_the_companys_active_ones_plus_shared_services(directory):
    assert ids(directory.outages("Calbro Services")) == ["OUT1", "OUT4"]
    assert ids(directory.outages("Calbro Services", active_only=False)) == ["OUT1", "OUT2", "OUT4"]
    assert ids(directory.outages("Petramco")) == ["OUT3", "OUT4"]


def test_outages_narrow_to_services_and_search_terms(directory):
    assert ids(directory.outages("Calbro Services", services=["Email"])) == ["OUT1"]
    assert ids(directory.outages("Calbro Services", term="teams")) == ["OUT4"]
    assert directory.outages("Calbro Services", term="erp") == []
