"""Failure statistics of a run (the seed's ``GetFailureStatistics``): ``summary.json`` ``failures``.

Counted from the :class:`~app.engine.faults.FaultBoard`'s ``on_crash`` and
``on_repair`` hooks, so every cause counts the same way: random ``failure``
crashes, chaos, scheduled faults, zone outages and a user's live crashes.
A replica held down by two causes at once is one crash (it was up, then down).

Over the measured period (after the warm-up), like the rest of the summary:

- ``crashes``: replica crash events at or after the warm-up's end;
- ``downtime_s``: replica-seconds spent crashed within the measured period
  (a crash that began during the warm-up counts from the warm-up's end; one
  still open at the end of the run counts up to the end), counted only while
  the replica is in the availability share: a replica crashed while it was
  provisioning counts from when it became ready, and a crashed replica that
  autoscaling retires stops counting then (it left the tier; its crash has
  no repair);
- ``availability``: the component's measured availability, the same number
  as ``components.<id>.availability`` (time-averaged share of its serving
  replicas that are up);
- ``mttr_observed_s``: mean duration of the repairs completed during the
  measured period (the whole repair, even when its crash came during the
  warm-up); ``None`` when no repair completed.

Crashes made by calling ``Station.crash_replica`` directly (bypassing the
board) are not counted: every feature of the engine goes through the board.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from app.engine.replicas import Replica
    from app.engine.simulation import Simulation
    from app.engine.station import Station


class _ComponentFailures:
    __slots__ = ("counting", "crashes", "down_since", "downtime_s", "repair_s", "repairs")

    def __init__(self) -> None:
        self.crashes = 0
        self.downtime_s = 0.0
        self.repairs = 0
        self.repair_s = 0.0
        #: Crashed replicas -> when they crashed (for the repair times).
        self.down_since: dict[Replica, float] = {}
        #: Crashed replicas in the availability share -> since when they count as down.
        self.counting: dict[Replica, float] = {}

    def stop_counting(self, rep: Replica, now: float, warmup: float) -> None:
        since = self.counting.pop(rep, None)
        if since is not None:
            self.downtime_s += max(0.0, now - max(since, warmup))


class FailureStats:
    """Listens to a run's crashes and repairs; :meth:`block` is the summary's ``failures``."""

    def __init__(self, sim: Simulation) -> None:
        self._sim = sim
        self._per: dict[str, _ComponentFailures] = {sid: _ComponentFailures()
                                                    for sid in sim.stations}
        sim.faults.on_crash.append(self._crashed)
        sim.faults.on_repair.append(self._repaired)
        for station in sim.stations.values():
            station.replica_hooks.append(self._replica_changed)

    def _crashed(self, station: Station, rep: Replica, _source: str) -> None:
        now = self._sim.now
        rec = self._per[station.id]
        rec.down_since[rep] = now
        if not rep.provisioning:
            rec.counting[rep] = now
        if now >= self._sim.warmup_s:
            rec.crashes += 1

    def _repaired(self, station: Station, rep: Replica, _source: str) -> None:
        now = self._sim.now
        rec = self._per[station.id]
        since = rec.down_since.pop(rep, None)
        if since is None:
            return
        warmup = self._sim.warmup_s
        rec.stop_counting(rep, now, warmup)
        if now >= warmup:
            rec.repairs += 1
            rec.repair_s += now - since

    def _replica_changed(self, station: Station, rep: Replica, what: str) -> None:
        """Ready: a crashed replica enters the share. Retired: it leaves it for good."""
        rec = self._per[station.id]
        if rep not in rec.down_since:
            return
        now = self._sim.now
        if what == "ready":
            rec.counting[rep] = now
        elif what == "retired":
            del rec.down_since[rep]
            rec.stop_counting(rep, now, self._sim.warmup_s)

    def block(self, components: dict[str, Any]) -> dict[str, Any]:
        """``failures: {crashes, downtime_s, components: {id: {...}}}`` of the run so far.

        ``components`` is the summary's own block, whose ``availability`` is reused.
        """
        sim = self._sim
        measuring = not sim.stopped_during_warmup
        now, warmup = sim.now, sim.warmup_s
        per: dict[str, Any] = {}
        total_crashes, total_down = 0, 0.0
        for sid, rec in self._per.items():
            if measuring:
                open_down = sum(max(0.0, now - max(since, warmup))
                                for since in rec.counting.values())
                crashes, down = rec.crashes, rec.downtime_s + open_down
                mttr = rec.repair_s / rec.repairs if rec.repairs else None
            else:
                crashes, down, mttr = 0, 0.0, None
            total_crashes += crashes
            total_down += down
            per[sid] = {
                "crashes": crashes,
                "downtime_s": down,
                "availability": components.get(sid, {}).get("availability"),
                "mttr_observed_s": mttr,
            }
        return {"crashes": total_crashes, "downtime_s": total_down, "components": per}
