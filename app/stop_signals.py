"""Ctrl-C and SIGTERM as one "stop" request, for the headless commands."""

from __future__ import annotations

import contextlib
import signal
import threading
from collections.abc import Iterator
from types import FrameType
from typing import Any

STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)


class StopSignals:
    """SIGINT and SIGTERM as one "stop" request, raised or merely noted.

    In *raise* mode (the default) a signal raises KeyboardInterrupt, as Ctrl-C
    does by default; inside :meth:`deferred` it only sets :attr:`requested`,
    except within :meth:`interruptible`. Outside the main thread (where Python
    cannot install handlers) it does nothing.
    """

    def __init__(self) -> None:
        self.requested = False
        self._raise = True
        self._previous: dict[int, Any] = {}

    def __enter__(self) -> StopSignals:
        if threading.current_thread() is threading.main_thread():
            for signum in STOP_SIGNALS:
                self._previous[signum] = signal.signal(signum, self._handle)
        return self

    def __exit__(self, *exc: object) -> None:
        for signum, handler in self._previous.items():
            signal.signal(signum, handler)
        self._previous.clear()

    def _handle(self, signum: int, frame: FrameType | None) -> None:
        self.requested = True
        if self._raise:
            raise KeyboardInterrupt

    @contextlib.contextmanager
    def deferred(self) -> Iterator[None]:
        """Within this block a signal only sets :attr:`requested`."""
        previous, self._raise = self._raise, False
        try:
            yield
        finally:
            self._raise = previous

    @contextlib.contextmanager
    def interruptible(self) -> Iterator[None]:
        """Within this block a signal raises KeyboardInterrupt again."""
        previous, self._raise = self._raise, True
        try:
            if self.requested:
                raise KeyboardInterrupt
            yield
        finally:
            self._raise = previous
