"""Running a sweep (points x replications) or plain replications on an executor.

:func:`plan_sweep` checks everything before any work starts -- the design,
every point's overrides (the file format's own checks judge the new values),
the trace files the design reads -- and computes each point's analytic
figures. :func:`run_sweep` then runs the plan's jobs on an executor,
reporting progress after each job; whatever happens (a cancel, failed jobs)
the result keeps every finished replication.

Every point uses the same replication seeds (replication ``k`` of every point
draws ``replication_seed(seed, k)``): common random numbers, so the
difference between two points is the parameter's effect, not the luck of
the draw, and the curves over a sweep are smooth.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from app.engine.overrides import apply_overrides
from app.engine.replication import RunResult
from app.engine.trace_files import trace_path
from app.model.document import Document
from app.model.errors import DocumentError
from app.model.fileformat import dumps, loads
from app.sweeps.analytic import analytic_figures
from app.sweeps.axes import Axis, Point, grid
from app.sweeps.estimates import Estimate, estimate
from app.sweeps.executors import Executor
from app.sweeps.headline import Figures, headline
from app.sweeps.jobs import Job
from app.sweeps.seeds import replication_seed

#: At most this many replications per point.
MAX_REPLICATIONS = 1_000
#: At most this many jobs (points x replications) in one sweep.
MAX_JOBS = 100_000


class SweepError(ValueError):
    """The sweep cannot start: the message names the axis, point or file at fault."""


@dataclass(frozen=True, slots=True)
class SweepPlan:
    """Everything a sweep runs, checked.

    Attributes:
        name: The design's name (for titles and reports).
        doc_text: The design's canonical text (what every job carries).
        axes: The swept parameters (empty for plain replications).
        points: The grid of points (one point without axes).
        replications: Replications per point.
        seed: The base seed replication seeds derive from.
        files: Trace files the design reads, ``(relative name, bytes)``.
        analytic: Each point's analytic figures, by point index.
        keep_windows: Jobs return every window (runs kept with a project).
        max_work: Each run's work budget (``--max-work``), ``None`` for the engine's.
    """

    name: str
    doc_text: str
    axes: tuple[Axis, ...]
    points: tuple[Point, ...]
    replications: int
    seed: int
    files: tuple[tuple[str, bytes], ...] = ()
    analytic: Mapping[int, Figures] = field(default_factory=dict)
    keep_windows: bool = False
    max_work: float | None = None

    @property
    def total_jobs(self) -> int:
        """Points x replications."""
        return len(self.points) * self.replications

    def jobs(self) -> list[Job]:
        """Every job, point by point, replication by replication."""
        seeds = [replication_seed(self.seed, k) for k in range(self.replications)]
        return [Job(point=p.index, replication=k, doc_text=self.doc_text, seed=seeds[k],
                    overrides=p.overrides, files=self.files, keep_windows=self.keep_windows,
                    max_work=self.max_work)
                for p in self.points for k in range(self.replications)]


def plan_sweep(doc: Document | str, axes: Sequence[Axis] = (), replications: int = 5, *,
               base_dir: Path | None = None, seed: int | None = None,
               keep_windows: bool = False, max_work: float | None = None) -> SweepPlan:
    """Check a sweep of ``doc`` over ``axes`` and return its plan.

    Raises:
        SweepError: Too few or too many replications or jobs, a point's
            overrides refused (the message names the key and the value), a
            trace file that cannot be read or lies outside the design's folder.
        DocumentError: ``doc`` given as text is not a valid design.
    """
    document = loads(doc) if isinstance(doc, str) else doc
    if not 1 <= replications <= MAX_REPLICATIONS:
        raise SweepError(f"replications must be 1 to {MAX_REPLICATIONS:,}, not {replications}")
    try:
        points = grid(axes)
    except ValueError as exc:
        raise SweepError(str(exc)) from None
    if len(points) * replications > MAX_JOBS:
        raise SweepError(f"{len(points):,} points x {replications} replications is more than "
                         f"{MAX_JOBS:,} runs")
    text = dumps(document)
    analytic: dict[int, Figures] = {}
    for point in points:
        try:
            variant = apply_overrides(document, dict(point.overrides))
        except (ValueError, DocumentError) as exc:  # a problem away from the key's own path
            where = ", ".join(f"{k}={v}" for k, v in point.overrides)
            raise SweepError(f"point {where}: {exc}") from None
        analytic[point.index] = analytic_figures(variant, base_dir)
    return SweepPlan(name=document.name, doc_text=text, axes=tuple(axes), points=tuple(points),
                     replications=replications,
                     seed=document.simulation.seed if seed is None else seed,
                     files=_trace_files(document, base_dir), analytic=analytic,
                     keep_windows=keep_windows, max_work=max_work)


def _trace_files(doc: Document, base_dir: Path | None) -> tuple[tuple[str, bytes], ...]:
    """The trace files ``doc`` reads, as bytes, so that jobs need no shared folder."""
    out: dict[str, bytes] = {}
    for comp in doc.components:
        workload = getattr(comp, "workload", None)
        name = getattr(workload, "trace_file", None) if workload is not None else None
        if not name or name in out:
            continue
        try:
            path = trace_path(name, base_dir)
            out[name] = path.read_bytes()
        except (OSError, ValueError) as exc:
            raise SweepError(f"{comp.id}: trace file {name!r}: {exc}") from None
    return tuple(sorted(out.items()))


@dataclass(frozen=True, slots=True)
class Progress:
    """How far a sweep is: jobs finished, failed, and in all."""

    done: int
    failed: int
    total: int

    @property
    def fraction(self) -> float:
        """Finished or failed jobs over all jobs."""
        return (self.done + self.failed) / self.total if self.total else 1.0


@dataclass
class SweepResult:
    """What a sweep produced so far: every finished replication, every failure.

    Attributes:
        plan: The plan that ran.
        runs: ``(point, replication) -> RunResult`` of each finished job.
        failures: ``(point, replication) -> one-line reason`` of each failed job.
        cancelled: The sweep was cancelled before every job was reported.
        executor: Where it ran (``Executor.description``).
    """

    plan: SweepPlan
    runs: dict[tuple[int, int], RunResult] = field(default_factory=dict)
    failures: dict[tuple[int, int], str] = field(default_factory=dict)
    cancelled: bool = False
    executor: str = ""

    @property
    def complete(self) -> bool:
        """Every job finished (none failed, nothing cancelled)."""
        return len(self.runs) == self.plan.total_jobs

    def figures(self, point: int) -> list[Figures]:
        """The headline figures of ``point``'s finished replications, in replication order."""
        keys = sorted(k for k in self.runs if k[0] == point)
        return [headline(self.runs[k].summary) for k in keys]

    def estimates(self, point: int) -> dict[tuple[str, str], Estimate]:
        """Mean and 95 % CI of every headline figure of ``point`` across its replications."""
        reps = self.figures(point)
        names = sorted({name for figs in reps for name in figs})
        return {name: estimate(figs.get(name) for figs in reps) for name in names}


ProgressCallback = Callable[[Progress, Job], None]


def run_sweep(plan: SweepPlan, executor: Executor, *,
              progress: ProgressCallback | None = None,
              cancel: threading.Event | None = None) -> SweepResult:
    """Run every job of ``plan`` on ``executor``; the result keeps whatever finished.

    ``progress`` is called after each finished or failed job, from the thread
    that called :func:`run_sweep`; ``cancel`` (set from any thread) ends the
    sweep early with ``cancelled`` set and the finished replications kept.
    """
    result = SweepResult(plan, executor=executor.description)
    stop = cancel if cancel is not None else threading.Event()

    def report(job: Job) -> None:
        if progress is not None:
            progress(Progress(len(result.runs), len(result.failures), plan.total_jobs), job)

    def on_done(job: Job, run: RunResult) -> None:
        result.runs[job.key] = run
        report(job)

    def on_failed(job: Job, reason: str) -> None:
        result.failures[job.key] = reason
        report(job)

    executor.run(plan.jobs(), on_done, on_failed, stop)
    result.cancelled = stop.is_set() and (len(result.runs) + len(result.failures)
                                          < plan.total_jobs)
    return result
