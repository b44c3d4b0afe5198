"""The discrete-event engine (SimPy + numpy, never Qt).

``Simulation`` builds a run from a :class:`app.model.Document` and advances
it one window at a time, returning immutable :class:`Snapshot` records;
``summary()`` gives the run as a whole with 95 % confidence intervals.

The names below load on first use (PEP 562): the GUI imports
``app.engine.snapshot`` at start-up, and importing the package must not pull
in SimPy and the whole engine before the first window shows.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from app.engine.simulation import Simulation, estimate_requests
    from app.engine.snapshot import END_TO_END, METRIC_NAMES, Snapshot, WindowMetrics

#: Public name -> the module that defines it.
_EXPORTS = {
    "Simulation": "app.engine.simulation",
    "estimate_requests": "app.engine.simulation",
    "END_TO_END": "app.engine.snapshot",
    "METRIC_NAMES": "app.engine.snapshot",
    "Snapshot": "app.engine.snapshot",
    "WindowMetrics": "app.engine.snapshot",
}

__all__ = [
    "END_TO_END",
    "METRIC_NAMES",
    "Simulation",
    "Snapshot",
    "WindowMetrics",
    "estimate_requests",
]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(import_module(module), name)
