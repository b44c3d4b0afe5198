"""The engine's fork server imports numpy with one BLAS thread (issue #14)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

PROBE = ("import app.engine.thread_limits, os, numpy; "
         "print(os.environ['OPENBLAS_NUM_THREADS'], len(os.listdir('/proc/self/task')))")


def _probe(env: dict[str, str]) -> list[str]:
    done = subprocess.run([sys.executable, "-c", PROBE], env=env, capture_output=True,
                          text=True, check=True, timeout=60)
    return done.stdout.split()


def _clean_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if k not in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")}
    root = str(Path(__file__).resolve().parents[2])  # the checkout, for "import app"
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [root, env.get("PYTHONPATH")]))
    return env


@pytest.mark.skipif(not Path("/proc/self/task").is_dir(), reason="threads counted in /proc")
def test_imported_before_numpy_it_leaves_numpy_one_thread() -> None:
    """numpy's BLAS pool would start a spinning thread per extra core at import."""
    assert _probe(_clean_env()) == ["1", "1"]


def test_a_users_own_setting_is_kept() -> None:
    env = _clean_env()
    env["OPENBLAS_NUM_THREADS"] = "2"
    assert _probe(env)[0] == "2"
