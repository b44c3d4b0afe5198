"""Replication seeds: independent streams derived from the design's one seed.

Replication ``k`` of a run with seed ``s`` uses the first 64 bits of
``numpy.random.SeedSequence(s, spawn_key=(k,))`` -- exactly the ``k``-th
child of ``SeedSequence(s).spawn(n)``. SeedSequence mixes the entropy and the
spawn key with a hash designed so that children are independent streams,
which is what an across-replication confidence interval assumes. The engine
then derives its per-purpose generators from that integer the same way
(:class:`app.engine.distributions.RandomStreams`).
"""

from __future__ import annotations

import numpy as np


def replication_seed(seed: int, k: int) -> int:
    """The seed of replication ``k`` (0-based) of a run whose seed is ``seed``.

    Raises:
        ValueError: ``seed`` or ``k`` is negative.
    """
    if seed < 0 or k < 0:
        raise ValueError("seeds and replication numbers are non-negative")
    low, high = np.random.SeedSequence(seed, spawn_key=(k,)).generate_state(2, np.uint32)
    return int(low) | (int(high) << 32)


def replication_seeds(seed: int, n: int) -> list[int]:
    """The seeds of replications ``0 .. n-1`` of a run whose seed is ``seed``."""
    return [replication_seed(seed, k) for k in range(n)]
