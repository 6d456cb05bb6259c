"""The textbook queue as a scenario: Poisson arrivals, exponential work and patience.

One builder for everything that must agree with Erlang C / Erlang A: the validation tests,
the benchmark and ``scenarios/mmc-textbook.yaml`` describe the same model.
"""

from __future__ import annotations

from datetime import UTC, datetime

from .scenario import Scenario


def markovian(
    rate: float,
    aht: float,
    agents: int,
    *,
    capacity: int = 1,
    patience: float | None = None,
    horizon: float,
    warmup: float = 0.0,
    within: float = 30.0,
    cooldown: float | None = None,
    system_messages: bool = True,
    seed: int = 1,
) -> Scenario:
    """M/M/(agents*capacity)(+M): ``rate`` chats/hour, mean handle ``aht`` s, mean patience s."""
    behaviour: dict[str, object] = {"handle_time": {"dist": "exponential", "mean": aht}}
    if patience is not None:
        behaviour["patience"] = {"dist": "exponential", "mean": patience}
    return Scenario.model_validate({
        "name": f"M/M/{agents * capacity}{'+M' if patience else ''}",
        "start": datetime(2024, 1, 1, tzinfo=UTC),
        "horizon": horizon,
        "warmup": warmup,
        "cooldown": cooldown if cooldown is not None else 20 * aht + 10 * (patience or 0),
        "interval": max(horizon / 24, 60.0),
        "seed": seed,
        "service_level": {"within": within},
        "routing": {"system_messages": system_messages},
        "companies": [{"name": "Textbook"}],
        "streams": [{"company": "Textbook", "rate": rate}],
        "behaviour": behaviour,
        "agents": [{"name": "agents", "count": agents, "queues": ["GENERAL"],
                    "capacity": capacity}],
    })  # fmt: skip
