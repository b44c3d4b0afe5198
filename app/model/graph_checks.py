"""Checks that need the whole design: ids, links, clients and call cycles.

Used by :func:`app.model.validation.validate`; see there for severities.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterator, Mapping

from app.model.catalog import COMPONENT_TYPES
from app.model.document import LINK_MODES, Document, Link
from app.model.errors import INCOMPLETE, Problem
from app.model.limits import (
    MAX_LINK_WEIGHT,
    MAX_NETWORK_MBPS,
    MAX_PAYLOAD_KB,
    MAX_RETRIES,
    MAX_SERVICE_MS,
)
from app.model.resilience_checks import check_link_resilience
from app.model.value_checks import Checker, describe, is_number, suggest

#: Components of a call cycle named in its message (a cycle can hold thousands).
_CYCLE_SHOWN = 8


def check_graph(doc: Document, problems: list[Problem]) -> None:
    """Append the problems with ids, links, clients and synchronous call cycles in ``doc``."""
    known = _check_ids(doc, problems)
    _check_links(doc, known, problems)
    _check_weights(doc, problems)
    _check_clients(doc, problems)
    problems.extend(_cycle_problems(doc, known))


def _check_ids(doc: Document, problems: list[Problem]) -> set[str]:
    """Report duplicate ids; return the set of ids (first occurrences)."""
    first_index: dict[str, int] = {}
    for index, comp in enumerate(doc.components):
        if not isinstance(comp.id, str):
            continue
        if comp.id in first_index:
            problems.append(Problem(
                f"$.components[{index}].id",
                f"duplicate id {describe(comp.id)}: component ids must be unique "
                f"(first used by component {first_index[comp.id] + 1})",
                "error",
                (comp.id,),
            ))
        else:
            first_index[comp.id] = index
    return set(first_index)


def _endpoints(link: Link, known: set[str]) -> tuple[str, ...]:
    source, target = link.source, link.target
    ends = (source,) if source == target else (source, target)
    return tuple(end for end in ends if isinstance(end, str) and end in known)


def _end_ok(ck: Checker, path: str, value: object, known: set[str]) -> bool:
    """A link end names an existing component (ids were checked on the components)."""
    if isinstance(value, str) and value in known:
        return True
    if ck.identifier(path, value):
        hint = "" if ck.full else suggest(str(value), known)
        ck.fail(path, f"no component has id {describe(value)}{hint}")
    return False


def _check_links(doc: Document, known: set[str], problems: list[Problem]) -> None:
    seen: set[tuple[str, str]] = set()
    client_ids = {c.id for c in doc.components if c.type == "client"}
    payloads = {c.id: c.payload_kb for c in doc.components
                if isinstance(c.id, str) and is_number(c.payload_kb)}
    for index, link in enumerate(doc.links):
        path = f"$.links[{index}]"
        ck = Checker(problems, _endpoints(link, known))
        source_ok = _end_ok(ck, f"{path}.source", link.source, known)
        if _end_ok(ck, f"{path}.target", link.target, known) and source_ok:
            key = (link.source, link.target)
            if link.source == link.target:
                ck.fail(path, f"a component cannot call itself ({describe(link.source)})")
            elif key in seen:
                ck.fail(path, f"duplicate link {describe(link.source)} -> "
                              f"{describe(link.target)}: one link per ordered pair")
            seen.add(key)
            if link.target in client_ids:
                problems.append(Problem(
                    f"{path}.target",
                    "a client serves no requests: links cannot lead into it",
                    INCOMPLETE,
                    ck.component_ids,
                ))
        if link.latency_ms is not None:
            ck.number(f"{path}.latency_ms", link.latency_ms, minimum=0.0, limit=MAX_SERVICE_MS)
        if link.bandwidth_mbps is not None and ck.number(
            f"{path}.bandwidth_mbps", link.bandwidth_mbps, above=0.0, limit=MAX_NETWORK_MBPS
        ):
            _check_transfer(ck, path, link, payloads)
        if link.probability is not None:
            ck.number(f"{path}.probability", link.probability, minimum=0.0, maximum=1.0)
        if link.weight is not None:
            ck.number(f"{path}.weight", link.weight, minimum=0.0, limit=MAX_LINK_WEIGHT)
        if link.timeout_ms is not None:
            ck.number(f"{path}.timeout_ms", link.timeout_ms, above=0.0, limit=MAX_SERVICE_MS)
        if link.retries is not None:
            ck.integer(f"{path}.retries", link.retries, minimum=0, maximum=MAX_RETRIES)
        if link.mode is not None:
            ck.choice(f"{path}.mode", link.mode, LINK_MODES, "link mode")
        check_link_resilience(ck, link, path)


def _check_transfer(ck: Checker, path: str, link: Link, payloads: Mapping[str, object]) -> None:
    """The target's payload must cross the link in bounded time."""
    payload = payloads.get(link.target) if isinstance(link.target, str) else None
    if not isinstance(payload, int | float) or not 0 < payload <= MAX_PAYLOAD_KB:
        return
    assert link.bandwidth_mbps is not None
    transfer_ms = payload * 8.0 / link.bandwidth_mbps
    if transfer_ms > MAX_SERVICE_MS:
        ck.fail(f"{path}.bandwidth_mbps", f"takes {transfer_ms:.3g} ms to carry the target's "
                                          f"{payload:g} KB payload; at most {MAX_SERVICE_MS:g}")


def _check_weights(doc: Document, problems: list[Problem]) -> None:
    """A balancer whose links all weigh 0 has nowhere to send a request."""
    balancers = {c.id for c in doc.components
                 if c.type in COMPONENT_TYPES and COMPONENT_TYPES[c.type].balancer}
    weights: dict[str, list[tuple[int, float]]] = {}
    for index, link in enumerate(doc.links):
        if link.source in balancers and (link.weight is None or is_number(link.weight)):
            weights.setdefault(str(link.source), []).append(
                (index, 1.0 if link.weight is None else float(link.weight)))
    for source, entries in weights.items():
        if all(weight == 0 for _, weight in entries):
            first = entries[0][0]
            problems.append(Problem(
                f"$.links[{first}].weight",
                f"every link out of the balancer {describe(source)} has weight 0: give at "
                "least one a positive weight",
                "error", (source,),
            ))


def _check_clients(doc: Document, problems: list[Problem]) -> None:
    sources = {link.source for link in doc.links}
    has_client = False
    for index, comp in enumerate(doc.components):
        if comp.type != "client":
            continue
        has_client = True
        path = f"$.components[{index}]"
        ids = (comp.id,) if isinstance(comp.id, str) else ()
        if comp.workload is None:
            problems.append(Problem(
                f"{path}.workload",
                'a client needs a workload, e.g. {"pattern": "poisson", "rate_rps": 100}',
                INCOMPLETE, ids,
            ))
        if comp.id not in sources:
            problems.append(Problem(
                path, "the client calls nothing: link it to the component it uses",
                INCOMPLETE, ids,
            ))
    if not has_client:
        problems.append(Problem(
            "$.components", "there is no client component: add one to generate traffic",
            INCOMPLETE,
        ))


def _sync_graph(doc: Document, known: set[str]) -> tuple[dict[str, list[str]], dict[
        tuple[str, str], int]]:
    """Adjacency of the synchronous links between existing components."""
    adjacency: dict[str, list[str]] = {}
    for comp in doc.components:
        if isinstance(comp.id, str):
            adjacency.setdefault(comp.id, [])
    first_link: dict[tuple[str, str], int] = {}
    for index, link in enumerate(doc.links):
        if link.mode == "async" or link.source == link.target:
            continue
        if link.source in known and link.target in known and link.key not in first_link:
            first_link[link.key] = index
            adjacency[link.source].append(link.target)
    return adjacency, first_link


def strongly_connected(adjacency: dict[str, list[str]]) -> Iterator[list[str]]:
    """Tarjan's algorithm, iterative (a deep chain must not hit the recursion limit)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    for root, root_successors in adjacency.items():
        if root in index:
            continue
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        work: list[tuple[str, Iterator[str]]] = [(root, iter(root_successors))]
        while work:
            node, successors = work[-1]
            for nxt in successors:
                if nxt not in index:
                    index[nxt] = low[nxt] = len(index)
                    stack.append(nxt)
                    on_stack.add(nxt)
                    work.append((nxt, iter(adjacency[nxt])))
                    break
                if nxt in on_stack:
                    low[node] = min(low[node], index[nxt])
            else:
                work.pop()
                if work:
                    parent = work[-1][0]
                    low[parent] = min(low[parent], low[node])
                if low[node] == index[node]:
                    members: list[str] = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        members.append(member)
                        if member == node:
                            break
                    yield members


def shortest_cycle(start: str, members: set[str], adjacency: dict[str, list[str]]) -> list[str]:
    """A shortest cycle through ``start`` inside one strongly connected component."""
    parent: dict[str, str] = {start: start}
    queue = deque([start])
    while queue:
        node = queue.popleft()
        for nxt in adjacency[node]:
            if nxt == start:
                cycle = [node]
                while cycle[-1] != start:
                    cycle.append(parent[cycle[-1]])
                return cycle[::-1]
            if nxt in members and nxt not in parent:
                parent[nxt] = node
                queue.append(nxt)
    return [start]  # unreachable for a real strongly connected component


def _cycle_problems(doc: Document, known: set[str]) -> list[Problem]:
    adjacency, first_link = _sync_graph(doc, known)
    order = {cid: i for i, cid in enumerate(adjacency)}
    found: list[tuple[int, Problem]] = []
    for members in strongly_connected(adjacency):
        if len(members) < 2:
            continue
        start = min(members, key=order.__getitem__)
        cycle = shortest_cycle(start, set(members), adjacency)
        closing = cycle[1] if len(cycle) > 1 else start
        shown = " -> ".join([*cycle, start]) if len(cycle) <= _CYCLE_SHOWN else (
            " -> ".join(cycle[:_CYCLE_SHOWN]) + f" -> ... -> {start} ({len(cycle)} components)")
        found.append((order[start], Problem(
            f"$.links[{first_link[(start, closing)]}]",
            f"synchronous call cycle {shown}: a request would call itself forever "
            "(make one of these links async)",
            INCOMPLETE,
            tuple(cycle),
        )))
    return [problem for _, problem in sorted(found, key=lambda item: item[0])]
