"""Random variates drawn from numpy in blocks, served one at a time.

Drawing one numpy variate at a time costs about a microsecond; drawing 4096 at
once and handing them out of a Python list costs a few tens of nanoseconds
each. Every stream has its own generator derived from the run's seed and the
stream's name, so adding a component does not shift the numbers any other
component sees, and the same seed always gives the same run.
"""

from __future__ import annotations

import math
import zlib
from collections.abc import Callable

import numpy as np

from app.model.resolve import ResolvedService

BLOCK_SIZE = 4096

Draw = Callable[[np.random.Generator, int], np.ndarray]


class RandomStreams:
    """Independent, reproducible generators named by purpose."""

    def __init__(self, seed: int) -> None:
        self.seed = seed

    def generator(self, name: str) -> np.random.Generator:
        """A generator for ``name``; the same (seed, name) always gives the same stream."""
        key = zlib.crc32(name.encode("utf-8"))
        seq = np.random.SeedSequence(self.seed, spawn_key=(key,))
        return np.random.Generator(np.random.PCG64(seq))


class BlockSampler:
    """Calls ``draw(rng, n)`` for blocks of variates and returns them one per call."""

    __slots__ = ("_buf", "_draw", "_i", "_rng")

    def __init__(self, rng: np.random.Generator, draw: Draw) -> None:
        self._rng = rng
        self._draw = draw
        self._buf: list[float] = []
        self._i = 0

    def __call__(self) -> float:
        i = self._i
        if i >= len(self._buf):
            self._buf = self._draw(self._rng, BLOCK_SIZE).tolist()
            i = 0
        self._i = i + 1
        return self._buf[i]


def _truncated_normal_mean(mu: float, sigma: float) -> float:
    """Mean of a normal(mu, sigma) truncated below at zero."""
    z = mu / sigma
    pdf = math.exp(-0.5 * z * z) / math.sqrt(2.0 * math.pi)
    cdf = 0.5 * (1.0 + math.erf(z / math.sqrt(2.0)))
    return mu + sigma * pdf / cdf if cdf > 0.0 else 0.0


def _truncated_normal(mean: float, std: float) -> Draw:
    # Truncating at zero raises the mean (by ~3 % at std = mean/2), so pick the
    # underlying location whose truncated mean is the requested one (bisection:
    # the truncated mean grows monotonically with the location).
    lo, hi = mean - 20.0 * std, mean
    for _ in range(100):
        mid = 0.5 * (lo + hi)
        if _truncated_normal_mean(mid, std) < mean:
            lo = mid
        else:
            hi = mid
    loc = 0.5 * (lo + hi)

    def draw(rng: np.random.Generator, n: int) -> np.ndarray:
        out = rng.normal(loc, std, n)
        bad = out < 0.0
        # A service time cannot be negative: redraw the negatives.
        while bad.any():
            out[bad] = rng.normal(loc, std, int(bad.sum()))
            bad = out < 0.0
        return out

    return draw


def service_draw(service: ResolvedService, scale: float = 1e-3) -> Draw:
    """The block-drawing function for a service-time distribution.

    Values come out multiplied by ``scale`` (ms to simulated seconds by default).
    """
    mean = service.mean_ms * scale
    dist = service.distribution
    if dist == "constant" or mean <= 0.0:
        return lambda rng, n: np.full(n, mean)
    if dist == "exponential":
        return lambda rng, n: rng.exponential(mean, n)
    if dist == "uniform":
        lo_ms, hi_ms = uniform_bounds(service)
        return lambda rng, n: rng.uniform(lo_ms * scale, hi_ms * scale, n)
    std = (service.std_ms if service.std_ms is not None else service.mean_ms / 2.0) * scale
    if dist == "normal":
        return _truncated_normal(mean, std)
    if dist == "lognormal":
        sigma2 = math.log1p((std / mean) ** 2)
        mu = math.log(mean) - sigma2 / 2.0
        sigma = math.sqrt(sigma2)
        return lambda rng, n: rng.lognormal(mu, sigma, n)
    if dist == "gamma":
        k = service.shape if service.shape is not None else 2.0
        return lambda rng, n: rng.gamma(k, mean / k, n)
    if dist == "pareto":
        alpha = service.shape if service.shape is not None else 3.0
        # Classic Pareto with minimum xm has mean alpha*xm/(alpha-1); numpy's
        # pareto() is the Lomax form, so 1 + X is Pareto with xm = 1.
        xm = mean * (alpha - 1.0) / alpha
        return lambda rng, n: xm * (1.0 + rng.pareto(alpha, n))
    raise ValueError(f"unknown service-time distribution {dist!r}")


def uniform_bounds(service: ResolvedService) -> tuple[float, float]:
    """(min, max) in ms of a uniform service time, keeping the mean when one bound is missing."""
    mean = service.mean_ms
    if service.min_ms is not None and service.max_ms is not None:
        return service.min_ms, service.max_ms
    if service.max_ms is not None:
        return max(0.0, 2.0 * mean - service.max_ms), service.max_ms
    lo = service.min_ms if service.min_ms is not None else 0.0
    return lo, 2.0 * mean - lo


def exponential_draw(mean: float) -> Draw:
    """Exponential variates with the given mean."""
    return lambda rng, n: rng.exponential(mean, n)


def uniform01_draw() -> Draw:
    """Uniform variates on [0, 1)."""
    return lambda rng, n: rng.random(n)
