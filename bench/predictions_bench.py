"""What the editor's live predictions cost the GUI thread on a 500-component design.

Run offscreen from the repository root::

    QT_QPA_PLATFORM=offscreen .venv/bin/python bench/predictions_bench.py [edits]

For ``edits`` recomputations of the analytic model (as after that many
edits), prints the GUI thread's CPU time in the hand-over (pickling the
design) and in applying the answer (marks, inspector), and the worst gap of a
5 ms GUI timer while the worker computes, against computing on the GUI
thread itself (validation + ``analyze``), for docs/analysis.md.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from PySide6.QtCore import QElapsedTimer, QTimer
from PySide6.QtWidgets import QApplication

from app.ui.analysis.predictions import predict
from bench.analytic_bench import wide_design


def main() -> None:
    edits = int(sys.argv[1]) if len(sys.argv) > 1 else 20
    app = QApplication.instance() or QApplication([])
    from app.ui.main_window import MainWindow

    window = MainWindow()
    window.show()
    window.document.reset(wide_design(500))
    preds = window.predictions
    gaps: list[float] = []
    clock = QElapsedTimer()
    ticker = QTimer()
    ticker.setInterval(5)

    def tick() -> None:
        gaps.append(clock.restart())

    ticker.timeout.connect(tick)

    def settle() -> None:
        while preds.busy:
            app.processEvents()
            time.sleep(0.001)

    settle()
    assert preds.current is not None, "the design should be valid"
    hand_over = apply = 0.0
    original_apply = preds._apply

    def timed_apply(result: object) -> None:
        nonlocal apply
        start = time.process_time()
        original_apply(result)  # type: ignore[arg-type]
        apply += time.process_time() - start

    preds._apply = timed_apply  # type: ignore[method-assign]
    clock.start()
    ticker.start()
    for _ in range(edits):
        start = time.process_time()
        preds.recompute()
        hand_over += time.process_time() - start
        settle()
    ticker.stop()
    worker_gap = max(gaps)
    import pickle

    design = pickle.dumps(window.document.model)
    inline = []
    for _ in range(edits):
        start = time.process_time()
        predict(design)
        inline.append(time.process_time() - start)
    print(f"| 500 components, {edits} recomputations | GUI thread per edit: hand-over "
          f"{1000 * hand_over / edits:.1f} ms + apply {1000 * apply / edits:.1f} ms; worst "
          f"5 ms-timer gap {worker_gap:.0f} ms | on the GUI thread instead: "
          f"{1000 * min(inline):.0f}-{1000 * max(inline):.0f} ms per edit |")
    window.close()


if __name__ == "__main__":
    main()
