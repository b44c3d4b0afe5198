"""Service-time parameters: refused with the field named, or sampled as stated.

Every distribution's parameter space is walked (hypothesis, extremes included):
a parameter set the validator accepts resolves to a finite mean and samples
finite, non-negative values in bounded time; the sample mean is the resolved
mean, which is what the summary reports.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.engine import Simulation
from app.engine.distributions import (
    BlockSampler,
    RandomStreams,
    service_draw,
    truncated_normal_location,
)
from app.model import Component, Document, ServiceTime, Specs
from app.model.document import DISTRIBUTIONS
from app.model.resolve import ResolvedService, resolve
from app.model.service_time import MAX_STD_RATIO
from app.model.validation import validate
from tests.unit.engine_docs import client, design
from tests.unit.reader_guard import reader_guard


def _errors(comp: Component) -> list[str]:
    return [p.path for p in validate(Document(components=[comp])) if p.severity == "error"]


def _sample_mean(service: ResolvedService, n: int = 200_000) -> np.ndarray:
    sample = BlockSampler(RandomStreams(7).generator("s"), service_draw(service, scale=1.0))
    return np.array([sample() for _ in range(n)])


_param = st.none() | st.sampled_from([0.0, 1e-300, 1e-9, 0.5, 1.0, 2.0, 3.0, 5.0, 10.0, 1e3,
                                      1e9, 1e11, 1e300, 1e308]) | st.floats(0, 100)


@settings(max_examples=300, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(DISTRIBUTIONS), _param, _param, _param, _param, _param,
       st.sampled_from(["web_server", "batch_processor", "cache"]),
       st.none() | st.sampled_from([1e-300, 1e-6, 0.5, 4.0, 1e5, 1e308]),
       st.none() | st.sampled_from([0.0, 10.0, 1e9, 1e308]))
def test_every_parameter_set_is_refused_or_sampled_finitely(
    dist: str, mean: float | None, std: float | None, shape: float | None,
    low: float | None, high: float | None, ctype: str, ghz: float | None,
    payload: float | None,
) -> None:
    comp = Component(id="s", type=ctype, payload_kb=payload,
                     specs=Specs(cpu_ghz=ghz, network_mbps=1.0) if ghz else None,
                     service_time=ServiceTime(dist, mean, std, shape, low, high))
    errors = _errors(comp)
    if errors:
        # Refused: the problem names a field of the service time or what it derives from.
        assert all(path.startswith("$.components[0].") for path in errors), errors
        return
    with reader_guard(10.0):
        service = resolve(comp).service
        values = service_draw(service)(RandomStreams(1).generator("s"), 4096)
    assert math.isfinite(service.mean_ms) and service.mean_ms >= 0
    assert np.isfinite(values).all() and (values >= 0).all(), service


@pytest.mark.parametrize(("service", "tolerance"), [
    (ResolvedService("normal", 4.0, std_ms=0.0), 1e-12),
    (ResolvedService("normal", 4.0, std_ms=2.0), 0.01),
    (ResolvedService("normal", 4.0, std_ms=20.0), 0.01),  # std 5x the mean
    (ResolvedService("normal", 4.0, std_ms=4.0 * MAX_STD_RATIO), 0.01),
    (ResolvedService("normal", 4.0, std_ms=0.01), 0.001),
    (ResolvedService("uniform", 3.0, min_ms=2.0, max_ms=4.0), 0.005),
    (ResolvedService("lognormal", 4.0, std_ms=0.0), 1e-12),
    (ResolvedService("lognormal", 4.0, std_ms=8.0), 0.03),
    (ResolvedService("gamma", 4.0, shape=0.5), 0.02),
    (ResolvedService("gamma", 4.0, shape=50.0), 0.005),
    (ResolvedService("pareto", 4.0, shape=5.0), 0.01),
], ids=lambda value: f"{value.distribution}-{value.std_ms}-{value.shape}"
    if isinstance(value, ResolvedService) else str(value))
def test_sample_mean_is_the_resolved_mean(service: ResolvedService, tolerance: float) -> None:
    with reader_guard():
        values = _sample_mean(service)
    assert values.min() >= 0.0
    assert values.mean() == pytest.approx(service.mean_ms, rel=tolerance)


@pytest.mark.parametrize("spread", [0.01, 0.5, 1.0, 5.0, 30.0, 100.0])
def test_truncated_normal_location_gives_the_requested_mean(spread: float) -> None:
    mean, std = 1.0, spread
    loc = truncated_normal_location(mean, std)
    z = loc / std
    pdf = math.exp(-0.5 * z * z) / math.sqrt(2 * math.pi)
    cdf = 0.5 * math.erfc(-z / math.sqrt(2))
    if cdf > 1e-300:
        assert loc + std * pdf / cdf == pytest.approx(mean, rel=1e-6)
    assert loc <= mean  # truncating at zero only raises the mean


def test_uniform_given_by_its_bounds_reports_the_mean_it_samples() -> None:
    comp = Component(id="s", type="web_server",
                     service_time=ServiceTime("uniform", min_ms=2.0, max_ms=4.0))
    assert _errors(comp) == []
    service = resolve(comp).service
    assert (service.mean_ms, service.min_ms, service.max_ms) == (3.0, 2.0, 4.0)


def test_transmission_time_moves_a_uniforms_bounds() -> None:
    comp = Component(id="s", type="web_server", payload_kb=125.0,
                     specs=Specs(network_mbps=100.0),  # 10 ms on the wire
                     service_time=ServiceTime("uniform", min_ms=2.0, max_ms=4.0))
    service = resolve(comp).service
    assert (service.mean_ms, service.min_ms, service.max_ms) == (13.0, 12.0, 14.0)


def test_summary_reports_the_mean_service_time_that_was_simulated() -> None:
    # One worker at 100 req/s: utilisation is the rate times the simulated mean.
    server = Component(id="s", type="api_server", concurrency=1,
                       service_time=ServiceTime("uniform", min_ms=2.0, max_ms=4.0))
    doc = design([client(100.0), server], [("users", "s")], duration=60.0)
    summary = Simulation(doc).run()
    stats = summary["components"]["s"]
    assert stats["mean_service_ms"] == 3.0
    assert stats["utilization"] == pytest.approx(100.0 * 0.003, rel=0.08)


@pytest.mark.parametrize(("service_time", "field"), [
    (ServiceTime("uniform", mean_ms=1.0, min_ms=2.0, max_ms=4.0), "mean_ms"),
    (ServiceTime("uniform", mean_ms=1.0, min_ms=2.0), "min_ms"),
    (ServiceTime("uniform", mean_ms=2.0, max_ms=5.0), "max_ms"),
    (ServiceTime("normal", mean_ms=1.0, std_ms=101.0), "std_ms"),
    (ServiceTime("lognormal", mean_ms=1.0, std_ms=101.0), "std_ms"),
    (ServiceTime("gamma", mean_ms=1.0, shape=0.001), "shape"),
    (ServiceTime("pareto", mean_ms=1.0, shape=1.0), "shape"),
    (ServiceTime("pareto", mean_ms=1.0, shape=2e6), "shape"),
    (ServiceTime("exponential", mean_ms=2e9), "mean_ms"),
])
def test_contradictory_or_unsampleable_parameters_name_their_field(
    service_time: ServiceTime, field: str
) -> None:
    comp = Component(id="s", type="web_server", service_time=service_time)
    assert _errors(comp) == [f"$.components[0].service_time.{field}"]
