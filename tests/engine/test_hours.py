"""Business hours: weekly spans in a time zone, holidays, and spans that make no sense."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from bridge.engine import BusinessHours

NEW_YORK = ZoneInfo("America/New_York")


def local(*args: int) -> float:
    return datetime(*args, tzinfo=NEW_YORK).timestamp()


def desk() -> BusinessHours:
    weekly = {"Monday": [("09:00", "12:00"), ("13:00", "17:00")], "sat": [("10:00", "24:00")]}
    return BusinessHours("America/New_York", weekly, {"2024-07-04"})


def test_a_queue_is_open_inside_its_local_spans_and_closed_between_them():
    hours = desk()
    assert [hours.is_open(local(2024, 7, 1, h, 30)) for h in (8, 9, 12, 13, 16, 17)] == [
        False,
        True,
        False,
        True,
        True,
        False,
    ]


def test_opening_hours_follow_the_time_zone_across_daylight_saving():
    hours = desk()
    assert hours.is_open(local(2024, 1, 8, 9, 0))  # EST
    assert hours.is_open(local(2024, 7, 8, 9, 0))  # EDT


def test_a_day_without_spans_and_a_holiday_are_closed():
    hours = desk()
    assert not hours.is_open(local(2024, 7, 2, 10, 0))  # a Tuesday
    assert hours.holidays == {date(2024, 7, 4)}
    assert not BusinessHours(
        "America/New_York", {"thu": [("00:00", "24:00")]}, {"2024-07-04"}
    ).is_open(local(2024, 7, 4, 12, 0))


def test_a_span_to_midnight_covers_the_last_minute_of_the_day():
    assert desk().is_open(local(2024, 7, 6, 23, 59))


@pytest.mark.parametrize("span", [("22:00", "06:00"), ("10:00", "10:00")])
def test_a_span_that_does_not_end_after_it_starts_is_refused(span):
    with pytest.raises(ValueError, match="split it at midnight"):
        BusinessHours("UTC", {"mon": [span]})


def test_an_unknown_day_is_refused():
    with pytest.raises(ValueError, match="unknown day"):
        BusinessHours("UTC", {"someday": [("09:00", "17:00")]})
