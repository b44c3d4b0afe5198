"""Fixtures of the sweep tests: tiny designs and a real Dask cluster on loopback.

The cluster is session scoped and only tests that ask for it start it: its
worker processes take a second or two to start, so every Dask test of one
test process (one per xdist worker) shares the same two workers. Tests that
kill a worker wait until the cluster has two workers again before they end.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from typing import Any

import pytest

from app.model import Document
from tests.validation.queueing import queue_doc

#: Workers of the test cluster (one thread each, so one job at a time per process).
CLUSTER_WORKERS = 2


def tiny_doc(rate_rps: float = 40.0, duration_s: float = 2.0, *, seed: int = 7) -> Document:
    """An M/M/1 queue (5 ms service) run for a couple of simulated seconds: a job of ~20 ms."""
    return queue_doc(rate_rps, 5.0, 1, duration_s=duration_s, warmup_s=0.0, seed=seed)


def slow_doc(duration_s: float = 60.0, *, seed: int = 7) -> Document:
    """The same queue at a rate that makes each job last a good fraction of a second.

    Long enough that a job is surely running when a test kills a worker or
    cancels; the assertions never depend on how long it takes.
    """
    return queue_doc(600.0, 1.0, 1, duration_s=duration_s, warmup_s=0.0, seed=seed)


@pytest.fixture(scope="session")
def dask_cluster() -> Iterator[Any]:
    """A ``LocalCluster`` of two single-threaded worker *processes* on loopback."""
    distributed = pytest.importorskip("distributed")
    with warnings.catch_warnings():
        # Without a dashboard the scheduler still serves its health routes over
        # HTTP on loopback, at 8787 when free; another cluster on this machine
        # (a parallel test run) only moves it to another port.
        warnings.filterwarnings("ignore", message="Port 8787 is already in use")
        cluster = distributed.LocalCluster(
            n_workers=CLUSTER_WORKERS, threads_per_worker=1, processes=True,
            host="127.0.0.1", dashboard_address=None, silence_logs=40,
        )
    try:
        yield cluster
    finally:
        cluster.close()
