"""A real Dask cluster for tests, hosted in a child process -- never in the test process.

Why a child: a ``LocalCluster`` (or a scheduler) in the pytest process keeps
Dask's event-loop thread and the nannies' watcher threads alive for the whole
session. The test processes also run Qt: with those threads around, the full
suite froze (a garbage collection on a Dask thread finalising PySide objects
of earlier GUI tests, deadlocking with the GUI thread). So the cluster runs in
``python -m tests.support.dask_cluster``; the tests talk to it over TCP only
(a ``distributed.Client``, closed at the end of each test, which ends its
loop thread).

The child prints one line, the scheduler's address, then serves until its
stdin closes (the parent closed it, or died): then it closes the cluster and
exits. A line ``workers`` on stdin asks for the names of the scheduler's
workers, answered as one JSON line (tests that start their own workers check
them without a client).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import subprocess
import sys
import threading
import warnings
from pathlib import Path
from typing import IO

ROOT = Path(__file__).resolve().parents[2]
#: How long the child may take to start its cluster (a hang guard, never a speed check).
START_GUARD_S = 120.0
#: Parts of a source path that mark a thread as Dask's (its stack runs their code).
DASK_SOURCES = (f"{os.sep}distributed{os.sep}", f"{os.sep}tornado{os.sep}")


class ClusterProcess:
    """A ``LocalCluster`` of ``workers`` single-threaded worker processes in a child process.

    ``address`` is the scheduler's ``tcp://127.0.0.1:port``. :meth:`close`
    (or the end of a ``with`` block) closes the child's stdin and waits for it.
    """

    def __init__(self, workers: int = 2) -> None:
        self._proc = subprocess.Popen(
            [sys.executable, "-m", "tests.support.dask_cluster", "--workers", str(workers)],
            cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
            env=dict(os.environ))
        self._lock = threading.Lock()
        line = _read_line(self._proc, START_GUARD_S)
        if not line.startswith("tcp://"):
            self.close()
            raise RuntimeError(f"the test cluster did not start: {line!r}")
        self.address = line

    @property
    def pid(self) -> int:
        """The child's process id."""
        return self._proc.pid

    def worker_names(self) -> list[str]:
        """The names of the workers the scheduler knows, sorted."""
        with self._lock:
            assert self._proc.stdin is not None
            self._proc.stdin.write("workers\n")
            self._proc.stdin.flush()
            return sorted(json.loads(_read_line(self._proc, START_GUARD_S)))

    def close(self) -> None:
        """End the cluster: close the child's stdin, wait, kill it if it hangs."""
        if self._proc.stdin is not None:
            with contextlib.suppress(OSError):
                self._proc.stdin.close()
        try:
            self._proc.wait(60)
        except subprocess.TimeoutExpired:
            self._proc.kill()
            self._proc.wait()
        if self._proc.stdout is not None:
            self._proc.stdout.close()

    def __enter__(self) -> ClusterProcess:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()


def _read_line(proc: subprocess.Popen[str], timeout_s: float) -> str:
    """One line of the child's stdout, or "" if it exits first; a guard against hangs."""
    out: list[str] = []
    stdout: IO[str] | None = proc.stdout
    assert stdout is not None
    reader = threading.Thread(target=lambda: out.append(stdout.readline()), daemon=True,
                              name="test-cluster-reader")
    reader.start()
    reader.join(timeout_s)
    if reader.is_alive():
        proc.kill()
        raise RuntimeError(f"the test cluster did not answer within {timeout_s:.0f} s")
    return out[0].strip() if out else ""


def dask_threads() -> list[str]:
    """Names of this process's threads that run Dask's or tornado's code right now.

    A thread counts when any frame of its current stack comes from
    ``distributed`` or ``tornado`` (the event loop, a nanny's watcher, ...):
    an idle thread pool that Dask merely created would not, but none of those
    may be left either, so their names are checked too.
    """
    frames = sys._current_frames()
    found = []
    for thread in threading.enumerate():
        frame = frames.get(thread.ident or -1)
        sources = []
        while frame is not None:
            sources.append(frame.f_code.co_filename)
            frame = frame.f_back
        dask_code = any(part in src for src in sources for part in DASK_SOURCES)
        dask_name = any(word in thread.name for word in ("IO loop", "Dask", "TCP-Executor"))
        if dask_code or dask_name:
            found.append(thread.name)
    return found


def _serve(workers: int) -> None:
    """The child: start the cluster, print its address, answer stdin until it closes."""
    import distributed

    with warnings.catch_warnings():
        # Without a dashboard the scheduler still serves its health routes over
        # HTTP, at 8787 when free; another cluster on this machine moves it.
        warnings.filterwarnings("ignore", message="Port 8787 is already in use")
        cluster = distributed.LocalCluster(
            n_workers=workers, threads_per_worker=1, processes=True, host="127.0.0.1",
            dashboard_address=None, silence_logs=40)
    try:
        print(cluster.scheduler_address, flush=True)
        for line in sys.stdin:
            if line.strip() == "workers":
                info = cluster.scheduler.identity()
                names = [str(w.get("name")) for w in info["workers"].values()]
                print(json.dumps(names), flush=True)
    finally:
        cluster.close()


def main(argv: list[str] | None = None) -> None:
    """``python -m tests.support.dask_cluster --workers N``."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--workers", type=int, default=2)
    _serve(parser.parse_args(argv).workers)


if __name__ == "__main__":
    main()
