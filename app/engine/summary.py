"""The run as a whole (``summary.json``): end to end and per component, after warm-up.

Counts and rates are window-based: events after the warm-up, so a count is
the sum of the windows after the warm-up (``completed`` included).
Latencies are cohort-based: of requests that *arrived* after the warm-up
(``latency_ms.count`` of them); a request that arrived during the warm-up
and completed after it counts in ``completed`` but not in the latencies.
Mean latencies carry a 95 % confidence interval by batch means.

A figure that cannot be measured is ``None``, never 0: latencies when
nothing completed, rates over no measured time. A run stopped during the
warm-up has ``stopped_during_warmup: true`` and no statistics at all.

``alerts`` lists the alerts that fired (the design's rules or the defaults,
warm-up windows included), by ``fired_at_s``; see docs/alerts.md.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from app.engine.window import RunAccumulator, end_to_end_rates

if TYPE_CHECKING:
    from app.engine.simulation import Simulation


def _finite(x: float) -> float | None:
    return x if math.isfinite(x) else None


def latency_block(run: RunAccumulator) -> dict[str, Any]:
    """``latency_ms`` of a summary: mean with its 95 % CI, percentiles and max.

    All ``None`` (and ``count`` 0) when no latency was measured.
    """
    hist = run.histogram
    if hist.total == 0:
        return {"count": 0, "mean": None, "mean_ci95": [None, None], "p50": None,
                "p90": None, "p95": None, "p99": None, "max": None}
    lo, hi = run.batches.ci95()
    p50, p90, p95, p99 = hist.percentiles((50, 90, 95, 99))
    return {
        "count": hist.total,
        "mean": run.batches.mean(),
        "mean_ci95": [_finite(lo), _finite(hi)],
        "p50": p50,
        "p90": p90,
        "p95": p95,
        "p99": p99,
        "max": hist.max_ms,
    }


class _Period:
    """Differences of cumulative figures between the warm-up mark and now."""

    def __init__(self, now: dict[str, float], base: dict[str, float], measured: float) -> None:
        self.now = now
        self.base = base
        self.measured = measured

    def count(self, key: str) -> int:
        return round(self.now.get(key, 0.0) - self.base.get(key, 0.0))

    def per_second(self, key: str) -> float | None:
        """A count or an integral per measured second; ``None`` over no measured time."""
        if self.measured <= 0.0:
            return None
        return (self.now.get(key, 0.0) - self.base.get(key, 0.0)) / self.measured


def summarize(sim: Simulation) -> dict[str, Any]:
    """Build the summary dictionary of a (finished or stopped) run."""
    end = sim.now
    in_warmup = sim.stopped_during_warmup
    measured = 0.0 if in_warmup else max(0.0, end - sim.warmup_s)
    e2e = sim.end_to_end
    now_vals = e2e.totals_now(end)
    # Stopped during the warm-up: nothing was measured, every difference is 0.
    p = _Period(now_vals, now_vals if in_warmup else e2e.run.at_warmup, measured)
    completed, failed = p.count("completed"), p.count("failed")
    async_failed = p.count("async_failed")
    rates = end_to_end_rates(completed, failed, async_failed)
    end_to_end = {
        "requests": p.count("arrivals"),
        "completed": completed,
        "failed": failed,
        "rejected": p.count("rejected"),
        "timed_out": p.count("timed_out"),
        "async_failed": async_failed,
        "error_rate": None if in_warmup else rates["error_rate"],
        "availability": rates["availability"],
        "throughput_rps": p.per_second("completed"),
        "mean_in_flight": p.per_second("in_flight_area"),
        "latency_ms": latency_block(e2e.run),
    }
    components: dict[str, Any] = {}
    for sid, window in sim.station_windows.items():
        st = window.station
        vals = window.values(end)
        c = _Period(vals, vals if in_warmup else window.run.at_warmup, measured)
        done, lost, refused = c.count("completed"), c.count("failed"), c.count("rejected")
        ended = done + lost + refused
        rc = st.resolved
        broker = window.broker
        worker_s = c.now["workers_area"] - c.base.get("workers_area", 0.0)
        components[sid] = {
            "type": rc.type.key,
            "replicas": {
                "min": st.replicas_min,
                "max": st.replicas_max,
                "final": st.serving_count,
            },
            "concurrency": rc.concurrency,
            "mean_service_ms": rc.service.mean_ms,
            "arrivals": c.count("arrivals"),
            "completed": done,
            "rejected": refused,
            "timed_out": c.count("timed_out"),
            "failed": lost,
            "throttled": c.count("throttled"),
            "dropped": c.count("dropped"),
            "error_rate": (lost + refused) / ended if ended else (None if in_warmup else 0.0),
            "utilization": (
                None if in_warmup else
                (c.now["busy_area"] - c.base["busy_area"]) / worker_s if worker_s > 0 else 0.0
            ),
            "availability": c.per_second("up_area"),
            "mean_queue_length": c.per_second("queued_area"),
            "mean_in_station": (
                None if measured <= 0.0 else
                (c.now["queued_area"] - c.base["queued_area"]
                 + c.now["serving_area"] - c.base["serving_area"]) / measured
            ),
            "mean_in_flight": c.per_second("insys_area"),
            "mean_backlog": c.per_second("backlog_area"),
            "backlog_at_end": broker.stored if broker is not None else 0,
            "arrival_rate_rps": c.per_second("arrivals"),
            "throughput_rps": c.per_second("completed"),
            "latency_ms": latency_block(window.run),
        }
    return {
        "simulated_s": end,
        "links": _links(sim, measured, in_warmup),
        "events": [e.as_dict() for e in sim.events.events],
        "events_dropped": sim.events.dropped,
        "warmup_s": sim.warmup_s,
        "seed": sim.seed,
        "wall_s": sim.wall_s,
        "stopped": sim.stopped,
        "stopped_during_warmup": in_warmup,
        "end_to_end": end_to_end,
        "components": components,
        "failures": sim.failures.stats.block(components),
        # Fired alerts, warm-up included (see docs/alerts.md); [] when none fired.
        "alerts": [] if sim.alerts is None else sim.alerts.summary(),
        "alerts_dropped": 0 if sim.alerts is None else sim.alerts.episodes_dropped,
        "alert_events_dropped": 0 if sim.alerts is None else sim.alerts.pending_events_dropped,
    }


def _links(sim: Simulation, measured: float, in_warmup: bool) -> dict[str, Any]:
    """``links."a->b"``: each link's counts after the warm-up and its latency."""
    out: dict[str, Any] = {}
    for key, lw in sim.link_windows.items():
        vals = lw.values()
        p = _Period(vals, vals if in_warmup else lw.run.at_warmup, measured)
        out[key] = {
            "calls": p.count("calls"),
            "failed": p.count("failed"),
            "timed_out": p.count("timed_out"),
            "retried": p.count("retried"),
            "short_circuited": p.count("short_circuited"),
            "calls_rps": p.per_second("calls"),
            "latency": latency_block(lw.run),
        }
    return out
