"""A hang guard for tests that feed the reader hostile input."""

from __future__ import annotations

import signal
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

#: Far above what any input takes (bench/reader.py: under 3 s at the size limit),
#: so a busy machine never trips it, while a hang still ends the test.
GUARD_SECONDS = 30.0


class ReaderHang(AssertionError):
    """The guarded code ran past its time: a hang or a quadratic blow-up."""


@contextmanager
def reader_guard(seconds: float = GUARD_SECONDS) -> Iterator[None]:
    """Fail with :class:`ReaderHang` if the block runs longer than ``seconds``.

    Uses SIGALRM, so it only guards the main thread of a POSIX process; elsewhere
    it does nothing (pytest's own timeout, if any, still applies).
    """
    usable = hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread()
    if not usable:
        yield
        return

    def hang(signum: int, frame: object) -> None:
        raise ReaderHang(f"still running after {seconds:g} s")

    # Another SIGALRM timer (pytest-timeout's signal method) is put back with the
    # time it had left, so the two compose.
    started = time.monotonic()
    previous = signal.signal(signal.SIGALRM, hang)
    earlier_delay, earlier_interval = signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
        if earlier_delay > 0:
            left = earlier_delay - (time.monotonic() - started)
            signal.setitimer(signal.ITIMER_REAL, max(left, 1e-3), earlier_interval)
