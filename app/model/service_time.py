"""Service-time distributions: every parameter filled in, and which sets are refused.

One source of truth for what is simulated: :func:`resolved_service` fills in
each parameter a distribution uses (defaults, bounds implied by the mean) and
sets ``mean_ms`` to the exact mean of what the engine samples, which is also
what the summary reports. :func:`service_problems` refuses the parameter sets
that cannot be sampled as stated, naming the field at fault: contradictions
(a uniform from 2 to 4 ms said to have a 1 ms mean), bounds the mean puts out
of reach (a uniform's minimum above its mean), spreads a distribution cannot
have (a normal truncated at zero with a standard deviation 1,000 times its
mean) and values beyond what floating point or the engine handles.

Parameters a distribution does not use (``std_ms`` of a uniform) are kept,
so switching distributions back and forth in the GUI loses nothing, and are
ignored.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Final

from app.model.document import ServiceTime
from app.model.limits import MAX_SERVICE_MS

#: Largest standard deviation of a normal or lognormal, as a multiple of its
#: mean. A normal truncated at zero with more spread is an exponential in all
#: but name; a lognormal with more has a sample mean that converges too slowly
#: to mean anything in a run.
MAX_STD_RATIO: Final = 100.0
#: Shape ranges: (smallest, largest, smallest is excluded).
SHAPE_RANGES: Final = {"gamma": (0.01, 1e6, False), "pareto": (1.0, 1e6, True)}
DEFAULT_SHAPE: Final = {"gamma": 2.0, "pareto": 3.0}
#: Relative tolerance when a uniform's mean_ms is checked against its bounds.
_MEAN_TOLERANCE: Final = 1e-9


@dataclass(frozen=True)
class ResolvedService:
    """The service-time distribution with every parameter it uses filled in (ms).

    ``mean_ms`` is the exact mean of the distribution sampled. A uniform has
    ``min_ms`` and ``max_ms``; a normal or lognormal ``std_ms``; a gamma or
    pareto ``shape``. Parameters the distribution does not use are ``None``.
    """

    distribution: str
    mean_ms: float
    std_ms: float | None = None
    shape: float | None = None
    min_ms: float | None = None
    max_ms: float | None = None


def uniform_mean(given: ServiceTime) -> float | None:
    """The mean a uniform's own bounds imply (both given), else ``None``."""
    if given.min_ms is None or given.max_ms is None:
        return None
    return 0.5 * (given.min_ms + given.max_ms)


def resolved_service(distribution: str, given: ServiceTime, mean_ms: float,
                     shift_ms: float = 0.0) -> ResolvedService:
    """Every parameter of a service time, with ``mean_ms`` the exact mean sampled.

    Args:
        distribution: The distribution's name.
        given: The parameters the file gave (``None`` fields: not given).
        mean_ms: The mean before ``shift_ms`` (given, from a uniform's bounds,
            or from the profile).
        shift_ms: A constant added to every sample (transmission time): a
            uniform's bounds move by it, other distributions keep their shape
            parameters and get the larger mean.
    """
    if distribution == "uniform":
        low, high = _uniform_bounds(given, mean_ms)
        low, high = low + shift_ms, high + shift_ms
        return ResolvedService(distribution, 0.5 * (low + high), min_ms=low, max_ms=high)
    mean = mean_ms + shift_ms
    if distribution in ("normal", "lognormal"):
        std = given.std_ms if given.std_ms is not None else mean / 2.0
        return ResolvedService(distribution, mean, std_ms=std)
    if distribution in DEFAULT_SHAPE:
        shape = given.shape if given.shape is not None else DEFAULT_SHAPE[distribution]
        return ResolvedService(distribution, mean, shape=shape)
    return ResolvedService(distribution, mean)


def completed(service: ResolvedService) -> ResolvedService:
    """``service`` with the parameters its distribution uses filled in from defaults.

    For records built by hand; :func:`resolved_service` already fills them.
    """
    given = ServiceTime(service.distribution, service.mean_ms, service.std_ms, service.shape,
                        service.min_ms, service.max_ms)
    return resolved_service(service.distribution, given, service.mean_ms)


def _uniform_bounds(given: ServiceTime, mean: float) -> tuple[float, float]:
    if given.min_ms is not None and given.max_ms is not None:
        return given.min_ms, given.max_ms
    if given.max_ms is not None:
        return 2.0 * mean - given.max_ms, given.max_ms
    low = given.min_ms if given.min_ms is not None else 0.0
    return low, 2.0 * mean - low


def service_problems(distribution: str, given: ServiceTime, mean_ms: float,
                     mean_source: str) -> list[tuple[str, str]]:
    """Why these parameters cannot be sampled as stated, as (field, message) pairs.

    Args:
        distribution: A known distribution's name.
        given: The parameters the file gave, each already a finite number >= 0.
        mean_ms: The mean before any transmission time (see :func:`resolved_service`).
        mean_source: Where ``mean_ms`` came from when not given, for
            messages, e.g. ``"from the web_server profile"``.
    """
    problems: list[tuple[str, str]] = []
    if not 0.0 <= mean_ms <= MAX_SERVICE_MS:
        return problems  # an out-of-range mean is reported where it comes from
    source = "" if given.mean_ms is not None else f", {mean_source}"
    mean_text = f"the mean ({mean_ms:g} ms{source})"
    if distribution == "uniform":
        problems += _uniform_problems(given, mean_ms, mean_text)
    elif distribution in ("normal", "lognormal") and given.std_ms is not None:
        limit = MAX_STD_RATIO * mean_ms
        if given.std_ms > limit:
            what = "normal truncated at zero" if distribution == "normal" else "lognormal"
            problems.append(("std_ms", f"must be at most {MAX_STD_RATIO:g} times {mean_text} for a "
                                       f"{what}, got {given.std_ms:g} (for a heavier tail use "
                                       "pareto)"))
    elif distribution in SHAPE_RANGES and given.shape is not None:
        low, high, open_low = SHAPE_RANGES[distribution]
        too_low = given.shape <= low if open_low else given.shape < low
        if too_low or given.shape > high:
            lower = f"above {low:g}" if open_low else f"at least {low:g}"
            problems.append(("shape", f"must be {lower} and at most {high:g} for a "
                                      f"{distribution} distribution, got {given.shape:g}"))
    return problems


def _uniform_problems(given: ServiceTime, mean: float, mean_text: str) -> list[tuple[str, str]]:
    low, high = given.min_ms, given.max_ms
    if low is not None and high is not None:
        middle = 0.5 * (low + high)
        if given.mean_ms is not None and not math.isclose(given.mean_ms, middle,
                                                          rel_tol=_MEAN_TOLERANCE,
                                                          abs_tol=1e-12):
            return [("mean_ms", f"a uniform from {low:g} to {high:g} ms has a mean of "
                                f"{middle:g} ms, got {given.mean_ms:g}: set mean_ms to "
                                f"{middle:g} or leave it out")]
        return []
    if high is not None:
        if high < mean:
            return [("max_ms", f"must be at least {mean_text}, got {high:g}")]
        if high > 2.0 * mean:
            return [("max_ms", f"must be at most twice {mean_text}, got {high:g}: the "
                               "minimum would be below 0 (give min_ms too)")]
    if low is not None and low > mean:
        return [("min_ms", f"must be at most {mean_text}, got {low:g}")]
    return []
