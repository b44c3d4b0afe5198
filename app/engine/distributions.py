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
from array import array
from collections.abc import Callable
from itertools import chain

import numpy as np

from app.model.service_time import ResolvedService, completed

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

    def sampler(self, name: str, draw: Draw) -> Sampler:
        """A :func:`BlockSampler` over stream ``name``, its generator made at the first draw.

        A generator costs ~16 us to make, and many streams are never drawn
        from (a cache's coin with every call taken, a balancer's routing
        draws under round robin, a client's keys without consistent hashing):
        480 streams were 8 ms of building a 200-component mesh. A stream is a
        function of (seed, name) alone, so when it is made changes no draw.
        """
        return BlockSampler(lambda: self.generator(name), draw)


#: A stream of variates: each call returns the next one.
Sampler = Callable[[], float]


def BlockSampler(rng: np.random.Generator | Callable[[], np.random.Generator],
                 draw: Draw) -> Sampler:
    """Calls ``draw(rng, n)`` for blocks of variates; the returned callable gives one per call.

    ``rng`` may be a function that makes the generator, called at the first
    block (:meth:`RandomStreams.sampler`).

    The callable is the ``__next__`` of an iterator that runs in C:
    ``chain.from_iterable`` over ``iter(next_block, None)``, which asks for
    the next block of :data:`BLOCK_SIZE` only when the previous one is used
    up, exactly when a Python-level index past the end did before, so the
    sequence (and every draw from ``rng``) is unchanged. It costs about a
    third of a Python ``__call__`` per variate (docs/benchmarks.md, "#14 engine").
    """

    made: list[np.random.Generator] = [rng] if isinstance(rng, np.random.Generator) else []

    def next_block() -> array[float]:
        if not made:
            made.append(rng())  # type: ignore[operator]  # the factory, on the first block
        return array("d", np.asarray(draw(made[0], BLOCK_SIZE), dtype=np.float64).tobytes())

    return chain.from_iterable(iter(next_block, None)).__next__


#: Rounds of vectorised rejection before a block gives up (each round accepts
#: at least half the proposals, so the fallback is never reached in practice).
_MAX_ROUNDS = 64
_SQRT2 = math.sqrt(2.0)
_SQRT2PI = math.sqrt(2.0 * math.pi)


def _hazard(z: float) -> float:
    """phi(z) / Phi(z) for the standard normal: the inverse Mills ratio at -z.

    Direct below |z| = 30; further into the lower tail both terms underflow,
    so a continued fraction for Mills' ratio R(t) = Phi(-t) / phi(t) is used.
    """
    if z >= -30.0:
        return math.exp(-0.5 * z * z) / _SQRT2PI / (0.5 * math.erfc(-z / _SQRT2))
    t = -z
    fraction = t
    for k in range(60, 0, -1):
        fraction = t + k / fraction
    return fraction  # 1 / R(t)


def truncated_normal_location(mean: float, std: float) -> float:
    """The location mu whose normal(mu, std), truncated below at zero, has mean ``mean``.

    In units of ``std`` the truncated mean is ``z + hazard(z)``, increasing
    from 0 (far below zero) to ``z`` (far above), so every positive mean has
    one location; bisection finds it. ``z + hazard(z) < 1/|z|`` below zero
    brackets it from under, ``z = mean/std`` from above.
    """
    ratio = mean / std
    if ratio > 38.0:
        return mean  # the truncation moves the mean by less than phi(38)
    if not ratio >= 1e-6:  # the model refuses std_ms over 100 x mean_ms long before
        raise ValueError(f"normal service time: std {std!r} is out of range for mean {mean!r}")
    lo, hi = -2.0 / ratio, ratio
    for _ in range(200):
        mid = 0.5 * (lo + hi)
        if mid + _hazard(mid) < ratio:
            lo = mid
        else:
            hi = mid
        if hi - lo <= 1e-15 * max(1.0, abs(mid)):
            break
    return 0.5 * (lo + hi) * std


def _truncated_normal(mean: float, std: float) -> Draw:
    # A service time cannot be negative: a normal truncated at zero, located so
    # that its mean is the requested one. Far below zero (std several times the
    # mean) plain rejection would accept one draw in millions, so the tail is
    # sampled by Robert's exponential proposal (acceptance above 1/2 for every
    # truncation point); either way the rounds are bounded.
    loc = truncated_normal_location(mean, std)
    alpha = -loc / std  # the truncation point in standard units
    if alpha <= 0.0:
        def propose(rng: np.random.Generator, n: int) -> np.ndarray:
            z = rng.standard_normal(n)
            return z[z >= alpha]
    else:
        rate = 0.5 * (alpha + math.sqrt(alpha * alpha + 4.0))

        def propose(rng: np.random.Generator, n: int) -> np.ndarray:
            z = alpha + rng.exponential(1.0 / rate, n)
            return z[rng.random(n) <= np.exp(-0.5 * (z - rate) ** 2)]

    def draw(rng: np.random.Generator, n: int) -> np.ndarray:
        parts: list[np.ndarray] = []
        got = 0
        for _ in range(_MAX_ROUNDS):
            accepted = propose(rng, 2 * (n - got) + 16)
            parts.append(accepted)
            got += len(accepted)
            if got >= n:
                break
        z = np.concatenate(parts)[:n]
        if len(z) < n:  # probability below 2**-64: fill with the mean, never loop on
            z = np.concatenate([z, np.full(n - len(z), (mean - loc) / std)])
        return np.maximum(loc + std * z, 0.0)

    return draw


def service_draw(service: ResolvedService, scale: float = 1e-3) -> Draw:
    """The block-drawing function for a service-time distribution.

    Values come out multiplied by ``scale`` (ms to simulated seconds by
    default). The parameters must have passed the model's checks
    (:func:`app.model.service_time.service_problems`); missing ones take the
    model's defaults. The sample mean is ``service.mean_ms`` for every
    distribution.
    """
    service = completed(service)
    mean = service.mean_ms * scale
    dist = service.distribution
    if dist == "constant" or mean <= 0.0:
        return lambda rng, n: np.full(n, mean)
    if dist == "exponential":
        return lambda rng, n: rng.exponential(mean, n)
    if dist == "uniform":
        assert service.min_ms is not None and service.max_ms is not None
        low, high = service.min_ms * scale, service.max_ms * scale
        return lambda rng, n: rng.uniform(low, high, n)
    if dist in ("normal", "lognormal"):
        assert service.std_ms is not None
        std = service.std_ms * scale
        if std <= 0.0:
            return lambda rng, n: np.full(n, mean)
        if dist == "normal":
            return _truncated_normal(mean, std)
        sigma2 = math.log1p((std / mean) ** 2)
        mu = math.log(mean) - sigma2 / 2.0
        sigma = math.sqrt(sigma2)
        return lambda rng, n: rng.lognormal(mu, sigma, n)
    assert service.shape is not None
    if dist == "gamma":
        k = service.shape
        return lambda rng, n: rng.gamma(k, mean / k, n)
    if dist == "pareto":
        alpha = service.shape
        # Classic Pareto with minimum xm has mean alpha*xm/(alpha-1); numpy's
        # pareto() is the Lomax form, so 1 + X is Pareto with xm = 1.
        xm = mean * (alpha - 1.0) / alpha
        return lambda rng, n: xm * (1.0 + rng.pareto(alpha, n))
    raise ValueError(f"unknown service-time distribution {dist!r}")


def exponential_draw(mean: float) -> Draw:
    """Exponential variates with the given mean."""
    return lambda rng, n: rng.exponential(mean, n)


def uniform01_draw() -> Draw:
    """Uniform variates on [0, 1)."""
    return lambda rng, n: rng.random(n)
