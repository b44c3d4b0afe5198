"""A sweep in a child process (what the GUI starts): its messages, its cancel, its errors.

Real child processes started as the GUI starts them (a fork server, never a
plain fork); the designs are the tiny queues of the executor tests.
"""

from __future__ import annotations

import queue
from typing import Any

from app.sweeps.axes import parse_axis
from app.sweeps.executors import SerialExecutor, process_context
from app.sweeps.process import sweep_in_process
from app.sweeps.sweep import plan_sweep, run_sweep
from tests.sweeps.conftest import tiny_doc

#: A hang guard for one message (never a speed assertion).
GUARD_S = 120


def _messages(plan: Any, workers: int | None, scheduler: str | None,
              cancelled: bool = False) -> list[tuple[Any, ...]]:
    """Run ``sweep_in_process`` in a child; every message it sent, up to its outcome."""
    ctx = process_context()
    messages = ctx.Queue()
    cancel = ctx.Event()
    if cancelled:
        cancel.set()
    child = ctx.Process(target=sweep_in_process, args=(plan, workers, scheduler, messages,
                                                       cancel))
    child.start()
    got: list[tuple[Any, ...]] = []
    try:
        while not got or got[-1][0] not in ("done", "error"):
            got.append(messages.get(timeout=GUARD_S))
    except queue.Empty:
        child.kill()
        raise
    finally:
        child.join(GUARD_S)
    assert child.exitcode == 0
    return got


def test_runs_and_progress_are_streamed_and_match_a_serial_sweep() -> None:
    plan = plan_sweep(tiny_doc(), [parse_axis("users.rate_rps=20,60")], 2)
    got = _messages(plan, 2, None)
    assert got[0] == ("started", "2 local processes") and got[-1] == ("done", False)
    runs = {m[1]: m[2] for m in got if m[0] == "run"}
    reference = run_sweep(plan, SerialExecutor())
    assert set(runs) == set(reference.runs) == {(0, 0), (0, 1), (1, 0), (1, 1)}
    for key, run in runs.items():
        assert run.summary["end_to_end"] == reference.runs[key].summary["end_to_end"]
    # Each run is followed by its progress line; the counts climb to the total.
    progress = [m for m in got if m[0] == "progress"]
    assert [(m[1], m[2], m[3]) for m in progress] == [(1, 0, 4), (2, 0, 4), (3, 0, 4),
                                                      (4, 0, 4)]
    for i, message in enumerate(got):
        if message[0] == "run":
            assert got[i + 1][0] == "progress" and got[i + 1][4] == message[1]


def test_a_sweep_cancelled_before_it_starts_runs_nothing() -> None:
    plan = plan_sweep(tiny_doc(), (), 3)
    got = _messages(plan, 1, None, cancelled=True)
    assert got == [("started", "this process"), ("done", True)]


def test_a_wrong_scheduler_is_one_line() -> None:
    plan = plan_sweep(tiny_doc(), (), 1)
    got = _messages(plan, None, "nonsense://x")
    assert len(got) == 1 and got[0][0] == "error"
    assert got[0][1].startswith("cannot start the Dask scheduler nonsense://x: ValueError: "
                                "unknown address scheme 'nonsense'")
    assert "\n" not in got[0][1]
