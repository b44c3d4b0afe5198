"""The analytic model equals the closed forms where it is exact, and says where it is not."""

from __future__ import annotations

import json
import math
import subprocess
import sys

import pytest

from app.analysis.model import analyze, prepare
from app.analysis.queueing import (
    allen_cunneen_wait,
    md1_mean_response,
    mm1k_blocking,
    mmc_mean_response,
    mmck,
)
from app.model import (
    UNBOUNDED,
    Component,
    Document,
    Link,
    Routing,
    ServiceTime,
    Workload,
)
from tests.validation.queueing import queue_doc


def _station(cid: str, mean_ms: float, servers: int = 1, dist: str = "exponential",
             **extra: object) -> Component:
    return Component(id=cid, type="microservice", concurrency=servers,
                     queue_capacity=UNBOUNDED, blocking=False,
                     service_time=ServiceTime(dist, mean_ms=mean_ms),
                     **extra)  # type: ignore[arg-type]


def _client(rate: float) -> Component:
    return Component(id="users", type="client", workload=Workload("poisson", rate_rps=rate))


def test_mm1_is_exact() -> None:
    result = analyze(queue_doc(800.0, 1.0, 1))
    q = result.components["q"]
    assert q.model == "M/M/c"
    assert q.exact and not q.saturated and q.notes == ()
    assert q.mean_latency_ms == pytest.approx(1000.0 / (1000.0 - 800.0), rel=1e-12)
    assert q.utilization == pytest.approx(0.8, rel=1e-12)
    # Lq = rho^2 / (1 - rho) = 3.2
    assert q.mean_queue == pytest.approx(3.2, rel=1e-12)
    assert result.end_to_end_ms == pytest.approx(5.0, rel=1e-12)
    assert result.end_to_end_exact
    assert result.saturation_rps == pytest.approx(1000.0)
    assert result.saturates_first == "q" and result.bottleneck == "q"


@pytest.mark.parametrize(("servers", "rho"), [(2, 0.5), (4, 0.8), (16, 0.95), (64, 0.9)])
def test_mmc_is_erlang_c(servers: int, rho: float) -> None:
    lam = rho * servers * 1000.0
    q = analyze(queue_doc(lam, 1.0, servers)).components["q"]
    assert q.exact
    assert q.mean_latency_ms == pytest.approx(1000.0 * mmc_mean_response(lam, 1000.0, servers),
                                              rel=1e-12)
    assert q.utilization == pytest.approx(rho, rel=1e-12)


def test_md1_is_pollaczek_khinchine() -> None:
    q = analyze(queue_doc(700.0, 1.0, 1, distribution="constant")).components["q"]
    assert q.exact and q.model == "M/G/c Allen-Cunneen"
    assert q.mean_latency_ms == pytest.approx(1000.0 * md1_mean_response(700.0, 0.001),
                                              rel=1e-12)


def test_mgc_uses_allen_cunneen_and_says_so() -> None:
    doc = queue_doc(3000.0, 1.0, 4, distribution="uniform")  # uniform 0..2 ms: cs² = 1/3
    q = analyze(doc).components["q"]
    assert not q.exact
    assert any("Allen–Cunneen" in n for n in q.notes)
    wait = allen_cunneen_wait(3000.0, 0.001, 4, 1.0 / 3.0)
    assert q.mean_latency_ms == pytest.approx(1000.0 * (wait + 0.001), rel=1e-12)


def test_finite_queue_is_mmck() -> None:
    q = analyze(queue_doc(900.0, 1.0, 1, capacity=4)).components["q"]
    assert q.model == "M/M/c/K" and q.exact
    assert q.blocking_probability == pytest.approx(mm1k_blocking(0.9, 5), rel=1e-12)
    m = mmck(900.0, 1000.0, 1, 5)
    assert q.mean_latency_ms == pytest.approx(1000.0 * m.mean_response, rel=1e-12)
    assert q.utilization == pytest.approx(0.9 * (1 - m.blocking), rel=1e-12)


def test_default_room_far_from_full_is_plain_mmc() -> None:
    doc = queue_doc(500.0, 1.0, 1)
    doc.components[1].queue_capacity = None  # the default 1000 places
    q = analyze(doc).components["q"]
    assert q.model == "M/M/c" and q.blocking_probability == 0.0
    assert q.mean_latency_ms == pytest.approx(2.0, rel=1e-12)


def test_saturated_unbounded_queue_has_no_latency() -> None:
    result = analyze(queue_doc(1200.0, 1.0, 1))
    q = result.components["q"]
    assert q.saturated and q.mean_latency_ms is None and q.mean_queue is None
    assert q.offered_utilization == pytest.approx(1.2)
    assert result.end_to_end_ms is None
    summary = result.to_summary()
    text = json.dumps(summary, allow_nan=False)
    assert "Infinity" not in text and "NaN" not in text
    assert summary["components"]["q"]["mean_latency_ms"] is None
    assert summary["saturation_rps"] == pytest.approx(1000.0)


def test_a_station_behind_a_saturated_one_is_not_exact() -> None:
    """Burke's theorem needs a stable queue: a saturated M/M/1 passes on less than it is
    offered, so the next station's figures (at the offered rate) are approximate."""
    doc = Document(name="tandem", components=[
        _client(100.0), _station("web", 12.0), _station("db", 4.0)],
        links=[Link("users", "web"), Link("web", "db")])
    result = analyze(doc)
    web, db = result.components["web"], result.components["db"]
    assert web.saturated and web.mean_latency_ms is None
    assert not db.exact and not db.saturated
    assert db.mean_latency_ms == pytest.approx(4.0 / 0.6, rel=1e-12)  # still M/M/1 at 100/s
    assert any("saturated upstream" in n for n in db.notes)
    # Below saturation the tandem is a Jackson network again: both exact.
    stable = analyze(Document(name="tandem", components=[
        _client(50.0), _station("web", 12.0), _station("db", 4.0)],
        links=[Link("users", "web"), Link("web", "db")]))
    assert stable.components["web"].exact and stable.components["db"].exact


def test_saturated_finite_queue_loses_instead() -> None:
    q = analyze(queue_doc(2000.0, 1.0, 1, capacity=10)).components["q"]
    assert q.saturated
    assert q.blocking_probability == pytest.approx(mmck(2000.0, 1000.0, 1, 11).blocking)
    assert q.utilization is not None and q.utilization < 1.0
    assert q.mean_latency_ms is not None


def test_jackson_network_tandem_split_and_cache() -> None:
    """Non-blocking M/M/1 stations joined by random splits: each is exactly M/M/1."""
    lam = 600.0
    doc = Document(components=[
        _client(lam),
        Component(id="lb", type="load_balancer", routing=Routing("random"), concurrency=100,
                  service_time=ServiceTime("constant", mean_ms=0.0), queue_capacity=UNBOUNDED),
        _station("x", 1.0), _station("y", 2.0),
        Component(id="cache", type="cache", hit_ratio=0.75, blocking=False, concurrency=1,
                  queue_capacity=UNBOUNDED,
                  service_time=ServiceTime("exponential", mean_ms=0.5)),
        _station("db", 4.0),
    ], links=[Link("users", "lb"), Link("lb", "x", weight=2), Link("lb", "y", weight=1),
              Link("x", "cache"), Link("y", "cache", latency_ms=1.5), Link("cache", "db")])
    result = analyze(doc)
    rates = {"x": 400.0, "y": 200.0, "cache": 600.0, "db": 150.0}
    means = {"x": 1.0, "y": 2.0, "cache": 0.5, "db": 4.0}
    sojourn = {}
    for cid, rate in rates.items():
        p = result.components[cid]
        assert p.exact, (cid, p.notes)
        assert p.arrival_rps == pytest.approx(rate, rel=1e-12)
        mu = 1000.0 / means[cid]
        sojourn[cid] = 1000.0 / (mu - rate)
        assert p.mean_latency_ms == pytest.approx(sojourn[cid], rel=1e-12)
    cache_resp = sojourn["cache"] + 0.25 * sojourn["db"]
    e2e = (2 / 3) * (sojourn["x"] + cache_resp) + (1 / 3) * (sojourn["y"] + 3.0 + cache_resp)
    assert result.end_to_end_exact
    assert result.end_to_end_ms == pytest.approx(e2e, rel=1e-12)
    # db saturates first: 150 req/s x 4 ms = 0.6 at load 1 (x and y: 0.4).
    assert result.saturates_first == "db"
    assert result.saturation_rps == pytest.approx(600.0 / 0.6)


def test_blocking_tier_holds_its_worker_through_the_downstream_call() -> None:
    doc = Document(components=[
        _client(100.0),
        Component(id="web", type="web_server", concurrency=4, queue_capacity=UNBOUNDED,
                  blocking=True, service_time=ServiceTime("exponential", mean_ms=2.0)),
        _station("db", 5.0),
    ], links=[Link("users", "web"), Link("web", "db", latency_ms=1.0, timeout_ms=500)])
    result = analyze(doc)
    web, db = result.components["web"], result.components["db"]
    assert db.response_ms is not None
    assert web.holding_ms == pytest.approx(2.0 + 2.0 + db.response_ms)
    assert web.utilization == pytest.approx(100.0 * web.holding_ms / 1000.0 / 4)
    assert not web.exact
    assert any("approximate" in n for n in web.notes)
    assert any("timeout" in n and "not modelled" in n for n in db.notes)
    assert not db.exact
    # Saturation by bisection: the blocking tier's holding time grows with db's queue,
    # so it saturates before the service-only bound (4 workers / 2 ms = 2000 req/s).
    assert result.saturation_rps is not None
    assert result.saturation_rps < 200.0  # db: 1 server x 5 ms
    at_sat = analyze(doc, load_factor=result.saturation_rps / 100.0 * 0.999)
    assert all(not p.saturated for p in at_sat.components.values())
    over = analyze(doc, load_factor=result.saturation_rps / 100.0 * 1.001)
    assert any(p.saturated for p in over.components.values())


def test_not_modelled_features_are_named() -> None:
    doc = queue_doc(100.0, 1.0, 1)
    q = doc.components[1]
    from app.model.document import Autoscaling, FailureSpec, RateLimit

    q.failure = FailureSpec(mtbf_s=100, mttr_s=5)
    q.rate_limit = RateLimit(rps=50)
    q.autoscaling = Autoscaling(max=4)
    pred = analyze(doc).components["q"]
    assert not pred.exact
    text = " ".join(pred.notes)
    for what in ("failures", "rate limit", "autoscaling"):
        assert what in text


def test_prepared_model_matches_analyze_at_every_load() -> None:
    doc = queue_doc(400.0, 1.0, 2)
    model = prepare(doc)
    for k in (0.0, 0.5, 1.0, 2.0, 4.9):
        a, b = analyze(doc, load_factor=k), model.at(k)
        assert a.to_summary() == b.to_summary()
    assert model.at(0.0).components["q"].utilization == 0.0


def test_large_design_is_analysed_whole() -> None:
    """500 components (the bench's shape): every one predicted, the summary JSON-safe."""
    from bench.analytic_bench import wide_design

    doc = wide_design(500)
    result = analyze(doc)
    assert len(result.components) == len(doc.components) - 1
    json.dumps(result.to_summary(), allow_nan=False)
    assert result.saturation_rps is not None and math.isfinite(result.saturation_rps)


def test_analysis_imports_neither_qt_nor_scipy() -> None:
    code = ("import sys, app.analysis.model; "
            "bad = [m for m in ('PySide6', 'pyqtgraph', 'scipy', 'app.ui') if m in sys.modules]; "
            "print(bad)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip() == "[]"
