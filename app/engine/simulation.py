"""Building a run from a document and driving it one window at a time."""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from app.engine.alerts import AlertEvaluator, install_alerts
from app.engine.autoscaling import Autoscaler, install_autoscaling
from app.engine.budget import (
    WorkEstimate,
    endless_cycle_problem,
    estimate_work,
    hard_limit_problems,
)
from app.engine.commands import LiveAction
from app.engine.control import RunControl
from app.engine.distributions import RandomStreams, service_draw, uniform01_draw
from app.engine.driver import RunDriver
from app.engine.events import EventLog
from app.engine.failures import Failures, install_failures
from app.engine.faults import FaultBoard
from app.engine.gc_policy import build_paused
from app.engine.health import install_health_checks
from app.engine.hooks import WindowClose, WindowHook
from app.engine.links import LinkRuntime
from app.engine.messaging import BrokerStation
from app.engine.rate_limit import install_rate_limits
from app.engine.routing import make_router
from app.engine.run_guard import EVENTS_PER_VISIT, RunGuard
from app.engine.sampling import growing
from app.engine.scheduling import AsyncLedger, EngineEnvironment, wake
from app.engine.snapshot import Snapshot
from app.engine.station import Node, ReplyLoop, Station
from app.engine.summary import summarize
from app.engine.tracking import crashable_components
from app.engine.window import EndToEndWindow, LinkWindow, StationWindow, close_windows
from app.engine.workloads import ClientNode, expected_requests
from app.model.document import Document
from app.model.errors import DocumentError
from app.model.resolve import resolve, resolve_link, zone_members

#: A window is simulated in this many slices; pause/stop are checked between them.
SLICES_PER_WINDOW = 8
#: Engine work (events, health-check probes) a slice may do before it is cut
#: into chunks, with Stop, live actions and the run guard looked at between
#: them: a fraction of a second of engine time. Only a run whose event rate
#: is high gets chunks; the others run each slice in one go, as before.
MAX_SLICE_WORK = 200_000


class Simulation:
    """One run of a design. Not thread-safe: drive it from one thread.

    Parameters left as ``None`` come from ``doc.simulation``. The design is
    validated first; an invalid one raises :class:`DocumentError`.
    ``live`` (the default) lets live actions crash any component; batch runs
    (the CLI, replications, sweeps) pass ``False``: then only components that
    failures, chaos or faults can reach can crash, and the others pay nothing
    per request for it. ``allow_outside_files`` lets
    a trace file lie outside ``base_dir``; a
    :class:`~app.engine.run_guard.RunGuard` stops the run (``stop_reason`` says
    why) past ``max_work`` work units, 10x the estimated visits, or its memory.

    Example::

        sim = Simulation(doc, duration_s=30)
        while not sim.finished:
            snap = sim.step_window()
        print(sim.summary()["end_to_end"]["latency_ms"]["p99"])
    """

    def __init__(
        self,
        doc: Document,
        *,
        base_dir: Path | None = None,
        duration_s: float | None = None,
        warmup_s: float | None = None,
        seed: int | None = None,
        window_s: float | None = None,
        validate: bool = True,
        allow_outside_files: bool = False,
        max_work: float | None = None,
        live: bool = True,
    ) -> None:
        settings = doc.simulation
        self.duration_s = float(duration_s if duration_s is not None else settings.duration_s)
        self.warmup_s = float(warmup_s if warmup_s is not None else settings.warmup_s)
        self.seed = int(seed if seed is not None else settings.seed)
        self.window_s = float(window_s if window_s is not None else settings.window_s)
        # Building allocates dozens of long-lived objects per component and little
        # garbage: the collector waits until it is done (app/engine/gc_policy.py).
        with build_paused():
            if validate:
                from app.model.validation import validate as validate_document

                problems = validate_document(doc)
                if problems:
                    raise DocumentError(problems)
            if not (self.duration_s > 0 and 0 <= self.warmup_s < self.duration_s
                    and self.window_s > 0):
                raise ValueError("need duration > 0, 0 <= warm-up < duration and window > 0")
            self.document = doc
            #: Live actions may crash any component (the GUI's runs); otherwise only
            #: components a failure, chaos or a fault can reach keep what a crash needs.
            self.live = live
            self.base_dir = base_dir
            self._allow_outside = allow_outside_files
            refused = hard_limit_problems(doc, self.duration_s, self.window_s)
            if refused:  # before building: the build itself would exhaust memory
                raise ValueError(refused[0].message)
            self.env = EngineEnvironment()
            self.streams = RandomStreams(self.seed)
            self.stations: dict[str, Station] = {}
            self.clients: dict[str, ClientNode] = {}
            #: Every link by ``"source->target"`` (broker subscriptions included).
            self.links: dict[str, LinkRuntime] = {}
            #: State changes (faults, recoveries, breakers, scaling, live actions).
            self.events = EventLog(lambda: float(self.env._now))
            self._window_hooks: list[WindowHook] = []
            self._build()
            self.station_windows = {sid: StationWindow(st) for sid, st in self.stations.items()}
            self.link_windows = {key: LinkWindow(link) for key, link in self.links.items()}
            self.faults = FaultBoard(self.stations, self.links, self.events,
                                     zone_members(self.document), error_coin=self._give_error_coin)
            #: Random crashes, scheduled faults and failure statistics (nothing when none is set).
            self.failures: Failures = install_failures(self)
            install_rate_limits(self)
            #: Autoscaled tiers; ``on_new_replica`` / ``on_retired`` hooks for other features.
            self.autoscaler: Autoscaler = install_autoscaling(self)
            # Replicas added by autoscaling crash like the others.
            self.autoscaler.on_new_replica.append(self.failures.replica_added)
            #: Balancers' health checks by station id (``health_check`` in the design).
            self.health_checks = install_health_checks(self.env, self.stations, self.events)
            #: Alert rules (the design's or the defaults); ``None`` when none applies.
            self.alerts: AlertEvaluator | None = install_alerts(self)
            self.end_to_end = EndToEndWindow(list(self.clients.values()), self.ledger)
            self._warm_captured = False
            if self.warmup_s == 0.0:
                self._capture_warmup()
            self._wall_start: float | None = None
            self._stop_requested = False
            #: Why a guard stopped the run (one line), or ``None``.
            self.stop_reason: str | None = None
            # Engine work per simulated second: expected at first, then measured over
            # the last chunk (it sizes the next one).
            self._work_rate = 0.0
            self._guard = self._make_guard(max_work)
            self.wall_s = 0.0
            for client in self.clients.values():
                client.start()

    # -- building -----------------------------------------------------------------

    def _build(self) -> None:
        env, streams = self.env, self.streams
        nodes: dict[str, Node] = {}
        replies = ReplyLoop()
        self.ledger = AsyncLedger()
        crashable = None if self.live else crashable_components(self.document)
        for comp in self.document.components:
            if comp.type == "client":
                assert comp.workload is not None
                client = ClientNode(
                    env,
                    component_id=comp.id,
                    workload=comp.workload,
                    streams=streams,
                    stop_s=self.duration_s,
                    base_dir=self.base_dir,
                    allow_outside=self._allow_outside,
                )
                self.clients[comp.id] = client
                nodes[comp.id] = client
                continue
            rc = resolve(comp)
            station = (BrokerStation if rc.type.broker else Station)(
                env,
                rc,
                streams.sampler(f"{comp.id}/service", growing(service_draw(rc.service))),
                streams.sampler(f"{comp.id}/coin", growing(uniform01_draw())),
                replies=replies,
                ledger=self.ledger,
                tracked=crashable is None or comp.id in crashable,
            )
            self.stations[comp.id] = station
            nodes[comp.id] = station
            error_rate = rc.error_rate
            if error_rate > 0.0:
                station.error_rate = error_rate
                self._give_error_coin(station)
        for link in self.document.links:
            rl = resolve_link(link)
            runtime = LinkRuntime(env, rl, self.stations[link.target], streams=streams,
                                  events=self.events)
            nodes[link.source].add_link(runtime)
            self.links[runtime.key] = runtime
        for sid, station in self.stations.items():
            if station.resolved.type.balancer and station.calls:
                station.router = make_router(
                    station.resolved.routing,
                    station.calls,
                    streams.sampler(f"{sid}/routing", growing(uniform01_draw())),
                )
        keyed = any(st.resolved.routing == "consistent_hash" for st in self.stations.values()
                    if st.router is not None)
        for client in self.clients.values():
            client.keyed = keyed

    def _give_error_coin(self, station: Station) -> None:
        """Draws for a station's error rate, from its own stream (made on first need)."""
        if station.error_coin is None:
            station.error_coin = self.streams.sampler(f"{station.id}/errors",
                                                      growing(uniform01_draw()))

    def _make_guard(self, max_work: float | None) -> RunGuard:
        requests = {cid: c.expected_requests for cid, c in self.clients.items()}
        try:
            estimate: WorkEstimate | None = estimate_work(
                self.document, self.duration_s, window_s=self.window_s,
                requests=requests, candidates=requests,
            )
        except (KeyError, ValueError):  # built with validate=False from a broken design
            estimate = None
        endless = endless_cycle_problem(estimate) if estimate is not None else None
        if endless is not None:  # it could never end, nor be stopped between slices
            raise ValueError(endless.message)
        if estimate is not None:
            expected = (EVENTS_PER_VISIT * estimate.visits + estimate.candidates
                        + estimate.engine.total) / self.duration_s
            self._work_rate = expected if math.isfinite(expected) else 0.0
        return RunGuard.for_run(estimate, max_work)

    # -- running ------------------------------------------------------------------

    @property
    def now(self) -> float:
        """Simulated seconds elapsed."""
        return float(self.env.now)

    def engine_work(self) -> int:
        """Engine events scheduled so far plus the targets health checks looked at.

        Cheap: the event count is SimPy's own event-id counter (taking one id
        from it skips a number but changes no event's order), and there is one
        probe counter per checking balancer. Health checks add their probes
        because one event checks every target of a balancer.
        """
        events: int = next(self.env._eid)
        for checker in self.health_checks.values():
            events += checker.probes
        return events

    @property
    def finished(self) -> bool:
        """True once the whole duration has been simulated, or the run was stopped."""
        return self._stop_requested or self.env.now >= self.duration_s - 1e-12

    @property
    def progress(self) -> float:
        """Fraction of the duration simulated, 0..1."""
        return min(1.0, self.env.now / self.duration_s)

    # -- plug-ins: scheduled actions, window hooks, live actions ------------------

    def schedule(self, at_s: float, action: Callable[[], None]) -> None:
        """Call ``action()`` when simulated time reaches ``at_s`` (now if it has passed).

        Actions at the same instant run in the order they were scheduled.
        """
        wake(self.env, max(0.0, float(at_s) - self.env.now), lambda _ev: action())

    def add_window_hook(self, hook: WindowHook) -> None:
        """Call ``hook(close)`` at every window's end, before its snapshot is frozen."""
        self._window_hooks.append(hook)

    def apply(self, action: LiveAction) -> None:
        """Apply a user's live action now (the run driver calls this between slices).

        A bad target is logged as a ``live_refused`` event, never raised: a
        run must not die of a click on a component that has just been removed.
        """
        self.faults.apply_live(action, self.schedule)

    def _capture_warmup(self) -> None:
        now = self.env.now
        for window in self.station_windows.values():
            window.mark_warmup(now)
        for lw in self.link_windows.values():
            lw.mark_warmup(now)
        self.end_to_end.mark_warmup(now)
        self._warm_captured = True

    def request_stop(self) -> None:
        """Ask the run to stop at the next slice (safe to call from another thread).

        The window in progress is closed early, so the last snapshot and the
        summary cover exactly what was simulated.
        """
        self._stop_requested = True

    @property
    def stopped(self) -> bool:
        """True when the run was stopped before its end."""
        return self._stop_requested and self.env.now < self.duration_s - 1e-12

    @property
    def stopped_during_warmup(self) -> bool:
        """True when the run was stopped before the warm-up ended: no statistics yet."""
        return self.stopped and not self._warm_captured

    def step_window(self, between_slices: Callable[[], None] | None = None) -> Snapshot:
        """Simulate one window (or what is left of the run) and return its metrics.

        The window runs in :data:`SLICES_PER_WINDOW` slices; between them
        ``between_slices`` is called (a runner blocks there while paused) and a
        :meth:`request_stop` is honoured, so pause and stop answer within a
        fraction of a window even under heavy load.
        """
        if self._wall_start is None:
            self._wall_start = time.perf_counter()
        start = self.env.now
        end = min(start + self.window_s, self.duration_s)
        step = (end - start) / SLICES_PER_WINDOW
        for i in range(1, SLICES_PER_WINDOW + 1):
            target = end if i == SLICES_PER_WINDOW else start + i * step
            if not self._warm_captured and self.env.now < self.warmup_s <= target:
                self._run_until(self.warmup_s, between_slices)
                if self.env.now >= self.warmup_s:
                    self._capture_warmup()
            self._run_until(target, between_slices)
            self._check_guard()
            if self._stop_requested:
                break
            if i < SLICES_PER_WINDOW:
                if between_slices is not None:
                    between_slices()
                if self._stop_requested:
                    break
        end = float(self.env.now)
        length = end - start
        stations, link_windows = self.station_windows, self.link_windows
        # Stations' and links' windows close together: their latencies are
        # converted and sorted in a few numpy calls (take_window_latencies).
        closed, closed_links = close_windows(
            list(stations.values()), list(link_windows.values()), end, length, self.warmup_s)
        comps = dict(zip(stations, closed, strict=True))
        e2e = self.end_to_end.close(end, length, self.warmup_s)
        links = dict(zip(link_windows, closed_links, strict=True))
        # A window that ends by the end of the warm-up is not part of the summary.
        warming_up = self.warmup_s > 0.0 and end <= self.warmup_s + 1e-12
        if self._window_hooks:
            close = WindowClose(end, length, e2e, comps, links, warming_up)
            for hook in self._window_hooks:
                hook(close)
        self.wall_s = time.perf_counter() - self._wall_start
        return Snapshot.build(end, length, self.progress, e2e, comps, warming_up=warming_up,
                              links=links, events=self.events.take_window())

    def _check_guard(self) -> None:
        if (reason := self._guard.check(self)) is not None:
            self.stop_reason = reason
            self._stop_requested = True

    def _run_until(self, target: float, between_chunks: Callable[[], None] | None) -> None:
        """Simulate up to ``target``, in chunks of about :data:`MAX_SLICE_WORK` at most.

        The length of a chunk follows the work rate of the chunk before (engine
        events and health-check probes per simulated second); between chunks the
        run guard and ``between_chunks`` (stop, live actions, pause) are looked
        at, as between slices, so a design that makes millions of events a
        simulated second still answers Stop within a fraction of a second. At
        a normal rate a slice is one chunk: nothing changes on that path but
        two counter reads.
        """
        env = self.env
        while target > env.now and not self._stop_requested:
            start_t = float(env.now)
            until = target
            if self._work_rate * (target - start_t) > MAX_SLICE_WORK:
                until = max(start_t + MAX_SLICE_WORK / self._work_rate,
                            math.nextafter(start_t, math.inf))
            start_work = self.engine_work()
            env.run(until=until)
            done = self.engine_work() - start_work
            self._work_rate = done / (until - start_t)
            if until < target:
                self._check_guard()
                if between_chunks is not None:
                    between_chunks()

    def run(
        self,
        on_snapshot: Callable[[Snapshot], None] | None = None,
        control: RunControl | None = None,
    ) -> dict[str, Any]:
        """Run to the end (or until ``control`` stops it) and return the summary.

        A convenience over :class:`~app.engine.driver.RunDriver`, the one loop
        every run goes through: ``control`` (stop, pause, speed, live actions)
        is read between slices; without one the run goes as fast as possible.
        """
        return RunDriver(self, control, on_snapshot=on_snapshot).run()

    def summary(self) -> dict[str, Any]:
        """The run as a whole: the ``summary.json`` structure.

        ``stop_reason`` is the run-time guard's line when it stopped the run, else ``None``.
        """
        out = summarize(self)
        out["stop_reason"] = self.stop_reason
        return out

    def expected_requests(self) -> float:
        """Requests the clients are expected to create over the duration."""
        return sum(c.expected_requests for c in self.clients.values())


def estimate_requests(doc: Document, duration_s: float, base_dir: Path | None = None) -> float:
    """Client requests a run of ``duration_s`` would create, without building it."""
    total = 0.0
    for comp in doc.components:
        if comp.type == "client" and comp.workload is not None:
            total += expected_requests(comp.workload, duration_s, base_dir)
    return total if math.isfinite(total) else math.inf
