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

Both nest and may be used from several threads: the collector's switch and
thresholds are process-wide, so the first build (run) to start changes them
and the last to end restores what the first found; a change someone else
makes in between is undone then. A collector the host turned off (the GUI
collects from a timer, :mod:`app.ui.gui_gc`, or a young threshold of 0)
stays off. (On Python 3.14's incremental collector the third threshold has
another meaning; the project runs on 3.11.)
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


class _Scope:
    """Builds (or runs) under way in this process, and what the first one found."""

    def __init__(self) -> None:
        self.count = 0
        self.was_enabled = False
        self.saved: tuple[int, int, int] | None = None


_lock = threading.Lock()
_builds = _Scope()
_runs = _Scope()


@contextmanager
def build_paused() -> Iterator[None]:
    """No collection while the block builds a run; the collector's state is restored after."""
    with _lock:
        if _builds.count == 0:
            _builds.was_enabled = gc.isenabled()
            gc.disable()
        _builds.count += 1
    try:
        yield
    finally:
        with _lock:
            _builds.count -= 1
            if _builds.count == 0 and _builds.was_enabled:
                gc.enable()


@contextmanager
def run_thresholds() -> Iterator[None]:
    """Collection thresholds for the length of a run (see the module docstring)."""
    with _lock:
        if _runs.count == 0:
            _runs.saved = gc.get_threshold()
            young, middle, _old = _runs.saved
            # A young threshold of 0 means "no automatic collection": kept so.
            gc.set_threshold(young and max(young, RUN_YOUNG_THRESHOLD), middle, _NEVER)
        _runs.count += 1
    try:
        yield
    finally:
        with _lock:
            _runs.count -= 1
            if _runs.count == 0 and _runs.saved is not None:
                gc.set_threshold(*_runs.saved)
                _runs.saved = None
