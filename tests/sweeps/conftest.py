"""Fixtures of the sweep tests: tiny designs and a real Dask cluster on loopback.

The cluster is session scoped and only tests that ask for it start it: its
worker processes take a second or two to start, so every Dask test of one
test process (one per xdist worker) shares the same two workers. It lives in
a child process (:class:`tests.support.dask_cluster.ClusterProcess`): the
test process holds no Dask thread between tests. Tests that kill a worker
wait until the cluster has two workers again before they end.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from app.model import Document
from tests.support.dask_cluster import ClusterProcess
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
def dask_cluster() -> Iterator[ClusterProcess]:
    """A ``LocalCluster`` of two single-threaded worker processes, in a child process.

    Never in this process: Dask's threads must not live where Qt runs (see
    :mod:`tests.support.dask_cluster`). Tests connect with their own client.
    """
    pytest.importorskip("distributed")
    with ClusterProcess(CLUSTER_WORKERS) as cluster:
        yield cluster
