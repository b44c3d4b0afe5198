"""What held the GUI thread during the #14 stall check: every long gap, with what ran in it.

Run offscreen from the repository root (the same scenario as
``bench/gui_bench.py 5 --both-cores``: the 50-component design flat out, both
cores kept busy by two ``yes``)::

    QT_QPA_PLATFORM=offscreen PYTHONPATH=. .venv/bin/python bench/stall_trace.py [runs]
        [--gap-ms 25] [--profile-run] [--no-load]

For each run it prints the gaps of the 5 ms GUI timer over ``--gap-ms``, and
inside each gap every event the GUI thread handled that took 0.5 ms or more
(receiver, event type, wall and GUI-thread CPU time), the GUI thread's CPU time
over the whole gap and the engine relay thread's, so a gap is either work on
the GUI thread (CPU ≈ wall), a wait for the CPU or the GIL (CPU ≪ wall), or
the relay thread holding the GIL. ``--profile-run`` profiles the GUI thread
from the Run press to the first tick 150 ms after it (cProfile: its top
functions by cumulative and own time; Qt's C++ work shows as ``notify``).
Diagnostics only: the events are timed from a Python
``QApplication.notify``, which makes every event a little dearer.
"""

from __future__ import annotations

import cProfile
import gc
import io
import os
import pstats
import sys
import threading
import time
from dataclasses import dataclass, field
from typing import Any

#: Events shorter than this are not listed (ms).
MIN_EVENT_MS = 0.5


@dataclass
class Trace:
    """Top-level events handled by the GUI thread, and the relay thread's CPU clock."""

    events: list[tuple[float, float, float, str]] = field(default_factory=list)
    depth: int = 0
    relay_clock: list[int] = field(default_factory=list)

    def relay_cpu(self) -> float:
        if not self.relay_clock:
            return 0.0
        try:
            return time.clock_gettime(self.relay_clock[0])
        except OSError:
            return 0.0


def describe(receiver: Any, event: Any) -> str:
    from PySide6.QtCore import QEvent

    try:
        name = receiver.objectName()
    except (AttributeError, RuntimeError):
        name = ""
    try:
        kind = QEvent.Type(event.type()).name
    except (ValueError, RuntimeError):
        kind = str(int(event.type()))
    return f"{type(receiver).__name__}{'(' + name + ')' if name else ''} {kind}"


def make_app(trace: Trace) -> Any:
    from PySide6.QtWidgets import QApplication

    main = threading.get_ident()

    class TracingApp(QApplication):
        def notify(self, receiver: Any, event: Any) -> bool:
            if trace.depth or threading.get_ident() != main:
                trace.depth += threading.get_ident() == main
                try:
                    return super().notify(receiver, event)
                finally:
                    trace.depth -= threading.get_ident() == main
            trace.depth = 1
            t0, c0 = time.perf_counter(), time.thread_time()
            try:
                return super().notify(receiver, event)
            finally:
                trace.depth = 0
                t1 = time.perf_counter()
                if t1 - t0 >= MIN_EVENT_MS / 1000:
                    trace.events.append((t0, t1, time.thread_time() - c0,
                                         describe(receiver, event)))

    return TracingApp(sys.argv[:1])


def name_timers(window: Any) -> None:
    """Give the run's timers names, so their events say whose they are."""
    runner = window.runner
    runner._canvas_timer.setObjectName("canvas frame")
    runner._finish_timer.setObjectName("finish step")
    runner._charts.timer.setObjectName("charts frame")
    runner._charts._reveal_timer.setObjectName("charts reveal")
    window.run_view._press_timer.setObjectName("press step")


def trace_run(runs: int, gap_ms: float, profile_run: bool, load: bool) -> None:
    from PySide6.QtCore import QEventLoop, QTimer

    sys.path.insert(0, "bench")
    from gui_bench import SETTLE_MS, busy_core, fifty_component_design

    import app.ui.run_worker as run_worker
    from app.ui.gui_gc import GuiThreadCollector
    from app.ui.main_window import MainWindow
    from app.ui.run_controller import IDLE

    trace = Trace()
    app = make_app(trace)
    collector = GuiThreadCollector(interval_s=1.0)
    collector._timer.setObjectName("gc")
    ctx = run_worker.engine_context()
    original_process = type(ctx).Process

    def relay_process(*args: Any, **kwargs: Any) -> Any:  # called on the relay thread
        trace.relay_clock[:] = [time.pthread_getcpuclockid(threading.get_ident())]
        return original_process(*args, **kwargs)

    ctx.Process = relay_process  # type: ignore[attr-defined]
    with busy_core(load, cores=2):
        for run_index in range(runs):
            window = MainWindow()
            window.resize(1440, 900)
            window.show()
            app.processEvents()
            if run_index == 0:
                collector.freeze_startup_heap()
            window.document.reset(fifty_component_design())
            window.runner.set_speed(None)
            name_timers(window)
            settle = QEventLoop()
            QTimer.singleShot(SETTLE_MS, settle.quit)
            settle.exec()
            ticks: list[tuple[float, float, float]] = []

            def tick(ticks: list[tuple[float, float, float]] = ticks) -> None:
                ticks.append((time.perf_counter(), time.thread_time(), trace.relay_cpu()))

            timer = QTimer()
            timer.setObjectName("tick")
            timer.setInterval(5)
            timer.timeout.connect(tick)
            loop = QEventLoop()
            window.runner.state_changed.connect(
                lambda state, loop=loop: state == IDLE and loop.quit())
            trace.events.clear()
            trace.relay_clock.clear()
            timer.start()
            profiler = cProfile.Profile() if profile_run else None
            tick()
            pressed = time.perf_counter()
            if profiler is not None:
                profiler.enable()
                # Until the first tick 150 ms after the press (Run, then raising the charts).
                since = time.perf_counter()
                timer.timeout.connect(
                    lambda p=profiler, t=since: time.perf_counter() - t > 0.15 and p.disable())
            window.runner.run()
            returned = time.perf_counter()
            loop.exec()
            timer.stop()
            print(f"\n## run {run_index + 1} (pressed at monotonic {pressed:.6f}, "
                  f"pid {os.getpid()}): run() {1000 * (returned - pressed):.1f} ms, "
                  f"{len(ticks)} ticks, collections {gc.get_stats()[2]['collections']} full")
            gaps = [(ticks[i - 1], ticks[i]) for i in range(1, len(ticks))]
            longest = max(gaps, key=lambda g: g[1][0] - g[0][0])
            for (t0, c0, r0), (t1, c1, r1) in gaps:
                wall = 1000 * (t1 - t0)
                if wall < gap_ms and (t0, c0, r0) != longest[0]:
                    continue
                print(f"gap {wall:6.1f} ms at {1000 * (t0 - pressed):8.1f} ms: GUI CPU "
                      f"{1000 * (c1 - c0):5.1f} ms, relay CPU {1000 * (r1 - r0):5.1f} ms")
                for e0, e1, cpu, what in trace.events:
                    if e1 > t0 and e0 < t1:
                        print(f"    {1000 * (e0 - t0):6.1f} +{1000 * (e1 - e0):5.1f} ms "
                              f"(CPU {1000 * cpu:5.1f}) {what}")
            if profiler is not None:
                out = io.StringIO()
                pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(60)
                stats = pstats.Stats(profiler, stream=out)
                stats.sort_stats("tottime").print_stats(40)
                stats.print_callers("_render|paint|set_locked|clear_live")
                print(out.getvalue())
            window.runner.shutdown()
            window.document.undo_stack.setClean()
            window.close()
    collector.deleteLater()


def main() -> int:
    args = sys.argv[1:]
    runs = int(args[0]) if args and not args[0].startswith("--") else 3
    gap_ms = float(args[args.index("--gap-ms") + 1]) if "--gap-ms" in args else 25.0
    trace_run(runs, gap_ms, "--profile-run" in args, "--no-load" not in args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
