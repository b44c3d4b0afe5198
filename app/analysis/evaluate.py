"""One evaluation of the analytic model at one load: the queue formulas, station by station.

Stations are visited callees first (reverse topological order of the
synchronous calls), so a blocking caller's holding time can include its
callees' mean responses. Then a forward pass decides which arrival streams
are Poisson, which decides what is exact. :mod:`app.analysis.model` holds
the public API; this module is its engine room.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Final

from app.analysis.flows import Call, poisson_inputs
from app.analysis.queueing import allen_cunneen_wait, mmc_mean_wait, mmck
from app.analysis.results import ClientPrediction, ComponentPrediction
from app.model.document import Document
from app.model.resolve import ResolvedComponent, ResolvedLink, parse_link_key

if TYPE_CHECKING:
    from app.analysis.model import PreparedModel

#: A finite waiting room whose M/M/c/K loss is below this is treated as unbounded
#: (the default room of 1000 places, far from full, must not make every queue M/M/c/K).
NEGLIGIBLE_LOSS: Final = 1e-9

NOTE_BLOCKING: Final = ("blocking: a worker is held for service + the mean downstream "
                        "response (approximate)")
NOTE_REPLICAS: Final = ("replicas: each replica's queue is taken as fed by a Poisson "
                        "1/replicas of the traffic (round robin is more regular: approximate)")
NOTE_PARALLEL: Final = ("parallel fan-out: the slowest call's mean response is used "
                        "(the mean of the maximum is larger: approximate)")
NOTE_NOT_POISSON: Final = ("arrivals are not Poisson (constant or time-varying client, or a "
                           "round-robin split, or non-exponential or saturated upstream): "
                           "taken as Poisson")
NOTE_ALLEN_CUNNEEN: Final = "M/G/c by the Allen–Cunneen approximation"
NOTE_FINITE_NON_EXP: Final = ("finite queue with non-exponential service: M/M/c/K figures "
                              "(approximate)")
NOTE_CONSUMER: Final = ("broker consumer: messages wait in the broker's backlog, not here "
                        "(prefetch = workers); saturation is of its prefetch slots")
NOTE_INFINITE_VARIANCE: Final = "service time of infinite variance: the mean wait is unbounded"
NOTE_ENDLESS: Final = "in or below an async cycle that never dies out: unbounded traffic"


@dataclass(frozen=True, slots=True)
class StationFacts:
    """The load-independent facts of one station."""

    rc: ResolvedComponent
    service_ms: float
    scv: float
    unbounded_variance: bool
    broker_fed: bool
    notes: tuple[str, ...]
    exact_features: bool
    #: The synchronous calls a visit waits for (expected calls > 0).
    waiting: tuple[Call, ...] = ()
    #: A parallel fan-out of waited-for calls.
    parallel: bool = False
    #: A blocking component with waited-for calls: its workers are held through them.
    blocking_wait: bool = False
    #: Notes that do not depend on the load (parallel, blocking, replicas).
    shape_notes: tuple[str, ...] = ()


def station_facts(rc: ResolvedComponent, calls: tuple[Call, ...], scv: float, fed: bool,
                  notes: list[str]) -> StationFacts:
    """The load-independent facts of one station."""
    waiting = tuple(c for c in calls if c.waits and c.per_visit > 0.0)
    parallel = rc.fanout == "parallel" and bool(waiting)
    blocking_wait = rc.blocking and bool(waiting)
    shape = ([NOTE_PARALLEL] if parallel else []) + ([NOTE_BLOCKING] if blocking_wait else [])
    if rc.replicas > 1 and rc.service.mean_ms > 0.0:
        shape.append(NOTE_REPLICAS)
    return StationFacts(rc, rc.service.mean_ms, scv, math.isinf(scv), fed, tuple(notes),
                        not notes, waiting, parallel, blocking_wait, tuple(shape))


def broker_fed(resolved: dict[str, ResolvedComponent],
               calls: dict[str, tuple[Call, ...]]) -> dict[str, bool]:
    """Stations whose every caller is a message broker (their queue is the broker's backlog)."""
    callers: dict[str, set[bool]] = {}
    for source, out in calls.items():
        for call in out:
            callers.setdefault(call.target, set()).add(resolved[source].type.broker)
    return {cid: kinds == {True} for cid, kinds in callers.items()}


def feature_notes(rc: ResolvedComponent) -> list[str]:
    """What the model leaves out for this component's own settings."""
    notes = []
    if rc.failure is not None:
        notes.append("random failures (mtbf/mttr) not modelled")
    if rc.error_rate > 0.0:
        notes.append("error_rate: failed requests skip their downstream calls; "
                     "their retries are not modelled")
    if rc.rate_limit is not None:
        notes.append("rate limit not modelled")
    if rc.autoscaling is not None:
        notes.append("autoscaling not modelled: the design's replicas are used")
    if rc.health_check is not None:
        notes.append("health checks not modelled (no failures)")
    return notes


def link_notes(links: list[ResolvedLink]) -> dict[str, list[str]]:
    """Per target component, what the model leaves out of the links into it."""
    notes: dict[str, list[str]] = {}
    for link in links:
        left = []
        if link.timeout_ms is not None:
            left.append("timeout")
        if link.retries:
            left.append("retries")
        if link.circuit_breaker is not None:
            left.append("circuit breaker")
        if left:
            notes.setdefault(link.target, []).append(
                f"link {link.source}->{link.target}: {', '.join(left)} not modelled")
    return notes


def document_notes(doc: Document) -> dict[str, list[str]]:
    """Per component, design-wide features the model leaves out (chaos, scheduled faults)."""
    notes: dict[str, list[str]] = {}
    ids = {c.id for c in doc.components}
    if doc.chaos is not None:
        for c in doc.components:
            if c.type != "client":
                notes.setdefault(c.id, []).append("chaos failures not modelled")
    for fault in doc.faults:
        pair = parse_link_key(fault.target)
        hit = ([fault.target] if fault.target in ids else [pair[1]] if pair
               else [c.id for c in doc.components if c.zone == fault.target])
        for cid in hit:
            notes.setdefault(cid, []).append(f"scheduled {fault.kind} fault not modelled")
    return notes


@dataclass(slots=True)
class _Figures:
    """One station's figures before exactness is known."""

    lam: float
    holding: float | None
    rho: float | None
    util: float | None
    lq: float | None
    latency: float | None
    response: float | None
    blocking: float
    model: str
    exact_queue: bool
    keeps_poisson: bool
    notes: list[str]
    parallel: bool


def evaluate(
    model: PreparedModel, k: float
) -> tuple[dict[str, ComponentPrediction], dict[str, ClientPrediction], dict[str, bool]]:
    """Every station's and client's predictions at ``k`` x the design's load."""
    rates = {cid: (r * k if k > 0.0 else 0.0) for cid, r in model.base_rates.items()}
    figures: dict[str, _Figures] = {}
    response: dict[str, float | None] = {}
    for cid in model.sync_order:
        facts = model.stations.get(cid)
        if facts is None:
            continue
        fig = _station(facts, rates[cid], response)
        figures[cid] = fig
        response[cid] = fig.response
    keeps = {cid: f.keeps_poisson for cid, f in figures.items()}
    poisson = poisson_inputs(model.patterns, model.calls, keeps, model.forward_groups)
    comps: dict[str, ComponentPrediction] = {}
    whole_exact: dict[str, bool] = {}
    for cid in model.sync_order:  # callees first: a response is exact if its calls' are
        found = figures.get(cid)
        if found is None:
            continue
        fig = found
        facts = model.stations[cid]
        notes = list(facts.notes) + fig.notes
        if fig.lam > 0.0 and not poisson.get(cid, True):
            notes.append(NOTE_NOT_POISSON)
        exact = (facts.exact_features and fig.exact_queue and poisson.get(cid, True)
                 and fig.latency is not None)
        whole_exact[cid] = exact and not fig.parallel and all(
            whole_exact.get(c.target, False) for c in model.calls[cid]
            if c.waits and c.per_visit > 0.0)
        rc = facts.rc
        comps[cid] = ComponentPrediction(
            arrival_rps=fig.lam if math.isfinite(fig.lam) else None,
            replicas=rc.replicas,
            servers=rc.replicas * rc.concurrency,
            service_ms=facts.service_ms,
            holding_ms=fig.holding,
            offered_utilization=fig.rho,
            utilization=fig.util,
            mean_queue=fig.lq,
            mean_latency_ms=fig.latency,
            response_ms=fig.response,
            blocking_probability=fig.blocking,
            model=fig.model,
            exact=exact,
            saturated=fig.rho is None or fig.rho >= 1.0,
            notes=tuple(dict.fromkeys(notes)),
        )
    ordered = {cid: comps[cid] for cid in model.order_ids if cid in comps}
    clients: dict[str, ClientPrediction] = {}
    for cid in model.clients:
        total, ok, exact = 0.0, True, True
        for call in model.calls[cid]:
            if not call.waits or call.per_visit <= 0.0:
                continue
            r = response.get(call.target)
            if r is None:
                ok = False
            else:
                total += call.per_visit * (call.round_trip_ms + r)
            exact = exact and whole_exact.get(call.target, False)
        exact = exact and cid in model.poisson_clients
        clients[cid] = ClientPrediction(rates.get(cid, 0.0) if k > 0 else 0.0,
                                        total if ok else None, exact and ok)
    return ordered, clients, poisson


def _downstream(waiting: tuple[Call, ...], response: dict[str, float | None],
                parallel: bool) -> float | None:
    """Mean time a visit spends in its synchronous calls (ms); ``None`` if unbounded."""
    total = 0.0
    for call in waiting:
        r = response.get(call.target, 0.0)  # not yet known only inside a (refused) sync cycle
        if r is None:
            return None
        part = call.per_visit * (call.round_trip_ms + r)
        total = max(total, part) if parallel else total + part
    return total


def _station(facts: StationFacts, lam: float, response: dict[str, float | None]) -> _Figures:
    rc = facts.rc
    s = facts.service_ms
    c, r = rc.concurrency, rc.replicas
    servers = c * r
    parallel, blocking_wait = facts.parallel, facts.blocking_wait
    notes = list(facts.shape_notes)
    d = _downstream(facts.waiting, response, parallel)
    holding = (s + d if d is not None else None) if blocking_wait else s
    unknown = _Figures(lam, holding, None, None, None, None, None, 0.0, "M/M/c", False,
                       False, notes, parallel)
    if not math.isfinite(lam):
        notes.append(NOTE_ENDLESS)
        return unknown
    if holding is None:
        unknown.util = 1.0
        return unknown
    rho = lam * holding / 1000.0 / servers if servers > 0 else math.inf
    if facts.broker_fed:
        notes.append(NOTE_CONSUMER)
        slots = lam * (s + d) / 1000.0 / servers if d is not None else math.inf
        return _Figures(lam, holding, slots, min(rho, 1.0), 0.0, s,
                        s + d if d is not None else None, 0.0, "broker consumer",
                        False, False, notes, parallel)
    if holding <= 0.0 or lam <= 0.0:
        resp = s + d if d is not None else None
        return _Figures(lam, holding, 0.0, 0.0, 0.0, s, resp, 0.0,
                        "pass-through" if holding <= 0.0 else "M/M/c", True, True, notes,
                        parallel)
    cs2 = facts.scv
    if blocking_wait and d is not None and d > 0.0:
        # Service and downstream time taken as independent; the downstream part as exponential.
        cs2 = (facts.scv * s * s + d * d) / (holding * holding) if math.isfinite(cs2) else cs2
    lam_rep = lam / r
    h_s = holding / 1000.0
    finite = None
    wq_ms: float | None
    lq: float | None
    # p(full) <= rho^(places): far below the threshold the M/M/c/K sum is not needed.
    if rc.queue_capacity is not None and not (
            rho < 1.0 and rho ** rc.queue_capacity < NEGLIGIBLE_LOSS * 1e-3):
        m = mmck(lam_rep, 1.0 / h_s, c, c + rc.queue_capacity)
        if m.blocking >= NEGLIGIBLE_LOSS or rho >= 1.0:
            finite = m
    exponential = cs2 == 1.0
    if finite is not None:
        if not exponential:
            notes.append(NOTE_FINITE_NON_EXP)
        wq_ms = finite.mean_wait * 1000.0
        lq = finite.mean_queue * r
        blocking, model = finite.blocking, "M/M/c/K"
        util = rho * (1.0 - blocking)
        exact_q = exponential and not blocking_wait and r == 1
        keeps = False
    else:
        blocking, util = 0.0, min(rho, 1.0)
        if exponential:
            wait_s, model = mmc_mean_wait(lam_rep, 1.0 / h_s, c), "M/M/c"
        else:
            wait_s = allen_cunneen_wait(lam_rep, h_s, c, cs2)
            model = "M/G/c Allen-Cunneen"
            if c > 1:
                notes.append(NOTE_ALLEN_CUNNEEN)
        if facts.unbounded_variance and not blocking_wait:
            notes.append(NOTE_INFINITE_VARIANCE)
        if math.isfinite(wait_s):
            wq_ms, lq = wait_s * 1000.0, lam * wait_s
        else:
            wq_ms, lq = None, None
        exact_q = (exponential or c == 1) and not blocking_wait and r == 1
        # Burke's theorem needs a stable queue: a saturated one lets through less than
        # it is offered, so what flows on downstream is no longer the Poisson stream.
        keeps = exponential and not blocking_wait and r == 1 and rho < 1.0
    latency = wq_ms + s if wq_ms is not None else None
    resp = latency + d if latency is not None and d is not None else None
    return _Figures(lam, holding, rho, util, lq, latency, resp, blocking, model, exact_q, keeps,
                    notes, parallel)


def peak_utilization(model: PreparedModel, k: float) -> tuple[float, str | None, list[float]]:
    """The largest rho at ``k`` x the load, the first saturated station, every station's rho.

    The saturation search's lean pass: only what rho needs (the holding
    times, hence the callees' mean responses). It stops at the first
    saturated station (callees first) and returns that station's rho as the
    peak (finite: its callees are not saturated; ``inf`` only for an
    unbounded arrival rate) and an empty list; otherwise the peak, ``None``
    and each station's rho in :attr:`PreparedModel.sync_order` order.
    """
    response: dict[str, float | None] = {}
    rhos: list[float] = []
    for cid in model.sync_order:
        facts = model.stations.get(cid)
        if facts is None:
            continue
        fig = _station(facts, model.base_rates[cid] * k, response)
        if fig.rho is None or fig.rho >= 1.0:
            return (math.inf if fig.rho is None else fig.rho), cid, []
        rhos.append(fig.rho)
        response[cid] = fig.response
    return max(rhos, default=0.0), None, rhos
