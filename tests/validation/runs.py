"""Independent simulation runs spread over every core, in real child processes.

The validation tests make many independent runs (replications, seeds) and
judge them together. Run one after another they keep one core busy for half a
minute while the other waits at the end of a parallel test session; spread
over a process pool they use whatever cores are free. Each run is the same
deterministic function of its document (seeds are in the document), so the
results do not depend on which process made them, nor in which order.

Children are started with ``spawn``: a test process may already hold Qt and
its threads, and forking such a process is unsafe.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Sequence
from concurrent.futures import Executor, ProcessPoolExecutor
from typing import Any

from app.engine import Simulation
from app.model import Document


def run_summary(doc: Document) -> dict[str, Any]:
    """One whole run of ``doc`` and its summary (runs in a pool's child process)."""
    return Simulation(doc).run()


def usable_cores() -> int:
    """The cores this process may run on (its affinity, not the machine's total)."""
    if hasattr(os, "sched_getaffinity"):
        return max(1, len(os.sched_getaffinity(0)))
    return max(1, os.cpu_count() or 1)


def start_pool() -> ProcessPoolExecutor:
    """A pool of one ``spawn`` child per usable core, its manager thread already running."""
    pool = ProcessPoolExecutor(
        max_workers=usable_cores(), mp_context=multiprocessing.get_context("spawn")
    )
    pool.submit(int).result()  # start the manager thread and one child now
    return pool


def summaries(pool: Executor, docs: Sequence[Document]) -> list[dict[str, Any]]:
    """The summaries of ``docs``' runs, in the order of ``docs``."""
    return list(pool.map(run_summary, docs))
