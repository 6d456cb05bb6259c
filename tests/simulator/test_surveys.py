"""Simulated post-chat surveys: the response rate and rating mix a scenario gives, and nothing
else of the run changes (the survey draws have their own random stream)."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from bridge.engine.events import ChatClosed, SurveyAnswered
from reports.csat import csat_tables
from reports.facts import chat_facts
from reports.log import events_to_frame
from simulator.loader import load_scenario
from simulator.scenario import Scenario

from .test_driver import BASE, of, run

SURVEY = {"response_rate": 0.3, "ratings": {5: 0.5, 4: 0.3, 3: 0.1, 2: 0.05, 1: 0.05}}


def busy(**survey: object) -> Scenario:
    behaviour = {"handle_time": 100, **({"survey": survey} if survey else {})}
    agents = [{"name": "g", "count": 8, "queues": ["GENERAL"], "capacity": 2}]
    changes = {"horizon": 8 * 3600, "streams": [{"company": "A", "rate": 150}]}
    return Scenario.model_validate({**BASE, **changes, "behaviour": behaviour, "agents": agents})


def test_the_response_rate_and_rating_mix_follow_the_scenario():
    events = run(busy(**SURVEY))
    ended = [e for e in of(events, ChatClosed) if e.reason == "ended"]
    answers = of(events, SurveyAnswered)
    assert len(ended) > 1000
    assert len(answers) / len(ended) == pytest.approx(0.3, abs=0.04)
    share = Counter(a.rating for a in answers)
    assert share[5] / len(answers) == pytest.approx(0.5, abs=0.06)
    assert {a.chat_id for a in answers} <= {e.chat_id for e in ended}


def test_a_survey_changes_no_other_draw_of_the_run():
    plain = run(busy())
    surveyed = [e for e in run(busy(**SURVEY)) if type(e) is not SurveyAnswered]
    assert surveyed == plain


def test_the_report_tables_show_the_sample_size_a_planner_gets():
    events = run(busy(**SURVEY))
    frame = events_to_frame(events)
    table = csat_tables(frame, chat_facts(frame, 3600))["csat_interval"]
    assert table["responses"].sum() == len(of(events, SurveyAnswered))
    assert (table["response_rate"].dropna().between(0.15, 0.45)).all()


def test_rating_probabilities_must_add_up_to_one(tmp_path: Path):
    bad = {**SURVEY, "ratings": {5: 0.5, 4: 0.3}}
    with pytest.raises(ValueError, match=r"add up to 0\.8"):
        busy(**bad)
    text = (Path(__file__).with_name("tiny.yaml")).read_text()
    survey = "  survey: {response_rate: 1.5, ratings: {5: 1}}\n"
    path = tmp_path / "bad.yaml"
    path.write_text(text.replace("behaviour:\n", "behaviour:\n" + survey, 1))
    with pytest.raises(Exception, match=r"bad.yaml:\d+: .*response_rate"):
        load_scenario(path)
