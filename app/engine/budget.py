"""The work budget: what a run will really do, estimated before it is built.

A design file is small; the work it asks for need not be. Ten requests into
a 25-layer DAG of fan-outs make billions of station visits; retries multiply
along a call chain; a cycle of async links re-generates work forever; a tiny
window makes millions of metric windows; a step to 10^12 req/s after the
run's end still used to cost its generator; a 1 ms health check or crashes
every millisecond fill the engine's queue without a request
(:mod:`app.engine.engine_events`). :func:`estimate_work` counts all
of that from the document alone (nothing is built, nothing is run), and
:func:`check_run_budget` turns it into problems that name the cause and the
flag to raise. The CLI refuses such a run; the GUI asks before starting it.

:class:`app.engine.run_guard.RunGuard` is the run-time backstop: between
slices the engine asks it whether the visits so far exceed the budget (or a
multiple of the estimate) or memory has grown beyond a limit, and stops the
run cleanly if so. Station visits are estimated in :mod:`app.engine.visits`.

Units: one *work unit* is one station visit (a request's stay at one
component), one extra arrival candidate drawn by a thinned workload, one
engine event no request makes (a health check of one target, a crash, a
repair, a breaker's state change), or 1/:data:`WINDOW_CELL_WORK` of a
component-window (one component's metrics for one window: a snapshot and a
dozen CSV rows).
"""

from __future__ import annotations

import math
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from app.engine.engine_events import ADVICE, NO_ENGINE_EVENTS, EngineEvents, engine_events
from app.engine.trace_files import TraceOutsideFolderError, WorkloadError, shown_path
from app.engine.visits import station_visits
from app.engine.workloads import (
    THINNED_PATTERNS,
    expected_candidates,
    expected_requests,
    read_trace,
)
from app.model.document import Component, Document
from app.model.limits import MAX_WINDOWS
from app.model.resolve import parse_link_key

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
#: Metric windows in a run (the GUI's buffers), whatever ``--duration`` says:
#: the format's limit on a design's own settings, applied to every run.
MAX_RUN_WINDOWS: Final = MAX_WINDOWS
#: Timestamps all trace files of a design may hold (distinct files; 160 MB of arrays).
MAX_TRACE_TIMESTAMPS: Final = 20_000_000
FLAG_MAX_REQUESTS: Final = "--max-requests"
FLAG_MAX_WORK: Final = "--max-work"
FLAG_ALLOW_OUTSIDE: Final = "--allow-outside-trace"


@dataclass(frozen=True)
class BudgetProblem:
    """One reason a run should not start as it stands.

    Attributes:
        cause: What is too big: ``"requests"``, ``"visits"``, ``"arrivals"``,
            ``"engine_events"``, ``"windows"``, ``"replicas"``, ``"async_cycle"``, ``"trace"`` or
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
        engine: Engine events no request makes (health checks, crashes and
            repairs, breaker timers, faults) and their largest source.
    """

    requests: float
    candidates: float
    visits: float
    windows: int
    series: int
    replicas: int
    endless_cycle: tuple[str, ...] = ()
    busiest: tuple[str, float] | None = None
    engine: EngineEvents = NO_ENGINE_EVENTS

    @property
    def cells(self) -> int:
        """Component-windows: ``windows * series``."""
        return self.windows * self.series

    @property
    def work(self) -> float:
        """Work units (see the module docstring)."""
        return (
            self.visits + max(0.0, self.candidates - self.requests) + self.engine.total
            + WINDOW_CELL_WORK * float(self.cells)
        )


def window_count(duration_s: float, window_s: float) -> int:
    """Windows a run of ``duration_s`` makes (the last one may be short)."""
    ratio = duration_s / window_s
    if not math.isfinite(ratio):
        return sys.maxsize
    return max(1, math.ceil(ratio * (1.0 - 1e-12)))


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
    # Plain sum: fan-out can overflow to inf, which fsum refuses.
    station_total = sum(visits[c.id] for c in stations) if not endless else math.inf
    busiest = max(((c.id, visits[c.id]) for c in stations), key=lambda kv: kv[1], default=None)
    window = window_s if window_s is not None else doc.simulation.window_s
    return WorkEstimate(
        requests=sum(requests.values()),
        candidates=sum(candidates.values()),
        visits=station_total if math.isfinite(station_total) else math.inf,
        windows=window_count(duration_s, window),
        series=len(stations) + 1,
        replicas=sum(c.replicas if c.replicas is not None else 1 for c in stations),
        endless_cycle=endless,
        busiest=busiest,
        engine=engine_events(doc, duration_s, visits),
    )


def _amount(value: float) -> str:
    if not math.isfinite(value):
        return "an unbounded number of"
    if value < 1e12:
        return f"about {value:,.0f}"
    return f"about {value:.1e}"


def hard_limit_problems(
    doc: Document, duration_s: float, window_s: float
) -> list[BudgetProblem]:
    """The limits no flag lifts, checked from the document alone (cheap: no file is read).

    The engine checks them too, before it builds anything, so no caller can
    skip them: too many replicas in all (memory), too many metric windows.
    """
    problems: list[BudgetProblem] = []
    stations = [c for c in doc.components if c.type != "client"]
    replicas = sum(c.replicas if c.replicas is not None else 1 for c in stations)
    if replicas > MAX_TOTAL_REPLICAS:
        problems.append(BudgetProblem(
            "replicas",
            f"the design asks for {replicas:,} replicas in all; a run holds at most "
            f"{MAX_TOTAL_REPLICAS:,} in memory: lower the replicas",
        ))
    windows = window_count(duration_s, window_s)
    if windows > MAX_RUN_WINDOWS:
        problems.append(BudgetProblem(
            "windows",
            f"this run would make {_amount(windows)} metric windows of {window_s:g} s, over "
            f"the limit of {MAX_RUN_WINDOWS:,}: use a longer window_s or a shorter duration",
        ))
    return problems


def endless_cycle_problem(estimate: WorkEstimate) -> BudgetProblem | None:
    """The problem of an async cycle that never dies out, if the estimate found one."""
    if not estimate.endless_cycle:
        return None
    shown = " -> ".join(shown_path(cid) for cid in estimate.endless_cycle)
    return BudgetProblem(
        "async_cycle",
        f"async cycle {shown} re-generates its work forever (each message makes at "
        "least one more): lower a link probability or a cache's misses on it, or break "
        "the cycle",
        None,
        estimate.endless_cycle[:-1],
    )


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
    window = window_s if window_s is not None else doc.simulation.window_s
    problems = hard_limit_problems(doc, duration_s, window)
    requests: dict[str, float] = {}
    candidates: dict[str, float] = {}
    trace_failed = False
    # Traces read stay alive to the end, so clients replaying one file share
    # one read; what they hold in all is bounded.
    traces: dict[int, Sequence[float]] = {}
    held = 0
    for comp in _clients(doc):
        try:
            if comp.workload is not None and comp.workload.pattern == "trace":
                times = read_trace(comp.workload, base_dir, allow_outside=allow_outside_files)
                if id(times) not in traces:
                    traces[id(times)] = times
                    held += len(times)
                if held > MAX_TRACE_TIMESTAMPS:
                    problems.append(BudgetProblem(
                        "trace",
                        f"the trace files hold more than {MAX_TRACE_TIMESTAMPS:,} timestamps "
                        "in all: use fewer or shorter traces",
                        None, (comp.id,),
                    ))
                    return problems
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
    endless = endless_cycle_problem(estimate)
    if endless is not None:
        problems.append(endless)
        return problems
    if max_work is not None and estimate.work > max_work:
        problems.append(_work_problem(estimate, max_work))
    return problems


def _work_problem(estimate: WorkEstimate, max_work: float) -> BudgetProblem:
    over = f"over the {FLAG_MAX_WORK} budget of {max_work:,.0f}"
    cells_work = WINDOW_CELL_WORK * float(estimate.cells)
    extra = max(0.0, estimate.candidates - estimate.requests)
    engine = estimate.engine
    if engine.busiest is not None and engine.total >= max(cells_work, estimate.visits, extra):
        what, where, events = engine.busiest
        shown = f" of {shown_path(where)}" if where else ""
        return BudgetProblem(
            "engine_events",
            f"this run would make {_amount(engine.total)} engine events no request makes "
            f"(most: {_amount(events).removeprefix('about ')} {what}{shown}), {over}; "
            f"{ADVICE[what]}, shorten the duration, or raise {FLAG_MAX_WORK}",
            FLAG_MAX_WORK,
            (parse_link_key(where) or (where,)) if where else (),
        )
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
        busiest = f"; busiest: {shown_path(estimate.busiest[0])}"
    return BudgetProblem(
        "visits",
        f"this run would make {_amount(estimate.visits)} station visits "
        f"({_amount(per_request).removeprefix('about ')} per request, counting fan-out and "
        f"every retry{busiest}), {over}; lower the load, the fan-out or the retries, "
        f"or raise {FLAG_MAX_WORK}",
        FLAG_MAX_WORK,
        (estimate.busiest[0],) if estimate.busiest is not None else (),
    )


