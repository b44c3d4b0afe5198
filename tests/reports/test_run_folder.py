"""The run folder a report reads: the series from metrics.csv equal those of the run in memory."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.engine.simulation import Simulation
from app.headless_run import run_to_folder
from app.model.fileformat import load
from app.reports.run_folder import (
    ReportInputError,
    load_run_folder,
    read_series,
    series_from_snapshots,
)
from app.reports.tables import headline_table, shown
from app.stop_signals import StopSignals
from tests.reports.helpers import THREE_TIER


def test_the_series_on_disk_are_the_runs_series(tmp_path: Path) -> None:
    sim = Simulation(load(THREE_TIER), base_dir=THREE_TIER.parent, duration_s=12.0,
                     warmup_s=2.0, seed=5, live=False)
    snapshots: list = []
    with StopSignals() as stop, stop.deferred():
        run_to_folder(sim, tmp_path, stop, on_window=snapshots.append)
    in_memory = series_from_snapshots(snapshots)
    on_disk = read_series(tmp_path / "metrics.csv")
    assert set(in_memory) == set(on_disk)
    assert len(on_disk[("end_to_end", "throughput_rps")]) == 12
    for key, points in in_memory.items():
        disk = on_disk[key]
        assert [t for t, _ in points] == [t for t, _ in disk]
        for (_, a), (_, b) in zip(points, disk, strict=True):
            assert (a is None) == (b is None), key
            if a is not None:
                assert b == pytest.approx(a, rel=1e-5, abs=1e-12)
    data = load_run_folder(tmp_path)
    assert data.design_name == "Three-tier web app" and data.design_text is not None
    assert data.run["settings"]["seed"] == 5


def test_a_folder_without_design_or_run_json_still_loads(tmp_path: Path) -> None:
    sim = Simulation(load(THREE_TIER), base_dir=THREE_TIER.parent, duration_s=5.0,
                     warmup_s=1.0, seed=1, live=False)
    with StopSignals() as stop, stop.deferred():
        run_to_folder(sim, tmp_path, stop)
    (tmp_path / "design.sdsim").unlink()
    (tmp_path / "run.json").unlink()
    data = load_run_folder(tmp_path)  # a folder written before reports existed
    assert data.design_text is None and data.run == {}
    (tmp_path / "run.json").write_text('{"format": "something else"}', encoding="utf-8")
    with pytest.raises(ReportInputError, match="not a run description"):
        load_run_folder(tmp_path)


def test_no_value_is_a_dash_never_zero() -> None:
    summary = {"end_to_end": {"throughput_rps": 0.0, "latency_ms": {"mean": None}},
               "components": {}}
    table = headline_table(summary)
    row = table.rows[0]
    cells = dict(zip((c.key for c in table.columns), row, strict=True))
    assert cells["throughput_rps"] == 0.0 and cells["latency_mean_ms"] is None
    assert shown(cells["latency_mean_ms"], table.columns[4]) == "—"
    assert shown(cells["throughput_rps"], table.columns[1]) == "0.0"
