"""Each catalog profile reproduces its headline throughput and latency.

Saturation: offered 1.5x the headline throughput with a bounded queue, the
served rate is c / L = X (the profile's max throughput) within 3 %. Low load
(5 % of X): the mean latency is the profile's L within 5 % (with c >= 10
workers the Erlang-C wait at rho = 0.05 is nil). Both margins are far wider
than the runs' sampling error (>= 20,000 requests each: < 1 %).
"""

from __future__ import annotations

import pytest

from app.engine import Simulation
from app.model import PROFILES, Component, Document, Link, SimulationSettings, Workload
from app.model.catalog import COMPONENT_TYPES

pytestmark = pytest.mark.slow

TYPE_FOR_PROFILE = {
    t.default_profile: t.key for t in COMPONENT_TYPES.values() if t.default_profile
}


def _doc(profile_key: str, rate: float, duration: float) -> Document:
    ctype = TYPE_FOR_PROFILE.get(profile_key, "web_server")
    return Document(
        components=[
            Component(id="users", type="client", workload=Workload("poisson", rate_rps=rate)),
            # hit_ratio 0: a cache/CDN profile serves every request itself here.
            Component(id="svc", type=ctype, profile=profile_key, queue_capacity=200,
                      hit_ratio=0.0 if ctype in ("cache", "cdn") else None),
        ],
        links=[Link("users", "svc")],
        simulation=SimulationSettings(duration_s=duration, warmup_s=0.5, seed=13),
    )


@pytest.mark.parametrize("key", sorted(PROFILES))
def test_profile_headline_throughput_at_saturation(key: str) -> None:
    prof = PROFILES[key]
    duration = max(1.5, 40_000 / prof.max_throughput_rps)
    s = Simulation(_doc(key, 1.5 * prof.max_throughput_rps, duration)).run()
    served = s["components"]["svc"]["throughput_rps"]
    assert served == pytest.approx(prof.max_throughput_rps, rel=0.03)


@pytest.mark.parametrize("key", sorted(PROFILES))
def test_profile_mean_latency_at_low_load(key: str) -> None:
    prof = PROFILES[key]
    rate = 0.05 * prof.max_throughput_rps
    duration = max(2.0, 20_000 / rate)
    s = Simulation(_doc(key, rate, duration)).run()
    mean = s["components"]["svc"]["latency_ms"]["mean"]
    assert mean == pytest.approx(prof.mean_latency_ms, rel=0.05)
