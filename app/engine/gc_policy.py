"""What the cyclic garbage collector does while a run is built and while it runs.

A run allocates its model once (dozens of long-lived objects per component)
and then mostly short-lived objects that reference counting frees. Left to
its defaults, the collector walked the whole model again and again: a
20,000-component chain spent 3.0 of its 6.8 CPU seconds in collections (four
full passes over 1.6 million objects, and young passes over the model while
it was still young). So:

* :func:`build_paused` turns the collector off while a run is built (no
  garbage to find, only a growing model to walk);
* :func:`run_thresholds` keeps it on while a run goes, but with a larger
  young generation and no full collection until the run is over; cyclic
  garbage of a run is still found by the young collections, and what reaches
  the old generation waits for the first full pass after the run (ordinary
  runs never triggered one during the run anyway: CPython starts a full pass
  only when a quarter of the old generation is new, and the imported
  libraries are most of it).

Both are safe to nest and to use from several threads: thresholds are
process-wide, so the first run to start sets them and the last to end
restores what it found. A collector turned off by the host (the GUI
collects from a timer, :mod:`app.ui.gui_gc`) stays off.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

#: Container objects allocated (net) between two young collections during a run.
RUN_YOUNG_THRESHOLD = 100_000
#: A threshold for full collections that a run never reaches.
_NEVER = 1 << 30



class _RunCount:
    """Runs under way in this process, and the thresholds found before the first."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.runs = 0
        self.saved: tuple[int, int, int] | None = None


_state = _RunCount()


@contextmanager
def build_paused() -> Iterator[None]:
    """No collection while the block builds a run; the collector's state is restored after."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


@contextmanager
def run_thresholds() -> Iterator[None]:
    """Collection thresholds for the length of a run (see the module docstring)."""
    state = _state
    with state.lock:
        if state.runs == 0:
            state.saved = gc.get_threshold()
            young, middle, _old = state.saved
            gc.set_threshold(max(young, RUN_YOUNG_THRESHOLD), middle, _NEVER)
        state.runs += 1
    try:
        yield
    finally:
        with state.lock:
            state.runs -= 1
            if state.runs == 0 and state.saved is not None:
                gc.set_threshold(*state.saved)
                state.saved = None
