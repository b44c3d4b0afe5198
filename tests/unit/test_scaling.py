"""Rate limits (token bucket) and autoscaling (the Kubernetes HPA rule) in the engine."""

from __future__ import annotations

import dataclasses
import math
from typing import Any

import pytest

from app.engine import Simulation
from app.engine.autoscaling import hpa_recommendation, retire_order
from app.engine.replicas import Replica
from app.model import Component, Document, Link
from app.model.document import Autoscaling, RateLimit
from tests.unit.engine_docs import client, design, server

# -- rate limits -----------------------------------------------------------------------


def _limited(rate: float, rps: float, burst: float | None, *, duration: float = 10.0,
             link: Link | None = None, pattern: str = "constant") -> Document:
    api = server("api", 1.0, 4, rate_limit=RateLimit(rps, burst))
    return design([client(rate, pattern), api], [link or ("users", "api")], duration=duration)


def test_bucket_refuses_at_once_and_counts_throttled_and_rejected() -> None:
    # Constant arrivals at k/100 s; the bucket (37/s, 5 deep) admits one whenever a
    # whole token is there, so by the last arrival (9.99 s) it has admitted
    # floor(5 + 37 * 9.99) = 374, and refused the rest at once.
    s = Simulation(_limited(100, 37, 5)).run()
    api = s["components"]["api"]
    assert api["arrivals"] == 1000
    assert api["completed"] == math.floor(5 + 37 * 9.99) == 374
    assert api["throttled"] == api["rejected"] == 626
    assert s["end_to_end"]["rejected"] == 626  # the caller saw REJECTED (a 429)


def test_bucket_starts_full_burst_passes_at_once() -> None:
    # 1000 req/s against 2 tokens/s with a burst of 10: the first 10 pass in the
    # first 10 ms, then one more every half second.
    sim = Simulation(_limited(1000, 2, 10, duration=3.0), window_s=0.5)
    passed = []
    while not sim.finished:
        snap = sim.step_window()
        comp = snap.components["api"]
        passed.append(comp.arrivals - comp.throttled)
        assert comp.throttled == comp.rejected
    assert passed == [10, 1, 1, 1, 1, 1]  # floor(10 + 2 * 2.999) = 15 in all


def test_default_burst_is_one_second_of_tokens() -> None:
    s = Simulation(_limited(100, 20, None, duration=5.0)).run()
    assert s["components"]["api"]["completed"] == math.floor(20 + 20 * 4.99)


def test_no_rate_limit_leaves_the_class_arrive_alone() -> None:
    sim = Simulation(design([client(100), server("api")], [("users", "api")]))
    assert "arrive" not in vars(sim.stations["api"])
    limited = Simulation(_limited(100, 37, 5))
    assert "arrive" in vars(limited.stations["api"])


@pytest.mark.parametrize(
    "link",
    [
        Link("users", "api"),                                  # direct: target.arrive inline
        Link("users", "api", latency_ms=2.0),                  # a hop with latency
        Link("users", "api", timeout_ms=500.0),                # a guarded call (_Try)
        Link("users", "api", mode="async"),                       # fire and forget
    ],
    ids=["direct", "latency", "timeout", "async"],
)
def test_every_call_path_goes_through_the_bucket(link: Link) -> None:
    s = Simulation(_limited(100, 37, 5, link=link)).run()
    api = s["components"]["api"]
    # Latency shifts the arrivals by a constant, so the count may move by one.
    assert api["arrivals"] - api["throttled"] in (373, 374)
    assert api["throttled"] > 600


def test_broker_deliveries_go_through_the_consumers_bucket() -> None:
    broker = Component(id="mq", type="message_queue")
    worker = server("w", 1.0, 4, rate_limit=RateLimit(20, 5))
    doc = design([client(100, "constant"), broker, worker], [("users", "mq"), ("mq", "w")],
                 duration=5.0)
    s = Simulation(doc).run()
    w = s["components"]["w"]
    assert w["arrivals"] - w["throttled"] == math.floor(5 + 20 * 4.99)
    assert w["throttled"] > 0


# -- the HPA rule --------------------------------------------------------------------------


def test_hpa_tolerance_band_keeps_the_current_count() -> None:
    # 4 ready replicas at 75 % for a 70 % target: ratio 1.071, inside 10 %.
    assert hpa_recommendation(4, 4, 0.75, 0.7)[0] == 4
    assert hpa_recommendation(4, 4, 0.64, 0.7)[0] == 4   # ratio 0.914
    assert hpa_recommendation(4, 4, 0.78, 0.7)[0] == 5   # ratio 1.114: ceil(4.46)
    assert hpa_recommendation(4, 4, 0.30, 0.7)[0] == 2   # ceil(1.71)


def test_hpa_counts_not_ready_replicas_at_zero_for_a_scale_up() -> None:
    # 2 ready at 100 %, 2 provisioning: 0.5 averaged over 4 -> ratio 0.71 < 1: hold.
    assert hpa_recommendation(4, 2, 1.0, 0.7) == (4, 0.5)
    # 3 ready at 100 %, 1 not ready, target 50 %: metric 0.75 -> ceil(1.5 * 4) = 6.
    assert hpa_recommendation(4, 3, 1.0, 0.5) == (6, 0.75)
    # Inside the tolerance once the not-ready one counts: 3 x 0.8 / 4 = 0.6 vs 0.58.
    assert hpa_recommendation(4, 3, 0.8, 0.58)[0] == 4
    # Scale-down ignores provisioning ones: ceil(0.2 / 0.7 * 3) = 1.
    assert hpa_recommendation(4, 3, 0.2, 0.7, crashed=0) == (1, 0.2)


def test_hpa_without_a_ready_replica_recommends_nothing() -> None:
    assert hpa_recommendation(3, 0, 0.0, 0.7) == (3, 0.0)


def test_retire_order_prefers_provisioning_then_crashed_then_newest() -> None:
    reps = [Replica(1, None) for _ in range(5)]
    reps[1].crashed = True
    reps[2].provisioning = True
    assert retire_order(reps) == [reps[2], reps[1], reps[4], reps[3], reps[0]]


# -- autoscaling in runs ---------------------------------------------------------------------


def _scaled(*, rate: float = 100.0, step_rps: float | None = None, at_s: float = 0.0,
            replicas: int = 1, mean_ms: float = 50.0, duration: float = 100.0,
            **spec: Any) -> Document:
    auto = Autoscaling(**{"target": 0.5, "min": 1, "max": 10, "cooldown_s": 20.0,
                          "provision_s": 5.0, **spec})
    api = dataclasses.replace(server("api", mean_ms, 4, replicas=replicas, autoscaling=auto),
                              queue_capacity=20)
    users = (client(rate, "step", step_rps=step_rps, at_s=at_s) if step_rps is not None
             else client(rate))
    return design([users, api], [("users", "api")], duration=duration)


def _events(s: dict[str, Any], *kinds: str) -> list[dict[str, Any]]:
    return [e for e in s["events"] if e["kind"] in kinds]


def test_scale_up_provisions_then_serves() -> None:
    # 1 replica, 4 workers, 50 ms: 100 req/s is 5 busy workers, saturated; the
    # first window (5 s) recommends ceil(1.0 / 0.5 * 1) = 2.
    sim = Simulation(_scaled(duration=30.0), window_s=5.0)
    first = sim.step_window()
    st = sim.stations["api"]
    assert [e.kind for e in first.events if not e.kind.startswith("alert_")] == ["scale_up"]
    assert first.events[0].detail["from"] == 1 and first.events[0].detail["to"] == 2
    assert [r.provisioning for r in st.replicas] == [False, True]
    while not sim.finished:
        sim.step_window()
    ready = [e for e in sim.events.events if e.kind == "replica_ready"]
    ups = [e for e in sim.events.events if e.kind == "scale_up"]
    # Each replica serves provision_s after the scale-up that added it.
    for e in ready:
        assert any(math.isclose(e.time_s, u.time_s + 5.0) for u in ups)
    # 5 busy workers at a 50 % target: ceil(5 / 2) = 3 replicas, +-1 (tolerance).
    assert 2 <= len(st.replicas) <= 4


def test_provisioning_replicas_hold_back_a_second_scale_up() -> None:
    # Saturated at every close while the new replica provisions (10 s > window),
    # but with it at 0 % the average is below target: no second scale-up yet.
    s = Simulation(_scaled(duration=20.0, provision_s=10.0), window_s=2.0).run()
    ups = _events(s, "scale_up")
    assert ups[0]["time_s"] == pytest.approx(2.0)
    ready = _events(s, "replica_ready")[0]["time_s"]
    assert ready == pytest.approx(12.0)
    # The next scale-up comes only once the new replica serves.
    assert len(ups) >= 2 and ups[1]["time_s"] > ready


def test_clamped_to_max_and_min() -> None:
    s = Simulation(_scaled(rate=400.0, duration=60.0, max=3), window_s=5.0).run()
    assert s["components"]["api"]["replicas"]["max"] == 3
    assert all(e["to"] <= 3 for e in _events(s, "scale_up"))
    low = Simulation(_scaled(rate=1.0, replicas=3, min=2, cooldown_s=0.0, duration=20.0),
                     window_s=5.0).run()
    assert low["components"]["api"]["replicas"] == {"min": 2, "max": 3, "final": 2}


def test_scale_down_waits_for_the_stabilisation_window() -> None:
    # 3 replicas; the load drops from 100 to 10 req/s at 30 s. Recommendations
    # fall from the window closing at 35 s; the highest within the last 20 s is
    # still 3 until the close at 50 s, when the scale-down happens.
    doc = _scaled(rate=100.0, step_rps=10.0, at_s=30.0, replicas=3, duration=80.0)
    s = Simulation(doc, window_s=5.0).run()
    downs = _events(s, "scale_down")
    assert downs and downs[0]["time_s"] == pytest.approx(50.0)
    # 10 req/s x 50 ms = 0.5 busy workers: ceil(0.5 / (4 workers x 0.5)) = 1.
    assert downs[0]["from"] == 3 and downs[0]["to"] == 1
    assert s["components"]["api"]["replicas"]["final"] == 1


def test_scale_down_drains_the_retired_replicas() -> None:
    # Long services (2 s) so a scale-down always finds work in flight: it finishes.
    doc = _scaled(rate=10.0, step_rps=0.5, at_s=20.0, replicas=4, mean_ms=2000.0,
                  cooldown_s=5.0, duration=60.0)
    sim = Simulation(doc, window_s=5.0)
    st = sim.stations["api"]
    drained_seen = False
    while not sim.finished:
        sim.step_window()
        drained_seen = drained_seen or bool(st.retiring)
    s = sim.summary()
    assert _events(s, "scale_down")
    assert drained_seen  # a retired replica was still finishing its work
    api = s["components"]["api"]
    assert api["failed"] == 0 and api["rejected"] == 0
    assert not st.retiring


def test_scaling_shows_in_windows_and_summary() -> None:
    sim = Simulation(_scaled(duration=40.0), window_s=5.0)
    counts = []
    while not sim.finished:
        snap = sim.step_window()
        counts.append(snap.components["api"].replicas)
    s = sim.summary()
    reps = s["components"]["api"]["replicas"]
    assert reps["min"] == 1 and reps["max"] == max(counts) and reps["final"] == counts[-1]
    assert counts[0] == 1 and max(counts) >= 3
    up = _events(s, "scale_up")[0]
    assert set(up) >= {"time_s", "kind", "target", "from", "to", "metric"}
    assert up["target"] == "api" and 0.0 < up["metric"] <= 1.0


def test_new_replica_hooks_are_called() -> None:
    sim = Simulation(_scaled(duration=10.0), window_s=5.0)
    seen: list[tuple[str, bool]] = []
    sim.autoscaler.on_new_replica.append(lambda st, rep: seen.append((st.id, rep.provisioning)))
    sim.run()
    assert seen and all(item == ("api", True) for item in seen)


def test_without_autoscaling_no_hook_is_installed() -> None:
    sim = Simulation(design([client(100), server("api")], [("users", "api")]))
    assert not sim.autoscaler.tiers and sim.alerts is not None
    assert sim._window_hooks == [sim.alerts.window_closed]  # the default alert rules only


def test_same_seed_same_scaling() -> None:
    a = Simulation(_scaled(duration=40.0), window_s=5.0).run()
    b = Simulation(_scaled(duration=40.0), window_s=5.0).run()
    assert a["events"] == b["events"]


def test_crashed_replicas_count_in_current_at_zero() -> None:
    # 3 replicas settled for 5 busy workers (ceil(5 / (4 x 0.5)) = 3). Two crash:
    # the survivor saturates (ratio 2) but, with the crashed ones at 0 %, the
    # average is 1/3 of a replica's: below target, so no scale-up; and a crash
    # is not a reason to shrink either. Once repaired, nothing has changed.
    doc = _scaled(rate=100.0, replicas=3, duration=60.0, cooldown_s=10.0)
    sim = Simulation(doc, window_s=5.0)
    sim.schedule(20.0, lambda: sim.faults.start("crash", "api", source="test", replicas=2))
    sim.schedule(40.0, lambda: sim.faults.recover("api", "test"))
    s = sim.run()
    assert not _events(s, "scale_up", "scale_down")
    assert [e["kind"] for e in s["events"]].count("crash") == 2
    assert len(sim.stations["api"].replicas) == 3
