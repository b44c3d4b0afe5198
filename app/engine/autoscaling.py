"""Horizontal autoscaling by the Kubernetes HPA rule, run at every window's close.

Each autoscaled component (``autoscaling: {metric, target, min, max,
cooldown_s, provision_s}``) is looked at when a window closes (warm-up
windows included: the scaler runs on simulated time), as the HPA controller
looks at its pods every sync period. The rule is Kubernetes'
(``replica_calculator.go``), with one metric, utilization:

* ``current`` = the tier's replicas: serving ones (up or crashed) and those
  still provisioning; retiring ones are gone already. ``ready`` = the
  replicas that are up (not crashed, not provisioning).
* ``U`` = the window's utilization: busy worker-seconds over the
  worker-seconds of the replicas that served during the window (crashed and
  provisioning ones have none). It is taken as the utilization of each ready
  replica (a pod's metric); crashed and provisioning replicas have no metric.
* ``ratio = U / target``. When it is above 1 and some replicas are not ready,
  those count at 0 %: ``metric = U x ready / current`` and ``ratio = metric /
  target`` (so replicas being provisioned hold back a second scale-up); if
  that flips the ratio to 1 or below, nothing changes.
* When it is below 1 and some serving replicas are crashed (Kubernetes'
  *missing* pods: no metric), those count at 100 % of their request:
  ``metric = (U x ready + 1 x crashed) / (ready + crashed)`` (provisioning
  replicas, Kubernetes' unready pods, are left out of a scale-down), so a
  crash never shrinks the tier by itself; if that flips the ratio to 1 or
  above, nothing changes, else ``desired = ceil(metric / target x (ready +
  crashed))``. Otherwise ``metric = U``.
* Within the tolerance (``|ratio - 1| <= 0.10``) the recommendation is
  ``current``; else ``desired = ceil(U x ready / target)`` (= ``ceil(current x
  metric / target)`` with the scale-up metric above), clamped to ``[min, max]``.
  With no ready replica there is no metric and nothing is recommended.
* Scale-up is applied at once. Scale-down follows Kubernetes' stabilisation
  window, of length ``cooldown_s``: the tier shrinks only to the highest
  recommendation made within the last ``cooldown_s`` (this one included), so
  it waits until the load has stayed low for that long.

New replicas are provisioning (counted in ``current``, serving nothing) for
``provision_s``, then serve. Replicas removed by a scale-down retire (take
no new work, drain what they hold): provisioning ones first, then crashed
ones, then the newest. Events: ``scale_up`` / ``scale_down`` (``from``,
``to``, ``metric``, ``utilization``) and ``replica_ready`` (``replica``, its
``number``: 0-based in creation order within the component).
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING

from app.engine.replicas import Replica
from app.model.resolve import ResolvedAutoscaling

if TYPE_CHECKING:
    from app.engine.hooks import WindowClose
    from app.engine.simulation import Simulation
    from app.engine.station import Station

__all__ = ["HPA_TOLERANCE", "Autoscaler", "TierScaler", "hpa_recommendation",
           "install_autoscaling"]

#: Kubernetes' default ``horizontal-pod-autoscaler-tolerance``.
HPA_TOLERANCE = 0.10

#: ``fn(station, replica)``: a replica was added (provisioning) or retired.
ReplicaHook = Callable[["Station", Replica], None]


def hpa_recommendation(current: int, ready: int, utilization: float, target: float,
                       tolerance: float = HPA_TOLERANCE, *,
                       crashed: int | None = None) -> tuple[int, float]:
    """The HPA's unclamped recommendation and the metric it used (see the module doc).

    ``current`` replicas of which ``ready`` are up, those at ``utilization``
    (0-1); the others count at 0 % for a scale-up. Of those, ``crashed``
    (default: all that are not ready) count at 100 % for a scale-down, as
    Kubernetes counts pods without metrics. Returns ``(current, metric)``
    when nothing should change.
    """
    if ready <= 0 or current <= 0:
        return current, 0.0
    ratio = utilization / target
    if ratio > 1.0 and ready < current:  # not-ready replicas count at 0 % for a scale-up
        metric = utilization * ready / current
        new_ratio = metric / target
        if abs(1.0 - new_ratio) <= tolerance or new_ratio < 1.0:
            return current, metric
        return max(current, math.ceil(new_ratio * current)), metric
    missing = current - ready if crashed is None else min(crashed, current - ready)
    if ratio < 1.0 and missing > 0:  # crashed replicas count at 100 % for a scale-down
        counted = ready + missing
        metric = (utilization * ready + max(1.0, target) * missing) / counted
        new_ratio = metric / target
        if abs(1.0 - new_ratio) <= tolerance or new_ratio > 1.0:
            return current, metric
        return min(current, math.ceil(new_ratio * counted)), metric
    if abs(1.0 - ratio) <= tolerance:
        return current, utilization
    return math.ceil(ratio * ready), utilization


class TierScaler:
    """The autoscaler of one component."""

    def __init__(self, sim: Simulation, station: Station, spec: ResolvedAutoscaling,
                 on_new_replica: list[ReplicaHook], on_retired: list[ReplicaHook]) -> None:
        self.sim = sim
        self.station = station
        self.spec = spec
        self._on_new = on_new_replica
        self._on_retired = on_retired
        #: (time, clamped recommendation) within the stabilisation window.
        self.recommendations: deque[tuple[float, int]] = deque()

    def window_closed(self, now: float, utilization: float) -> None:
        """Look at the window that just closed and scale if the rule says so."""
        st, spec = self.station, self.spec
        current = len(st.replicas)
        ready = st.up_count
        if ready == 0:  # no metric (all crashed or provisioning): like a failed HPA sync
            return
        raw, metric = hpa_recommendation(current, ready, utilization, spec.target,
                                         crashed=st.serving_count - ready)
        desired = min(spec.max, max(spec.min, raw))
        recs = self.recommendations
        recs.append((now, desired))
        cutoff = now - spec.cooldown_s
        while recs and recs[0][0] <= cutoff and len(recs) > 1:
            recs.popleft()
        if desired > current:
            self._scale_up(current, desired, metric, utilization)
            return
        stabilised = max(r for _, r in recs)
        if stabilised < current:
            self._scale_down(current, stabilised, metric, utilization)

    def _scale_up(self, current: int, to: int, metric: float, utilization: float) -> None:
        st, sim = self.station, self.sim
        sim.events.emit("scale_up", st.id, **{"from": current, "to": to, "metric": metric,
                                             "utilization": utilization})
        delay = self.spec.provision_s
        for _ in range(to - current):
            rep = st.add_replica(provisioning=delay > 0.0)
            for hook in self._on_new:
                hook(st, rep)
            if delay > 0.0:
                sim.schedule(sim.now + delay, partial(self._ready, rep))

    def _ready(self, rep: Replica) -> None:
        st = self.station
        if not rep.provisioning or rep.retiring:  # retired before it was ready
            return
        st.ready(rep)
        self.sim.events.emit("replica_ready", st.id, replica=rep.number)

    def _scale_down(self, current: int, to: int, metric: float, utilization: float) -> None:
        st = self.station
        self.sim.events.emit("scale_down", st.id, **{"from": current, "to": to,
                                                    "metric": metric, "utilization": utilization})
        gone = retire_order(st.replicas)[: current - to]
        st.retire_replicas(gone)  # one pass over the tier, however many go
        for rep in gone:
            for hook in self._on_retired:
                hook(st, rep)


def retire_order(replicas: list[Replica]) -> list[Replica]:
    """Which replicas a scale-down removes first: provisioning, then crashed, then the newest."""
    newest_first = list(reversed(replicas))
    return sorted(newest_first, key=lambda r: 0 if r.provisioning else 1 if r.crashed else 2)


class Autoscaler:
    """The autoscalers of a run (one per autoscaled component).

    ``on_new_replica`` and ``on_retired`` are lists of ``fn(station, replica)``
    called after a scale-up adds a (provisioning) replica and after a
    scale-down retires one: e.g. random crashes start and stop a replica's
    up/down process there.
    """

    def __init__(self) -> None:
        self.tiers: dict[str, TierScaler] = {}
        self.on_new_replica: list[ReplicaHook] = []
        self.on_retired: list[ReplicaHook] = []

    def window_closed(self, close: WindowClose) -> None:
        """The window hook: every tier looks at its component's window."""
        for sid, tier in self.tiers.items():
            tier.window_closed(close.time_s, close.components[sid].utilization)


def install_autoscaling(sim: Simulation) -> Autoscaler:
    """Autoscalers for the components whose design has ``autoscaling``.

    The window hook is added only when some component is autoscaled, so a
    run without autoscaling pays nothing.
    """
    scaler = Autoscaler()
    for sid, station in sim.stations.items():
        spec = station.resolved.autoscaling
        if spec is not None:
            scaler.tiers[sid] = TierScaler(sim, station, spec, scaler.on_new_replica,
                                           scaler.on_retired)
    if scaler.tiers:
        sim.add_window_hook(scaler.window_closed)
    return scaler
