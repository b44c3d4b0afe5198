"""The work budget: what a run will really do, estimated before it is built.

A design file is small; the work it asks for need not be. Ten requests into
a 25-layer DAG of fan-outs make billions of station visits; retries multiply
along a call chain; a cycle of async links re-generates work forever; a tiny
window makes millions of metric windows; a step to 10^12 req/s after the
run's end still used to cost its generator. :func:`estimate_work` counts all
of that from the document alone (nothing is built, nothing is run), and
:func:`check_run_budget` turns it into problems that name the cause and the
flag to raise. The CLI refuses such a run; the GUI asks before starting it.

:class:`RunGuard` is the run-time backstop: between slices the engine asks
it whether the visits so far exceed the budget (or a multiple of the
estimate) or memory has grown beyond a limit, and stops the run cleanly if so.

Units: one *work unit* is one station visit (a request's stay at one
component), one extra arrival candidate drawn by a thinned workload, or
1/:data:`WINDOW_CELL_WORK` of a component-window (one component's metrics
for one window: a snapshot and a dozen CSV rows).
"""

from __future__ import annotations

import math
import os
import sys
import warnings
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Final

import numpy as np

from app.engine.trace_files import TraceOutsideFolderError, WorkloadError, shown_path
from app.engine.workloads import THINNED_PATTERNS, expected_candidates, expected_requests
from app.model.catalog import COMPONENT_TYPES
from app.model.document import Component, Document, Link
from app.model.graph_checks import _shortest_cycle, _strongly_connected

if TYPE_CHECKING:
    from app.engine.simulation import Simulation

#: Default of ``--max-requests``: client requests a run may create.
DEFAULT_MAX_REQUESTS: Final = 50_000_000
#: Default of ``--max-work``: station visits + extra arrival candidates +
#: component-windows x :data:`WINDOW_CELL_WORK` (a few minutes of engine time).
DEFAULT_MAX_WORK: Final = 100_000_000
#: Work units one component-window counts for: its snapshot, a dozen CSV rows
#: and the GUI's chart points cost far more than a visit, and they are what a
#: tiny window multiplies (10^6 windows of two series wrote 82 MB of CSV).
WINDOW_CELL_WORK: Final = 100
#: Replicas over all components (each holds a queue): a hard, memory limit.
MAX_TOTAL_REPLICAS: Final = 100_000
#: Metric windows in a run (the GUI's buffers), whatever ``--duration`` says.
MAX_RUN_WINDOWS: Final = 1_000_000
#: The run-time guard stops a run whose visits exceed this multiple of the
#: estimate (plus :data:`GUARD_SLACK_VISITS`): the estimate was wrong.
GUARD_ESTIMATE_FACTOR: Final = 10.0
GUARD_SLACK_VISITS: Final = 100_000
#: Resident memory a run may add, at most (and at most half the machine's memory).
MAX_MEMORY_GROWTH_BYTES: Final = 4 * 1024**3
#: A cycle of async links multiplying its inflow more than this is refused as
#: endless (a loop gain this close to 1 cannot be told from 1).
ENDLESS_AMPLIFICATION: Final = 1e6
#: Cycle groups up to this size are solved densely; larger ones with scipy.sparse.
_DENSE_SOLVE_LIMIT: Final = 400

FLAG_MAX_REQUESTS: Final = "--max-requests"
FLAG_MAX_WORK: Final = "--max-work"
FLAG_ALLOW_OUTSIDE: Final = "--allow-outside-trace"


@dataclass(frozen=True)
class BudgetProblem:
    """One reason a run should not start as it stands.

    Attributes:
        cause: What is too big: ``"requests"``, ``"visits"``, ``"arrivals"``,
            ``"windows"``, ``"replicas"``, ``"async_cycle"``, ``"trace"`` or
            ``"trace_outside"``.
        message: One line naming the cause and what to change.
        flag: The CLI flag that raises the limit or allows it
            (``"--max-requests"``, ``"--max-work"``, ``"--allow-outside-trace"``);
            ``None`` for a hard limit (the run cannot be made as it stands).
        component_ids: Components the problem is about (GUI markers).
    """

    cause: str
    message: str
    flag: str | None = None
    component_ids: tuple[str, ...] = ()

    @property
    def overridable(self) -> bool:
        """True when the user may choose to run anyway (the GUI asks; the CLI has a flag)."""
        return self.flag is not None

    def __str__(self) -> str:
        return self.message


@dataclass(frozen=True)
class WorkEstimate:
    """What a run would do, from the document alone.

    Attributes:
        requests: Client requests expected before the end.
        candidates: Arrival candidates the generators draw (>= requests for
            thinned patterns).
        visits: Station visits, counting every retry as made (the worst case)
            and every link taken with its probability, caches missing with
            ``1 - hit_ratio`` and balancers splitting by their shares.
            ``inf`` when an async cycle re-generates work forever.
        windows: Metric windows.
        series: Series per window (one per station, plus end to end).
        replicas: Replicas over all stations.
        endless_cycle: Components of an async cycle that never dies out (empty if none).
        busiest: The station with the most visits, and its visits.
    """

    requests: float
    candidates: float
    visits: float
    windows: int
    series: int
    replicas: int
    endless_cycle: tuple[str, ...] = ()
    busiest: tuple[str, float] | None = None

    @property
    def cells(self) -> int:
        """Component-windows: ``windows * series``."""
        return self.windows * self.series

    @property
    def work(self) -> float:
        """Work units (see the module docstring)."""
        return (
            self.visits + max(0.0, self.candidates - self.requests)
            + WINDOW_CELL_WORK * float(self.cells)
        )


def window_count(duration_s: float, window_s: float) -> int:
    """Windows a run of ``duration_s`` makes (the last one may be short)."""
    ratio = duration_s / window_s
    if not math.isfinite(ratio):
        return sys.maxsize
    return max(1, math.ceil(ratio * (1.0 - 1e-12)))


def _attempts(link: Link) -> float:
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
            miss = 1.0 - (comp.hit_ratio if comp.hit_ratio is not None else _default_hit())
        for link in links:
            probability = 1.0 if link.probability is None else float(link.probability)
            out[source].append((link.target, miss * probability * _attempts(link)))
    return out


def _default_hit() -> float:
    from app.model.resolve import DEFAULT_HIT_RATIO

    return DEFAULT_HIT_RATIO


def _solve_cycle(
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
    adjacency = {cid: [t for t, _ in targets] for cid, targets in calls.items()}
    visits: dict[str, float] = dict.fromkeys(calls, 0.0)
    inflow: dict[str, float] = {cid: float(requests_by_client.get(cid, 0.0)) for cid in calls}
    endless: tuple[str, ...] = ()
    groups = list(_strongly_connected(adjacency))
    groups.reverse()  # Tarjan yields sinks first
    for members in groups:
        if len(members) == 1:
            solved = {members[0]: inflow[members[0]]}
        else:
            solved, diverges = _solve_cycle(members, inflow, calls)
            if diverges and not endless:
                order = {cid: i for i, cid in enumerate(calls)}
                start = min(members, key=order.__getitem__)
                cycle = _shortest_cycle(start, set(members), adjacency)
                endless = (*cycle, start)
        member_set = set(members)
        for cid, amount in solved.items():
            visits[cid] = amount
            if amount <= 0.0:
                continue
            for target, f in calls[cid]:
                if f > 0.0 and target not in member_set:
                    inflow[target] += amount * f
    return visits, endless


def client_counts(
    comp: Component,
    duration_s: float,
    base_dir: Path | None = None,
    *,
    allow_outside_files: bool = False,
) -> tuple[float, float]:
    """Expected requests and arrival candidates of one client over ``duration_s``.

    Raises:
        WorkloadError: A trace file cannot be used (see :mod:`app.engine.trace_files`).
    """
    workload = comp.workload
    if workload is None:
        return 0.0, 0.0
    n = expected_requests(workload, duration_s, base_dir, allow_outside=allow_outside_files)
    if workload.pattern in THINNED_PATTERNS:
        return n, expected_candidates(workload, duration_s)
    return n, n


def requests_by_client(
    doc: Document,
    duration_s: float,
    base_dir: Path | None = None,
    *,
    allow_outside_files: bool = False,
) -> tuple[dict[str, float], dict[str, float]]:
    """Expected requests and arrival candidates of each client over ``duration_s``.

    Raises:
        WorkloadError: A trace file cannot be used (see :mod:`app.engine.trace_files`).
    """
    requests: dict[str, float] = {}
    candidates: dict[str, float] = {}
    for comp in _clients(doc):
        requests[comp.id], candidates[comp.id] = client_counts(
            comp, duration_s, base_dir, allow_outside_files=allow_outside_files
        )
    return requests, candidates


def _clients(doc: Document) -> list[Component]:
    return [c for c in doc.components if c.type == "client" and c.workload is not None]


def estimate_work(
    doc: Document,
    duration_s: float,
    base_dir: Path | None = None,
    *,
    window_s: float | None = None,
    allow_outside_files: bool = False,
    requests: Mapping[str, float] | None = None,
    candidates: Mapping[str, float] | None = None,
) -> WorkEstimate:
    """What a run of a *valid* ``doc`` for ``duration_s`` would do (nothing is built).

    Args:
        doc: A document that passes :func:`app.model.validation.validate`.
        duration_s: Simulated seconds.
        base_dir: The design's folder (trace files are relative to it).
        window_s: Metric window (default: the document's).
        allow_outside_files: Let a trace file lie outside ``base_dir``.
        requests, candidates: Per-client counts already known (the engine
            passes what its clients computed, so traces are not read twice).

    Raises:
        WorkloadError: A trace file cannot be used.
    """
    if requests is None or candidates is None:
        requests, candidates = requests_by_client(
            doc, duration_s, base_dir, allow_outside_files=allow_outside_files
        )
    visits, endless = station_visits(doc, requests)
    clients = {c.id for c in doc.components if c.type == "client"}
    stations = [c for c in doc.components if c.id not in clients]
    station_total = math.fsum(visits[c.id] for c in stations) if not endless else math.inf
    busiest = max(((c.id, visits[c.id]) for c in stations), key=lambda kv: kv[1], default=None)
    window = window_s if window_s is not None else doc.simulation.window_s
    return WorkEstimate(
        requests=math.fsum(requests.values()),
        candidates=math.fsum(candidates.values()),
        visits=station_total if math.isfinite(station_total) else math.inf,
        windows=window_count(duration_s, window),
        series=len(stations) + 1,
        replicas=sum(c.replicas if c.replicas is not None else 1 for c in stations),
        endless_cycle=endless,
        busiest=busiest,
    )


def _amount(value: float) -> str:
    if not math.isfinite(value):
        return "an unbounded number of"
    if value < 1e12:
        return f"about {value:,.0f}"
    return f"about {value:.1e}"


def check_run_budget(
    doc: Document,
    duration_s: float,
    warmup_s: float,
    base_dir: Path | None,
    *,
    max_requests: float | None = DEFAULT_MAX_REQUESTS,
    max_work: float | None = DEFAULT_MAX_WORK,
    window_s: float | None = None,
    allow_outside_files: bool = False,
) -> list[BudgetProblem]:
    """Every reason a run of a *valid* ``doc`` should not start; empty when it may.

    Call it before building a run (the CLI refuses on any problem; the GUI
    may offer to run anyway when every problem is :attr:`~BudgetProblem.overridable`,
    and then passes ``allow_outside_files=True`` or no budget as the user chose).

    Args:
        doc: A document that passes validation.
        duration_s, warmup_s: The run's length and warm-up (s).
        base_dir: The design's folder (``None``: not saved; trace paths as given).
        max_requests: Client requests allowed (``None``: no limit).
        max_work: Work units allowed (``None``: no limit); see the module docstring.
        window_s: Metric window (default: the document's).
        allow_outside_files: Let a trace file lie outside ``base_dir``.
    """
    del warmup_s  # the warm-up is simulated like the rest: it costs the same
    problems: list[BudgetProblem] = []
    window = window_s if window_s is not None else doc.simulation.window_s
    stations = [c for c in doc.components if c.type != "client"]
    replicas = sum(c.replicas if c.replicas is not None else 1 for c in stations)
    if replicas > MAX_TOTAL_REPLICAS:
        problems.append(BudgetProblem(
            "replicas",
            f"the design asks for {replicas:,} replicas in all; a run holds at most "
            f"{MAX_TOTAL_REPLICAS:,} in memory: lower the replicas",
        ))
    windows = window_count(duration_s, window)
    if windows > MAX_RUN_WINDOWS:
        problems.append(BudgetProblem(
            "windows",
            f"this run would make {_amount(windows)} metric windows of {window:g} s, over "
            f"the limit of {MAX_RUN_WINDOWS:,}: use a longer window_s or a shorter duration",
        ))
    requests: dict[str, float] = {}
    candidates: dict[str, float] = {}
    trace_failed = False
    for comp in _clients(doc):
        try:
            requests[comp.id], candidates[comp.id] = client_counts(
                comp, duration_s, base_dir, allow_outside_files=allow_outside_files
            )
        except TraceOutsideFolderError as exc:
            problems.append(BudgetProblem(
                "trace_outside", f"client {shown_path(comp.id)}: {exc}", FLAG_ALLOW_OUTSIDE,
                (comp.id,),
            ))
            trace_failed = True
        except WorkloadError as exc:
            problems.append(BudgetProblem(
                "trace", f"client {shown_path(comp.id)}: {exc}", None, (comp.id,)
            ))
            trace_failed = True
    if trace_failed:
        return problems
    estimate = estimate_work(
        doc, duration_s, base_dir, window_s=window, requests=requests, candidates=candidates
    )
    if max_requests is not None and estimate.requests > max_requests:
        problems.append(BudgetProblem(
            "requests",
            f"this run would create {_amount(estimate.requests)} requests, over the budget "
            f"of {max_requests:,.0f}; shorten the duration, lower the load, or raise "
            f"{FLAG_MAX_REQUESTS}",
            FLAG_MAX_REQUESTS,
        ))
    if estimate.endless_cycle:
        shown = " -> ".join(shown_path(cid) for cid in estimate.endless_cycle)
        problems.append(BudgetProblem(
            "async_cycle",
            f"async cycle {shown} re-generates its work forever (each message makes at "
            "least one more): lower a link probability or a cache's misses on it, or break "
            "the cycle",
            None,
            estimate.endless_cycle[:-1],
        ))
        return problems
    if max_work is not None and estimate.work > max_work:
        problems.append(_work_problem(estimate, max_work))
    return problems


def _work_problem(estimate: WorkEstimate, max_work: float) -> BudgetProblem:
    over = f"over the --max-work budget of {max_work:,.0f} work units"
    cells_work = WINDOW_CELL_WORK * float(estimate.cells)
    extra = max(0.0, estimate.candidates - estimate.requests)
    if cells_work >= estimate.visits and cells_work >= extra:
        return BudgetProblem(
            "windows",
            f"this run would record {estimate.windows:,} windows x {estimate.series:,} "
            f"series = {estimate.cells:,} component-windows ({WINDOW_CELL_WORK} work units "
            f"each), {over}; use a longer window_s, a shorter duration, or raise "
            f"{FLAG_MAX_WORK}",
            FLAG_MAX_WORK,
        )
    if extra > estimate.visits:
        return BudgetProblem(
            "arrivals",
            f"the workloads would draw {_amount(estimate.candidates)} arrival candidates to "
            f"shape their rates, {over}; lower the peak rates, or raise {FLAG_MAX_WORK}",
            FLAG_MAX_WORK,
        )
    per_request = estimate.visits / estimate.requests if estimate.requests > 0 else math.inf
    busiest = ""
    if estimate.busiest is not None:
        busiest = (f"; the busiest is {shown_path(estimate.busiest[0])} with "
                   f"{_amount(estimate.busiest[1])}")
    return BudgetProblem(
        "visits",
        f"this run would make {_amount(estimate.visits)} station visits "
        f"({_amount(per_request)} per request: fan-out, link probabilities, cache misses "
        f"and every retry counted){busiest}, {over}; lower the load, the fan-out or the "
        f"retries, or raise {FLAG_MAX_WORK}",
        FLAG_MAX_WORK,
        (estimate.busiest[0],) if estimate.busiest is not None else (),
    )


def resident_bytes() -> int | None:
    """This process's resident memory in bytes (``None`` where it cannot be read cheaply)."""
    try:
        statm = Path("/proc/self/statm").read_bytes()
        return int(statm.split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError, AttributeError):
        pass
    try:
        import resource
    except ImportError:
        return None
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak if sys.platform == "darwin" else peak * 1024  # macOS: bytes; else KiB


def memory_growth_limit() -> int:
    """Memory a run may add: :data:`MAX_MEMORY_GROWTH_BYTES`, at most half the machine's."""
    try:
        physical = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):
        return MAX_MEMORY_GROWTH_BYTES
    return int(min(MAX_MEMORY_GROWTH_BYTES, physical // 2))


class RunGuard:
    """Stops a run that gets past its estimate, its budget or its memory.

    The engine calls :meth:`check` between slices (a few times per window):
    it sums the stations' visit counters and reads the resident memory, both
    cheap. A trip returns one line; the engine then stops the run, so the
    results so far are kept.

    Args:
        max_visits: Station visits allowed (``inf``: no limit).
        max_work: Work units allowed, visits and component-windows so far
            (``None``: no limit).
        memory_growth: Resident bytes the run may add (``None``: unchecked).
    """

    def __init__(
        self,
        max_visits: float = math.inf,
        max_work: float | None = None,
        memory_growth: int | None = None,
    ) -> None:
        self.max_visits = max_visits
        self.max_work = max_work
        self.memory_growth = memory_growth
        start = resident_bytes() if memory_growth is not None else None
        self._memory_limit = start + memory_growth if start is not None and memory_growth else None

    @classmethod
    def for_run(
        cls, estimate: WorkEstimate | None, max_work: float | None = None
    ) -> RunGuard:
        """The guard of a run: ``max_work`` if given, a multiple of the estimate, memory."""
        max_visits = math.inf
        if estimate is not None and math.isfinite(estimate.visits):
            max_visits = GUARD_ESTIMATE_FACTOR * estimate.visits + GUARD_SLACK_VISITS
        return cls(max_visits, max_work, memory_growth_limit())

    def check(self, sim: Simulation) -> str | None:
        """``None`` while the run is within bounds; else one line saying why it stops."""
        visits = sum(station.arrivals for station in sim.stations.values())
        if visits > self.max_visits:
            return (
                f"stopped at t={sim.now:g}s: {visits:,} station visits, over {self.max_visits:,.0f}"
                " (10 x the estimate): the design does more work than estimated"
            )
        if self.max_work is not None:
            cells = int(sim.now / sim.window_s) * (len(sim.stations) + 1)
            work = visits + WINDOW_CELL_WORK * cells
            if work > self.max_work:
                return (
                    f"stopped at t={sim.now:g}s: {work:,} work units done, over the "
                    f"{FLAG_MAX_WORK} budget of {self.max_work:,.0f}; raise {FLAG_MAX_WORK} "
                    "to run it to the end"
                )
        if self._memory_limit is not None:
            now = resident_bytes()
            if now is not None and now > self._memory_limit:
                assert self.memory_growth is not None
                return (
                    f"stopped at t={sim.now:g}s: the run grew memory by more than "
                    f"{self.memory_growth / 1024**3:.1f} GB (queues or requests in flight "
                    "without bound?): bound the queues or lower the load"
                )
        return None
