"""Ctrl-C and SIGTERM as one "stop" request, for the headless commands."""

from __future__ import annotations

import contextlib
import signal
import threading
from collections.abc import Callable, Iterator
from types import FrameType
from typing import Any

STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)


class StopSignals:
    """SIGINT and SIGTERM as one "stop" request, raised, asked for, or merely noted.

    * *raise* mode (the default): a signal raises KeyboardInterrupt, as Ctrl-C
      does by default (used while a run is being built: nothing to keep);
    * inside :meth:`deferred`: a signal only sets :attr:`requested` (used while
      results are written, which must not be cut half-way);
    * inside :meth:`graceful`: the first signal calls ``on_stop`` (the engine's
      ``request_stop``, honoured at the next slice, so the last window and the
      summary cover exactly what was simulated); a second one raises
      KeyboardInterrupt for a user who will not wait.

    Outside the main thread (where Python cannot install handlers) it does nothing.
    """

    def __init__(self) -> None:
        self.requested = False
        self.count = 0
        self._raise = True
        self._on_stop: Callable[[], None] | None = None
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
        self.count += 1
        if self._on_stop is not None:
            if self.count == 1:
                self._on_stop()
                return
            raise KeyboardInterrupt
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
    def graceful(self, on_stop: Callable[[], None]) -> Iterator[None]:
        """Within this block the first signal calls ``on_stop``; the second raises."""
        if self.requested:
            on_stop()
        self._on_stop = on_stop
        try:
            yield
        finally:
            self._on_stop = None
