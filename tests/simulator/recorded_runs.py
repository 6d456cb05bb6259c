"""The recorded runs: every shipped scenario, shortened, with its event log's fingerprint.

An optimisation of the engine, the driver or the log encoding must leave every simulated log
identical; ``test_recorded_runs`` checks that against ``recorded/fingerprints.json``. After a
change that is meant to alter the logs (a new rule, a new event field), record them again:

    .venv/bin/python -m tests.simulator.recorded_runs
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from pathlib import Path

from bridge.engine.events import Event, to_row
from scenarios import shipped
from simulator.driver import Simulation
from simulator.loader import load_scenario

FINGERPRINTS = Path(__file__).with_name("recorded") / "fingerprints.json"
HOURS = 6.0  # long enough for breaks, retrials, offers and relaxation to happen
SEED = 11


class Collected:
    """A streamed run's log in small batches, kept: the driver forgets closed chats at every
    batch, so the recorded runs check that forgetting changes nothing."""

    batch = 256

    def __init__(self) -> None:
        self.events: list[Event] = []

    def write(self, events: Sequence[Event]) -> None:
        self.events.extend(events)


def fingerprint(name: str) -> dict[str, object]:
    """Events and a SHA-256 of their rows (the store's shape) for scenario ``name``."""
    scenario = load_scenario(name)
    horizon = max(scenario.warmup + 3600.0, HOURS * 3600.0)
    scenario = scenario.model_copy(update={"horizon": min(scenario.horizon, horizon)})
    digest = hashlib.sha256()
    log = Collected()
    Simulation(scenario, SEED, log=log).run()
    events = log.events
    for seq, event in enumerate(events):
        row = json.dumps(to_row(event, seq), sort_keys=True, default=str)
        digest.update(row.encode())
    return {"events": len(events), "sha256": digest.hexdigest()}


def record() -> dict[str, dict[str, object]]:
    return {name: fingerprint(name) for name in shipped()}


if __name__ == "__main__":
    FINGERPRINTS.write_text(json.dumps(record(), indent=2) + "\n")
    print(f"Recorded {FINGERPRINTS}")
