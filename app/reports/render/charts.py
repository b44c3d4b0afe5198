"""Charts drawn with QPainter on a report page: lines over time or a swept parameter,
confidence bands, shaded warm-up and fault markers, and the alerts/faults timeline.

Drawn as vectors (the PDF stays sharp and small), in light print colours.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QBrush, QColor, QPainterPath, QPen

from app.reports.render.canvas import BAND, GRID, INK, MUTED, RULE, SERIES, PageCanvas, plain

Point = tuple[float, float | None]


@dataclass(slots=True)
class Line:
    """One series: points (a None value breaks the line), a legend label, a style."""

    label: str
    points: list[Point]
    color: QColor
    dashed: bool = False
    markers: bool = False


@dataclass(slots=True)
class Band:
    """A shaded interval (a confidence band): (x, low, high) triples."""

    points: list[tuple[float, float, float]]
    color: QColor


@dataclass(slots=True)
class Chart:
    """What one chart shows."""

    title: str
    y_label: str
    x_label: str = "simulated time (s)"
    lines: list[Line] = field(default_factory=list)
    bands: list[Band] = field(default_factory=list)
    #: x values to mark with a thin dashed line (faults), with their label.
    marks: list[tuple[float, str]] = field(default_factory=list)
    #: An x range shaded as not counted (the warm-up).
    shaded: tuple[float, float] | None = None
    #: Category names for x = 0, 1, 2... (a swept value that is not a number).
    categories: list[str] | None = None
    y_scale: float = 1.0
    note: str = ""
    #: Start the y axis at 0 (counts, rates); False zooms on the data (a sweep's latency,
    #: where a large fixed part would flatten the effect being swept).
    from_zero: bool = True


def nice_ticks(lo: float, hi: float, count: int = 5) -> list[float]:
    """Round tick values covering [lo, hi]."""
    if not (math.isfinite(lo) and math.isfinite(hi)) or hi <= lo:
        hi = lo + 1.0
    raw = (hi - lo) / max(1, count)
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw)
    start = math.floor(lo / step) * step
    ticks = []
    value = start
    while value <= hi + step * 1e-9:
        ticks.append(round(value, 12))
        value += step
    return ticks


def _tick_text(value: float) -> str:
    if value == 0:
        return "0"
    if abs(value) >= 10_000:
        return f"{value / 1000:g}k"
    return f"{value:.4g}"


def _extent(chart: Chart) -> tuple[float, float, float, float] | None:
    xs: list[float] = []
    ys: list[float] = []
    for line in chart.lines:
        for x, y in line.points:
            if y is not None and math.isfinite(y):
                xs.append(x)
                ys.append(y * chart.y_scale)
    for band in chart.bands:
        for x, lo, hi in band.points:
            xs.append(x)
            ys.extend((lo * chart.y_scale, hi * chart.y_scale))
    if not xs:
        return None
    x0, x1 = min(xs), max(xs)
    if chart.shaded:
        x0 = min(x0, chart.shaded[0])
    if x1 <= x0:
        x1 = x0 + 1
    y0, y1 = (min(0.0, *ys) if chart.from_zero else min(ys)), max(ys)
    if y1 <= y0:
        y1 = y0 + 1
    pad = (y1 - y0) * 0.05
    return x0, x1, y0 if chart.from_zero else y0 - pad, y1 + pad


def draw_chart(canvas: PageCanvas, rect: QRectF, chart: Chart) -> None:
    """Draw ``chart`` into ``rect`` (title, legend, axes, grid, lines)."""
    p = canvas.painter
    canvas.text(QRectF(rect.left(), rect.top(), rect.width(), 13), chart.title, 9.5, bold=True)
    title_w = canvas.text_width(plain(chart.title), 9.5, bold=True)
    canvas.text(QRectF(rect.left() + title_w + 6, rect.top() + 1, rect.width() - title_w - 6, 13),
                f"({chart.y_label})", 7.5, color=MUTED)
    legend_h = _draw_legend(canvas, QRectF(rect.left(), rect.top() + 14, rect.width(), 24),
                            chart.lines)
    top = rect.top() + 16 + legend_h
    plot = QRectF(rect.left() + 38, top + 4, rect.width() - 46, rect.bottom() - top - 30)
    extent = _extent(chart)
    p.save()
    if extent is None or plot.height() < 10:
        canvas.line(plot.left(), plot.bottom(), plot.right(), plot.bottom())
        canvas.text(plot, "no values in this run", 8.5, color=MUTED,
                    align=Qt.AlignmentFlag.AlignHCenter)
        p.restore()
        return
    x0, x1, y0, y1 = extent
    yt = nice_ticks(y0, y1)
    y0, y1 = min(y0, yt[0]), max(y1, yt[-1])
    if chart.categories is not None:
        xt = [float(i) for i in range(len(chart.categories))]
        x0, x1 = -0.5, len(chart.categories) - 0.5
    else:
        xt = [t for t in nice_ticks(x0, x1, 6) if x0 - 1e-9 <= t <= x1 + 1e-9]

    def sx(x: float) -> float:
        return plot.left() + (x - x0) / (x1 - x0) * plot.width()

    def sy(y: float) -> float:
        return plot.bottom() - (y - y0) / (y1 - y0) * plot.height()

    if chart.shaded is not None:
        a, b = max(x0, chart.shaded[0]), min(x1, chart.shaded[1])
        if b > a:
            p.fillRect(QRectF(sx(a), plot.top(), sx(b) - sx(a), plot.height()), BAND)
            if sx(b) - sx(a) > canvas.text_width("warm-up", 6.5) + 4:
                canvas.text(QRectF(sx(a) + 2, plot.top() + 1, sx(b) - sx(a) - 2, 9), "warm-up",
                            6.5, color=MUTED)
    for t in yt:
        canvas.line(plot.left(), sy(t), plot.right(), sy(t), color=GRID, width=0.5)
        canvas.text(QRectF(rect.left(), sy(t) - 5, 35, 10), _tick_text(t), 7, color=MUTED,
                    align=Qt.AlignmentFlag.AlignRight)
    for i, t in enumerate(xt):
        canvas.line(sx(t), plot.bottom(), sx(t), plot.bottom() + 3, color=RULE, width=0.6)
        label = chart.categories[i] if chart.categories is not None else _tick_text(t)
        canvas.text(QRectF(sx(t) - 30, plot.bottom() + 3, 60, 10), label, 7, color=MUTED,
                    align=Qt.AlignmentFlag.AlignHCenter)
    canvas.text(QRectF(plot.left(), plot.bottom() + 13, plot.width(), 10), chart.x_label, 7.5,
                color=MUTED, align=Qt.AlignmentFlag.AlignHCenter)
    canvas.line(plot.left(), plot.bottom(), plot.right(), plot.bottom(), color=RULE, width=0.8)
    canvas.line(plot.left(), plot.top(), plot.left(), plot.bottom(), color=RULE, width=0.8)
    p.setClipRect(plot.adjusted(-2, -2, 2, 2))
    # The timeline names the faults; here only where they fell.
    for x, _label in chart.marks:
        if x0 <= x <= x1:
            canvas.line(sx(x), plot.top(), sx(x), plot.bottom(), color=QColor("#b42318"),
                        width=0.6, style=Qt.PenStyle.DashLine)
    for band in chart.bands:
        if not band.points:
            continue
        path = QPainterPath()
        path.moveTo(QPointF(sx(band.points[0][0]), sy(band.points[0][2] * chart.y_scale)))
        for x, _lo, hi in band.points[1:]:
            path.lineTo(QPointF(sx(x), sy(hi * chart.y_scale)))
        for x, lo, _hi in reversed(band.points):
            path.lineTo(QPointF(sx(x), sy(lo * chart.y_scale)))
        path.closeSubpath()
        fill = QColor(band.color)
        fill.setAlphaF(0.18)
        p.fillPath(path, QBrush(fill))
    p.setRenderHint(p.RenderHint.Antialiasing)
    for line in chart.lines:
        pen = QPen(line.color, 1.1)
        pen.setStyle(Qt.PenStyle.DashLine if line.dashed else Qt.PenStyle.SolidLine)
        p.setPen(pen)
        path = QPainterPath()
        drawing = False
        for x, y in line.points:
            if y is None or not math.isfinite(y):
                drawing = False
                continue
            point = QPointF(sx(x), sy(y * chart.y_scale))
            if drawing:
                path.lineTo(point)
            else:
                path.moveTo(point)
                drawing = True
        p.drawPath(path)
        if line.markers:
            p.setBrush(QBrush(line.color))
            for x, y in line.points:
                if y is not None and math.isfinite(y):
                    p.drawEllipse(QPointF(sx(x), sy(y * chart.y_scale)), 1.6, 1.6)
            p.setBrush(Qt.BrushStyle.NoBrush)
    p.restore()
    if chart.note:
        canvas.text(QRectF(rect.left(), rect.bottom() - 8, rect.width(), 8), chart.note, 6.5,
                    color=MUTED, align=Qt.AlignmentFlag.AlignRight)


def _draw_legend(canvas: PageCanvas, rect: QRectF, lines: Sequence[Line]) -> float:
    """Legend entries in rows across ``rect``; returns the height used (at most two rows)."""
    if not lines:
        return 0.0
    x, y, row_h = rect.left(), rect.top(), 10.0
    for line in lines:
        label = plain(line.label, 40)
        width = min(canvas.text_width(label, 7) + 20, rect.width())
        if x + width > rect.right() and x > rect.left():
            x, y = rect.left(), y + row_h
            if y + row_h > rect.bottom() + 0.1:
                break
        canvas.line(x, y + 5, x + 12, y + 5, color=line.color, width=1.6,
                    style=Qt.PenStyle.DashLine if line.dashed else Qt.PenStyle.SolidLine)
        canvas.text(QRectF(x + 15, y, width - 15, row_h), label, 7)
        x += width + 4
    return y + row_h - rect.top()


@dataclass(slots=True)
class TimelineRow:
    """One row of the timeline: a label, bars (start, end, colour) and points (x, colour)."""

    label: str
    bars: list[tuple[float, float, QColor]] = field(default_factory=list)
    points: list[tuple[float, QColor]] = field(default_factory=list)


def draw_timeline(canvas: PageCanvas, rect: QRectF, title: str, rows: Sequence[TimelineRow], *,
                  end_s: float, legend: Sequence[tuple[str, QColor]]) -> None:
    """Alerts (bars from firing to resolution) and faults (marks) over the simulated time."""
    canvas.text(QRectF(rect.left(), rect.top(), rect.width(), 13), title, 9.5, bold=True)
    x = rect.left()
    for label, color in legend:
        canvas.painter.fillRect(QRectF(x, rect.top() + 17, 8, 6), color)
        width = canvas.text_width(label, 7) + 6
        canvas.text(QRectF(x + 11, rect.top() + 15, width, 10), label, 7)
        x += width + 18
    label_w = min(150.0, rect.width() * 0.3)
    plot = QRectF(rect.left() + label_w, rect.top() + 30, rect.width() - label_w - 6,
                  rect.height() - 52)
    row_h = plot.height() / max(1, len(rows))
    x1 = max(end_s, 1e-9)

    def sx(t: float) -> float:
        return plot.left() + max(0.0, min(t, x1)) / x1 * plot.width()

    for t in nice_ticks(0, x1, 6):
        if t <= x1 + 1e-9:
            canvas.line(sx(t), plot.top(), sx(t), plot.bottom(), color=GRID, width=0.5)
            canvas.text(QRectF(sx(t) - 25, plot.bottom() + 2, 50, 10), _tick_text(t), 7,
                        color=MUTED, align=Qt.AlignmentFlag.AlignHCenter)
    canvas.text(QRectF(plot.left(), plot.bottom() + 12, plot.width(), 10), "simulated time (s)",
                7.5, color=MUTED, align=Qt.AlignmentFlag.AlignHCenter)
    p = canvas.painter
    for i, row in enumerate(rows):
        top = plot.top() + i * row_h
        canvas.text(QRectF(rect.left(), top, label_w - 6, row_h), row.label, 7.5, color=INK)
        bar_h = min(row_h * 0.6, 9.0)
        mid = top + row_h / 2
        for start, end, color in row.bars:
            p.fillRect(QRectF(sx(start), mid - bar_h / 2, max(1.0, sx(end) - sx(start)), bar_h),
                       color)
        for t, color in row.points:
            pen = QPen(color, 1.4)
            p.setPen(pen)
            p.drawLine(QPointF(sx(t), mid - bar_h / 2 - 1), QPointF(sx(t), mid + bar_h / 2 + 1))
    canvas.line(plot.left(), plot.bottom(), plot.right(), plot.bottom(), color=RULE, width=0.8)


def series_color(index: int) -> QColor:
    """The ``index``-th series colour."""
    return SERIES[index % len(SERIES)]
