"""The unit of work of a sweep: one replication of one point, picklable both ways.

A :class:`Job` carries everything a worker needs -- the design's text, the
trace files it reads (as bytes), the seed and the overrides -- so a Dask
worker on another machine needs no shared files. :func:`run_job` is what the
worker runs: it checks that it serves the same version of the app as the one
that sent the job (a worker of another version would give other numbers, or
fail obscurely), then runs the engine's :func:`run_replication`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from app import __version__
from app.engine.control import RunControl
from app.engine.replication import RunResult, run_replication


class VersionMismatchError(RuntimeError):
    """The worker runs another version of the app than the one that sent the job."""


@dataclass(frozen=True, slots=True)
class Job:
    """One replication of one sweep point.

    Attributes:
        point: The point's index in the sweep (0 for plain replications).
        replication: The replication's number ``k`` (0-based).
        doc_text: The design as ``.sdsim`` text.
        seed: The replication's own seed (already derived, see :mod:`.seeds`).
        overrides: The point's overrides, ``(key, value)`` pairs in order.
        files: Trace files the design reads: ``(relative name, content)`` pairs.
        keep_windows: Return every window's snapshot (what-if runs kept with a
            project); sweeps need only the summary.
        max_work: The run's work budget (see ``--max-work``), none for the default.
        app_version: The version of the app that made the job.
    """

    point: int
    replication: int
    doc_text: str
    seed: int
    overrides: tuple[tuple[str, object], ...] = ()
    files: tuple[tuple[str, bytes], ...] = ()
    keep_windows: bool = False
    max_work: float | None = None
    app_version: str = field(default=__version__)

    @property
    def key(self) -> tuple[int, int]:
        """``(point, replication)``: what identifies the job in a sweep."""
        return (self.point, self.replication)


def run_job(job: Job, control: RunControl | None = None) -> RunResult:
    """Run ``job`` (in whatever process or machine the executor chose).

    ``control`` lets a caller in the same process stop the run early (the
    serial executor's cancel); the result then says ``stopped``.

    Raises:
        VersionMismatchError: This process runs another version of the app.
        DocumentError, ValueError: The design or an override is refused (the
            sweep checks every point before it starts, so this means a bug).
    """
    if job.app_version != __version__:
        raise VersionMismatchError(
            f"this worker runs System Design Simulator {__version__}, the job comes from "
            f"{job.app_version}: start the workers with the same version as the app")
    return run_replication(job.doc_text, job.seed, dict(job.overrides),
                           files=dict(job.files) if job.files else None,
                           max_work=job.max_work, keep_windows=job.keep_windows,
                           control=control)
