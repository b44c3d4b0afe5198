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


def jackson_doc(lam: float = 600.0, *, duration_s: float = 200.0, warmup_s: float = 10.0,
                seed: int = 1) -> Document:
    """An open Jackson network: a random split, two M/M/1 stations, a cache, a database.

    Every station is non-blocking with exponential service and an unbounded
    queue, and every split is random (link weights, a cache's hit ratio), so
    each station sees a Poisson stream and the network has product form:
    each station is exactly M/M/1 at its own arrival rate.
    """
    from app.model import Routing

    def station(cid: str, mean_ms: float) -> Component:
        return Component(id=cid, type="microservice", concurrency=1, blocking=False,
                         queue_capacity=UNBOUNDED,  # type: ignore[arg-type]
                         service_time=ServiceTime("exponential", mean_ms=mean_ms))

    return Document(
        name="jackson",
        components=[
            Component(id="users", type="client",
                      workload=Workload(pattern="poisson", rate_rps=lam)),
            Component(id="lb", type="load_balancer", routing=Routing("random"),
                      concurrency=100, queue_capacity=UNBOUNDED,  # type: ignore[arg-type]
                      service_time=ServiceTime("constant", mean_ms=0.0)),
            station("x", 1.0), station("y", 2.0),
            Component(id="cache", type="cache", hit_ratio=0.75, blocking=False, concurrency=1,
                      queue_capacity=UNBOUNDED,  # type: ignore[arg-type]
                      service_time=ServiceTime("exponential", mean_ms=0.5)),
            station("db", 4.0),
        ],
        links=[Link("users", "lb"), Link("lb", "x", weight=2), Link("lb", "y", weight=1),
               Link("x", "cache"), Link("y", "cache", latency_ms=1.5), Link("cache", "db")],
        simulation=SimulationSettings(duration_s=duration_s, warmup_s=warmup_s, seed=seed),
    )
