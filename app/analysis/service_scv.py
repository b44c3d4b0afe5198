"""Variability of each service-time distribution: its squared coefficient of variation.

SCV = variance / mean². The Allen–Cunneen approximation of a multi-server
queue scales the M/M/c wait by (ca² + cs²) / 2, so cs² is all it needs from
a distribution. Every value is of exactly what the engine samples
(:func:`app.engine.distributions.service_draw` for the record
:func:`app.model.service_time.resolved_service` fills in):

============  ==============================================================
constant      0
exponential   1
uniform       (max - min)² / (3 (max + min)²)
normal        truncated at zero: sigma² (1 - z h - h²) / mean², with z the
              location over sigma and h = (mean - location) / sigma (the
              inverse Mills ratio); (std/mean)² when the truncation is negligible
lognormal     (std / mean)²
gamma         1 / shape
pareto        1 / (alpha (alpha - 2)) for alpha > 2; infinite for alpha <= 2
============  ==============================================================
"""

from __future__ import annotations

import math

from app.engine.distributions import truncated_normal_location
from app.model.service_time import ResolvedService


def service_scv(service: ResolvedService) -> float:
    """The squared coefficient of variation of ``service`` (``inf``: Pareto, alpha <= 2)."""
    mean = service.mean_ms
    dist = service.distribution
    if mean <= 0.0 or dist == "constant":
        return 0.0
    if dist == "exponential":
        return 1.0
    if dist == "uniform":
        low = service.min_ms if service.min_ms is not None else 0.0
        high = service.max_ms if service.max_ms is not None else 2.0 * mean
        return (high - low) ** 2 / (3.0 * (high + low) ** 2)
    if dist in ("normal", "lognormal"):
        std = service.std_ms if service.std_ms is not None else mean / 2.0
        if std <= 0.0:
            return 0.0
        if dist == "lognormal":
            return (std / mean) ** 2
        location = truncated_normal_location(mean, std)
        z = location / std
        h = (mean - location) / std  # truncated mean = location + std x h
        variance = std * std * max(0.0, 1.0 - z * h - h * h)
        return variance / (mean * mean)
    if dist == "gamma":
        shape = service.shape if service.shape is not None else 2.0
        return 1.0 / shape
    if dist == "pareto":
        alpha = service.shape if service.shape is not None else 3.0
        return 1.0 / (alpha * (alpha - 2.0)) if alpha > 2.0 else math.inf
    raise ValueError(f"unknown service-time distribution {dist!r}")
