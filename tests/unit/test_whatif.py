"""What-if comparisons with real runs: variants, common random numbers, kept runs."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest

from app.engine.overrides import apply_overrides
from app.model import Component, Document, Link, Workload
from app.model.document import Fault
from app.model.fileformat import dumps, loads
from app.sweeps.compare import (
    VariantError,
    default_fault,
    fault_variant,
    kept_figures,
    load_variant,
    profile_variant,
    replica_variant,
    replication_records,
    run_against_kept,
    run_settings,
    run_whatif,
)
from app.sweeps.executors import PoolExecutor, SerialExecutor
from app.sweeps.sweep import SweepError
from tests.support import storage_fixtures
from tests.support.storage_fixtures import SeededStore
from tests.validation.queueing import queue_doc

seeded = storage_fixtures.seeded
seeded_users = storage_fixtures.seeded_users

E2E = "end_to_end"


def mm1(rate_rps: float = 30.0, seed: int = 7) -> Document:
    """M/M/1 with 10 ms service: rho = 0.3 at 30 req/s, 0.6 at 60."""
    return queue_doc(rate_rps, 10.0, 1, duration_s=30.0, warmup_s=3.0, seed=seed)


@pytest.fixture
def pool() -> Iterator[PoolExecutor]:
    executor = PoolExecutor(2)
    yield executor
    executor.close()


def row(rows: list, metric: str, component: str = E2E):  # type: ignore[no-untyped-def]
    return next(r for r in rows if (r.metric, r.component) == (metric, component))


def test_load_x2_raises_latency_significantly(pool: PoolExecutor) -> None:
    doc = mm1()
    seen: list[tuple[int, int]] = []
    result = run_whatif(doc, load_variant(doc, 2), 5, pool,
                        progress=lambda done, total: seen.append((done, total)))
    assert not result.cancelled and result.failures == []
    assert seen[-1] == (10, 10) and [d for d, _ in seen] == sorted(d for d, _ in seen)
    assert result.other is not None
    # Common random numbers: replication k draws the same seed on both sides.
    assert [result.current.runs[(0, k)].seed for k in range(5)] == \
        [result.other.runs[(0, k)].seed for k in range(5)]
    latency = row(result.rows, "latency_mean_ms")
    # M/M/1: W = S / (1 - rho) = 14.3 ms at rho 0.3, 25 ms at rho 0.6.
    assert latency.a.mean == pytest.approx(14.3, rel=0.15)
    assert latency.b.mean == pytest.approx(25.0, rel=0.15)
    assert latency.significant and latency.p_value is not None and latency.p_value < 0.01
    assert latency.diff_low is not None and latency.diff_low > 0
    assert latency.relative == pytest.approx(0.75, abs=0.25)
    throughput = row(result.rows, "throughput_rps")
    assert throughput.significant and throughput.b.mean == pytest.approx(60.0, rel=0.05)
    assert row(result.rows, "utilization", "q").b.mean == pytest.approx(0.6, abs=0.05)
    assert not row(result.rows, "error_rate").significant  # 0 errors on both sides


def test_an_identical_variant_shows_nothing_significant() -> None:
    doc = mm1()
    same = load_variant(doc, 1)
    assert same.overrides == ()
    result = run_whatif(doc, same, 4, SerialExecutor(), keep_windows=False)
    assert result.rows and not any(r.significant for r in result.rows)
    assert all(r.difference in (0.0, None) for r in result.rows)
    # Another seed (independent replications of the same design): still no difference.
    other = run_whatif(doc, same, 4, SerialExecutor(), seed=8, keep_windows=False)
    shifted = run_whatif(mm1(seed=8), same, 4, SerialExecutor(), keep_windows=False)
    assert other.current.figures(0) == shifted.current.figures(0)
    from app.sweeps.compare import compare

    rows = compare(result.current.figures(0), other.current.figures(0))
    latency = row(rows, "latency_mean_ms")
    assert latency.difference != 0.0 and not latency.significant


def test_a_crash_in_the_middle_third_shows_errors() -> None:
    doc = queue_doc(30.0, 10.0, 1, duration_s=12.0, warmup_s=3.0, seed=3)
    fault = default_fault(doc, "q")
    assert (fault.kind, fault.at_s, fault.duration_s) == ("crash", 6.0, 3.0)
    variant = fault_variant(doc, fault)
    assert variant.label == "q: crash at 6 s for 3 s" and variant.overrides == ()
    result = run_whatif(doc, variant, 3, SerialExecutor(), keep_windows=False)
    errors = row(result.rows, "error_rate")
    assert errors.a.mean == 0.0 and errors.b.mean is not None and errors.b.mean > 0.2
    assert errors.significant


def test_variant_builders() -> None:
    doc = Document(name="two clients", components=[
        Component(id="web.users", type="client",
                  workload=Workload(pattern="spike", rate_rps=10, spike_rps=50, spike_s=1,
                                    period_s=10)),
        Component(id="batch", type="client",
                  workload=Workload(pattern="ramp", from_rps=1, to_rps=9, ramp_s=5)),
        Component(id="web", type="web_server", replicas=3),
    ], links=[Link("web.users", "web"), Link("batch", "web")])
    assert load_variant(doc, 1.5).overrides == (
        ("web.users.workload.rate_rps", 15.0), ("web.users.workload.spike_rps", 75.0),
        ("batch.workload.from_rps", 1.5), ("batch.workload.to_rps", 13.5))
    assert replica_variant(doc, "web").overrides == (("web.replicas", 4),)
    assert replica_variant(doc, "web").label == "web: 3 → 4 replicas"
    assert profile_variant(doc, "web", "nginx_lb").overrides == (("web.profile", "nginx_lb"),)
    for bad in (lambda: profile_variant(doc, "web", "web_server"),
                lambda: profile_variant(doc, "web", "no such"),
                lambda: replica_variant(doc, "batch"),
                lambda: replica_variant(doc, "nope"),
                lambda: load_variant(doc, 0),
                lambda: load_variant(doc, float("nan")),
                lambda: default_fault(doc, "web", "meltdown"),
                lambda: fault_variant(doc, Fault("crash", "ghost", 1.0))):
        with pytest.raises(VariantError):
            bad()
    traced = loads(dumps(doc))
    traced.components[1].workload = Workload(pattern="trace", trace_file="t.csv")
    with pytest.raises(VariantError, match="replays a trace"):
        load_variant(traced, 2)


def test_a_refused_override_is_a_sweep_error() -> None:
    doc = mm1()
    variant = replica_variant(doc, "q", extra=10**9)
    with pytest.raises(SweepError, match=r"q\.replicas"):
        run_whatif(doc, variant, 2, SerialExecutor())


def test_cancel_keeps_what_finished() -> None:
    doc = mm1()
    cancel = threading.Event()

    def progress(done: int, total: int) -> None:
        if done >= 1:
            cancel.set()

    result = run_whatif(doc, load_variant(doc, 2), 4, SerialExecutor(), progress=progress,
                        cancel=cancel)
    assert result.cancelled and result.rows == [] and result.other is None
    assert len(result.current.runs) == 1


def test_kept_run_round_trip_and_comparison(seeded: SeededStore) -> None:
    doc = mm1()
    first = run_whatif(doc, load_variant(doc, 2), 3, SerialExecutor())
    records = replication_records(first.current)
    assert [r.seed for r in records] == [first.current.runs[(0, k)].seed for k in range(3)]
    series = records[0].series
    assert len(series["times"]) == 30 and series["warmup_windows"] == 3
    assert len(series[E2E]["latency_p99_ms"]) == 30 and len(series["q"]["utilization"]) == 30
    store, alice = seeded.store, seeded.alice
    project = store.projects.create(alice, "Queue", dumps(doc))
    info = store.runs.save(alice, project.id, "Before the change", dumps(doc), records,
                           seed=doc.simulation.seed, settings=run_settings(doc, 3),
                           app_version="0.1.0")
    kept = store.runs.load(alice, info.id)
    assert kept_figures(kept.replications) == first.current.figures(0)
    # The same design against its kept run: the same seeds give the same numbers.
    again = run_against_kept(loads(kept.design), kept.replications, kept.info.seed,
                             SerialExecutor(), keep_windows=False)
    assert again.rows and all(r.difference in (0.0, None) for r in again.rows)
    # The design edited to twice the load, against the run kept before the edit.
    edited = apply_overrides(doc, dict(load_variant(doc, 2).overrides))
    later = run_against_kept(edited, kept.replications, kept.info.seed, SerialExecutor(),
                             keep_windows=False)
    latency = row(later.rows, "latency_mean_ms")
    assert latency.significant and latency.difference is not None and latency.difference < 0
