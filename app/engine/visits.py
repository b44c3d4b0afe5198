"""Expected station visits: client requests flowing through the call graph.

Each link carries, per visit of its source, the expected number of calls:
its probability, times a cache's miss ratio, times ``1 + retries`` (the
worst case: every attempt fails or times out); a balancer or gateway sends
each request down one link, by its routing shares. Visits then flow in
topological order of the graph's strongly connected groups; a group is a
cycle through async links (synchronous cycles are refused by validation),
whose traffic equations are solved exactly, or found endless.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Mapping
from typing import Final

import numpy as np

from app.model.catalog import COMPONENT_TYPES
from app.model.document import Document, Link
from app.model.graph_checks import shortest_cycle, strongly_connected
from app.model.resolve import DEFAULT_HIT_RATIO

#: A cycle of async links multiplying its inflow more than this is refused as
#: endless (a loop gain this close to 1 cannot be told from 1).
ENDLESS_AMPLIFICATION: Final = 1e6
#: Cycle groups up to this size are solved densely; larger ones with scipy.sparse.
_DENSE_SOLVE_LIMIT: Final = 400


def _attempts(link: Link) -> float:
    if link.mode == "async":
        return 1.0  # fire and forget: the engine neither waits nor retries
    # Worst case: every attempt fails or times out, so every retry is made.
    return 1.0 + float(link.retries or 0)


def _link_factors(doc: Document) -> dict[str, list[tuple[str, float]]]:
    """For each component, its outgoing (target, expected calls per visit)."""
    out: dict[str, list[tuple[str, float]]] = {c.id: [] for c in doc.components}
    types = {c.id: COMPONENT_TYPES[c.type] for c in doc.components}
    comps = {c.id: c for c in doc.components}
    by_source: dict[str, list[Link]] = {}
    for link in doc.links:
        by_source.setdefault(link.source, []).append(link)
    for source, links in by_source.items():
        comp = comps[source]
        ctype = types[source]
        if ctype.balancer and not ctype.is_client:
            # A balancer sends each request down exactly one link, by its shares.
            algorithm = comp.routing.algorithm if comp.routing else "round_robin"
            weights = [1.0 if link.weight is None else float(link.weight) for link in links]
            if algorithm not in ("random", "weighted_round_robin") or sum(weights) <= 0:
                weights = [1.0] * len(links)
            total = sum(weights)
            for link, weight in zip(links, weights, strict=True):
                out[source].append((link.target, weight / total * _attempts(link)))
            continue
        miss = 1.0
        if ctype.caching:
            miss = 1.0 - (comp.hit_ratio if comp.hit_ratio is not None else DEFAULT_HIT_RATIO)
        for link in links:
            probability = 1.0 if link.probability is None else float(link.probability)
            out[source].append((link.target, miss * probability * _attempts(link)))
    return out


def solve_cycle(
    members: list[str], inflow: dict[str, float], calls: dict[str, list[tuple[str, float]]]
) -> tuple[dict[str, float], bool]:
    """Visits inside one strongly connected group: the traffic equations ``x = b + M x``.

    For a non-negative, irreducible ``M`` and ``b >= 0`` (not all zero), a
    non-negative solution exists exactly when the spectral radius of ``M`` is
    below 1 (Perron-Frobenius); otherwise every message makes at least one
    more on average and the work never dies out. A solution amplifying the
    inflow more than :data:`ENDLESS_AMPLIFICATION` times is taken as endless
    too: rounding cannot tell it from a loop gain of exactly 1.

    Returns the visits per member and whether the group is endless.
    """
    index = {cid: i for i, cid in enumerate(members)}
    src, dst, factor = [], [], []
    for cid in members:
        for target, f in calls[cid]:
            if target in index and f > 0.0:
                src.append(index[cid])
                dst.append(index[target])
                factor.append(f)
    b = np.array([inflow.get(cid, 0.0) for cid in members], dtype=np.float64)
    if not b.any():
        return dict.fromkeys(members, 0.0), False
    if not np.all(np.isfinite(b)):  # fan-out upstream already overflowed
        return dict.fromkeys(members, math.inf), False
    n = len(members)
    endless = dict.fromkeys(members, math.inf), True
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if n <= _DENSE_SOLVE_LIMIT:
            matrix = np.eye(n)
            np.subtract.at(matrix, (np.array(dst), np.array(src)), np.array(factor))
            try:
                x = np.linalg.solve(matrix, b)
            except np.linalg.LinAlgError:
                return endless
        else:  # a large cycle group: rare, so scipy's import is paid only then
            from scipy.sparse import csc_matrix, identity
            from scipy.sparse.linalg import spsolve

            coupling = csc_matrix((factor, (dst, src)), shape=(n, n))
            x = np.asarray(spsolve((identity(n, format="csc") - coupling).tocsc(), b))
    if not np.all(np.isfinite(x)) or float(x.min()) < 0.0:
        return endless
    if float(x.sum()) > ENDLESS_AMPLIFICATION * float(b.sum()):
        return endless
    return dict(zip(members, x.tolist(), strict=True)), False


def station_visits(
    doc: Document, requests_by_client: Mapping[str, float]
) -> tuple[dict[str, float], tuple[str, ...]]:
    """Expected visits of every component, from the clients' requests.

    Visits flow along the links in topological order of the call graph's
    strongly connected groups; inside a group (a cycle through async links)
    the traffic equations are solved by their power series. Returns the
    visits per component (clients: their requests) and the members of an
    endless async cycle, if any (then some visits are ``inf``).
    """
    calls = _link_factors(doc)
    visits, diverging = propagate_flows(requests_by_client, calls)
    endless: tuple[str, ...] = ()
    if diverging:
        adjacency = {cid: [t for t, _ in targets] for cid, targets in calls.items()}
        order = {cid: i for i, cid in enumerate(calls)}
        start = min(diverging, key=order.__getitem__)
        endless = (*shortest_cycle(start, set(diverging), adjacency), start)
    return visits, endless


def propagate_flows(
    sources: Mapping[str, float], calls: dict[str, list[tuple[str, float]]]
) -> tuple[dict[str, float], list[str]]:
    """Amounts through a call graph: ``sources`` in, ``calls`` (node -> (target, factor)).

    Flows go along the strongly connected groups in topological order; inside
    a group (a cycle) the traffic equations are solved (:func:`solve_cycle`).
    Returns the amount at every node of ``calls`` and the members of the first
    group whose amounts never die out (empty when none does). The engine's work
    estimate (visits) and the analytic model (arrival rates) share it.
    """
    adjacency = {cid: [t for t, _ in targets] for cid, targets in calls.items()}
    amounts: dict[str, float] = dict.fromkeys(calls, 0.0)
    inflow: dict[str, float] = {cid: float(sources.get(cid, 0.0)) for cid in calls}
    diverging: list[str] = []
    groups = list(strongly_connected(adjacency))
    groups.reverse()  # Tarjan yields sinks first
    for members in groups:
        if len(members) == 1:
            solved = {members[0]: inflow[members[0]]}
        else:
            solved, diverges = solve_cycle(members, inflow, calls)
            if diverges and not diverging:
                diverging = list(members)
        member_set = set(members)
        for cid, amount in solved.items():
            amounts[cid] = amount
            if amount <= 0.0:
                continue
            for target, f in calls[cid]:
                if f > 0.0 and target not in member_set:
                    inflow[target] += amount * f
    return amounts, diverging
