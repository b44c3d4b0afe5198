"""Closed forms of queueing theory, and documents that are exactly those queues."""

from __future__ import annotations

import math

from app.model import (
    UNBOUNDED,
    Component,
    Document,
    Link,
    ServiceTime,
    SimulationSettings,
    Workload,
)


def erlang_b(c: int, a: float) -> float:
    """Blocking probability of M/M/c/c with offered load ``a`` = lambda/mu (recursive form)."""
    b = 1.0
    for k in range(1, c + 1):
        b = a * b / (k + a * b)
    return b


def erlang_c(c: int, a: float) -> float:
    """Probability of waiting in M/M/c with offered load ``a`` (< c)."""
    b = erlang_b(c, a)
    rho = a / c
    return b / (1.0 - rho + rho * b)


def mmc_mean_response(lam: float, mu: float, c: int) -> float:
    """Mean time in system of M/M/c (seconds, rates per second)."""
    a = lam / mu
    return erlang_c(c, a) / (c * mu - lam) + 1.0 / mu


def mm1k_blocking(rho: float, k: int) -> float:
    """Blocking probability of M/M/1/K, K = places in the system (1 in service + K-1 waiting)."""
    if abs(rho - 1.0) < 1e-12:
        return 1.0 / (k + 1)
    return (1.0 - rho) * rho**k / (1.0 - rho ** (k + 1))


def md1_mean_response(lam: float, service_s: float) -> float:
    """Pollaczek–Khinchine for deterministic service: W = s + lambda s^2 / (2 (1 - rho))."""
    rho = lam * service_s
    return service_s + lam * service_s**2 / (2.0 * (1.0 - rho))


def mm1_response_quantile(lam: float, mu: float, q: float) -> float:
    """The q-quantile of M/M/1 time in system: exponential with rate mu - lambda."""
    return -math.log(1.0 - q) / (mu - lam)


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
