import math

import numpy as np
import pandas as pd

from reports.definitions import abandonment, service_level, sl_flags, within_tolerance


def facts(rows):
    """rows: (answered, wait, open_at_end, cancelled_waiting)."""
    answered, wait, open_end, cancelled = zip(*rows, strict=True)
    return pd.DataFrame(
        {
            "answered": answered,
            "wait": wait,
            "open_at_end": open_end,
            "cancelled_waiting": cancelled,
        }
    )


def test_answered_exactly_at_the_target_is_within():
    assert service_level(facts([(True, 30.0, False, False)]), 30) == 1.0


def test_a_cancel_inside_the_target_still_counts_as_missed():
    f = facts([(True, 5.0, False, False), (False, 10.0, False, True)])
    assert service_level(f, 30) == 0.5


def test_cancels_and_timer_closes_after_the_target_are_missed():
    f = facts([(True, 5.0, False, False), (False, 90.0, False, True), (False, 300.0, False, False)])
    assert service_level(f, 30) == 1 / 3


def test_chats_still_waiting_are_left_out_until_they_pass_the_target():
    f = facts([(True, 5.0, False, False), (False, 29.0, True, False), (False, 30.0, True, False)])
    eligible, _ = sl_flags(f["answered"], f["wait"], f["open_at_end"], 30)
    assert eligible.tolist() == [True, False, False]
    assert service_level(f, 30) == 1.0


def test_chats_still_waiting_past_the_target_count_as_missed():
    f = facts([(True, 5.0, False, False), (False, 31.0, True, False)])
    assert service_level(f, 30) == 0.5


def test_an_answered_chat_still_open_is_judged_by_its_first_wait():
    f = facts([(True, 10.0, True, False), (True, 50.0, True, False)])
    eligible, met = sl_flags(f["answered"], f["wait"], f["open_at_end"], 30)
    assert eligible.all() and met.tolist() == [True, False]


def test_no_judgeable_arrivals_gives_nan():
    assert math.isnan(service_level(facts([(False, 3.0, True, False)]), 30))


def test_abandonment_is_cancels_while_waiting_over_all_arrivals():
    f = facts([(True, 5.0, False, False), (False, 9.0, False, True), (False, 1.0, True, False)])
    assert abandonment(f) == 1 / 3


def test_an_estimate_is_within_tolerance_by_seconds_or_by_share():
    told = np.array([150.0, 100.0, 35.0, 0.0])
    actual = np.array([200.0, 40.0, 10.0, 31.0])
    assert within_tolerance(told, actual, 30, 0.25).tolist() == [True, False, True, False]
