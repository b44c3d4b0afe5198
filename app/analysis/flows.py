"""Arrival rates from the design alone: client workloads flowing through the call graph.

Each link carries, per visit of its source, the expected number of calls the
engine makes over it (:mod:`app.engine.visit`, :mod:`app.engine.messaging`):

* a client, and any station that is neither a balancer nor a cache, calls
  each outgoing link with the link's ``probability`` (sequential and
  parallel fan-out alike: both call every chosen link once);
* a cache or CDN calls its links only on a miss: ``(1 - hit_ratio) x probability``;
* a load balancer or gateway sends each request down exactly one link:
  ``random`` and ``weighted_round_robin`` by the links' weights,
  ``consistent_hash`` by the share of the hash ring each target owns (the
  engine's own ring of 100 CRC32 points per target, measured exactly),
  ``round_robin`` equally, and ``least_connections`` /
  ``least_response_time`` equally too (exact for identical targets; an
  approximation otherwise, noted);
* a message broker offers each stored message to each subscription with
  the link's probability;
* a station with an ``error_rate`` fails that share after its service,
  before any downstream call.

Retries are ignored (first order: the model has no failures, so no attempt
is repeated) — unlike the work budget, which counts every retry as made.

Rates are the traffic equations' solution: in topological order of the call
graph's strongly connected groups, and for a cycle (through async links;
synchronous cycles are refused by validation) the linear system
``x = b + M x`` is solved exactly (:func:`app.engine.visits.solve_cycle`,
the budget's solver, so there is one). A cycle whose loop gain is 1 or more
never settles: its members (and what they feed) get an infinite rate, and
:attr:`Flows.endless` names them.
"""

from __future__ import annotations

import math
import zlib
from dataclasses import dataclass
from pathlib import Path

from app.engine.routing import VIRTUAL_NODES
from app.engine.trace_files import WorkloadError
from app.engine.visits import propagate_flows
from app.engine.workloads import expected_requests
from app.model.document import Document, Workload
from app.model.graph_checks import strongly_connected
from app.model.resolve import ResolvedComponent, ResolvedLink

#: Patterns whose arrivals are a homogeneous Poisson process.
POISSON_PATTERNS = frozenset({"poisson"})
_RING = float(2**32)


@dataclass(frozen=True, slots=True)
class Call:
    """One outgoing link as the analytic model sees it.

    Attributes:
        target: The called component.
        per_visit: Expected calls over this link per visit of the source.
        round_trip_ms: Link latency both ways plus the response's transmission time.
        waits: Whether the source's visit waits for the answer (a synchronous
            call; False for an async link and for a broker's subscription).
        poisson_split: Whether the calls are a random (Bernoulli) thinning of
            the source's departures, which keeps a Poisson stream Poisson.
    """

    target: str
    per_visit: float
    round_trip_ms: float
    waits: bool
    poisson_split: bool


@dataclass(frozen=True, slots=True)
class Flows:
    """Arrival rates of every component at one load.

    Attributes:
        client_rps: Each client's mean offered rate over the measured period (req/s).
        arrival_rps: Each component's arrival rate (clients: their own rate);
            ``inf`` inside and below an endless async cycle.
        calls: Each component's outgoing calls, in the design's order.
        endless: Members of an async cycle whose traffic never dies out (empty if none).
        notes: Per component, what the rates leave out (a trace that could
            not be read, balancing shares assumed equal).
    """

    client_rps: dict[str, float]
    arrival_rps: dict[str, float]
    calls: dict[str, tuple[Call, ...]]
    endless: tuple[str, ...]
    notes: dict[str, tuple[str, ...]]


def workload_mean_rps(
    w: Workload, start_s: float, end_s: float, base_dir: Path | None = None
) -> float:
    """A workload's mean rate over ``[start_s, end_s]``: the engine's exact integrals.

    That is the rate the run's summary measures after its warm-up (a ramp's
    or a step's mean over the measured period, a spike's duty-cycle average,
    a diurnal wave's average over the part of the period that is measured).

    Raises:
        WorkloadError: A trace file cannot be used.
    """
    span = end_s - start_s
    if span <= 0.0:
        raise ValueError(f"the measured period must be positive, got {start_s}..{end_s}")
    done = expected_requests(w, end_s, base_dir)
    before = expected_requests(w, start_s, base_dir) if start_s > 0.0 else 0.0
    return max(0.0, done - before) / span


def ring_shares(targets: list[str]) -> list[float]:
    """Share of the consistent-hash ring each target owns (the engine's ring, exactly).

    A request's key hashes uniformly over 2^32 and goes to the first ring
    point at or after it (wrapping), so a point owns the arc from the
    previous point to itself.
    """
    ring = sorted(
        (zlib.crc32(f"{target}#{v}".encode()), i)
        for i, target in enumerate(targets)
        for v in range(VIRTUAL_NODES)
    )
    shares = [0.0] * len(targets)
    previous = ring[-1][0] - 2**32
    for point, owner in ring:
        shares[owner] += (point - previous) / _RING
        previous = point
    return shares


def _balancer_shares(rc: ResolvedComponent, links: list[ResolvedLink]) -> tuple[list[float], bool]:
    """Shares of a balancer's links, and whether they are a random split."""
    algorithm = rc.routing
    if algorithm in ("random", "weighted_round_robin"):
        weights = [link.weight for link in links]
        total = sum(weights)
        if total > 0.0:
            return [w / total for w in weights], algorithm == "random"
    if algorithm == "consistent_hash":
        return ring_shares([link.target for link in links]), True
    return [1.0 / len(links)] * len(links), False


def build_calls(
    resolved: dict[str, ResolvedComponent], links: list[ResolvedLink]
) -> tuple[dict[str, tuple[Call, ...]], dict[str, tuple[str, ...]]]:
    """Every component's outgoing calls per visit, and notes on approximated shares."""
    by_source: dict[str, list[ResolvedLink]] = {cid: [] for cid in resolved}
    for link in links:
        by_source[link.source].append(link)
    calls: dict[str, tuple[Call, ...]] = {}
    notes: dict[str, tuple[str, ...]] = {}
    for cid, out in by_source.items():
        rc = resolved[cid]
        if not out:
            calls[cid] = ()
            continue
        ok = 1.0 - rc.error_rate
        made: list[Call] = []
        if rc.type.balancer and not rc.type.is_client:
            shares, random_split = _balancer_shares(rc, out)
            if rc.routing in ("least_connections", "least_response_time"):
                notes[cid] = (f"{rc.routing} taken as an equal split over the targets",)
            for link, share in zip(out, shares, strict=True):
                made.append(Call(link.target, ok * share, _round_trip(link, resolved),
                                 not link.asynchronous, random_split))
        else:
            miss = 1.0 - rc.hit_ratio if rc.type.caching else 1.0
            for link in out:
                made.append(Call(link.target, ok * miss * link.probability,
                                 _round_trip(link, resolved),
                                 not (link.asynchronous or rc.type.broker), True))
        calls[cid] = tuple(made)
    return calls, notes


def _round_trip(link: ResolvedLink, resolved: dict[str, ResolvedComponent]) -> float:
    payload = resolved[link.target].payload_kb
    tx = payload * 8.0 / link.bandwidth_mbps if link.bandwidth_mbps and payload > 0 else 0.0
    return 2.0 * link.latency_ms + tx


def client_rates(
    doc: Document,
    resolved: dict[str, ResolvedComponent],
    *,
    start_s: float,
    end_s: float,
    base_dir: Path | None = None,
) -> tuple[dict[str, float], dict[str, tuple[str, ...]]]:
    """Each client's mean rate over the measured period, and notes on unreadable traces."""
    rates: dict[str, float] = {}
    notes: dict[str, tuple[str, ...]] = {}
    for comp in doc.components:
        rc = resolved[comp.id]
        if not rc.type.is_client:
            continue
        if rc.workload is None:
            rates[comp.id] = 0.0
            continue
        try:
            rates[comp.id] = workload_mean_rps(rc.workload, start_s, end_s, base_dir)
        except (WorkloadError, OSError) as exc:
            rates[comp.id] = 0.0
            notes[comp.id] = (f"trace not read ({exc}): its rate is taken as 0",)
    return rates, notes


def solve_flows(
    client_rps: dict[str, float],
    calls: dict[str, tuple[Call, ...]],
) -> tuple[dict[str, float], tuple[str, ...]]:
    """Arrival rates: the traffic equations over the call graph (see the module docstring)."""
    factors = {cid: [(c.target, c.per_visit) for c in out] for cid, out in calls.items()}
    rates, diverging = propagate_flows(client_rps, factors)
    return rates, tuple(diverging)


def forward_groups(calls: dict[str, tuple[Call, ...]]) -> list[list[str]]:
    """The call graph's strongly connected groups, callers before callees."""
    adjacency = {cid: [c.target for c in out] for cid, out in calls.items()}
    groups = list(strongly_connected(adjacency))
    groups.reverse()  # Tarjan yields sinks first
    return groups


def poisson_inputs(
    client_patterns: dict[str, str],
    calls: dict[str, tuple[Call, ...]],
    keeps_poisson: dict[str, bool],
    groups: list[list[str]],
) -> dict[str, bool]:
    """Whether each component's arrivals form a Poisson stream.

    A Poisson client's stream stays Poisson through random splits (link
    probabilities, cache misses, random and hash routing) and merges, and
    through stations whose departures are Poisson (``keeps_poisson``:
    M/M/c with an unbounded queue, by Burke's theorem, or a station with no
    service time). Round robin and weighted round robin make the stream more
    regular than Poisson; a constant or time-varying client is not Poisson.
    ``groups`` is :func:`forward_groups` of ``calls``.
    """
    poisson = dict.fromkeys(calls, True)
    for cid, pattern in client_patterns.items():
        if pattern not in POISSON_PATTERNS:
            poisson[cid] = False
    for members in groups:
        ok = all(poisson[m] for m in members)
        for m in members:
            poisson[m] = ok
        for m in members:
            out_ok = ok and (keeps_poisson.get(m, True) or m in client_patterns)
            for call in calls[m]:
                if call.per_visit > 0.0 and not (out_ok and call.poisson_split):
                    poisson[call.target] = False
    return poisson


def flows(
    doc: Document,
    resolved: dict[str, ResolvedComponent],
    links: list[ResolvedLink],
    *,
    start_s: float,
    end_s: float,
    load_factor: float = 1.0,
    base_dir: Path | None = None,
) -> Flows:
    """Every component's arrival rate at ``load_factor`` x the design's workloads."""
    if not (load_factor >= 0.0 and math.isfinite(load_factor)):
        raise ValueError(f"load_factor must be a finite number >= 0, got {load_factor!r}")
    base, notes = client_rates(doc, resolved, start_s=start_s, end_s=end_s, base_dir=base_dir)
    scaled = {cid: rate * load_factor for cid, rate in base.items()}
    calls, call_notes = build_calls(resolved, links)
    rates, endless = solve_flows(scaled, calls)
    merged = dict(call_notes)
    for cid, extra in notes.items():
        merged[cid] = merged.get(cid, ()) + extra
    return Flows(scaled, rates, calls, endless, merged)

