"""Shift scheduling: the shifts file, the integer program, and the command as a planner runs it."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from simulator.loader import parse_scenario
from simulator.schedule.shifts import ShiftsError, compile_patterns, parse_shifts
from simulator.schedule.solve import ScheduleInfeasible, solve
from simulator.schedule.verify import schedule_scenario

# Eight one-hour intervals from 08:00 with a lunch-time hole in the need.
SMALL = """\
name: small
start: 2024-03-04T08:00:00+00:00
horizon: 8h
interval: 1h
companies: [{name: A}]
streams: [{company: A, rate: 10}]
behaviour: {handle_time: 60}
agents: [{name: desk, count: 1, queues: [GENERAL]}]
"""
SMALL_SHIFTS = """\
shifts:
  - {name: full, start: "08:00", length: 8h, cost_per_hour: 10,
     breaks: [{duration: 1h, earliest: 3h, latest: 5h}]}
  - {name: am, start: "08:00", length: 4h, cost_per_hour: 12}
  - {name: pm, start: "12:00", length: 4h, cost_per_hour: 13, max_heads: 2}
  - {name: mid, start: "10:00", length: 4h, cost_per_hour: 11}
"""
NEED = np.array([2, 3, 4, 4, 3, 3, 4, 2], dtype=float)


def small():
    s = parse_scenario(SMALL)
    return s, compile_patterns(parse_shifts(SMALL_SHIFTS), s)


def brute_force(patterns, need, most=5):
    """Every head count up to ``most`` per shift and every split of lunch starts: the cheapest."""
    full = patterns[0]
    starts = len(full.breaks[0][0])
    best = None
    for heads in itertools.product(range(most + 1), repeat=len(patterns)):
        if patterns[2].spec.max_heads is not None and heads[2] > patterns[2].spec.max_heads:
            continue
        base = sum(n * p.coverage for n, p in zip(heads, patterns, strict=True))
        for split in itertools.product(range(heads[0] + 1), repeat=starts - 1):
            if sum(split) > heads[0]:
                continue
            taken = (*split, heads[0] - sum(split))
            on = base - sum(n * cov for n, cov in zip(taken, full.breaks[0][1], strict=True))
            if np.all(on >= need - 1e-9):
                cost = sum(n * p.spec.cost for n, p in zip(heads, patterns, strict=True))
                if best is None or cost < best[0] - 1e-9:
                    best = (cost, heads)
    return best


def test_the_solver_finds_the_cheapest_heads_and_breaks_that_brute_force_finds():
    _, patterns = small()
    schedule = solve(patterns, NEED)
    cost, _ = brute_force(patterns, NEED)
    assert schedule.cost == pytest.approx(cost)
    assert np.all(schedule.coverage >= NEED - 1e-9)
    # Each head of "full" takes its lunch once, at one of the three allowed hours.
    assert sum(schedule.placed[0][0]) == schedule.heads[0]
    hours = [n * p.spec.length / 3600 for n, p in zip(schedule.heads, patterns, strict=True)]
    assert schedule.agent_hours == pytest.approx(sum(hours))


def test_floors_and_bounds_hold_and_an_uncoverable_need_names_its_interval():
    s, patterns = small()
    schedule = solve(patterns, NEED, floors=[0, 0, 0, 3])
    assert schedule.heads[3] >= 3 and schedule.heads[2] <= 2
    text = SMALL_SHIFTS
    for old, new in [("max_heads: 2", "max_heads: 1"), ("{name: full", "{name: full, max_heads: 1"),
                     ("cost_per_hour: 11}", "cost_per_hour: 11, max_heads: 0}")]:  # fmt: skip
        text = text.replace(old, new)
    capped = parse_shifts(text)
    labels = [f"{8 + j:02d}:00" for j in range(8)]
    with pytest.raises(ScheduleInfeasible) as caught:
        solve(compile_patterns(capped, s), NEED, labels=labels)  # after 12:00: 1 + 1 heads at most
    assert caught.value.code == "schedule_infeasible"
    why = str(caught.value)
    assert "required at 12:00 (needs 3), 13:00 (needs 3), 14:00 (needs 4), even" in why


def test_the_schedule_becomes_groups_on_duty_for_their_shift_with_their_breaks_placed():
    s, patterns = small()
    schedule = solve(patterns, NEED)
    scenario = schedule_scenario(s, s.agents[0], schedule)
    heads = {p.spec.name: n for p, n in zip(patterns, schedule.heads, strict=True)}
    full = [g for g in scenario.agents if g.name.startswith("full")]
    assert sum(g.count for g in full) == heads["full"]
    lunches = sorted(b.start for g in full for b in g.breaks for _ in range(g.count))
    expected = sorted(t for t, n in zip(patterns[0].breaks[0][0], schedule.placed[0][0],
                                        strict=True) for _ in range(n))  # fmt: skip
    assert lunches == expected and all(g.shift.start == 0 and g.shift.end == 8 * 3600 for g in full)
    assert {b.state for g in full for b in g.breaks} == {"Break"}  # the default presence state
    assert {g.name for g in scenario.agents} >= {n for n, k in heads.items() if k and n != "full"}


@pytest.mark.parametrize(
    ("edit", "line", "field", "message"),
    [
        (('start: "12:00"', 'start: "25:00"'), 5, "shifts[2].start", "not a clock time"),
        (("latest: 5h}", "latest: 7.5h}"), 2, "shifts[0]", "break window must end within"),
        (("name: mid", "name: am"), 6, "shifts[3].name", "shift 'am' is defined twice"),
        (("length: 4h, cost_per_hour: 12", "length: -4h, cost_per_hour: 12"), 4,
         "shifts[1].length", "is not a duration"),
        (("cost_per_hour: 11}", "cost_per_hour: 11, coverage: 3}"), 6, "shifts[3].coverage",
         "Extra inputs are not permitted"),
    ],
)  # fmt: skip
def test_a_bad_shifts_file_is_refused_with_its_line(edit, line, field, message):
    text = SMALL_SHIFTS.replace(*edit)
    assert text != SMALL_SHIFTS
    with pytest.raises(ShiftsError) as caught:
        parse_shifts(text, "shifts.yaml")
    assert caught.value.code == "invalid_shifts"
    assert f"shifts.yaml:{line}: {field}:" in str(caught.value), str(caught.value)
    assert message in str(caught.value)


def test_a_shift_outside_the_day_and_an_unknown_group_are_refused_against_the_scenario():
    s = parse_scenario(SMALL)
    night = parse_shifts(SMALL_SHIFTS.replace('start: "12:00"', 'start: "20:00"'), "f.yaml")
    with pytest.raises(ShiftsError, match=r"f.yaml:5: shifts\[2\].start: pm covers no interval"):
        compile_patterns(night, s)
    other = parse_shifts("group: nobody\n" + SMALL_SHIFTS, "f.yaml")
    with pytest.raises(ShiftsError, match=r"f.yaml:1: group: no agent group 'nobody'"):
        from simulator.schedule.shifts import staffed_group

        staffed_group(other, s)


def test_intervals_that_miss_in_simulation_get_more_heads_on_duty_in_bounded_rounds(monkeypatch):
    import simulator.schedule.verify as verify_module
    from simulator.schedule.verify import Options, verify
    from simulator.staffing import StaffingTarget

    busy = SMALL.replace("rate: 10", "rate: 60").replace("handle_time: 60", "handle_time: 300")
    s = parse_scenario(busy)  # 5 erlangs all day: one head per interval misses everywhere

    def too_few(s, group, target, o):
        plan = type("Plan", (), {"counts": {group.name: [1] * s.intervals}})()
        return plan, np.ones(s.intervals)

    monkeypatch.setattr(verify_module, "requirement", too_few)
    options = Options(replications=2, max_replications=2, max_repairs=2, workers=1)
    v = verify(s, parse_shifts(SMALL_SHIFTS), StaffingTarget(0.8, 30.0), options)
    assert not v.met and len(v.repairs) == 2 and v.repairs[0]
    assert all(a >= b for a, b in zip(v.schedule.heads, v.first.heads, strict=True))
    first = v.repairs[0]
    assert np.all(v.schedule.coverage[first] >= v.first.coverage[first] + 1 - 1e-9)
    assert v.schedule.cost > v.first.cost


def test_a_break_is_spent_in_its_presence_state_and_an_unknown_state_is_refused_on_its_line():
    s = parse_scenario(SMALL)
    lunch = parse_shifts(SMALL_SHIFTS.replace("latest: 5h}", "latest: 5h, state: Lunch}"))
    patterns = compile_patterns(lunch, s)
    scenario = schedule_scenario(s, s.agents[0], solve(patterns, NEED))
    assert {b.state for g in scenario.agents for b in g.breaks} == {"Lunch"}
    nap = parse_shifts(SMALL_SHIFTS.replace("latest: 5h}", "latest: 5h, state: Nap}"), "f.yaml")
    with pytest.raises(ShiftsError) as caught:
        compile_patterns(nap, s)
    assert "f.yaml:3: shifts[0].breaks[0].state: 'Nap' is not a presence state" in str(caught.value)
    assert "'Lunch'" in str(caught.value)
