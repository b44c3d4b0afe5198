"""The run's alerts outside the dock: badges on the canvas and shaded spans on the charts.

Both follow the Alerts panel's board: a node carries a badge while one of its
alerts fires (gone when it resolves and at a new run); every chart shades the
periods during which some alert fired, up to the run's current time while it
still fires (advanced on the charts' frame timer). Alerts on links and end to
end have no node: they show in the dock and on the charts.
"""

from __future__ import annotations

from PySide6.QtCore import QObject

from app.ui.alerts.panel import AlertsPanel
from app.ui.alerts.spans import AlertSpans
from app.ui.canvas.scene import DiagramScene
from app.ui.charts import ChartsPanel
from app.ui.run_controller import RunController


class AlertMarks(QObject):
    """Keeps canvas badges and chart spans in step with the Alerts panel."""

    def __init__(self, panel: AlertsPanel, runner: RunController, scene: DiagramScene,
                 charts: ChartsPanel, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._panel = panel
        self._runner = runner
        self._scene = scene
        self.spans = AlertSpans(charts.plots)
        panel.alerts_changed.connect(self.refresh)
        charts.timer.timeout.connect(self._advance)

    def _now(self) -> float:
        snapshots = self._runner.snapshots
        return snapshots[-1].time_s if snapshots else 0.0

    def refresh(self) -> None:
        """Badges and spans from the board as it is now."""
        board = self._panel.board
        firing = board.firing_by_target()
        self._scene.set_alerts({
            target: (entries[0].severity,
                     [f"{e.name} ({e.severity}): {e.condition}, firing since "
                      f"{e.fired_at_s or 0.0:g} s" for e in entries])
            for target, entries in firing.items()})
        self.spans.show(board.spans(self._now()))

    def _advance(self) -> None:
        """A frame: the spans of alerts still firing grow to the run's current time."""
        if self._panel.board.firing():
            self.spans.show(self._panel.board.spans(self._now()))
