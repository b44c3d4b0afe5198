"""The run as a whole (``summary.json``): end to end and per component, after warm-up.

Counts are of events after the warm-up; latencies (and ``completed``) are of
requests that *arrived* after the warm-up. Mean latencies carry a 95 %
confidence interval by batch means.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from app.engine.window import RunAccumulator

if TYPE_CHECKING:
    from app.engine.simulation import Simulation


def _finite(x: float) -> float | None:
    return x if math.isfinite(x) else None


def latency_block(run: RunAccumulator) -> dict[str, Any]:
    """``latency_ms`` of a summary: mean with its 95 % CI, percentiles and max."""
    hist = run.histogram
    lo, hi = run.batches.ci95()
    return {
        "mean": run.batches.mean(),
        "mean_ci95": [_finite(lo), _finite(hi)],
        "p50": hist.percentile(50),
        "p90": hist.percentile(90),
        "p95": hist.percentile(95),
        "p99": hist.percentile(99),
        "max": hist.max_ms,
    }


def _diff(now: dict[str, float], base: dict[str, float], key: str) -> float:
    return now.get(key, 0.0) - base.get(key, 0.0)


def summarize(sim: Simulation) -> dict[str, Any]:
    """Build the summary dictionary of a (finished or stopped) run."""
    end = sim.now
    measured = max(0.0, end - sim.warmup_s)
    e2e = sim.end_to_end
    now_vals = e2e.totals_now(end)
    base = e2e.run.at_warmup
    completed = e2e.run.histogram.total
    failed = _diff(now_vals, base, "failed")
    ended = completed + failed
    end_to_end = {
        "requests": int(_diff(now_vals, base, "arrivals")),
        "completed": int(completed),
        "failed": int(failed),
        "rejected": int(_diff(now_vals, base, "rejected")),
        "timed_out": int(_diff(now_vals, base, "timed_out")),
        "error_rate": failed / ended if ended else 0.0,
        "throughput_rps": completed / measured if measured else 0.0,
        "mean_in_flight": (
            _diff(now_vals, base, "in_flight_area") / measured if measured else 0.0
        ),
        "latency_ms": latency_block(e2e.run),
    }
    components: dict[str, Any] = {}
    for sid, window in sim.station_windows.items():
        st = window.station
        vals = window.values(end)
        b = window.run.at_warmup
        done = window.run.histogram.total
        rc = st.resolved
        components[sid] = {
            "type": rc.type.key,
            "replicas": len(st.replicas),
            "concurrency": rc.concurrency,
            "mean_service_ms": rc.service.mean_ms,
            "arrivals": int(_diff(vals, b, "arrivals")),
            "completed": int(done),
            "rejected": int(_diff(vals, b, "rejected")),
            "timed_out": int(_diff(vals, b, "timed_out")),
            "failed": int(_diff(vals, b, "failed")),
            "utilization": (
                _diff(vals, b, "busy_area") / window.run.worker_seconds
                if window.run.worker_seconds else 0.0
            ),
            "mean_queue_length": _diff(vals, b, "queued_area") / measured if measured else 0.0,
            "mean_in_station": (
                (_diff(vals, b, "queued_area") + _diff(vals, b, "serving_area")) / measured
                if measured else 0.0
            ),
            "mean_in_flight": _diff(vals, b, "insys_area") / measured if measured else 0.0,
            "arrival_rate_rps": _diff(vals, b, "arrivals") / measured if measured else 0.0,
            "throughput_rps": done / measured if measured else 0.0,
            "latency_ms": latency_block(window.run),
        }
    return {
        "simulated_s": end,
        "warmup_s": sim.warmup_s,
        "seed": sim.seed,
        "wall_s": sim.wall_s,
        "end_to_end": end_to_end,
        "components": components,
    }
