"""Runs made in the process pool are the runs made here: same documents, same summaries."""

from __future__ import annotations

from concurrent.futures import Executor

import pytest

from tests.validation.queueing import queue_doc
from tests.validation.runs import run_summary, summaries

pytestmark = pytest.mark.slow


def test_pool_runs_give_the_summaries_of_in_process_runs(run_pool: Executor) -> None:
    docs = [queue_doc(700.0, 1.0, 1, duration_s=6, warmup_s=1, seed=seed) for seed in (1, 2, 3)]
    pooled = summaries(run_pool, docs)
    here = [run_summary(doc) for doc in docs]
    for summary in (*pooled, *here):
        summary.pop("wall_s")  # the only field that is a timing
    assert pooled == here  # in the order of the documents, not of completion
    assert pooled[0] != pooled[1]  # the seeds matter, so the comparison above can fail
