"""The `analysis` block of a run: crafted snapshot streams, a real steady run, the CLI."""

from __future__ import annotations

import io
import json
import math
from pathlib import Path

import numpy as np
import pytest

from app.analysis.run_analysis import RunSeriesCollector, analyse_run, offered_and_p99
from app.cli import main
from app.engine.replication import run_replication
from app.engine.snapshot import Snapshot, WindowMetrics
from app.resources import resource_path
from tests.validation.queueing import queue_doc


def _stream(n: int = 300, warmup: int = 20, seed: int = 1) -> list[Snapshot]:
    """db: noisy p99 with one spike at t=200 s; app: utilization rising 0.001/s; web: flat."""
    rng = np.random.default_rng(seed)
    out = []
    for w in range(n):
        t = w + 1.0
        db_p99 = 10.0 + rng.normal(0.0, 0.5)
        if t == 200.0:
            db_p99 = 40.0
        if w < warmup:
            db_p99 = 500.0  # a warm-up transient: never reported
        comps = {
            "web": WindowMetrics(throughput_rps=100.0, utilization=0.3),
            "app": WindowMetrics(throughput_rps=100.0,
                                 utilization=0.5 + 0.001 * t + rng.normal(0.0, 0.005)),
            "db": WindowMetrics(throughput_rps=100.0, latency_p99_ms=db_p99,
                                utilization=0.2 + rng.normal(0.0, 0.01)),
        }
        e2e = WindowMetrics(throughput_rps=100.0, latency_p99_ms=30.0 + rng.normal(0.0, 1.0))
        out.append(Snapshot.build(t, 1.0, t / n, e2e, comps, warming_up=w < warmup))
    return out


def test_a_crafted_run_finds_its_spike_its_trend_and_the_saturation_it_leads_to() -> None:
    a = analyse_run(_stream(), warmup_s=20.0)
    assert a["windows"] == 280 and a["window_s"] == 1.0
    spikes = [x for x in a["anomalies"] if x["component"] == "db"
              and x["metric"] == "latency_p99_ms"]
    assert {(x["time_s"], x["detector"]) for x in spikes} == {(200.0, "zscore"), (200.0, "iqr")}
    assert all(x["value"] == 40.0 and x["score"] > 0 for x in spikes)
    (app_util,) = [t for t in a["trends"] if (t["component"], t["metric"])
                   == ("app", "utilization")]
    assert app_util["significant"] and app_util["slope_per_s"] == pytest.approx(0.001, rel=0.05)
    assert not any(t["component"] == "web" for t in a["trends"])  # flat: not reported
    (sat,) = [f for f in a["forecasts"] if f["component"] == "app"]
    assert sat["kind"] == "saturation" and sat["metric"] == "utilization"
    # At 0.5 + 0.001 t the line reaches 1.0 at t = 500 s: 200 s after the run's end.
    assert sat["at_s"] == pytest.approx(200.0, rel=0.05)
    assert [t["component"] for t in a["trends"]][:3] == ["end_to_end"] * 3


def test_warm_up_windows_are_skipped_by_flag_and_by_time() -> None:
    snaps = _stream()
    unflagged = [Snapshot.build(s.time_s, s.window_s, s.progress, s.end_to_end,
                                dict(s.components)) for s in snaps]
    by_flag = analyse_run(snaps)
    by_time = analyse_run(unflagged, warmup_s=20.0)
    assert by_flag == by_time
    assert all(x["time_s"] > 20.0 for x in by_flag["anomalies"])
    assert analyse_run(unflagged)["windows"] == 300


def test_the_result_is_json_safe_deterministic_and_capped() -> None:
    snaps = _stream(seed=2)
    a = analyse_run(snaps)
    text = json.dumps(a, allow_nan=False)
    assert json.loads(text) == a
    assert analyse_run(snaps) == a
    capped = analyse_run(snaps, max_items=1)
    assert len(capped["anomalies"]) == 1
    assert capped["anomalies_left_out"] == len(a["anomalies"]) - 1
    assert capped["anomalies"][0]["score"] == max(x["score"] for x in a["anomalies"])
    assert len(capped["trends"]) == 1 and capped["trends_left_out"] == len(a["trends"]) - 1


def test_the_p99_forecast_comes_first_when_a_target_is_given() -> None:
    a = analyse_run(_stream(), warmup_s=20.0, p99_target_ms=60.0, offered_rps=100.0,
                    p99_now_ms=30.0, mean_latency_ms_at=lambda k: 10.0 / (2.0 - k)
                    if k < 2.0 else None)
    p99 = a["forecasts"][0]
    assert p99["kind"] == "p99_target" and p99["component"] == "end_to_end"
    # 30 * (2 - 1) / (2 - k) = 60  <=>  k = 1.5
    assert p99["load_factor"] == pytest.approx(1.5, rel=1e-3)
    assert p99["load_rps"] == pytest.approx(150.0, rel=1e-3)
    json.dumps(a, allow_nan=False)


def test_the_collector_stays_bounded_by_merging_neighbouring_windows() -> None:
    col = RunSeriesCollector(max_cells=21 * 64)  # 3 e2e + 3 x 6 series -> 64 columns
    snaps = _stream(n=300, warmup=0)
    for s in snaps:
        col.add(s)
    times, values = col.series()
    assert values.shape[0] == 21 and times.size == 38
    assert round(col.analysis_window_s) == 8
    # Every column is the mean of 8 windows and ends with the last one's end; the last,
    # partial group (windows 297-300) is a column of its own.
    app_util = values[col.keys.index(("app", "utilization"))]
    raw = np.array([s.components["app"].utilization for s in snaps])
    assert np.allclose(app_util[:37], raw[:296].reshape(37, 8).mean(axis=1), rtol=1e-12)
    assert app_util[37] == pytest.approx(raw[296:].mean())
    assert times.tolist() == [8.0 * (j + 1) for j in range(37)] + [300.0]


def test_reading_the_series_mid_run_changes_nothing() -> None:
    snaps = _stream(n=300, warmup=0)
    peeked, plain = RunSeriesCollector(max_cells=21 * 64), RunSeriesCollector(max_cells=21 * 64)
    for s in snaps:
        peeked.add(s)
        plain.add(s)
        if s.time_s % 7 == 0:
            peeked.series()
    for a, b in zip(peeked.series(), plain.series(), strict=True):
        assert np.array_equal(a, b, equal_nan=True)


def test_missing_values_stay_missing_through_a_merge() -> None:
    col = RunSeriesCollector(max_cells=9 * 64)  # e2e + one component: 9 series, 64 windows
    for w in range(200):
        p99 = None if w < 100 else 5.0
        col.add(Snapshot.build(w + 1.0, 1.0, 0.0, WindowMetrics(latency_p99_ms=p99),
                               {"a": WindowMetrics()}))
    _, values = col.series()
    p99 = values[0]
    assert np.isnan(p99[: 100 // 4 - 1]).all() and (p99[100 // 4:] == 5.0).all()


def test_a_steady_mm1_run_flags_few_windows() -> None:
    """rho = 0.5, 600 windows: the defaults' false-alarm rate (docs/analysis.md) keeps this
    to a handful across its 8 analysed series."""
    doc = queue_doc(500.0, 1.0, 1, duration_s=610, warmup_s=10, seed=3)
    result = run_replication(doc, seed=3)
    a = analyse_run(result.snapshots(), warmup_s=10.0)
    assert a["windows"] == 600
    flagged = a["anomalies"]
    assert a["anomalies_left_out"] == 0
    assert len(flagged) <= 4, flagged  # 0 measured; ~1.5 expected at the documented rates
    assert not a["forecasts"]
    assert all(math.isfinite(x["score"]) for x in flagged)


def test_the_cli_writes_the_analysis_into_summary_json(tmp_path: Path) -> None:
    template = resource_path("templates", "three_tier_web_app.sdsim")
    out = tmp_path / "out"
    code = main(["simulate", str(template), "--duration", "40", "--warmup", "5",
                 "--out", str(out), "--quiet"], io.StringIO(), io.StringIO())
    assert code == 0
    summary = json.loads((out / "summary.json").read_text())
    a = summary["analysis"]
    assert a["windows"] == 35
    assert {"anomalies", "trends", "forecasts"} <= a.keys()
    offered, p99 = offered_and_p99(summary)
    assert offered == pytest.approx(800.0, rel=0.05)  # the template's users: 800 req/s
    assert p99 == summary["end_to_end"]["latency_ms"]["p99"]
    assert [(t["component"], t["metric"]) for t in a["trends"]][:3] == [
        ("end_to_end", "latency_p99_ms"), ("end_to_end", "throughput_rps"),
        ("end_to_end", "error_rate")]


def test_a_real_slowdown_is_flagged_where_it_happened() -> None:
    """An M/M/1 at rho = 0.5 whose server runs 1.6x slower from 200 s to 210 s (rho 0.8):
    its p99 and queue jump; the detectors flag the start of it, and nothing before."""
    design = {
        "format": "sdsim", "version": 2, "name": "slowdown",
        "components": [
            {"id": "users", "type": "client",
             "workload": {"pattern": "poisson", "rate_rps": 500}},
            {"id": "q", "type": "microservice", "concurrency": 1,
             "queue_capacity": None,
             "service_time": {"distribution": "exponential", "mean_ms": 1}}],
        "links": [{"source": "users", "target": "q"}],
        "faults": [{"kind": "slowdown", "target": "q", "at_s": 200, "duration_s": 10,
                    "factor": 1.6}],
        "simulation": {"duration_s": 260, "warmup_s": 10, "seed": 3},
    }
    a = analyse_run(run_replication(json.dumps(design), seed=3).snapshots(), warmup_s=10.0)
    hits = {(x["component"], x["metric"], x["detector"]): x["time_s"] for x in a["anomalies"]
            if x["score"] > 0}
    for key in [("q", "latency_p99_ms", "zscore"), ("q", "latency_p99_ms", "iqr"),
                ("end_to_end", "latency_p99_ms", "zscore"), ("q", "queue_length", "iqr")]:
        assert key in hits, (key, a["anomalies"])
        assert 200.0 < hits[key] <= 211.0, (key, hits[key])
    assert all(x["time_s"] > 200.0 for x in a["anomalies"]), a["anomalies"]


def test_no_windows_and_hostile_values_give_a_valid_empty_block() -> None:
    empty = analyse_run([])
    assert empty["windows"] == 0 and empty["anomalies"] == empty["trends"] == []
    assert empty["forecasts"] == [] and empty["span_s"] == 0.0
    only_warmup = analyse_run(_stream(n=30, warmup=30))
    assert only_warmup["windows"] == 0
    snaps = _stream(n=120, warmup=0)
    bad = WindowMetrics(latency_p99_ms=float("inf"), utilization=float("nan"))
    snaps[90] = Snapshot.build(91.0, 1.0, 0.5, bad, {"db": bad})
    a = analyse_run(snaps)
    json.dumps(a, allow_nan=False)
    at_91 = {(x["component"], x["metric"]) for x in a["anomalies"] if x["time_s"] == 91.0}
    # The infinite p99 and NaN utilization are gaps; the throughput that fell to 0 is real.
    assert ("db", "latency_p99_ms") not in at_91 and ("db", "utilization") not in at_91
    assert ("end_to_end", "latency_p99_ms") not in at_91
    assert ("end_to_end", "throughput_rps") in at_91


def test_components_past_the_cap_are_left_out_and_counted() -> None:
    col = RunSeriesCollector(max_components=2)
    for s in _stream(n=50, warmup=0):
        col.add(s)
    a = analyse_run(col)
    assert col.component_ids == ("web", "app") and a["components_left_out"] == 1
    assert not any(x["component"] == "db" for x in a["anomalies"] + a["trends"])
