"""A headless run from start to finish: the stop signals, the driver, writing the results.

Ctrl-C (SIGINT) and SIGTERM mean the same thing: stop. While the run is being
built either one aborts it at once (exit 130, nothing written). Once the loop
runs (the engine's :class:`~app.engine.driver.RunDriver`, as fast as possible),
the first signal asks the engine to stop at its next slice (the last
window is closed early, so it and the summary cover exactly what was
simulated); a second one stops at once, losing the window in progress. What
was simulated is then written exactly as a finished run is: each file under a
temporary name, moved into place when complete. Writing is never cut half-way.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from app.analysis.run_analysis import RunSeriesCollector
from app.analysis.run_report import complete_summary
from app.engine.control import LocalControl
from app.engine.driver import RunDriver
from app.engine.gc_policy import run_thresholds
from app.reports.csv_writer import MetricsCsvWriter
from app.reports.output_folder import (
    DESIGN_NAME,
    METRICS_NAME,
    RUN_NAME,
    SUMMARY_NAME,
    OutputError,
    describe_os_error,
    prepare_output_folder,
)
from app.reports.run_folder import write_run_json
from app.reports.summary_json import write_summary_json
from app.stop_signals import StopSignals

if TYPE_CHECKING:
    from app.engine.simulation import Simulation
    from app.engine.snapshot import Snapshot

@dataclass(frozen=True, slots=True)
class RunResult:
    """What :func:`run_to_folder` wrote."""

    summary: dict[str, Any]
    interrupted: bool
    summary_path: Path
    metrics_path: Path


def run_to_folder(
    sim: Simulation,
    folder: Path,
    stop: StopSignals,
    on_window: Callable[[Snapshot], None] | None = None,
    source: Path | None = None,
) -> RunResult:
    """Run ``sim`` to its end (or until ``stop``), streaming into ``folder``.

    Raises OutputError (one line) when the folder cannot take the results; no
    file is then left under a final name. Besides ``summary.json`` and
    ``metrics.csv`` the folder gets the design as run (``design.sdsim``) and
    ``run.json`` (settings, seed, ``source``), so a report can be made from it
    later (docs/reports.md). Call it inside ``stop.deferred()``: only
    the engine's steps are ``stop.graceful``.
    """
    prepare_output_folder(folder)
    metrics_path, summary_path = folder / METRICS_NAME, folder / SUMMARY_NAME
    try:
        writer = MetricsCsvWriter(metrics_path)
    except OSError as exc:
        raise OutputError(f"{metrics_path}: cannot write: {describe_os_error(exc)}") from None
    writing = metrics_path
    started = time.perf_counter()
    control = LocalControl()
    driver = RunDriver(sim, control)
    # The analysis keeps only the metrics it reads, bounded (not the whole snapshots).
    series = RunSeriesCollector(warmup_s=sim.warmup_s)
    # Collector thresholds for a run (app/engine/gc_policy.py), summary included.
    with run_thresholds():
        try:
            while True:
                # Only the engine's steps are graceful: the first signal asks the driver to
                # stop at its next slice; a window is written outside, never cut half-way.
                try:
                    with stop.graceful(control.request_stop):
                        snap = driver.next_window()
                except KeyboardInterrupt:  # a second signal: stop now, this window is lost
                    break
                if snap is None:
                    break
                writer.write(snap)
                series.add(snap)
                if on_window is not None:
                    with contextlib.suppress(OSError):  # progress that cannot be shown is no error
                        on_window(snap)
            # Cut short by a signal, or stopped by a run-time guard (work, memory), whose
            # `stop_reason` says why.
            interrupted = (not sim.finished or sim.stopped
                           or bool(getattr(sim, "stop_reason", None)))
            summary = complete_summary(sim.summary(), sim.document, series, base_dir=sim.base_dir,
                                       duration_s=sim.duration_s, warmup_s=sim.warmup_s)
            summary["wall_s"] = time.perf_counter() - started
            summary["interrupted"] = interrupted
            writer.finish()
            writing = summary_path
            write_summary_json(summary, summary_path)
            writing = folder / DESIGN_NAME
            _write_run_description(sim, folder, summary, source)
            writing = metrics_path
            writer.commit()
        except OSError as exc:
            writer.discard()
            with contextlib.suppress(OSError):  # never one result without the others
                for path in (summary_path, folder / DESIGN_NAME, folder / RUN_NAME):
                    path.unlink(missing_ok=True)
            raise OutputError(f"{writing}: cannot write: {describe_os_error(exc)}") from None
        except BaseException:
            writer.discard()
            raise
    return RunResult(summary, interrupted, summary_path, metrics_path)


def _write_run_description(sim: Simulation, folder: Path, summary: dict[str, Any],
                           source: Path | None) -> None:
    """``design.sdsim`` (the design as run, canonical text) and ``run.json``."""
    from datetime import UTC, datetime

    from app import __version__
    from app.atomic_io import atomic_write_text
    from app.model.fileformat import dumps

    atomic_write_text(folder / DESIGN_NAME, dumps(sim.document))
    write_run_json(
        folder / RUN_NAME,
        design_name=sim.document.name,
        source=str(source) if source is not None else "",
        settings={"duration_s": sim.duration_s, "warmup_s": sim.warmup_s,
                  "seed": summary.get("seed")},
        created=datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        app_version=__version__,
    )
