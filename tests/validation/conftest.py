"""Fixtures of the validation runs: one process pool per test process."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import Executor

import pytest

from tests.validation.runs import start_pool


@pytest.fixture(scope="session")
def run_pool() -> Iterator[Executor]:
    """A process pool kept for the whole session (see :mod:`tests.validation.runs`).

    Session scoped, so the child interpreters start once per test process, and
    started here rather than on a test's first submit, so that its manager
    thread exists before any test's thread-leak check takes its "before" picture.
    """
    pool = start_pool()
    try:
        yield pool
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
