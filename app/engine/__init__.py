"""The discrete-event engine (SimPy + numpy, never Qt).

``Simulation`` builds a run from a :class:`app.model.Document` and advances
it one window at a time, returning immutable :class:`Snapshot` records;
``summary()`` gives the run as a whole with 95 % confidence intervals.
"""

from app.engine.simulation import Simulation, estimate_requests
from app.engine.snapshot import END_TO_END, METRIC_NAMES, Snapshot, WindowMetrics

__all__ = [
    "END_TO_END",
    "METRIC_NAMES",
    "Simulation",
    "Snapshot",
    "WindowMetrics",
    "estimate_requests",
]
