"""Small designs built in code for the engine's unit tests."""

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


def client(rate: float = 100.0, pattern: str = "poisson", **fields: object) -> Component:
    """A client named ``users``."""
    return Component(id="users", type="client",
                     workload=Workload(pattern, rate_rps=rate, **fields))  # type: ignore[arg-type]


def server(cid: str, mean_ms: float = 1.0, servers: int = 4, *, dist: str = "exponential",
           blocking: bool = True, **fields: object) -> Component:
    """An explicit queue (its type does not matter once concurrency and service are given)."""
    return Component(
        id=cid, type="api_server", concurrency=servers, queue_capacity=UNBOUNDED,
        service_time=ServiceTime(dist, mean_ms=mean_ms), blocking=blocking,
        **fields,  # type: ignore[arg-type]
    )


def design(components: list[Component], links: list[tuple[str, str] | Link], *,
           duration: float = 10.0, warmup: float = 0.0, seed: int = 1) -> Document:
    """A document from components and (source, target) pairs or links."""
    return Document(
        name="test",
        components=components,
        links=[lk if isinstance(lk, Link) else Link(*lk) for lk in links],
        simulation=SimulationSettings(duration_s=duration, warmup_s=warmup, seed=seed),
    )
