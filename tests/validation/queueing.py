"""Documents that are exactly the textbook queues (closed forms: app.analysis.queueing)."""

from __future__ import annotations

from app.model import (
    UNBOUNDED,
    Component,
    Document,
    Link,
    ServiceTime,
    SimulationSettings,
    Workload,
)


def queue_doc(
    rate_rps: float,
    mean_ms: float,
    servers: int,
    *,
    distribution: str = "exponential",
    capacity: int | str = UNBOUNDED,
    duration_s: float = 200.0,
    warmup_s: float = 10.0,
    seed: int = 1,
) -> Document:
    """A client feeding one explicit queue: the textbook model written directly."""
    return Document(
        name="queue",
        components=[
            Component(id="users", type="client",
                      workload=Workload(pattern="poisson", rate_rps=rate_rps)),
            Component(id="q", type="microservice", concurrency=servers,
                      queue_capacity=capacity,  # type: ignore[arg-type]
                      service_time=ServiceTime(distribution, mean_ms=mean_ms)),
        ],
        links=[Link("users", "q")],
        simulation=SimulationSettings(duration_s=duration_s, warmup_s=warmup_s, seed=seed),
    )
