"""Speed work must not change what the simulator does: the recorded runs' logs stay identical."""

from __future__ import annotations

import json

import pytest

from scenarios import shipped

from .recorded_runs import FINGERPRINTS, fingerprint

RECORDED = json.loads(FINGERPRINTS.read_text())


def test_every_shipped_scenario_has_a_recorded_run() -> None:
    assert sorted(RECORDED) == sorted(shipped())


@pytest.mark.parametrize("name", sorted(RECORDED))
def test_a_recorded_run_gives_the_same_event_log(name: str) -> None:
    assert fingerprint(name) == RECORDED[name]
