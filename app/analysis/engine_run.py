"""The GUI's engine process with the run's analysis: the same summary as the CLI writes.

:func:`run_engine_with_analysis` is the target of the GUI's engine process
(:mod:`app.ui.run_worker`). It runs :func:`app.engine.process.run_engine`
with a :class:`SummaryCompleter` that keeps the run's per-window series in a
bounded :class:`~app.analysis.run_analysis.RunSeriesCollector` as the windows
close, and at the end adds ``analytic`` and ``analysis`` with
:func:`~app.analysis.run_report.complete_summary`, the CLI's own function. So
the work happens in the engine process, never on the GUI thread, and the
engine package itself never imports the analysis (an import-linter contract).
"""

from __future__ import annotations

import logging
from multiprocessing.connection import Connection
from pathlib import Path
from typing import TYPE_CHECKING, Any

from app.analysis.run_analysis import RunSeriesCollector
from app.analysis.run_report import complete_summary
from app.engine.control import ProcessControl
from app.engine.process import run_engine
from app.model.document import Document

if TYPE_CHECKING:
    from app.engine.snapshot import Snapshot

log = logging.getLogger(__name__)


class SummaryCompleter:
    """Collects a run's series and completes its summary (a :class:`RunObserver`)."""

    def __init__(self, document: Document, base_dir: Path | None) -> None:
        self._document = document
        self._base_dir = base_dir
        settings = document.simulation
        self._duration_s = float(settings.duration_s)
        self._warmup_s = float(settings.warmup_s)
        self.collector = RunSeriesCollector(warmup_s=self._warmup_s)

    def add(self, snap: Snapshot) -> None:
        """Keep the window's figures the analysis reads (bounded: see the collector)."""
        self.collector.add(snap)

    def complete(self, summary: dict[str, Any]) -> dict[str, Any]:
        """The summary with ``analytic`` and ``analysis`` (as it was, if they fail)."""
        try:
            return complete_summary(summary, self._document, self.collector,
                                    base_dir=self._base_dir, duration_s=self._duration_s,
                                    warmup_s=self._warmup_s)
        except Exception:  # the run's own results must reach the user all the same
            log.exception("The run's analysis failed; the results are shown without it")
            return summary


def run_engine_with_analysis(
    document: Document,
    base_dir: Path | None,
    conn: Connection,
    control: ProcessControl,
    batch_interval_s: float,
    *,
    low_priority: bool = True,
    allow_outside_files: bool = False,
) -> None:
    """Child-process entry: :func:`~app.engine.process.run_engine` plus the run's analysis."""
    run_engine(document, base_dir, conn, control, batch_interval_s,
               low_priority=low_priority, allow_outside_files=allow_outside_files,
               observer=SummaryCompleter(document, base_dir))
