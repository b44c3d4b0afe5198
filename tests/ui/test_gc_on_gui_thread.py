"""The GUI process collects cyclic garbage on its GUI thread only.

A collection on a worker thread can free a PySide widget there and deadlock with
the GUI thread (the suite froze that way); run_gui hands collection to a
GUI-thread timer (app/ui/gui_gc.py). Checked in a child process, as
the app starts: automatic collection is off, the timer still collects cycles, and
what start-up built is frozen out of later collections.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

CHILD = textwrap.dedent("""
    import gc, weakref
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication
    from app.ui import application

    seen = {}

    class Cycle:
        pass

    def probe():
        seen["enabled"] = gc.isenabled()
        a, b = Cycle(), Cycle()
        a.other, b.other = b, a
        seen["ref"] = weakref.ref(a)
        del a, b
        # Enough allocations to pass generation 0's threshold, then wait for the timer.
        junk = [[] for _ in range(gc.get_threshold()[0] * 2)]
        del junk
        QTimer.singleShot(2500, finish)

    def finish():
        seen["collected"] = seen["ref"]() is None
        seen["frozen"] = gc.get_freeze_count() > 0
        QApplication.instance().quit()

    real = application.MainWindow
    def window_then_probe(*args, **kwargs):
        window = real(*args, **kwargs)
        QTimer.singleShot(0, probe)
        return window
    application.MainWindow = window_then_probe
    application.run_gui(["--offline"], sign_in=False)
    print("enabled", seen.get("enabled"), "collected", seen.get("collected"),
          "frozen", seen.get("frozen"))
""")


def test_gui_process_collects_garbage_on_the_gui_thread(tmp_path: Path) -> None:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "SDSIM_DATA_DIR": str(tmp_path),
           "SDSIM_OFFLINE": "1"}
    env.pop("SDSIM_EXIT_AFTER_SHOWN", None)
    done = subprocess.run([sys.executable, "-c", CHILD], check=False, cwd=ROOT, env=env,
                          capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    # The start-up heap is frozen (#14: a full collection of it stalled a run 92 ms).
    assert "enabled False collected True frozen True" in done.stdout, (
        done.stdout, done.stderr[-2000:])
