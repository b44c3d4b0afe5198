"""The run's alerts outside the dock: badges on the canvas and shaded spans on the charts.

Both follow the Alerts panel's board: a node carries a badge while one of its
alerts fires (gone when it resolves and at a new run); every chart shades the
periods during which some alert fired, up to the run's current time while it
still fires (advanced on the charts' frame timer) -- the Overview's plots and
every custom dashboard's. Alerts on links and end to end have no node: they
show in the dock and on the charts.
"""

from __future__ import annotations

from PySide6.QtCore import QObject

from app.ui.alerts.panel import AlertsPanel
from app.ui.alerts.spans import AlertSpans
from app.ui.canvas.scene import DiagramScene
from app.ui.charts import ChartsPanel
from app.ui.dashboards.tabs import DashboardTabs
from app.ui.run_controller import RunController


class AlertMarks(QObject):
    """Keeps canvas badges and chart spans in step with the Alerts panel."""

    def __init__(self, panel: AlertsPanel, runner: RunController, scene: DiagramScene,
                 charts: ChartsPanel, *, dashboards: DashboardTabs | None = None,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._panel = panel
        self._runner = runner
        self._scene = scene
        self._dashboards = dashboards
        self.spans = AlertSpans(charts.plots)
        #: The spans on the custom dashboards' plots (made anew with their views).
        self.board_spans: list[AlertSpans] = []
        panel.alerts_changed.connect(self.refresh)
        charts.timer.timeout.connect(self._advance)
        if dashboards is not None:
            dashboards.views_rebuilt.connect(self._on_views_rebuilt)
            self._on_views_rebuilt()

    def _on_views_rebuilt(self) -> None:
        """New dashboard views: their plots get the spans shown now."""
        assert self._dashboards is not None
        self.board_spans = [AlertSpans(view.plots) for view in self._dashboards.views]
        shown = self.spans.spans
        for spans in self.board_spans:
            spans.show(shown)

    def _show_spans(self, spans: list[tuple[float, float]]) -> None:
        for target in (self.spans, *self.board_spans):
            target.show(spans)

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
        self._show_spans(board.spans(self._now()))

    def _advance(self) -> None:
        """A frame: the spans of alerts still firing grow to the run's current time."""
        if self._panel.board.firing():
            self._show_spans(self._panel.board.spans(self._now()))
