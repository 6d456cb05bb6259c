"""The streamed event log: written in row groups as a run goes, read back as the whole-log file."""

from __future__ import annotations

import pandas as pd
import pyarrow.parquet as pq

from reports.log import events_to_frame, load, write_parquet
from reports.logmeta import LogMeta
from reports.logstream import LogWriter
from simulator.driver import Simulation
from simulator.loader import load_scenario


def _events(name: str = "skilled-desk", seed: int = 3) -> list:
    return Simulation(load_scenario(name), seed).run().events


def test_a_log_streamed_in_batches_reads_back_as_the_log_written_whole(tmp_path):
    events = _events()
    whole = load(write_parquet(events_to_frame(events), tmp_path / "whole.parquet"))
    with LogWriter(tmp_path / "streamed.parquet", None, batch=250) as writer:
        for i in range(0, len(events), 250):
            writer.write(events[i : i + 250])
    assert pq.ParquetFile(tmp_path / "streamed.parquet").num_row_groups == -(-len(events) // 250)
    streamed = load(tmp_path / "streamed.parquet")
    pd.testing.assert_frame_equal(streamed, whole)
    for column in whole.select_dtypes("category"):  # first-appearance order, as a whole log
        assert list(streamed[column].cat.categories) == list(whole[column].cat.categories)


def test_a_batch_numbers_its_events_on_from_the_batches_before_it():
    events = _events()
    assert list(events_to_frame(events[:5], start=100)["seq"]) == [100, 101, 102, 103, 104]


def test_the_streamed_file_carries_the_run_metadata(tmp_path):
    scenario = load_scenario("skilled-desk")
    meta = LogMeta.of_scenario(scenario, 3, 1)
    with LogWriter(tmp_path / "events.parquet", meta, batch=1000) as writer:
        Simulation(scenario, 3, log=writer).run()
    assert load(tmp_path / "events.parquet").attrs["livechat"] == meta


def test_a_run_without_events_still_leaves_a_readable_empty_log(tmp_path):
    with LogWriter(tmp_path / "empty.parquet", None):
        pass
    frame = load(tmp_path / "empty.parquet")
    assert frame.empty
    assert list(frame.columns) == list(events_to_frame([]).columns)
