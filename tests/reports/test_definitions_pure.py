"""The service-level rule for one chat is pure Python, and the reports' arrays agree with it."""

from __future__ import annotations

import itertools
import json
import subprocess
import sys

from reports.definitions import (
    EPSILON,
    abandonment,
    abandonment_of,
    service_level,
    service_level_of,
    sl_flags,
    sl_judgement,
)


def test_the_definitions_module_imports_neither_numpy_nor_pandas():
    probe = (
        "import json, sys, reports.definitions\n"
        "print(json.dumps([m for m in ('numpy', 'pandas') if m in sys.modules]))"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert json.loads(done.stdout) == []


CASES = list(
    itertools.product(
        [False, True],  # answered
        [0.0, 10.0, 30.0, 30.0 + EPSILON / 2, 31.0, 500.0],  # wait
        [False, True],  # still waiting at the end of the log
    )
)


def test_the_vectorized_flags_are_the_per_chat_rule_on_every_case():
    answered, wait, waiting = (list(column) for column in zip(*CASES, strict=True))
    judged, met = sl_flags(answered, wait, waiting, 30.0)
    expected = [sl_judgement(a, w, e, 30.0) for a, w, e in CASES]
    assert list(zip(judged.tolist(), met.tolist(), strict=True)) == expected


def test_the_pure_kpis_equal_the_frame_kpis():
    import pandas as pd

    facts = pd.DataFrame(
        {
            "answered": [c[0] for c in CASES],
            "wait": [c[1] for c in CASES],
            "open_at_end": [c[2] and not c[0] for c in CASES],
            "cancelled_waiting": [i % 3 == 0 for i in range(len(CASES))],
        }
    )
    pure = service_level_of(
        sl_judgement(a, w, e, 30.0)
        for a, w, e in zip(facts["answered"], facts["wait"], facts["open_at_end"], strict=True)
    )
    assert pure == service_level(facts, 30.0)
    assert abandonment_of(facts["cancelled_waiting"]) == abandonment(facts)


def test_a_chat_still_waiting_inside_the_target_is_not_judged_yet():
    assert sl_judgement(False, 10.0, True, 30.0) == (False, False)
    assert sl_judgement(False, 31.0, True, 30.0) == (True, False)
    assert sl_judgement(True, 30.0, False, 30.0) == (True, True)
    assert service_level_of([]) != service_level_of([])  # NaN: nothing to judge
