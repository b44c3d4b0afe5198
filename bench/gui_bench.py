"""GUI benchmark: the GUI thread's worst stall during a flat-out run; a large design.

Run offscreen from the repository root::

    QT_QPA_PLATFORM=offscreen .venv/bin/python bench/gui_bench.py [runs] [--stall-only]
    QT_QPA_PLATFORM=offscreen .venv/bin/python bench/gui_bench.py 5 --both-cores
    QT_QPA_PLATFORM=offscreen .venv/bin/python bench/gui_bench.py --repaint-only

Prints Markdown tables for docs/benchmarks.md (section "GUI"):

* the gaps of a 5 ms GUI timer while a 5-component design runs as fast as
  possible, with the machine idle and with one core kept busy by a ``yes``
  process, each with the engine process at its lower priority (as shipped) and
  at the GUI's priority (target: no gap above 100 ms, issue #8);
* ``--both-cores`` (issue #14): the same timer while a 50-component design runs
  flat out with two ``yes`` processes keeping both cores busy, engine priority
  as shipped; the longest gap per run and their median (target: under 50 ms);
* opening a 500-component, 1,000-link design and repainting it, wall and GUI
  thread CPU time (targets: opening under 1 s from issue #4, a full-view
  repaint under 16 ms from issue #14).
"""

from __future__ import annotations

import contextlib
import gc
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from app.model import fileformat
from app.model.document import Component, Document, Link, SimulationSettings, Workload

#: How long the window runs its event loop after a design is opened, before Run.
SETTLE_MS = 500

SERVER_TYPES = ("load_balancer", "web_server", "api_server", "microservice", "cache",
                "database", "nosql_database", "message_queue", "worker")


def large_design(components: int = 500, links: int = 1000, seed: int = 1,
                 columns: int = 25, duration_s: float = 10.0) -> Document:
    """A layered design (calls only go rightwards, so no call cycle) on a 200 px grid."""
    rng = random.Random(seed)
    rows = components // columns
    comps: list[Component] = []
    for i in range(components):
        col, row = divmod(i, rows)
        if col == 0 and row < 10:
            comp = Component(f"c{i}", "client", f"Users {i}", (0.0, row * 200.0),
                             workload=Workload("poisson", rate_rps=50.0))
        else:
            kind = SERVER_TYPES[i % len(SERVER_TYPES)]
            comp = Component(f"c{i}", kind, f"{kind.replace('_', ' ').title()} {i}",
                             (col * 200.0, row * 200.0), replicas=1 + i % 3)
        comps.append(comp)
    by_col = [comps[c * rows:(c + 1) * rows] for c in range(columns)]
    pairs: set[tuple[str, str]] = set()
    while len(pairs) < links:
        col = rng.randrange(columns - 1)
        source = rng.choice(by_col[col])
        target = rng.choice(by_col[min(columns - 1, col + 1 + rng.randrange(2))])
        if target.type != "client":
            pairs.add((source.id, target.id))
    link_list = [Link(s, t, latency_ms=float(rng.choice((0, 0, 1, 5))) or None)
                 for s, t in sorted(pairs)]
    return Document(name=f"Benchmark: {components} components", components=comps,
                    links=link_list, simulation=SimulationSettings(duration_s=duration_s,
                                                                   warmup_s=1))


def fifty_component_design() -> Document:
    """The stall check's design under #14: 50 components (5 client groups of 50 req/s),
    100 links across 10 layers (calls fan out: about 6 s of engine time in-process)."""
    return large_design(components=50, links=100, columns=10, duration_s=30.0)


def measure(window_size: tuple[int, int] = (1600, 1000)) -> dict[str, float]:
    """Open the large design in a MainWindow and time it and its repaints (ms)."""
    from PySide6.QtWidgets import QApplication

    from app.ui.main_window import MainWindow

    app = QApplication.instance() or QApplication(sys.argv[:1])
    window = MainWindow()
    window.resize(*window_size)
    window.show()
    app.processEvents()
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "large.sdsim"
        fileformat.save(large_design(), path)
        start = time.perf_counter()
        window.load_file(path)
        loaded = time.perf_counter()
        window.view.viewport().repaint()  # the first frame is part of opening
        opened = time.perf_counter()
    viewport = window.view.viewport()

    def timed_repaint(wall: list[float], cpu: list[float]) -> None:
        t, c = time.perf_counter(), time.thread_time()
        viewport.repaint()
        cpu.append(time.thread_time() - c)
        wall.append(time.perf_counter() - t)

    full_view: list[float] = []
    full_cpu: list[float] = []
    for _ in range(30):
        window.scene.update()  # invalidate everything, then paint it all
        timed_repaint(full_view, full_cpu)
    cold: list[float] = []
    cold_cpu: list[float] = []
    for _ in range(10):
        for item in window.scene.items():
            item.update()  # drop every item's cached rendering (as live figures do)
        window.scene.invalidate()  # and the view's cached background (grid and links)
        timed_repaint(cold, cold_cpu)
    window.view.reset_zoom()
    app.processEvents()
    at_100: list[float] = []
    at_100_cpu: list[float] = []
    for _ in range(30):
        window.scene.update()
        timed_repaint(at_100, at_100_cpu)
    window.document.undo_stack.setClean()
    window.runner.shutdown()
    window.close()
    ms = 1000.0
    return {
        "load_ms": (loaded - start) * ms,
        "open_ms": (opened - start) * ms,
        "repaint_full_median_ms": statistics.median(full_view) * ms,
        "repaint_full_max_ms": max(full_view) * ms,
        "repaint_cold_median_ms": statistics.median(cold) * ms,
        "repaint_100_median_ms": statistics.median(at_100) * ms,
        "repaint_full_cpu_ms": statistics.median(full_cpu) * ms,
        "repaint_cold_cpu_ms": statistics.median(cold_cpu) * ms,
        "repaint_100_cpu_ms": statistics.median(at_100_cpu) * ms,
        "viewport_w": viewport.width(),
        "viewport_h": viewport.height(),
    }


def five_component_design(rate_rps: float = 1000.0, duration_s: float = 60.0) -> Document:
    """Users -> load balancer -> web (x2) -> cache -> database."""
    return Document(
        name="Stall check",
        components=[
            Component("users", "client", "Users", (0.0, 0.0),
                      workload=Workload("poisson", rate_rps=rate_rps)),
            Component("lb", "load_balancer", "LB", (200.0, 0.0)),
            Component("web", "web_server", "Web", (400.0, 0.0), replicas=2),
            Component("cache", "cache", "Cache", (600.0, 0.0)),
            Component("db", "database", "DB", (800.0, 0.0)),
        ],
        links=[Link("users", "lb", latency_ms=10.0), Link("lb", "web"), Link("web", "cache"),
               Link("cache", "db", latency_ms=1.0)],
        simulation=SimulationSettings(duration_s=duration_s, warmup_s=2.0, seed=7),
    )


@contextlib.contextmanager
def busy_core(enabled: bool = True, cores: int = 1) -> Iterator[None]:
    """Keep ``cores`` cores busy (``yes > /dev/null`` each) while the block runs."""
    if not enabled:
        yield
        return
    hogs = [subprocess.Popen(["yes"], stdout=subprocess.DEVNULL) for _ in range(cores)]
    try:
        yield
    finally:
        for hog in hogs:
            hog.kill()
            hog.wait()


def measure_stall(
    runs: int = 5, window_size: tuple[int, int] = (1440, 900), *, low_priority: bool = True,
    design: Callable[[], Document] = five_component_design,
) -> list[dict[str, float]]:
    """Run ``design`` flat out; a 5 ms GUI timer records the gaps between ticks."""
    from PySide6.QtCore import QEventLoop, QTimer
    from PySide6.QtWidgets import QApplication

    from app.ui.gui_gc import GuiThreadCollector
    from app.ui.main_window import MainWindow
    from app.ui.run_controller import IDLE

    app = QApplication.instance() or QApplication(sys.argv[:1])
    # Garbage is collected as the app does (app.ui.application.run_gui): from a GUI
    # timer, with the start-up heap frozen once the first window is up.
    collector = GuiThreadCollector(interval_s=1.0)
    results = []
    for run_index in range(runs):
        window = MainWindow()
        window.resize(*window_size)
        window.show()
        app.processEvents()
        if run_index == 0:
            collector.freeze_startup_heap()
        window.document.reset(design())
        window.runner.set_speed(None)
        window.runner.engine_low_priority = low_priority
        # As a user presses Run: the design opened, validated (150 ms later) and painted.
        # Opening a 50-component design costs its own first frame, which is not a stall
        # "while it simulates"; it was counted in the first gap before.
        settle = QEventLoop()
        QTimer.singleShot(SETTLE_MS, settle.quit)
        settle.exec()
        gaps: list[float] = []
        last = [time.perf_counter()]

        def tick(gaps: list[float] = gaps, last: list[float] = last) -> None:
            now = time.perf_counter()
            gaps.append(now - last[0])
            last[0] = now

        timer = QTimer()
        timer.setInterval(5)
        timer.timeout.connect(tick)
        loop = QEventLoop()
        window.runner.state_changed.connect(lambda state, loop=loop: state == IDLE and loop.quit())
        timer.start()
        start = time.perf_counter()
        window.runner.run()
        # Where the run's end starts (the worker's "finished" reaches the GUI thread):
        # the gaps from there on are the end-of-run work, the ones before it the frames.
        ended_at = [0]
        run = window.runner._run
        if run is not None:
            run.finished.connect(lambda *_a, g=gaps, e=ended_at: e.__setitem__(0, len(g)))
        loop.exec()  # as app.exec(): the GUI thread waits in Qt's event loop
        wall = time.perf_counter() - start
        timer.stop()
        # The first gap holds the Run press itself (run() returns before the loop runs).
        during, after = gaps[1:ended_at[0]] or [0.0], gaps[ended_at[0]:] or [0.0]
        at_run = gaps[0] if gaps else 0.0
        gaps.sort()
        results.append({"max_ms": gaps[-1] * 1000, "p99_ms": gaps[int(len(gaps) * 0.99)] * 1000,
                        "ticks": len(gaps), "wall_s": wall,
                        "run_ms": at_run * 1000, "run_max_ms": max(during) * 1000,
                        "end_max_ms": max(after) * 1000,
                        "windows": len(window.runner.snapshots)})
        window.runner.shutdown()
        window.document.undo_stack.setClean()
        window.close()
    collector.deleteLater()
    gc.unfreeze()
    gc.enable()  # as before this measurement, for the next one
    return results


def stall_table(runs: int) -> None:
    """The 5-component rows (issue #8): idle or one core busy, engine priority lowered or not."""
    print("Flat-out run of a 5-component design (1,000 req/s, 60 simulated s), "
          f"5 ms GUI timer, {runs} runs per row:\n")
    print("| machine | engine priority | wall time (median) | worst gap (max of runs) "
          "| worst gap (median of runs) | p99 gap (median) |")
    print("|---|---|---|---|---|---|")
    for busy in (False, True):
        for low in (True, False):
            with busy_core(busy):
                stalls = measure_stall(runs, low_priority=low)
            worst = [r["max_ms"] for r in stalls]
            print(f"| {'one core busy' if busy else 'idle'} "
                  f"| {'lowered (nice +5, batch)' if low else 'same as GUI'} "
                  f"| {statistics.median(r['wall_s'] for r in stalls):.2f} s "
                  f"| {max(worst):.0f} ms | {statistics.median(worst):.0f} ms "
                  f"| {statistics.median(r['p99_ms'] for r in stalls):.0f} ms |")
    print()


def stall_both_cores(runs: int) -> None:
    """Issue #14: the 50-component design flat out with both cores kept busy."""
    print(f"Flat-out run of the 50-component design, both cores busy (2 × `yes`), "
          f"engine priority as shipped, 5 ms GUI timer, {runs} runs "
          f"(load average before: {os.getloadavg()[0]:.1f}):\n")
    with busy_core(True, cores=2):
        stalls = measure_stall(runs, design=fifty_component_design)
    worst = [r["max_ms"] for r in stalls]
    print("| run | wall time | windows | longest gap | at Run | while running | at the end "
          "| p99 gap |")
    print("|---|---|---|---|---|---|---|---|")
    for i, r in enumerate(stalls, 1):
        print(f"| {i} | {r['wall_s']:.2f} s | {r['windows']:.0f} | {r['max_ms']:.0f} ms "
              f"| {r['run_ms']:.0f} ms | {r['run_max_ms']:.0f} ms | {r['end_max_ms']:.0f} ms "
              f"| {r['p99_ms']:.0f} ms |")
    print(f"| **median** | {statistics.median(r['wall_s'] for r in stalls):.2f} s | "
          f"| **{statistics.median(worst):.0f} ms** "
          f"| {statistics.median(r['run_ms'] for r in stalls):.0f} ms "
          f"| {statistics.median(r['run_max_ms'] for r in stalls):.0f} ms "
          f"| {statistics.median(r['end_max_ms'] for r in stalls):.0f} ms "
          f"| {statistics.median(r['p99_ms'] for r in stalls):.0f} ms |")
    print(f"(load average after: {os.getloadavg()[0]:.1f})")
    print()


def repaint_table() -> None:
    """Open the 500-component design and time its repaints."""
    results = measure()
    print(f"Viewport {results['viewport_w']:.0f}×{results['viewport_h']:.0f} px, offscreen; "
          "wall time and the GUI thread's CPU time.\n")
    print("| measurement | wall | CPU | target |")
    print("|---|---|---|---|")
    print(f"| open 500 components + 1,000 links (parse, validate, build, first frame) "
          f"| {results['open_ms']:.0f} ms (of which load {results['load_ms']:.0f} ms) | "
          f"| < 1,000 ms |")
    print(f"| full-view repaint, whole design fitted (median / max of 30) "
          f"| {results['repaint_full_median_ms']:.1f} / {results['repaint_full_max_ms']:.1f} ms "
          f"| {results['repaint_full_cpu_ms']:.1f} ms | < 16 ms |")
    print(f"| full-view repaint with every item and the background redrawn (median of 10) "
          f"| {results['repaint_cold_median_ms']:.1f} ms | {results['repaint_cold_cpu_ms']:.1f} ms "
          f"| < 33 ms |")
    print(f"| repaint at 100 % zoom (median of 30) "
          f"| {results['repaint_100_median_ms']:.1f} ms | {results['repaint_100_cpu_ms']:.1f} ms "
          f"| — |")
    print()


def main() -> int:
    """Print the measurements as Markdown.

    ``--stall-only``: the 5-component stall rows; ``--both-cores``: the #14 stall check
    (50 components, both cores busy); ``--repaint-only``: the large design.
    """
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    runs = int(args[0]) if args else 5
    flags = {a for a in sys.argv[1:] if a.startswith("--")}
    if "--both-cores" in flags:
        stall_both_cores(runs)
        return 0
    if "--repaint-only" in flags:
        repaint_table()
        return 0
    stall_table(runs)
    if "--stall-only" not in flags:
        repaint_table()
    return 0


if __name__ == "__main__":
    sys.exit(main())
