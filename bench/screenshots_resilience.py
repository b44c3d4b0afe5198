"""Take the README's resilience screenshots offscreen: Retry storm and Zone outage mid-run.

    .venv/bin/python bench/screenshots_resilience.py [--out docs/screenshots] [--dpr 1]

Like bench/screenshots.py (whose offscreen set-up it reuses): a throw-away
settings folder, a 1440×900 window. Each shot is taken during a run, with a
node crashed from its context menu's live action (Retry storm) or a zone down,
and the run's events marked on the charts.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from screenshots import SIZE, _wait, start_app


def main() -> int:
    """Write retry-storm.png and zone-outage.png."""
    args, app = start_app(__doc__)

    from PySide6.QtCore import Qt

    from app.engine.commands import LiveAction
    from app.ui.main_window import MainWindow

    def run_until(window: MainWindow, key: str, picks: list[str], at_s: float,
                  actions: dict[float, LiveAction]) -> None:
        window.resize(*SIZE)
        window.show()
        # The Events list under the inspector rather than as a tab behind the charts:
        # the shot shows the events both as chart markers and as a list.
        window.splitDockWidget(window.inspector_dock, window.events_dock,
                               Qt.Orientation.Vertical)
        window.events_dock.show()
        window.resizeDocks([window.inspector_dock, window.events_dock], [260, 300],
                           Qt.Orientation.Vertical)
        window.resizeDocks([window.inspector_dock], [470], Qt.Orientation.Horizontal)
        _wait(app, 0.3)
        window.files.new_from_template(key)
        window.view.fit_to_view()
        window.charts.set_picked_components(picks)
        window.scenario_bar.set_speed(5.0)
        window.runner.run()
        for when, action in sorted(actions.items()):
            _wait(app, 120, until=lambda w=when: window.charts.sample_count >= w)
            window.runner.send_action(action)
        _wait(app, 120, until=lambda: window.charts.sample_count >= at_s)
        _wait(app, 0.2)  # one more frame

    def shoot(window: MainWindow, name: str) -> None:
        path = args.out / name
        window.grab().save(str(path))
        print(f"wrote {path}")
        window.runner.shutdown()
        window.document.undo_stack.setClean()
        window.close()

    # Retry storm at 28 s: both databases slowed by the scheduled fault since 20 s, the
    # safe path's breaker open (it opens and probes every 5 s until the fault ends) and the
    # naive path's database crashed by hand at 26 s (a live action from its context menu;
    # that path has collapsed already, so the crash changes nothing in its story).
    window = MainWindow()
    run_until(window, "retry_storm", ["db_naive", "db_safe"], 28,
              {26: LiveAction("crash", "db_naive", duration_s=10.0)})
    shoot(window, "retry-storm.png")

    # Zone outage at 34 s: the template's scheduled outage of zone a (20 s to 50 s); the
    # balancer's health checks took zone a out at 21 s and zone b's autoscaler added two
    # replicas, ready at 32 s.
    window = MainWindow()
    run_until(window, "zone_outage", ["web_a", "web_b", "lb"], 34, {})
    if not any(e.kind == "zone_outage" for e in window.runner.run_events):
        raise SystemExit("the engine did not apply the template's scheduled zone outage")
    shoot(window, "zone-outage.png")
    return 0


if __name__ == "__main__":
    sys.exit(main())
