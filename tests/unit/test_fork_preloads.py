"""Both fork servers load the BLAS thread limit before anything imports numpy (#14).

The GUI's engine runs and the sweep pool share one fork server, and the last
preload set before it starts is the one it uses: each list must begin with
``app.engine.thread_limits``, or engine processes get numpy's spinning pool.
"""

from __future__ import annotations

import multiprocessing
import multiprocessing.forkserver as forkserver

import pytest

from app.sweeps.executors import process_context
from app.ui.run_worker import engine_context

pytestmark = pytest.mark.skipif(
    "forkserver" not in multiprocessing.get_all_start_methods(), reason="no fork server here")


def test_every_fork_server_preload_starts_with_the_thread_limit() -> None:
    server = forkserver._forkserver  # the process-wide server both contexts configure
    before = list(server._preload_modules)
    try:
        process_context()
        assert server._preload_modules[0] == "app.engine.thread_limits"
        engine_context.cache_clear()
        engine_context()
        assert server._preload_modules[0] == "app.engine.thread_limits"
    finally:
        server._preload_modules = before
