"""Active health checks of a load balancer or API gateway on its targets.

A balancer with ``health_check: {interval_s, unhealthy_after, healthy_after}``
checks every outgoing link at ``interval_s``, 2·``interval_s``, ... of
simulated time (the first check one interval after the start). A check fails
when the target has no replica up (all crashed, or still provisioning) or the
link is partitioned. Checks are out-of-band: they send no request, take no
time and load nothing — a simplification of the small HTTP probes of real
balancers, whose cost is negligible next to the traffic.

After ``unhealthy_after`` consecutive failed checks a target is taken out of
the balancer's rotation (event ``target_unhealthy``, target = the link
``"balancer->target"``); after ``healthy_after`` consecutive good checks it
is put back (``target_healthy``). So a target that dies at time t is out of
rotation by at most t + ``interval_s``·``unhealthy_after`` (the next check
comes within one interval, and ``unhealthy_after`` - 1 more follow it).
While every target is out the balancer fails each request itself
(:class:`app.engine.routing.NoTarget`). Without health checks nothing here
runs and a balancer keeps sending to a dead target, whose calls fail.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import simpy

from app.engine.events import EventLog
from app.engine.routing import Router
from app.engine.scheduling import wake
from app.model.resolve import ResolvedHealthCheck

if TYPE_CHECKING:
    from app.engine.station import Station


class HealthChecker:
    """The periodic checks of one balancer's targets.

    Args:
        env: The run's environment.
        router: The balancer's router; its eligible links are replaced on each change.
        spec: The resolved ``health_check`` record.
        events: The run's event log.
    """

    def __init__(self, env: simpy.Environment, router: Router, spec: ResolvedHealthCheck,
                 events: EventLog) -> None:
        self._env = env
        self._router = router
        self._spec = spec
        self._events = events
        n = len(router.all_links)
        #: Whether each link (in ``router.all_links`` order) is in rotation.
        self.healthy = [True] * n
        self._failed_in_row = [0] * n
        self._good_in_row = [0] * n
        #: Checks made per link so far.
        self.checks = 0
        #: Target checks made so far (checks x targets): the run guard's measure of
        #: this checker's work, which one event per round does not show.
        self.probes = 0
        wake(env, spec.interval_s, self._check)

    def _check(self, _ev: object) -> None:
        spec = self._spec
        changed = False
        for i, link in enumerate(self._router.all_links):
            ok = link.target.up and not link.partitioned
            if ok:
                self._failed_in_row[i] = 0
                self._good_in_row[i] += 1
                if not self.healthy[i] and self._good_in_row[i] >= spec.healthy_after:
                    self.healthy[i] = changed = True
                    self._events.emit("target_healthy", link.key)
            else:
                self._good_in_row[i] = 0
                self._failed_in_row[i] += 1
                if self.healthy[i] and self._failed_in_row[i] >= spec.unhealthy_after:
                    self.healthy[i] = False
                    changed = True
                    self._events.emit("target_unhealthy", link.key)
        self.checks += 1
        self.probes += len(self.healthy)
        if changed:
            self._router.set_eligible(
                [link for link, ok in zip(self._router.all_links, self.healthy, strict=True)
                 if ok])
        wake(self._env, spec.interval_s, self._check)


def install_health_checks(env: simpy.Environment, stations: dict[str, Station],
                          events: EventLog) -> dict[str, HealthChecker]:
    """Start the checks of every balancer with ``health_check`` and a router; by station id."""
    checkers: dict[str, HealthChecker] = {}
    for sid, station in stations.items():
        spec = station.resolved.health_check
        if spec is not None and station.router is not None:
            checkers[sid] = HealthChecker(env, station.router, spec, events)
    return checkers
