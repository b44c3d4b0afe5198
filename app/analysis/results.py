"""The analytic model's results: frozen records, and their ``summary.json`` form."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class ComponentPrediction:
    """The analytic figures of one station (clients are not stations).

    Attributes:
        arrival_rps: Offered arrivals per second (``None``: unbounded, an endless cycle).
        replicas, servers: Replicas, and workers over all of them (replicas x concurrency).
        service_ms: Mean service time (what the engine samples).
        holding_ms: Mean time a worker is held: service, plus the mean downstream
            response for a blocking component (``None`` when that is unbounded).
        offered_utilization: rho = arrival x holding / servers (may exceed 1).
        utilization: Predicted worker occupancy, as the run measures it: rho, or
            the carried load when a finite queue loses requests (<= 1).
        mean_queue: Mean number waiting, over all replicas.
        mean_latency_ms: Mean of the component's own latency (wait + service, as
            the run reports it); ``None`` when there is no steady state.
        response_ms: Mean time from arrival to reply (latency + downstream calls).
        blocking_probability: Share of arrivals refused by a full queue.
        model: The queue used: ``"M/M/c"``, ``"M/G/c Allen-Cunneen"``, ``"M/M/c/K"``,
            ``"broker consumer"`` or ``"pass-through"``.
        exact: True when the figures are exact for the engine's model.
        saturated: Offered utilization >= 1 (for a broker's consumer: of its prefetch slots).
        notes: What is approximated or not modelled here.
    """

    arrival_rps: float | None
    replicas: int
    servers: int
    service_ms: float
    holding_ms: float | None
    offered_utilization: float | None
    utilization: float | None
    mean_queue: float | None
    mean_latency_ms: float | None
    response_ms: float | None
    blocking_probability: float
    model: str
    exact: bool
    saturated: bool
    notes: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class ClientPrediction:
    """End-to-end figures of one client's requests."""

    rate_rps: float
    mean_latency_ms: float | None
    exact: bool


@dataclass(frozen=True, slots=True)
class AnalyticResult:
    """What :func:`analyze` predicts for a design at one load.

    Attributes:
        load_factor: The multiple of the design's workloads analysed.
        offered_rps: Total client rate at that load (req/s).
        components: Per station id, in document order.
        clients: Per client id: its rate and end-to-end mean latency.
        end_to_end_ms: Request-weighted mean end-to-end latency over all clients
            (``None`` when any client's is unbounded or no client sends).
        end_to_end_exact: True when every client's figure is exact.
        saturation_rps: Total offered rate at which the first station reaches
            rho = 1 (``None``: nothing ever saturates, e.g. no traffic).
        saturates_first: That station.
        bottleneck: The station with the largest service demand per request
            (visits x mean service / servers).
        endless: Members of an async cycle whose traffic never dies out.
    """

    load_factor: float
    offered_rps: float
    components: Mapping[str, ComponentPrediction]
    clients: Mapping[str, ClientPrediction]
    end_to_end_ms: float | None
    end_to_end_exact: bool
    saturation_rps: float | None
    saturates_first: str | None
    bottleneck: str | None
    endless: tuple[str, ...]

    def to_summary(self) -> dict[str, Any]:
        """The ``analytic`` object of ``summary.json``: plain JSON, ``None`` for any non-finite."""
        comps = {
            cid: {
                "arrival_rps": _finite(p.arrival_rps),
                "servers": p.servers,
                "service_ms": _finite(p.service_ms),
                "utilization": _finite(p.utilization),
                "offered_utilization": _finite(p.offered_utilization),
                "mean_queue": _finite(p.mean_queue),
                "mean_latency_ms": _finite(p.mean_latency_ms),
                "response_ms": _finite(p.response_ms),
                "blocking_probability": _finite(p.blocking_probability),
                "model": p.model,
                "exact": p.exact,
                "saturated": p.saturated,
                "notes": list(p.notes),
            }
            for cid, p in self.components.items()
        }
        clients = {
            cid: {"rate_rps": _finite(c.rate_rps), "mean_latency_ms": _finite(c.mean_latency_ms),
                  "exact": c.exact}
            for cid, c in self.clients.items()
        }
        return {
            "load_factor": self.load_factor,
            "components": comps,
            "end_to_end": {
                "offered_rps": _finite(self.offered_rps),
                "mean_latency_ms": _finite(self.end_to_end_ms),
                "exact": self.end_to_end_exact,
                "clients": clients,
            },
            "saturation_rps": _finite(self.saturation_rps),
            "saturates_first": self.saturates_first,
            "bottleneck": self.bottleneck,
            "endless_cycle": list(self.endless),
        }


def _finite(value: float | None) -> float | None:
    if value is None or not math.isfinite(value):
        return None
    return float(value)


