"""The run-time guard: a cheap check between slices that stops a runaway run.

The budget (:mod:`app.engine.budget`) refuses what it can foresee; this
catches what gets past it. Between slices the engine sums the stations'
visit counters, reads how many engine events it has made (every event on
the queue, and each target a health check looks at: health checks, crashes
and breaker timers make events but no visit) and its resident memory; past
the ``--max-work`` budget, far past the estimate, or past a memory limit,
the run stops with one line saying why, and what was simulated so far is
kept. A slice is itself cut into chunks of a bounded number of events when
the event rate is high (:mod:`app.engine.simulation`), so the guard and Stop
are looked at often whatever the design.
"""

from __future__ import annotations

import math
import os
import sys
from typing import TYPE_CHECKING, Final

from app.engine.budget import FLAG_MAX_WORK, WINDOW_CELL_WORK, WorkEstimate

if TYPE_CHECKING:
    from app.engine.simulation import Simulation

#: The run-time guard stops a run whose visits exceed this multiple of the
#: estimate (plus :data:`GUARD_SLACK_VISITS`): the estimate was wrong.
GUARD_ESTIMATE_FACTOR: Final = 10.0
GUARD_SLACK_VISITS: Final = 100_000
#: Engine events one station visit makes at most, as designs go (arrival, service,
#: link hops, a timeout timer, a backoff; the templates make 3.3-3.9).
EVENTS_PER_VISIT: Final = 8.0
#: Engine events allowed beyond the estimate's multiple (small runs, window hooks).
GUARD_SLACK_EVENTS: Final = 1_000_000
#: Resident memory a run may add, at most (and at most half the machine's memory).
MAX_MEMORY_GROWTH_BYTES: Final = 2 * 1024**3


try:
    _PAGE_SIZE = os.sysconf("SC_PAGE_SIZE")
except (ValueError, OSError, AttributeError):  # no sysconf: resident_bytes falls back
    _PAGE_SIZE = 0


def resident_bytes() -> int | None:
    """This process's resident memory in bytes (``None`` where it cannot be read cheaply)."""
    try:
        # os.open/read, not pathlib: this runs at every slice (~8 a window), and
        # Path(...).read_bytes() cost ~20 us of path parsing and a file object;
        # the descriptor is not kept, as /proc/self must be resolved after a fork.
        fd = os.open("/proc/self/statm", os.O_RDONLY)
        try:
            statm = os.read(fd, 256)
        finally:
            os.close(fd)
        return int(statm.split()[1]) * _PAGE_SIZE
    except (OSError, ValueError, IndexError, AttributeError):
        pass
    try:
        import resource
    except ImportError:
        return None
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak if sys.platform == "darwin" else peak * 1024  # macOS: bytes; else KiB


def _size(n_bytes: int) -> str:
    if n_bytes >= 1024**3:
        return f"{n_bytes / 1024**3:.1f} GB"
    return f"{n_bytes / 1024**2:.1f} MB"


def memory_growth_limit() -> int:
    """Memory a run may add: :data:`MAX_MEMORY_GROWTH_BYTES`, at most half the machine's."""
    try:
        physical = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):
        return MAX_MEMORY_GROWTH_BYTES
    return int(min(MAX_MEMORY_GROWTH_BYTES, physical // 2))


class RunGuard:
    """Stops a run that gets past its estimate, its budget or its memory.

    The engine calls :meth:`check` between slices (a few times per window):
    it sums the stations' visit counters and reads the resident memory, both
    cheap. A trip returns one line; the engine then stops the run, so the
    results so far are kept.

    Args:
        max_visits: Station visits allowed (``inf``: no limit).
        max_work: Work units allowed, visits, component-windows and engine
            events no visit explains, so far (``None``: no limit).
        memory_growth: Resident bytes the run may add (``None``: unchecked).
        max_events: Engine events allowed (``inf``: no limit); see
            :attr:`app.engine.simulation.Simulation.engine_work`.
    """

    def __init__(
        self,
        max_visits: float = math.inf,
        max_work: float | None = None,
        memory_growth: int | None = None,
        max_events: float = math.inf,
    ) -> None:
        self.max_visits = max_visits
        self.max_events = max_events
        self.max_work = max_work
        self.memory_growth = memory_growth
        start = resident_bytes() if memory_growth is not None else None
        self._memory_limit = start + memory_growth if start is not None and memory_growth else None

    @classmethod
    def for_run(
        cls, estimate: WorkEstimate | None, max_work: float | None = None
    ) -> RunGuard:
        """The guard of a run: ``max_work`` if given, a multiple of the estimate, memory."""
        max_visits = max_events = math.inf
        if estimate is not None and math.isfinite(estimate.visits):
            max_visits = GUARD_ESTIMATE_FACTOR * estimate.visits + GUARD_SLACK_VISITS
            expected = (EVENTS_PER_VISIT * estimate.visits + estimate.candidates
                        + estimate.engine.total)
            max_events = GUARD_ESTIMATE_FACTOR * expected + GUARD_SLACK_EVENTS
        return cls(max_visits, max_work, memory_growth_limit(), max_events)

    def check(self, sim: Simulation) -> str | None:
        """``None`` while the run is within bounds; else one line saying why it stops."""
        visits = sum(station.arrivals for station in sim.stations.values())
        if visits > self.max_visits:
            return (
                f"stopped at t={sim.now:g}s: {visits:,} station visits, over "
                f"{self.max_visits:,.0f} ({GUARD_ESTIMATE_FACTOR:g} x the estimate): the design "
                "does far more work than estimated"
            )
        events = sim.engine_work()
        if events > self.max_events:
            return (
                f"stopped at t={sim.now:g}s: {events:,} engine events, over "
                f"{self.max_events:,.0f} ({GUARD_ESTIMATE_FACTOR:g} x the estimate): the design "
                "makes far more events than estimated"
            )
        if self.max_work is not None:
            cells = int(sim.now / sim.window_s) * (len(sim.stations) + 1)
            # Events the visits do not explain are engine work no request made.
            unexplained = max(0, events - int(EVENTS_PER_VISIT * visits))
            work = visits + WINDOW_CELL_WORK * cells + unexplained
            if work > self.max_work:
                return (
                    f"stopped at t={sim.now:g}s: {work:,} work units done, over the "
                    f"{FLAG_MAX_WORK} budget of {self.max_work:,.0f}; raise {FLAG_MAX_WORK} "
                    "to run it to the end"
                )
        if self._memory_limit is not None:
            now = resident_bytes()
            if now is not None and now > self._memory_limit:
                assert self.memory_growth is not None
                return (
                    f"stopped at t={sim.now:g}s: the run grew memory by more than "
                    f"{_size(self.memory_growth)} (queues or requests in flight without "
                    "bound?): bound the queues or lower the load"
                )
        return None
