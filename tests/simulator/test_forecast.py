"""``livechat-sim forecast`` (issue 14.4): a known weekly profile and a known trend come back.

The history is simulated from a scenario whose true rate per hour is known (weekday factors
times a daytime curve, optionally growing 10% a week); the forecast of the following week is
checked against that truth, and the holdout error it states against the seasonal-naive one.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
import yaml

from simulator.cli import main as sim

WEEKDAY = (1.2, 1.1, 1.0, 1.0, 0.8, 0.3, 0.2)


def truth(days: int, growth: float = 0.0) -> list[float]:
    """Chats per hour for each hour of ``days`` days from a Monday."""
    out = []
    for d in range(days):
        for h in range(24):
            day = 0.0 if h < 7 or h > 19 else 12 * math.sin(math.pi * (h - 7) / 12) + 2
            out.append(round(day * WEEKDAY[d % 7] * (1 + growth) ** (d / 7), 3))
    return out


def history(folder: Path, days: int, growth: float = 0.0) -> Path:
    """A simulated log of ``days`` days with the known profile; returns its events.parquet."""
    scenario = {
        "name": "weekly",
        "start": "2024-03-04T00:00:00+01:00",
        "horizon": f"{days}d",
        "cooldown": "1h",
        "interval": "1h",
        "seed": 3,
        "companies": [{"name": "Acme"}],
        "streams": [{"company": "Acme", "profile": truth(days, growth)}],
        "behaviour": {"handle_time": {"dist": "exponential", "mean": "4m"}},
        "agents": [{"name": "desk", "count": 6, "queues": ["GENERAL"]}],
    }
    path = folder / "weekly.yaml"
    path.write_text(yaml.safe_dump(scenario))
    assert sim(["run", str(path), "--out", str(folder / "run")]) == 0
    return folder / "run" / "events.parquet"


@pytest.fixture(scope="module")
def flat(tmp_path_factory) -> Path:
    return history(tmp_path_factory.mktemp("flat"), 21)


def forecast_of(log: Path, out: Path, *extra: str) -> np.ndarray:
    assert sim(["forecast", str(log), "--out", str(out), "--tz", "Europe/Paris", *extra]) == 0
    fragment = yaml.safe_load(out.read_text())
    (stream,) = fragment["streams"]
    return np.asarray(stream["profile"])


def test_the_weekly_profile_comes_back_and_the_holdout_error_is_stated(flat, tmp_path, capsys):
    out = tmp_path / "fragment.yaml"
    forecast = forecast_of(flat, out)
    expected = np.asarray(truth(28)[21 * 24 :])
    assert forecast.shape == expected.shape  # one week of hourly rates from the next Monday
    assert forecast.sum() == pytest.approx(expected.sum(), rel=0.05)
    wape = np.abs(forecast - expected).sum() / expected.sum()
    assert wape < 0.2  # per hour: Poisson noise of three weeks of ~10 chats an hour
    per_day = forecast.reshape(7, 24).sum(axis=1) / expected.reshape(7, 24).sum(axis=1)
    assert np.all(np.abs(per_day - 1) < 0.12)  # each weekday's own level
    assert np.all(forecast.reshape(7, 24)[:, :7] == 0)  # closed nights stay at zero
    text = out.read_text()
    fragment = yaml.safe_load(text)
    assert fragment["start"] == "2024-03-25T00:00:00+01:00"
    assert fragment["interval"] == 3600 and fragment["horizon"] == 7 * 86400
    said = capsys.readouterr().out
    line = next(x for x in text.splitlines() if x.startswith("# Holdout (last week): WAPE"))
    assert line[2:] in said  # the file's comment and the command's output say the same
    ours, naive = (float(p.split("%")[0]) for p in line.split("WAPE ")[1:])
    assert ours < naive  # beats "same hour last week"


def test_a_trend_is_extrapolated_and_a_chance_one_is_not(flat, tmp_path):
    growing = history(tmp_path, 28, growth=0.10)
    forecast = forecast_of(growing, tmp_path / "growing.yaml")
    expected = np.asarray(truth(35, growth=0.10)[28 * 24 :])
    assert forecast.sum() == pytest.approx(expected.sum(), rel=0.10)
    last_week = np.asarray(truth(28, growth=0.10)[21 * 24 :]).sum()
    assert forecast.sum() > last_week  # a mean level would forecast below the last week
    # The flat history's first week happened to be high: no decline is read into it.
    flat_forecast = forecast_of(flat, tmp_path / "flat.yaml")
    assert flat_forecast.sum() == pytest.approx(np.asarray(truth(7)).sum(), rel=0.05)


def test_a_base_scenario_becomes_a_whole_scenario_for_the_forecast_weeks(flat, tmp_path):
    base = flat.parents[1] / "weekly.yaml"
    out = tmp_path / "next.yaml"
    assert sim(["forecast", str(flat), "--weeks", "2", "--out", str(out), "--scenario",
                str(base)]) == 0  # fmt: skip
    assert sim(["validate", str(out)]) == 0
    data = yaml.safe_load(out.read_text())
    assert data["horizon"] == 14 * 86400 and len(data["streams"][0]["profile"]) == 14 * 24
    assert data["agents"] == yaml.safe_load(base.read_text())["agents"]  # the rest is the base's


def test_the_shipped_weekly_history_is_this_truth():
    """``scenarios/weekly-history.yaml`` (the README's walk-through) is the profile tested here."""
    from simulator.loader import load_scenario

    (stream,) = load_scenario("weekly-history").streams
    assert stream.profile == truth(7)


def test_a_shipped_scenario_name_is_a_base_too(flat, tmp_path):
    out = tmp_path / "next.yaml"
    assert sim(["forecast", str(flat), "--out", str(out), "--scenario", "weekly-history"]) == 0
    assert sim(["validate", str(out)]) == 0


def test_bad_input_is_one_clear_error_and_writes_nothing(flat, tmp_path, capsys):
    out = tmp_path / "fragment.yaml"
    assert sim(["forecast", str(tmp_path / "missing.db"), "--out", str(out)]) == 2
    assert "error (forecast_failed):" in capsys.readouterr().err
    assert sim(["forecast", str(flat), "--out", str(out), "--interval", "7m"]) == 2
    assert "must divide a day evenly" in capsys.readouterr().err
    empty = tmp_path / "empty.parquet"
    from reports.log import write_parquet

    write_parquet([], empty)
    assert sim(["forecast", str(empty), "--out", str(out)]) == 2
    assert "no arrivals" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        sim(["forecast", str(flat), "--out", str(out), "--weeks", "0"])
    assert not out.exists()
