"""Random crashes (``failure``, chaos) and the design's scheduled ``faults``, installed on a run.

Every replica of a component with ``failure: {mtbf_s, mttr_s}`` alternates
between up-times and repairs, each exponential (means ``mtbf_s`` and
``mttr_s``), for as long as the run lasts: an alternating renewal process,
whose long-run share of time up is ``mtbf_s / (mtbf_s + mttr_s)``. Chaos
(``chaos: {level, mttr_s}``) gives the same process to every serving
replica of a component *without* its own ``failure``, with
``mtbf = mttr * (1 - level) / level``, so that every such replica is down a
share ``level`` of the time in the long run.

A crash and a repair go through :class:`~app.engine.faults.FaultBoard`
(``hold_down`` / ``release``, source ``"failure"`` or ``"chaos"``, the
replica's process as the cause's token), so causes compose: a replica that a
zone outage holds down stays down when its own random repair comes, and the
other way round. A live ``recover`` ends the process's hold early; its
repair, when it comes, then releases nothing (and the next up-time starts).

Randomness: one named stream per component (``"<id>/failure"``, or
``"<id>/chaos"``) of standard exponentials, scaled by the means; each
replica's draws come from it in event order. Adding a ``failure`` to one
component therefore leaves every other component's draws unchanged.

Replicas added mid-run (autoscaling) get a process too: the autoscaler calls
``sim.failures.replica_added(station, rep)`` when it adds one; a replica it
did not announce gets its process at the next window's close (a sweep that
runs only when some component has random crashes). A replica that has been
retired stops its process at its next crash or repair.

Nothing here runs per request: a design without ``failure``, chaos or
``faults`` schedules no event at all.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from app.engine.distributions import Sampler
from app.engine.failure_stats import FailureStats
from app.engine.sampling import growing
from app.engine.scheduling import wake
from app.model.resolve import ResolvedFault, link_key, resolve_chaos, resolve_faults

if TYPE_CHECKING:
    import simpy

    from app.engine.faults import ActiveFault, FaultBoard
    from app.engine.hooks import WindowClose
    from app.engine.replicas import Replica
    from app.engine.simulation import Simulation
    from app.engine.station import Station


def _exponentials(rng: np.random.Generator, n: int) -> np.ndarray:
    return rng.standard_exponential(n)


class CrashSpec:
    """One component's random crashes: means, cause name and its draws."""

    __slots__ = ("draw", "mtbf_s", "mttr_s", "source")

    def __init__(self, mtbf_s: float, mttr_s: float, source: str, draw: Sampler) -> None:
        self.mtbf_s = mtbf_s
        self.mttr_s = mttr_s
        self.source = source
        #: Standard exponential variates from the component's own stream.
        self.draw = draw


class ReplicaFailures:
    """One replica's alternating up-times and repairs (a renewal process on SimPy events)."""

    __slots__ = ("board", "env", "rep", "spec", "station")

    def __init__(self, env: simpy.Environment, board: FaultBoard, station: Station,
                 rep: Replica, spec: CrashSpec) -> None:
        self.env = env
        self.board = board
        self.station = station
        self.rep = rep
        self.spec = spec

    def start(self) -> None:
        """The replica is up now: its first up-time starts."""
        wake(self.env, self.spec.mtbf_s * self.spec.draw(), self._crash)

    def _crash(self, _ev: object) -> None:
        if self.rep.retiring:  # retired: out of the tier, its process stops
            return
        self.board.hold_down(self.station, self.rep, self.spec.source, cause=self)
        wake(self.env, self.spec.mttr_s * self.spec.draw(), self._repair)

    def _repair(self, _ev: object) -> None:
        self.board.release(self.station, self.rep, self.spec.source, cause=self)
        if not self.rep.retiring:
            self.start()


class Failures:
    """A run's random crash processes, scheduled faults and failure statistics.

    Made by :func:`install_failures` when the run is built; ``sim.failures``.
    """

    def __init__(self, sim: Simulation) -> None:
        self._sim = sim
        #: Crash specs of the components that have random crashes.
        self.specs: dict[str, CrashSpec] = {}
        self._watched: dict[str, set[Replica]] = {}
        #: Crash counts, downtime and repair times (``summary.json`` ``failures``).
        self.stats = FailureStats(sim)

    def replica_added(self, station: Station, rep: Replica) -> None:
        """Give a replica added mid-run its crash process (no-op without one, or twice)."""
        spec = self.specs.get(station.id)
        if spec is None:
            return
        watched = self._watched[station.id]
        if rep in watched:
            return
        watched.add(rep)
        ReplicaFailures(self._sim.env, self._sim.faults, station, rep, spec).start()

    def _sweep(self, _close: WindowClose) -> None:
        """Window close: replicas nobody announced get their processes now."""
        for sid in self.specs:
            station = self._sim.stations[sid]
            for rep in station.replicas:
                self.replica_added(station, rep)

    def _add_spec(self, station: Station, mtbf_s: float, mttr_s: float, source: str) -> None:
        self.specs[station.id] = CrashSpec(
            mtbf_s, mttr_s, source,
            self._sim.streams.sampler(f"{station.id}/{source}", growing(_exponentials)))
        self._watched[station.id] = set()
        for rep in station.replicas:
            self.replica_added(station, rep)

    def _schedule_fault(self, fault: ResolvedFault) -> None:
        sim = self._sim
        target = link_key(*fault.link) if fault.link is not None else fault.target

        def start() -> None:
            active: ActiveFault = sim.faults.start(
                fault.kind, target, source="fault", replicas=fault.replicas,
                factor=fault.factor, rate=fault.rate, add_ms=fault.add_ms)
            if fault.end_s is not None:
                sim.schedule(fault.end_s, lambda: sim.faults.end(active))

        sim.schedule(fault.start_s, start)


def install_failures(sim: Simulation) -> Failures:
    """Start the run's random crash processes and schedule its faults (the run is built).

    Components with ``failure`` get it; with chaos on, every other component
    gets chaos crashes. Scheduled faults start at ``start_s`` (source
    ``"fault"``) and end at ``end_s`` (never, when ``None``).
    """
    failures = Failures(sim)
    chaos = resolve_chaos(sim.document)
    for station in sim.stations.values():
        spec = station.resolved.failure
        if spec is not None:
            failures._add_spec(station, spec.mtbf_s, spec.mttr_s, "failure")
        elif chaos is not None:
            failures._add_spec(station, chaos.mtbf_s, chaos.mttr_s, "chaos")
    if failures.specs:
        sim.add_window_hook(failures._sweep)
    for fault in resolve_faults(sim.document):
        failures._schedule_fault(fault)
    return failures
