"""Cyclic garbage collection on the GUI thread only, from a timer.

A collection that runs on a worker thread (the engine relay, predictions, sweeps,
planner) can free a PySide widget there: its C++ destructor then waits for a Qt
lock the GUI thread holds while that thread waits for the GIL -- a frozen window
(seen with gdb in the test suite). So automatic collection is turned off and a
GUI-thread timer collects by generation with the usual thresholds (what
pyqtgraph's ``GarbageCollector`` does; ours needs no pyqtgraph import, so it
starts before the first window, which does not import pyqtgraph any more).
"""

from __future__ import annotations

import gc

from PySide6.QtCore import QObject, QTimer


class GuiThreadCollector(QObject):
    """Turns automatic collection off and collects from a timer on the creating thread."""

    def __init__(self, interval_s: float = 1.0, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._thresholds = gc.get_threshold()
        gc.disable()
        self._timer = QTimer(self)
        self._timer.timeout.connect(self.check)
        self._timer.start(int(interval_s * 1000))

    def freeze_startup_heap(self) -> None:
        """Take what start-up built (imported libraries, the window) out of later collections.

        A full collection walks every tracked object, and after start-up that is
        mostly the imported modules and the window's widgets: one took 92 ms of
        the GUI thread in the middle of a run (issue #14's stall). Frozen objects
        (:func:`gc.freeze`) are never walked nor freed: young garbage is collected
        first, but a cycle among what start-up built that is dropped later (a
        closed start-up dialog, say) stays in memory for good, a small and bounded
        price for a heap the collector no longer walks.
        """
        gc.collect(1)
        gc.freeze()

    def check(self) -> None:
        """Collect the generations whose allocation counts passed their thresholds."""
        count0, count1, count2 = gc.get_count()
        if count0 > self._thresholds[0]:
            gc.collect(0)
            if count1 > self._thresholds[1]:
                gc.collect(1)
                if count2 > self._thresholds[2]:
                    gc.collect(2)
