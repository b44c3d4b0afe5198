"""The analytic model: queueing-theory predictions for a design, before any run.

:func:`analyze` turns a document into per-component predictions (arrival
rate, utilization, mean queue, mean latency), end-to-end mean latencies, the
saturation load and the bottleneck. It is a network of independent
multi-server queues fed by the call graph's traffic equations
(:mod:`app.analysis.flows`); each queue is

* M/M/c by Erlang C for exponential service times,
* M/G/c by the Allen–Cunneen approximation otherwise (exact for one server:
  Pollaczek–Khinchine),
* M/M/c/K when the waiting room is finite and the loss it predicts is not
  negligible (blocking probability reported).

Each replica is its own queue with ``concurrency`` workers and
``queue_capacity`` places, fed ``1/replicas`` of the component's traffic (the
engine's round robin). A blocking component holds its worker during its
downstream calls: its holding time is service + the mean downstream response
(an approximation, flagged). Every assumption is listed in docs/analysis.md.

Speed matters (the planner and forecasts call it many times): one pass over
the components in reverse topological order of the synchronous calls, O(c)
per queue; :func:`prepare` does the load-independent part once and
:meth:`PreparedModel.at` evaluates any load.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from pathlib import Path
from types import MappingProxyType
from typing import Final

from app.analysis.evaluate import (
    StationFacts,
    broker_fed,
    document_notes,
    evaluate,
    feature_notes,
    link_notes,
    peak_utilization,
    station_facts,
)
from app.analysis.flows import POISSON_PATTERNS, flows, forward_groups
from app.analysis.results import AnalyticResult, ComponentPrediction
from app.analysis.service_scv import service_scv
from app.model.document import Document
from app.model.graph_checks import strongly_connected
from app.model.resolve import resolve, resolve_link

#: Relative precision of the saturation load's bisection (for blocking tiers).
SATURATION_TOLERANCE: Final = 1e-3


class PreparedModel:
    """A design's load-independent analysis: evaluate it at any load with :meth:`at`.

    Arrival rates are linear in the load, so they are solved once; each
    :meth:`at` is then one pass of queue formulas.
    """

    def __init__(self, doc: Document, *, base_dir: Path | None = None,
                 duration_s: float | None = None, warmup_s: float | None = None) -> None:
        end = duration_s if duration_s is not None else doc.simulation.duration_s
        start = warmup_s if warmup_s is not None else doc.simulation.warmup_s
        if not start < end:  # a degenerate period: the long-run rate at the end
            start = max(0.0, end - 1.0)
        self.order_ids = [c.id for c in doc.components]
        self.resolved = {c.id: resolve(c) for c in doc.components}
        links = [resolve_link(link) for link in doc.links]
        base = flows(doc, self.resolved, links, start_s=start, end_s=end, base_dir=base_dir)
        self.base_rates = base.arrival_rps
        self.client_rps = base.client_rps
        self.calls = base.calls
        self.endless = base.endless
        self.clients = [cid for cid in self.order_ids if self.resolved[cid].type.is_client]
        self.patterns: dict[str, str] = {}
        for cid in self.clients:
            workload = self.resolved[cid].workload
            self.patterns[cid] = workload.pattern if workload is not None else "none"
        self.poisson_clients = {cid for cid, p in self.patterns.items() if p in POISSON_PATTERNS}
        self.stations: dict[str, StationFacts] = {}
        fed_by_broker = broker_fed(self.resolved, self.calls)
        notes_of_links = link_notes(links)
        notes_of_doc = document_notes(doc)
        for cid in self.order_ids:
            rc = self.resolved[cid]
            if rc.type.is_client:
                continue
            notes = (list(base.notes.get(cid, ())) + feature_notes(rc) + notes_of_links.get(cid, [])
                     + notes_of_doc.get(cid, []))
            self.stations[cid] = station_facts(rc, self.calls[cid], service_scv(rc.service),
                                               fed_by_broker.get(cid, False), notes)
        sync = {cid: [c.target for c in out if c.waits] for cid, out in self.calls.items()}
        self.forward_groups = forward_groups(self.calls)
        # Tarjan yields sinks first: every synchronous callee before its callers.
        self.sync_order = [cid for group in strongly_connected(sync) for cid in group]
        self.total_client_rps = sum(self.client_rps.values())

    def at(self, load_factor: float = 1.0, *, saturation: bool = True) -> AnalyticResult:
        """The predictions at ``load_factor`` x the design's workloads.

        ``saturation=False`` skips the search for the saturation load (only
        blocking tiers need one; without them it is a division anyway).
        """
        if not (load_factor >= 0.0 and math.isfinite(load_factor)):
            raise ValueError(f"load_factor must be a finite number >= 0, got {load_factor!r}")
        comps, clients, _ = evaluate(self, load_factor)
        total = self.total_client_rps * load_factor
        weighted, latency_ok, exact_all = 0.0, True, True
        for c in clients.values():
            exact_all = exact_all and c.exact
            if c.mean_latency_ms is None:
                latency_ok = False
            else:
                weighted += c.rate_rps * c.mean_latency_ms
        e2e = weighted / total if latency_ok and total > 0.0 else None
        first, sat_factor = (self._saturation(comps, load_factor) if saturation
                             else (None, None))
        return AnalyticResult(
            load_factor=load_factor,
            offered_rps=total,
            components=MappingProxyType(comps),
            clients=MappingProxyType(clients),
            end_to_end_ms=e2e,
            end_to_end_exact=exact_all and e2e is not None,
            saturation_rps=(sat_factor * self.total_client_rps if sat_factor is not None
                            else None),
            saturates_first=first,
            bottleneck=self._bottleneck(),
            endless=self.endless,
        )

    def _bottleneck(self) -> str | None:
        best, best_demand = None, 0.0
        for cid, st in self.stations.items():
            rate = self.base_rates[cid]
            servers = st.rc.replicas * st.rc.concurrency
            if servers <= 0 or rate <= 0.0:
                continue
            demand = rate * st.service_ms / servers
            if demand > best_demand:
                best, best_demand = cid, demand
        return best

    def _saturation(self, comps: Mapping[str, ComponentPrediction],
                    load_factor: float) -> tuple[str | None, float | None]:
        """The load factor at which the first station reaches rho = 1, and that station.

        Service-only utilization is linear in the load, and without blocking
        tiers that is the answer; a blocking tier's holding time grows with its
        dependencies' queues, so then the factor is searched between a load
        where nothing saturates and the service-only bound (below).
        """
        if self.total_client_rps <= 0.0 or self.endless:
            return None, None
        upper, first = math.inf, None
        for cid, st in self.stations.items():
            servers = st.rc.replicas * st.rc.concurrency
            per_unit = self.base_rates[cid] * st.service_ms / 1000.0 / servers
            if per_unit > 0.0 and 1.0 / per_unit < upper:
                upper, first = 1.0 / per_unit, cid
        if first is None:
            return None, None
        nonlinear = any((st.rc.blocking or st.broker_fed) and any(c.waits for c in self.calls[cid])
                        for cid, st in self.stations.items() if self.base_rates[cid] > 0.0)
        if not nonlinear:
            return first, upper

        # Each station's rho_i(k) is convex and increasing in the load k (k x a
        # holding time that grows convexly with the queues downstream), with
        # rho_i(0) = 0. So the secant of each station through two unsaturated loads,
        # extended, reaches 1 at or beyond where that station saturates: their
        # minimum is an upper bound on the answer that tightens fast. Past the
        # answer, the first saturated station found (callees first) has unsaturated
        # callees, so its rho is finite: regula falsi (Illinois) on peak - 1 over
        # the bracket, evaluating each new bound to learn its value.
        n = sum(1 for cid in self.sync_order if cid in self.stations)
        below: list[tuple[float, list[float]]] = [(0.0, [0.0] * n)]
        lo, f_lo = 0.0, -1.0
        if load_factor > 0.0 and not any(p.saturated for p in comps.values()):
            rhos = [comps[cid].offered_utilization or 0.0
                    for cid in self.sync_order if cid in self.stations]
            below.append((load_factor, rhos))
            lo, f_lo = load_factor, max(rhos, default=0.0) - 1.0
        hi, f_hi, who, found_who = upper, math.nan, first, False
        kept = 0
        for _ in range(100):
            if len(below) >= 2:
                (a, rho_a), (b, rho_b) = below[-2], below[-1]
                for ra, rb in zip(rho_a, rho_b, strict=True):
                    if rb > ra:
                        bound = b + (1.0 - rb) * (b - a) / (rb - ra)
                        if bound < hi:
                            hi, f_hi = bound, math.nan
                below = below[-1:]
            if hi - lo <= SATURATION_TOLERANCE * hi:
                break
            if math.isnan(f_hi):
                x = hi  # learn the bound's value (it is at or past the answer)
            else:
                margin = 1e-3 * (hi - lo)
                x = min(max((lo * f_hi - hi * f_lo) / (f_hi - f_lo), lo + margin), hi - margin)
            peak, found, rhos = peak_utilization(self, x)
            if found is not None:
                hi, f_hi, who, found_who = x, peak - 1.0, found, True
                if not math.isfinite(f_hi):
                    f_hi = 1.0  # an unbounded rate: any positive value keeps the bracket
                if kept == 1:
                    f_lo *= 0.5
                kept = 1
            else:
                lo, f_lo = x, peak - 1.0
                below.append((x, rhos))
                if kept == -1:
                    f_hi *= 0.5
                kept = -1
        if not found_who:  # the bound was reached from below: who saturates just past it
            found = peak_utilization(self, hi * (1.0 + SATURATION_TOLERANCE))[1]
            who = found if found is not None else who
        return who, hi


def analyze(doc: Document, *, load_factor: float = 1.0, base_dir: Path | None = None,
            duration_s: float | None = None, warmup_s: float | None = None,
            saturation: bool = True) -> AnalyticResult:
    """Predict ``doc`` at ``load_factor`` x its workloads (a *valid* document).

    Args:
        doc: A document that passes validation.
        load_factor: Multiplies every client's rate (1: as designed).
        base_dir: The design's folder, for trace workloads.
        duration_s, warmup_s: The run whose measured period the client rates
            are averaged over (default: the document's settings).
        saturation: Search the saturation load (see :meth:`PreparedModel.at`).
    """
    model = PreparedModel(doc, base_dir=base_dir, duration_s=duration_s, warmup_s=warmup_s)
    return model.at(load_factor, saturation=saturation)


def prepare(doc: Document, *, base_dir: Path | None = None, duration_s: float | None = None,
            warmup_s: float | None = None) -> PreparedModel:
    """The load-independent part of :func:`analyze`, for many loads of one design."""
    return PreparedModel(doc, base_dir=base_dir, duration_s=duration_s, warmup_s=warmup_s)



def run_analytic_summary(doc: Document, *, base_dir: Path | None, duration_s: float,
                         warmup_s: float) -> dict[str, object] | None:
    """The ``analytic`` object of a run's ``summary.json`` (``None`` if the model cannot say).

    The rates are averaged over the run's own measured period, so they are
    comparable with the summary's. A trace that cannot be read counts as no
    traffic (the run itself would have refused it); the model never stops a
    run from being written.
    """
    try:
        return analyze(doc, base_dir=base_dir, duration_s=duration_s,
                       warmup_s=warmup_s).to_summary()
    except (ArithmeticError, ValueError):  # a numerical corner the formulas do not cover
        return None
