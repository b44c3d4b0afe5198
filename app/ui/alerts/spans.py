"""Firing alerts as shaded spans on the charts (behind the curves, not movable).

Overlapping firing periods are merged first (:meth:`AlertBoard.spans`), so
the charts carry one region per stretch of time with an alert firing, and at
most :data:`MAX_SPANS` of them: a flapping alert cannot fill the plots with
thousands of items. Like the event markers, spans are redrawn on the charts'
frame timer, never per event.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Final

import pyqtgraph as pg

#: Spans drawn per plot; later ones are only counted in :attr:`AlertSpans.dropped`.
MAX_SPANS: Final = 100
#: A translucent red: visible behind the curves in light and dark themes.
SPAN_COLOR: Final = (239, 68, 68, 40)
SPAN_EDGE: Final = (239, 68, 68, 110)


class AlertSpans:
    """The shaded firing periods on a set of plots."""

    def __init__(self, plots: Iterable[pg.PlotItem]) -> None:
        self._plots = list(plots)
        #: Per plot, its region items (reused from run to run: no churn of scene items).
        self._regions: list[list[pg.LinearRegionItem]] = [[] for _ in self._plots]
        self._shown: list[tuple[float, float]] = []
        #: Spans not drawn because :data:`MAX_SPANS` were already drawn.
        self.dropped = 0

    def show(self, spans: Sequence[tuple[float, float]]) -> None:
        """Draw exactly these ``(start, end)`` spans (simulated seconds)."""
        spans = list(spans)
        self.dropped = max(0, len(spans) - MAX_SPANS)
        spans = spans[:MAX_SPANS]
        if spans == self._shown:
            return
        self._shown = spans
        for plot, regions in zip(self._plots, self._regions, strict=True):
            while len(regions) < len(spans):
                region = pg.LinearRegionItem(
                    values=(0.0, 0.0), orientation="vertical", movable=False,
                    brush=pg.mkBrush(SPAN_COLOR), pen=pg.mkPen(SPAN_EDGE, width=1))
                region.setZValue(-10)  # behind the curves and the event markers
                region.setAcceptHoverEvents(False)
                plot.addItem(region, ignoreBounds=True)
                regions.append(region)
            for index, region in enumerate(regions):
                if index < len(spans):
                    region.setRegion(spans[index])
                    region.setVisible(True)
                else:
                    region.setVisible(False)

    def clear(self) -> None:
        """No spans (a new run)."""
        self.show([])

    @property
    def spans(self) -> list[tuple[float, float]]:
        """The spans drawn now (tests)."""
        return list(self._shown)

    def regions(self, plot_index: int = 0) -> list[pg.LinearRegionItem]:
        """The visible region items of one plot (tests)."""
        return [r for r in self._regions[plot_index] if r.isVisible()]
