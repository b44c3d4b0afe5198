"""Faults on a running design: start one now, end it later, and log both.

One implementation for every source of trouble: the design's scheduled
``faults``, random crashes (``failure``, chaos) and a user's live actions all
start and end faults through :class:`FaultBoard`, which records each change
in the run's event log.

Several causes can hold the same thing down at once (a random crash during
a zone outage): a replica is repaired only when the last cause ends, a
slowdown divides out only its own factor, an error-rate fault removes only
its own share. ``recover`` (a live action) ends every cause on its target.

A replica's holds are *owned*: each cause holds it with its own token (an
:class:`ActiveFault`, a replica's random-crash process), and releasing a
token that no longer holds the replica does nothing. So a stale release (a
random repair due after a live ``recover`` already repaired the replica)
never ends a newer cause's crash. A replica retired from its tier (autoscaling)
is forgotten: its holds are dropped and no ``recover`` is logged for it.

Events name a replica by its ``number`` (0-based in creation order within
its component, never reused), not by its position in the tier.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from app.engine.commands import LiveAction
from app.engine.events import EventLog
from app.engine.replicas import Replica

if TYPE_CHECKING:
    from app.engine.links import LinkRuntime
    from app.engine.station import Station


@dataclass(eq=False)
class ActiveFault:
    """A fault in effect: what it did, so that ending it undoes exactly that.

    Compared and hashed by identity: it is the token of its replicas' holds.
    """

    kind: str
    target: str
    source: str
    replicas: list[tuple[Station, Replica]] = field(default_factory=list)
    stations: list[Station] = field(default_factory=list)
    links: list[LinkRuntime] = field(default_factory=list)
    factor: float = 1.0
    rate: float = 0.0
    add_s: float = 0.0
    ended: bool = False


class FaultBoard:
    """Starts and ends faults on a run's stations and links.

    Args:
        stations: The run's stations by id.
        links: The run's links by ``"source->target"``.
        events: The run's event log.
        zones: Zone name -> ids of the components in it.
        error_coin: Makes a station's ``error_coin`` (from its own named
            stream) the first time an error-rate fault needs it.
    """

    def __init__(
        self,
        stations: dict[str, Station],
        links: dict[str, LinkRuntime],
        events: EventLog,
        zones: dict[str, list[str]] | None = None,
        error_coin: Callable[[Station], None] | None = None,
    ) -> None:
        self._error_coin = error_coin
        self.stations = stations
        self.links = links
        self.events = events
        self.zones = zones or {}
        #: Crashed replicas -> the causes (tokens) holding each down.
        self._holds: dict[Replica, set[object]] = {}
        self._active: list[ActiveFault] = []
        #: Error rates of the design (restored when error-rate faults end).
        self._base_error: dict[str, float] = {sid: st.error_rate for sid, st in stations.items()}
        #: Called with (station, replica) after a replica crashes / is repaired (statistics).
        self.on_crash: list[Callable[[Station, Replica, str], None]] = []
        self.on_repair: list[Callable[[Station, Replica, str], None]] = []
        for station in stations.values():
            station.replica_hooks.append(self._replica_changed)

    # -- replicas -------------------------------------------------------------------

    def hold_down(self, station: Station, rep: Replica, source: str, *, cause: object) -> None:
        """``cause`` (a token) keeps ``rep`` down; it crashes now if it was up.

        A retired replica is out of the tier: nothing holds it down.
        """
        if rep.retiring:
            return
        holds = self._holds.get(rep)
        if holds is None:
            holds = self._holds[rep] = set()
        holds.add(cause)
        if not rep.crashed:
            failed = station.crash_replica(rep)
            self.events.emit("crash", station.id, replica=rep.number,
                             source=source, failed=failed)
            for hook in self.on_crash:
                hook(station, rep, source)

    def release(self, station: Station, rep: Replica, source: str, *, cause: object) -> None:
        """``cause`` no longer holds ``rep`` down; it is repaired when no cause is left.

        Releasing a cause that does not hold ``rep`` (any more) does nothing.
        """
        holds = self._holds.get(rep)
        if holds is None or cause not in holds:
            return
        holds.discard(cause)
        if not holds:
            self._repair(station, rep, source)

    def _repair(self, station: Station, rep: Replica, source: str) -> None:
        del self._holds[rep]
        if rep.crashed:
            station.recover_replica(rep)
            self.events.emit("recover", station.id, replica=rep.number, source=source)
            for hook in self.on_repair:
                hook(station, rep, source)

    def _replica_changed(self, _station: Station, rep: Replica, what: str) -> None:
        """A replica left its tier: its holds go with it (no repair, no event)."""
        if what == "retired":
            self._holds.pop(rep, None)

    # -- faults ---------------------------------------------------------------------

    def start(
        self,
        kind: str,
        target: str,
        *,
        source: str,
        replicas: int | None = None,
        factor: float | None = None,
        rate: float | None = None,
        add_ms: float | None = None,
    ) -> ActiveFault:
        """Start a fault now; :meth:`end` undoes it. ``ValueError`` names a bad target."""
        fault = ActiveFault(kind, target, source)
        if kind == "crash":
            station = self._station(target)
            chosen = station.replicas[: replicas] if replicas else list(station.replicas)
            fault.replicas = [(station, rep) for rep in chosen]
        elif kind == "zone_outage":
            ids = self.zones.get(target)
            if not ids:
                raise ValueError(f"no component is in zone {target!r}")
            fault.replicas = [(self.stations[sid], rep) for sid in ids
                              for rep in self.stations[sid].replicas]
        elif kind == "slowdown":
            fault.stations = [self._station(target)]
            fault.factor = float(factor if factor is not None else 2.0)
        elif kind == "error_rate":
            fault.stations = [self._station(target)]
            fault.rate = float(rate if rate is not None else 1.0)
        elif kind in ("latency", "partition"):
            fault.links = [self._link(target)]
            fault.add_s = float(add_ms or 0.0) / 1000.0
        else:
            raise ValueError(f"unknown fault kind {kind!r}")
        detail: dict[str, str | int | float | None] = {"source": source}
        if kind == "slowdown":
            detail["factor"] = fault.factor
        elif kind == "error_rate":
            detail["rate"] = fault.rate
        elif kind == "latency":
            detail["add_ms"] = fault.add_s * 1000.0
        if kind in ("zone_outage", "slowdown", "error_rate", "latency", "partition"):
            self.events.emit(kind, target, **detail)
        self._active.append(fault)
        self._apply(fault)
        return fault

    def end(self, fault: ActiveFault) -> None:
        """Undo ``fault`` now (no-op when it already ended)."""
        if fault.ended:
            return
        fault.ended = True
        self._active.remove(fault)
        if fault.kind in ("zone_outage", "slowdown", "error_rate", "latency", "partition"):
            self.events.emit(f"{fault.kind}_end", fault.target, source=fault.source)
        for station, rep in fault.replicas:
            self.release(station, rep, fault.source, cause=fault)
        for station in fault.stations:
            if fault.kind == "slowdown":
                station.slowdown /= fault.factor
                if abs(station.slowdown - 1.0) < 1e-12:
                    station.slowdown = 1.0
            else:
                self._recompute_error(station)
        for link in fault.links:
            if fault.kind == "latency":
                link.add_delay(-fault.add_s)
            elif not any(f.kind == "partition" and link in f.links for f in self._active):
                link.partitioned = False

    def recover(self, target: str, source: str) -> int:
        """End every fault on ``target`` (and repair its crashed replicas); how many ended."""
        ended = [f for f in self._active if f.target == target]
        for fault in ended:
            self.end(fault)
        station = self.stations.get(target)
        if station is not None:  # every other cause (random crashes) ends too
            holds = self._holds
            for rep in list(station.replicas):
                if rep in holds:
                    self._repair(station, rep, source)
        return len(ended)

    def _apply(self, fault: ActiveFault) -> None:
        for station, rep in fault.replicas:
            self.hold_down(station, rep, fault.source, cause=fault)
        for station in fault.stations:
            if fault.kind == "slowdown":
                station.slowdown *= fault.factor
            else:
                self._recompute_error(station)
        for link in fault.links:
            if fault.kind == "latency":
                link.add_delay(fault.add_s)
            else:
                link.partitioned = True

    def _recompute_error(self, station: Station) -> None:
        ok = 1.0 - self._base_error.get(station.id, 0.0)
        for f in self._active:
            if f.kind == "error_rate" and station in f.stations and not f.ended:
                ok *= 1.0 - f.rate
        station.error_rate = 1.0 - ok
        if station.error_rate and station.error_coin is None and self._error_coin is not None:
            self._error_coin(station)

    def _station(self, target: str) -> Station:
        station = self.stations.get(target)
        if station is None:
            raise ValueError(f"no serving component {target!r}")
        return station

    def _link(self, target: str) -> LinkRuntime:
        link = self.links.get(target)
        if link is None:
            raise ValueError(f"no link {target!r} (write it as source->target)")
        return link

    def active(self) -> Iterable[ActiveFault]:
        """Faults in effect now."""
        return tuple(self._active)

    def apply_live(self, action: LiveAction,
                   schedule: Callable[[float, Callable[[], None]], None]) -> None:
        """Apply a user's live action now; a bad target is a ``live_refused`` event.

        ``schedule(at_s, fn)`` ends a fault that has a duration.
        """
        try:
            if action.kind == "recover":
                self.recover(action.target, "live")
                self.events.emit("live_recover", action.target, source="live")
                return
            fault = self.start(
                action.kind, action.target, source="live", replicas=action.replicas,
                factor=action.factor, rate=action.rate, add_ms=action.add_ms,
            )
        except (ValueError, RuntimeError) as exc:  # no such target; a run without live crashes
            self.events.emit("live_refused", action.target, source="live", reason=str(exc))
            return
        if action.duration_s is not None:
            schedule(self.events.now() + action.duration_s, lambda: self.end(fault))
