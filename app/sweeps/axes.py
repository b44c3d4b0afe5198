"""Sweep axes: ``key=100:2000:100`` or ``key=a,b,c``, and the grid of points they span.

An axis is an override key (see :mod:`app.engine.overrides`: ``users.rate_rps``,
``web.replicas``, ``lb->web.timeout_ms``, ``db.profile``) and its values:

* ``start:stop:step`` -- an arithmetic range that *includes* ``stop`` when a
  step lands on it (``100:2000:100`` is 20 values); integers stay integers;
* ``a,b,c`` -- a list (numbers, or names such as profiles);
* ``a`` -- one value.

Several axes make a grid (every combination, the first axis varying slowest).
Ranges are computed as ``start + i * step`` and rounded to 12 significant
digits, so ``0.1:0.3:0.1`` is ``0.1, 0.2, 0.3``, not ``0.30000000000000004``.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

#: At most this many values on one axis and points in one sweep: a typo such as
#: ``1:1e9:1`` gets a message, not an hour of work and a full disk.
MAX_AXIS_VALUES: Final = 10_000
MAX_POINTS: Final = 10_000

Value = int | float | str


class AxisError(ValueError):
    """A ``--set`` argument that is not ``key=values`` in one of the accepted forms."""


@dataclass(frozen=True, slots=True)
class Axis:
    """One swept parameter: an override key and its values, in order."""

    key: str
    values: tuple[Value, ...]

    @property
    def numeric(self) -> bool:
        """Whether every value is a number (a plot can use it as an x axis)."""
        return all(isinstance(v, int | float) for v in self.values)


@dataclass(frozen=True, slots=True)
class Point:
    """One point of a sweep: its index and the value of each axis."""

    index: int
    overrides: tuple[tuple[str, Value], ...]

    def value(self, key: str) -> Value:
        """This point's value of the axis ``key``."""
        for k, v in self.overrides:
            if k == key:
                return v
        raise KeyError(key)


def parse_axis(text: str) -> Axis:
    """The axis of one ``--set`` argument.

    Raises:
        AxisError: not ``key=values``, a bad number, a step of zero or the
            wrong sign, or too many values (the message says which).
    """
    key, sep, spec = text.partition("=")
    key, spec = key.strip(), spec.strip()
    if not sep or not key or not spec:
        raise AxisError(f"{_short(text)}: expected KEY=VALUES, e.g. users.rate_rps=100:2000:100")
    if "." not in key:
        raise AxisError(f"{_short(key)}: the key is COMPONENT.FIELD, e.g. web.replicas")
    if ":" in spec:
        values = _range(key, spec)
    else:
        values = tuple(_value(part.strip()) for part in spec.split(","))
        if any(v == "" for v in values):
            raise AxisError(f"{_short(key)}: an empty value in {_short(spec)}")
        if len(values) > MAX_AXIS_VALUES:
            raise AxisError(f"{_short(key)}: more than {MAX_AXIS_VALUES:,} values")
    return Axis(key, values)


def grid(axes: Sequence[Axis]) -> list[Point]:
    """Every combination of the axes' values, the first axis varying slowest.

    Raises:
        AxisError: Two axes share a key, or the grid has too many points.
    """
    keys = [a.key for a in axes]
    for key in keys:
        if keys.count(key) > 1:
            raise AxisError(f"{_short(key)} is swept twice")
    total = math.prod(len(a.values) for a in axes) if axes else 1
    if total > MAX_POINTS:
        raise AxisError(f"the sweep has {total:,} points; at most {MAX_POINTS:,}")
    combos = itertools.product(*(a.values for a in axes))
    return [Point(i, tuple(zip(keys, combo, strict=True))) for i, combo in enumerate(combos)]


def _range(key: str, spec: str) -> tuple[Value, ...]:
    parts = [p.strip() for p in spec.split(":")]
    if len(parts) != 3:
        raise AxisError(f"{_short(key)}: a range is START:STOP:STEP, got {_short(spec)}")
    nums = [_number(key, p) for p in parts]
    start, stop, step = nums
    if step == 0 or (stop - start) * step < 0:
        raise AxisError(f"{_short(key)}: the step {parts[2]} never gets from {parts[0]} "
                        f"to {parts[1]}")
    try:
        span = (stop - start) / step * (1 + 1e-12) + 1e-9
    except OverflowError:  # integers beyond a float's range
        span = math.inf
    # An infinite span (1e-320 steps, 1e308 ends) must not reach math.floor.
    if not span < MAX_AXIS_VALUES:
        raise AxisError(f"{_short(key)}: {_short(spec)} has more than {MAX_AXIS_VALUES:,} "
                        f"values")
    count = math.floor(span) + 1
    if all(isinstance(n, int) for n in nums):
        return tuple(int(start + i * step) for i in range(count))
    return tuple(float(f"{start + i * step:.12g}") for i in range(count))


def _number(key: str, text: str) -> int | float:
    value = _value(text)
    if isinstance(value, str):
        raise AxisError(f"{_short(key)}: {_short(text)} is not a number")
    return value


def _value(text: str) -> Value:
    try:
        return int(text)
    except ValueError:
        pass
    try:
        number = float(text)
    except ValueError:
        return text
    if not math.isfinite(number):
        raise AxisError(f"{_short(text)} is not a finite number")
    return number


def _short(text: str) -> str:
    """``text`` quoted and cut to a length a message can show."""
    return repr(text if len(text) <= 60 else text[:57] + "...")
