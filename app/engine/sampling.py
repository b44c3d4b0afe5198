"""Variate blocks that start small and grow, so idle components cost little memory.

:class:`app.engine.distributions.BlockSampler` asks its draw function for
4096 variates at a time: ~130 KB of Python floats per stream. A design with
20,000 components, most of them serving a handful of requests, would hold
gigabytes of variates it never uses. :func:`growing` wraps a draw so its
blocks go 16, 32, 64 ... up to what the sampler asks for: a busy stream
reaches full blocks after a few hundred variates.
"""

from __future__ import annotations

import numpy as np

from app.engine.distributions import Draw

FIRST_BLOCK = 16


def growing(draw: Draw) -> Draw:
    """``draw`` with blocks that double from :data:`FIRST_BLOCK` up to the size asked for."""
    size = [FIRST_BLOCK]

    def grown(rng: np.random.Generator, n: int) -> np.ndarray:
        k = min(n, size[0])
        size[0] = k * 2
        return draw(rng, k)

    return grown
