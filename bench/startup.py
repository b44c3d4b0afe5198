"""Fixed costs a user pays: time to the first window, and a small run through the GUI's engine.

Run offscreen from the repository root::

    QT_QPA_PLATFORM=offscreen .venv/bin/python bench/startup.py [rounds]

Every figure is the median of ``rounds`` fresh processes (default 7), taken in
alternation with its baseline in the same session, and reported as a ratio to
that baseline, so machine noise hits both alike:

* **time to window**: from spawning ``python`` to the main window's first
  frame, started the way ``main.py`` starts the GUI (``run_gui``), against a
  bare ``python -c "import PySide6.QtWidgets"`` and against a bare
  ``QMainWindow`` shown by the same interpreter;
* **small run**: a 20,000-request run (the 5-component design at 1,000 req/s
  for 20 simulated seconds) through :class:`app.ui.run_worker.RunWorker`, i.e.
  the GUI's engine process and pipe (its fork server started as the window
  does, a few seconds before), from Run to the summary, against the same
  design simulated in-process with ``Simulation`` (the CLI's path, without
  writing files).

Prints Markdown for docs/benchmarks.md.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

#: Prints the wall-clock time at which the main window's first frame was done.
TIME_TO_WINDOW = """
import sys, time
import app.ui.application as application
from PySide6.QtWidgets import QApplication

original_show = application.MainWindow.show

def show(self):
    original_show(self)
    QApplication.processEvents()
    print("SHOWN", time.time(), flush=True)

application.MainWindow.show = show
sys.exit(application.run_gui([]))
"""

BARE_WINDOW = """
import time
from PySide6.QtWidgets import QApplication, QMainWindow
app = QApplication([])
window = QMainWindow()
window.resize(1280, 800)
window.show()
app.processEvents()
print("SHOWN", time.time(), flush=True)
"""

BARE_IMPORT = "import PySide6.QtWidgets"

#: One run through the GUI's engine process (or in-process), timed from Run to summary.
SMALL_RUN = """
import sys, time
sys.path.insert(0, "bench")
from gui_bench import five_component_design

design = five_component_design(rate_rps=1000.0, duration_s=20.0)
mode = sys.argv[1]
start = time.perf_counter()
if mode == "gui-engine":
    from app.ui.run_worker import RunWorker, warm_up_engine
    warm_up_engine()  # as the main window does when it opens
    time.sleep(3)  # a user presses Run seconds later: the fork server is ready by then
    start = time.perf_counter()
    worker = RunWorker(design)
    got = []
    worker.finished.connect(lambda summary, stopped: got.append(summary))
    worker.run()  # the reader loop, here on the main thread: no event loop needed
    summary = got[0]
else:
    from app.engine import Simulation
    sim = Simulation(design)
    while not sim.finished:
        sim.step_window()
    summary = sim.summary()
elapsed = time.perf_counter() - start
print("RUN", elapsed, summary["end_to_end"]["completed"] if "end_to_end" in summary else "")
"""


def _env(data_dir: str) -> dict[str, str]:
    return dict(os.environ, QT_QPA_PLATFORM=os.environ.get("QT_QPA_PLATFORM", "offscreen"),
                SDSIM_EXIT_AFTER_SHOWN="1", SDSIM_DATA_DIR=data_dir, PYTHONPATH=str(ROOT),
                PYTHON_KEYRING_BACKEND="keyring.backends.fail.Keyring")


def _spawn_to_marker(code: str, marker: str, data_dir: str, *args: str) -> tuple[float, str]:
    """Seconds from spawn to the child's ``marker`` line (or to exit), and that line."""
    start = time.time()
    proc = subprocess.run([sys.executable, "-c", code, *args], cwd=ROOT, env=_env(data_dir),
                          capture_output=True, text=True, timeout=300, check=False)
    end = time.time()
    if proc.returncode != 0:
        raise RuntimeError(proc.stderr[-2000:])
    for line in proc.stdout.splitlines():
        if line.startswith(marker):
            return float(line.split()[1]) - start, line
    return end - start, ""


def measure(rounds: int) -> dict[str, list[float]]:
    """Alternate every contender ``rounds`` times; seconds per contender."""
    times: dict[str, list[float]] = {k: [] for k in (
        "import", "bare_window", "window", "run_gui_engine", "run_in_process")}
    with tempfile.TemporaryDirectory() as data_dir:
        for _ in range(rounds):
            times["import"].append(_spawn_to_marker(BARE_IMPORT, "-", data_dir)[0])
            times["bare_window"].append(_spawn_to_marker(BARE_WINDOW, "SHOWN", data_dir)[0])
            times["window"].append(_spawn_to_marker(TIME_TO_WINDOW, "SHOWN", data_dir)[0])
            for mode in ("gui-engine", "in-process"):
                _t, line = _spawn_to_marker(SMALL_RUN, "RUN", data_dir, mode)
                times["run_gui_engine" if mode == "gui-engine" else "run_in_process"].append(
                    float(line.split()[1]))
    return times


def main() -> int:
    """Print the medians and ratios as Markdown."""
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 7
    times = measure(rounds)
    med = {k: statistics.median(v) for k, v in times.items()}
    print(f"Medians of {rounds} fresh processes per row, alternating; "
          f"load average at the end: {os.getloadavg()[0]:.1f}.\n")
    print("| measurement | median | ratio |")
    print("|---|---|---|")
    print(f"| `python -c \"import PySide6.QtWidgets\"` (baseline) | {med['import']:.2f} s | 1.00 |")
    print(f"| bare `QMainWindow` shown (baseline 2) | {med['bare_window']:.2f} s "
          f"| {med['bare_window'] / med['import']:.2f} |")
    print(f"| **time to our main window** (spawn to first frame, `run_gui`) "
          f"| {med['window']:.2f} s | {med['window'] / med['import']:.2f} × import, "
          f"{med['window'] / med['bare_window']:.2f} × bare window |")
    print(f"| 20,000-request run in-process (`Simulation`, baseline) "
          f"| {med['run_in_process']:.2f} s | 1.00 |")
    print(f"| **20,000-request run through the GUI's engine process** (Run to summary) "
          f"| {med['run_gui_engine']:.2f} s "
          f"| {med['run_gui_engine'] / med['run_in_process']:.2f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
