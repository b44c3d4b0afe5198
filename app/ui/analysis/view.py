"""Wires the Analysis dock to the design, the runs and the charts.

* While editing: the dock's headline follows :class:`DesignPredictions`.
* After a run: the run's ``analytic`` headline and ``analysis`` tables, and
  one marker per anomaly on the overview charts (the event markers' class,
  in its own colour).
* Selecting an anomaly or a forecast brings the charts forward with the
  crosshair at its time (a forecast: the run's end, where its extrapolation
  starts).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, Final

from PySide6.QtCore import QObject
from PySide6.QtWidgets import QDockWidget

from app.engine.events import RunEvent
from app.ui.analysis.panel import AnalysisPanel
from app.ui.analysis.predictions import DesignPredictions
from app.ui.chart_markers import EventMarkers
from app.ui.charts import ChartsPanel
from app.ui.document import EditorDocument

#: The anomaly markers' colour (distinct from the events' red, green, amber and indigo).
ANOMALY_COLOR: Final = "#a21caf"
ANOMALY: Final = "anomaly"


class AnalysisView(QObject):
    """Keeps the Analysis dock and the anomaly markers up to date (a run event listener)."""

    def __init__(self, panel: AnalysisPanel, predictions: DesignPredictions, *,
                 document: EditorDocument, charts: ChartsPanel, charts_dock: QDockWidget,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.panel = panel
        self._document = document
        self._charts = charts
        self._charts_dock = charts_dock
        #: One marker per anomaly time on every overview chart.
        self.markers = EventMarkers(charts.plots, colors={ANOMALY: ANOMALY_COLOR},
                                    classify=lambda _kind: ANOMALY)
        predictions.changed.connect(self._on_predictions)
        panel.time_selected.connect(self.highlight)

    def _names(self) -> dict[str, str]:
        return {c.id: c.display_name for c in self._document.model.components}

    def _on_predictions(self, analytic: Mapping[str, Any] | None) -> None:
        self.panel.show_model(analytic, self._names())

    def highlight(self, time_s: float) -> None:
        """Show the charts with the crosshair at ``time_s`` (simulated seconds)."""
        self._charts_dock.raise_()
        self._charts.crosshair.set_x(time_s)

    # -- RunEventListener ---------------------------------------------------------------------

    def start_run(self, names: Mapping[str, str]) -> None:
        """A run starts: the last run's analysis and markers go."""
        self.panel.clear_run("Running… the analysis follows when the run ends.")
        self.markers.clear()
        self.markers.flush()

    def append(self, events: Iterable[RunEvent]) -> None:
        """Events are not analysed here (the Events and Alerts docks show them)."""

    def finish_run(self, summary: Mapping[str, Any] | None) -> None:
        """Show the run's analysis and mark its anomalies on the charts."""
        if summary is None:
            self.panel.clear_run("The run failed: no analysis.")
            return
        names = self._names()
        if "analytic" in summary:
            self.panel.show_model(summary["analytic"], names)
        self.panel.show_analysis(summary.get("analysis"), names, summary.get("simulated_s"))
        for anomaly in (summary.get("analysis") or {}).get("anomalies") or []:
            time_s = anomaly.get("time_s")
            if isinstance(time_s, int | float):
                self.markers.add(ANOMALY, float(time_s))
        self.markers.flush()

    def clear(self) -> None:
        """The design was replaced: forget the last run."""
        self.panel.clear_run()
        self.markers.clear()
        self.markers.flush()
