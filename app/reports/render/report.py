"""A run's or a sweep's report as pages: a multi-page PDF and a one-page PNG.

:func:`report_items` turns what :mod:`app.reports.run_folder` read into blocks
(title, settings, diagram, tables, charts, timeline); :mod:`.layout` flows
them onto A4 or Letter pages; :func:`write_pdf` and :func:`write_png` paint
the pages. The PNG is the first page: the summary a colleague sees first.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from PySide6.QtCore import QMarginsF, QRectF, QSizeF, Qt
from PySide6.QtGui import QColor, QImage, QPageLayout, QPageSize, QPainter, QPdfWriter

from app import __version__
from app.engine.snapshot import END_TO_END
from app.reports.render.canvas import (
    MARGIN,
    MUTED,
    PAGE_SIZES,
    PAPER,
    RULE,
    WARN,
    PageCanvas,
    plain,
)
from app.reports.render.charts import (
    Band,
    Chart,
    Line,
    TimelineRow,
    draw_chart,
    draw_timeline,
    series_color,
)
from app.reports.render.layout import Block, Draw, Item, TableBlock, flow
from app.reports.run_folder import RunReportInput, SweepReportInput
from app.reports.tables import (
    SIGNIFICANT,
    Cell,
    Column,
    Table,
    analytic_sentences,
    analytic_table,
    headline_table,
    links_table,
    overload_sentence,
    status_sentence,
)

PDF_DPI = 300
PNG_DPI = 110
CHART_H = 165.0
#: Components drawn per chart (those with the highest peaks); the table lists all.
CHART_COMPONENTS = 8
#: Timeline rows (alerts and fault targets); summary.json holds them all.
TIMELINE_ROWS = 14
PAGE_SIZE_NAMES = tuple(PAGE_SIZES)


@dataclass(slots=True)
class Pages:
    """A laid-out report: pages of placed drawings, and its size in points."""

    title: str
    width: float
    height: float
    pages: list[list[tuple[QRectF, Draw]]]


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")


def _header(kind: str, title: str, lines: list[str], warnings: list[str]) -> Block:
    def draw(canvas: PageCanvas, rect: QRectF) -> None:
        canvas.text(QRectF(rect.left(), rect.top(), rect.width(), 11), kind, 8, color=MUTED)
        canvas.text(QRectF(rect.left(), rect.top() + 12, rect.width(), 22), title, 16, bold=True)
        y = rect.top() + 37
        for line in lines:
            canvas.text(QRectF(rect.left(), y, rect.width(), 11), line, 8.5)
            y += 12
        for line in warnings:
            canvas.text(QRectF(rect.left(), y, rect.width(), 11), line, 8.5, bold=True,
                        color=WARN)
            y += 12
        canvas.line(rect.left(), rect.bottom() - 2, rect.right(), rect.bottom() - 2,
                    color=RULE, width=0.8)

    return Block(37 + 12 * (len(lines) + len(warnings)) + 6, draw)


def _text_lines(title: str, lines: list[str]) -> Block:
    def draw(canvas: PageCanvas, rect: QRectF) -> None:
        y = rect.top()
        if title:
            canvas.text(QRectF(rect.left(), y, rect.width(), 13), title, 9.5, bold=True)
            y += 15
        for line in lines:
            canvas.text(QRectF(rect.left(), y, rect.width(), 11), line, 8)
            y += 11

    return Block((15 if title else 0) + 11 * len(lines), draw)


def _image_block(image: QImage, width: float, max_h: float) -> Block:
    aspect = image.height() / max(1, image.width())
    height = min(max_h, width * aspect)

    def draw(canvas: PageCanvas, rect: QRectF) -> None:
        w = min(rect.width(), rect.height() / aspect)
        h = w * aspect
        target = QRectF(rect.left() + (rect.width() - w) / 2, rect.top(), w, h)
        canvas.painter.drawImage(target, image)
        canvas.painter.setPen(RULE)
        canvas.painter.drawRect(target)

    return Block(height, draw)


def _chart_block(chart: Chart, height: float = CHART_H) -> Block:
    return Block(height, lambda canvas, rect: draw_chart(canvas, rect, chart))


# -- one run ------------------------------------------------------------------------------------


def _top(series: dict[tuple[str, str], list[tuple[float, float | None]]], components: list[str],
         metric: str) -> tuple[list[str], int]:
    """The components with the highest peak of ``metric`` (at most CHART_COMPONENTS)."""
    peaks = []
    for cid in components:
        values = [v for _, v in series.get((cid, metric), []) if v is not None]
        if values:
            peaks.append((max(values), cid))
    peaks.sort(key=lambda pair: -pair[0])
    return [cid for _, cid in peaks[:CHART_COMPONENTS]], len(peaks)


def _component_chart(data: RunReportInput, metric: str, title: str, y_label: str, *,
                     scale: float, marks: list[tuple[float, str]],
                     shaded: tuple[float, float] | None, with_e2e: bool = False) -> Chart:
    chosen, total = _top(data.series, data.components, metric)
    lines = []
    if with_e2e and (END_TO_END, metric) in data.series:
        lines.append(Line("end to end", data.series[(END_TO_END, metric)], QColor("#1f2328")))
    for i, cid in enumerate(chosen):
        lines.append(Line(cid, data.series[(cid, metric)], series_color(i)))
    note = (f"the {len(chosen)} of {total} components with the highest peaks"
            if total > len(chosen) else "")
    if all(v in (None, 0) for line in lines for _, v in line.points):
        note = "zero throughout the run"
    return Chart(title, y_label, lines=lines, marks=marks, shaded=shaded, y_scale=scale, note=note)


def _fault_marks(summary: dict[str, Any]) -> list[tuple[float, str]]:
    """Where injected faults and crashes fell (scaling and alerts have the timeline)."""
    events = [e for e in summary.get("events") or []
              if e.get("source") == "fault" or e.get("kind") == "crash"]
    return [(float(e["time_s"]), f"{e.get('kind')} {e.get('target')}") for e in events[:200]
            if isinstance(e.get("time_s"), int | float)]


BAD, GOOD, SCALE, OTHER = (QColor("#d62728"), QColor("#2ca02c"), QColor("#1f77b4"),
                           QColor("#7f7f7f"))


def event_color(kind: str) -> QColor:
    """Red for what breaks, green for what comes back, blue for scaling, grey otherwise."""
    if kind.endswith(("_end", "ready", "recover", "recovered", "healthy", "restored", "closed")):
        return GOOD
    if any(word in kind for word in ("crash", "outage", "unhealthy", "partition", "fail",
                                     "open", "slow", "latency", "error")):
        return BAD
    if "scale" in kind:
        return SCALE
    return OTHER
ALERT_COLORS = {"critical": QColor("#d62728"), "warning": QColor("#ff7f0e")}
PENDING = QColor("#f5c98a")


def _timeline(summary: dict[str, Any]) -> Block | None:
    end = float(summary.get("simulated_s") or 0)
    rows: list[TimelineRow] = []
    for alert in summary.get("alerts") or []:
        row = TimelineRow(
            f"{alert.get('severity')}: {alert.get('name')} @ {alert.get('component')}")
        fired = float(alert.get("fired_at_s") or 0)
        pending = alert.get("pending_since_s")
        if isinstance(pending, int | float) and pending < fired:
            row.bars.append((float(pending), fired, PENDING))
        resolved = alert.get("resolved_at_s")
        row.bars.append((fired, end if resolved is None else float(resolved),
                         ALERT_COLORS.get(str(alert.get("severity")), QColor("#ff7f0e"))))
        rows.append(row)
    by_target: dict[str, TimelineRow] = {}
    for event in summary.get("events") or []:
        kind = str(event.get("kind"))
        if kind.startswith("alert") or not isinstance(event.get("time_s"), int | float):
            continue
        target = str(event.get("target"))
        row = by_target.setdefault(target, TimelineRow(f"{target}"))
        row.points.append((float(event["time_s"]), event_color(kind)))
    rows.extend(by_target.values())
    if not rows:
        return None
    more = len(rows) - TIMELINE_ROWS
    rows = rows[:TIMELINE_ROWS]
    legend = [("alert firing (critical)", ALERT_COLORS["critical"]),
              ("alert firing (warning)", ALERT_COLORS["warning"]), ("alert pending", PENDING),
              ("crash / outage", BAD), ("recovery", GOOD), ("scaling", SCALE),
              ("other event", OTHER)]
    title = "Alerts and faults" + (f" (the first {TIMELINE_ROWS} rows; {more} more in "
                                   "summary.json)" if more > 0 else "")
    height = 56 + 14 * len(rows)
    return Block(height, lambda canvas, rect: draw_timeline(canvas, rect, title, rows, end_s=end,
                                                                legend=legend))


def _event_lines(summary: dict[str, Any], limit: int = 12) -> list[str]:
    events = [e for e in summary.get("events") or [] if not str(e.get("kind")).startswith("alert")]
    lines = []
    for e in events[:limit]:
        extra = ", ".join(f"{k} {v:.4g}" if isinstance(v, float) else f"{k} {v}"
                          for k, v in e.items() if k not in ("time_s", "kind", "target"))
        lines.append(f"{float(e.get('time_s') or 0):9.3f} s   {e.get('kind')}   {e.get('target')}"
                     + (f"   ({extra})" if extra else ""))
    total = len(events) + int(summary.get("events_dropped") or 0)
    if total > limit:
        lines.append(f"… {total - limit:,} more in summary.json")
    return lines


def run_items(data: RunReportInput, width: float, created: str | None = None) -> list[Item]:
    """The blocks of one run's report."""
    from app.reports.render.diagram import diagram_image

    summary, run = data.summary, data.run
    settings = run.get("settings") or {}
    name = data.design_name or data.folder.name
    lines = [
        f"Report made {created or _now()} with System Design Simulator {__version__}"
        + (f"; run made {run['created']}" if run.get("created") else ""),
        f"Run: {float(settings.get('duration_s', summary.get('simulated_s', 0))):g} s planned, "
        f"warm-up {float(summary.get('warmup_s') or 0):g} s, seed {summary.get('seed')}"
        + (f"; design file {plain(run['source_file'], 120)}" if run.get("source_file") else ""),
        status_sentence(summary),
    ]
    overload = overload_sentence(summary)
    warnings = [overload] if overload else []
    if overload and overload.startswith("Overloaded"):
        warnings.append("Queues grow for as long as the run lasts: its latencies depend on "
                        "its length, not only on the design")
    items: list[Item] = [_header("System design report", name, lines, warnings)]
    if data.design_text is not None:
        image = diagram_image(data.design_text, summary)
        if image is not None:
            items.append(_image_block(image, width, 230.0))
    headline = headline_table(summary)
    if headline.rows:
        items.append(TableBlock(headline, (3.2, 1.1, 0.9, 0.9, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0),
                                bold_first=True))
    else:
        items.append(_text_lines("Results", [status_sentence(summary),
                                             "No statistics: the warm-up was not over."]))
    warm = float(summary.get("warmup_s") or 0)
    shaded = (0.0, warm) if warm > 0 else None
    marks = _fault_marks(summary)
    s = data.series
    e2e_tp = s.get((END_TO_END, "throughput_rps"), [])
    items.append(_chart_block(_component_chart(
        data, "throughput_rps", "Throughput", "req/s", scale=1.0, marks=marks, shaded=shaded,
        with_e2e=bool(e2e_tp))))
    pct = [Line(label, s.get((END_TO_END, metric), []), color)
           for label, metric, color in (("mean", "latency_mean_ms", QColor("#7f7f7f")),
                                        ("p50", "latency_p50_ms", series_color(0)),
                                        ("p95", "latency_p95_ms", series_color(3)),
                                        ("p99", "latency_p99_ms", series_color(1)))]
    items.append(_chart_block(Chart("End-to-end latency percentiles (per window)", "ms",
                                    lines=pct, marks=marks, shaded=shaded)))
    errors = _component_chart(data, "error_rate", "Error rate", "% of requests", scale=100.0,
                              marks=marks, shaded=shaded, with_e2e=True)
    items.append(_chart_block(errors))
    items.append(_chart_block(_component_chart(data, "utilization", "Utilisation", "% busy",
                                               scale=100.0, marks=marks, shaded=shaded)))
    items.append(_chart_block(_component_chart(data, "queue_length", "Queue length",
                                               "requests waiting", scale=1.0, marks=marks,
                                               shaded=shaded)))
    timeline = _timeline(summary)
    if timeline is not None:
        items.append(timeline)
    events = _event_lines(summary)
    if events:
        items.append(_text_lines("Events (faults, crashes, scaling)", events))
    analytic = analytic_table(summary)
    if analytic is not None:
        items.append(TableBlock(analytic, (2.2, 2.2, 1.1, 1.1, 1.1, 1.1, 0.9), bold_first=True))
        sentences = analytic_sentences(summary)
        if sentences:
            items.append(_text_lines("", sentences))
    links = links_table(summary)
    if links.rows:
        items.append(TableBlock(links, (3.0, 1, 1, 0.9, 1, 0.9, 1.5, 1, 1)))
    return items


# -- a sweep ------------------------------------------------------------------------------------


def _axis_text(value: Any) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)


SWEEP_METRICS = (("latency_mean_ms", "Mean latency", "ms", 1.0),
                 ("latency_p99_ms", "p99 latency", "ms", 1.0),
                 ("throughput_rps", "Throughput", "req/s", 1.0),
                 ("error_rate", "Error rate", "% of requests", 100.0))


def sweep_items(data: SweepReportInput, created: str | None = None) -> list[Item]:
    """The blocks of a sweep's report: a points table and metric-vs-parameter charts."""
    rows = [r for r in data.rows if r.get("component") == END_TO_END]
    points = sorted({r["point"] for r in rows})
    axis = data.axes[0] if data.axes else "replication"
    others = data.axes[1:]
    reps = max((int(r["n"] or 0) for r in rows), default=0)
    lines = [f"Report made {created or _now()} with System Design Simulator {__version__}",
             f"Swept: {', '.join(data.axes) or 'nothing (replications)'}; {len(points)} points, "
             f"up to {reps} replications each",
             "Bands: 95% confidence intervals of the mean over the replications; "
             "dashed lines: queueing theory's figures"]
    failed = sum(int(r["failed"] or 0) for r in rows if r["metric"] == "latency_mean_ms")
    warnings = [f"{failed} replications failed (failures.csv)"] if failed else []
    items: list[Item] = [_header("Parameter sweep report", data.folder.name, lines, warnings)]
    values = [r[axis] for r in rows] if data.axes else [0.0]
    numeric = all(isinstance(v, float) for v in values)
    categories = None if numeric else sorted({_axis_text(v) for v in values})

    def x_of(row: dict[str, Any]) -> float:
        if not data.axes:
            return 0.0
        value = row[axis]
        return float(value) if categories is None else float(categories.index(_axis_text(value)))

    for metric, title, unit, scale in SWEEP_METRICS:
        groups: dict[tuple[str, ...], list[dict[str, Any]]] = defaultdict(list)
        for r in rows:
            if r["metric"] == metric:
                groups[tuple(_axis_text(r[o]) for o in others)].append(r)
        chart = Chart(f"{title} against {axis}", unit, x_label=axis, y_scale=scale,
                      categories=categories, from_zero=not metric.startswith("latency"))
        for i, (key, group) in enumerate(sorted(groups.items())[:CHART_COMPONENTS]):
            group.sort(key=x_of)
            color = series_color(i)
            label = ", ".join(f"{o}={v}" for o, v in zip(others, key, strict=True)) or "simulated"
            chart.lines.append(Line(label, [(x_of(r), r["mean"]) for r in group], color,
                                    markers=True))
            band = [(x_of(r), r["ci95_low"], r["ci95_high"]) for r in group
                    if r["ci95_low"] is not None and r["ci95_high"] is not None]
            if band:
                chart.bands.append(Band(band, color))
            analytic = [(x_of(r), r["analytic"]) for r in group]
            if any(v is not None for _, v in analytic):
                chart.lines.append(Line(f"{label} (model)" if others else "queueing theory",
                                        analytic, color.darker(170), dashed=True))
        items.append(_chart_block(chart, 190.0))
    columns = (Column("point", "Point", ".0f"),
               *(Column(a, a, "") for a in data.axes),
               Column("n", "n", ".0f"),
               Column("latency_mean_ms", "mean ms", ".2f"),
               Column("ci", "± 95% CI", SIGNIFICANT),
               Column("analytic", "model ms", ".2f"),
               Column("latency_p99_ms", "p99 ms", ".2f"),
               Column("throughput_rps", "req/s", ",.1f"),
               Column("error_rate", "errors %", ".2f", 100))
    by_point: dict[int, dict[str, dict[str, Any]]] = defaultdict(dict)
    for r in rows:
        by_point[r["point"]][r["metric"]] = r
    table_rows: list[list[Cell]] = []
    for point in points:
        m = by_point[point]
        lat = m.get("latency_mean_ms") or {}
        lo, hi = lat.get("ci95_low"), lat.get("ci95_high")
        first = next(iter(m.values()))
        table_rows.append([
            float(point), *(_axis_text(first[a]) for a in data.axes), lat.get("n"),
            lat.get("mean"), None if lo is None or hi is None else (hi - lo) / 2,
            lat.get("analytic"), (m.get("latency_p99_ms") or {}).get("mean"),
            (m.get("throughput_rps") or {}).get("mean"), (m.get("error_rate") or {}).get("mean")])
    items.append(TableBlock(Table("Points (end to end)", columns, table_rows),
                            (0.7, *([1.3] * len(data.axes)), 0.5, 1, 1, 1, 1, 1, 1)))
    return items


# -- pages --------------------------------------------------------------------------------------


def lay_out(data: RunReportInput | SweepReportInput, page_size: str = "A4",
            created: str | None = None) -> Pages:
    """The report's pages at ``page_size`` ("A4" or "Letter")."""
    width, height = PAGE_SIZES[page_size]
    if isinstance(data, SweepReportInput):
        items, title = sweep_items(data, created), f"Sweep report: {data.folder.name}"
    else:
        items = run_items(data, width - 2 * MARGIN, created)
        title = f"Report: {data.design_name or data.folder.name}"
    return Pages(plain(title, 200), width, height, flow(items, width, height))


def _paint_page(canvas: PageCanvas, pages: Pages, index: int) -> None:
    for rect, draw in pages.pages[index]:
        canvas.painter.save()
        draw(canvas, rect)
        canvas.painter.restore()
    footer = QRectF(MARGIN, pages.height - MARGIN + 2, pages.width - 2 * MARGIN, 10)
    canvas.text(footer, pages.title, 7, color=MUTED)
    canvas.text(footer, f"page {index + 1} of {len(pages.pages)}", 7, color=MUTED,
                align=Qt.AlignmentFlag.AlignRight)


def _painter(device: Any, dpi: float) -> QPainter:
    painter = QPainter(device)
    painter.setRenderHints(QPainter.RenderHint.Antialiasing
                           | QPainter.RenderHint.TextAntialiasing
                           | QPainter.RenderHint.SmoothPixmapTransform)
    painter.scale(dpi / 72.0, dpi / 72.0)
    return painter


def write_pdf(pages: Pages, path: Path) -> int:
    """Write every page to a PDF (vector text and charts); returns the page count."""
    writer = QPdfWriter(str(path))
    writer.setResolution(PDF_DPI)
    writer.setTitle(pages.title)
    writer.setCreator(f"System Design Simulator {__version__}")
    writer.setPageLayout(QPageLayout(
        QPageSize(QSizeF(pages.width, pages.height), QPageSize.Unit.Point, "",
                  QPageSize.SizeMatchPolicy.FuzzyMatch),
        QPageLayout.Orientation.Portrait, QMarginsF(0, 0, 0, 0)))
    painter = _painter(writer, PDF_DPI)
    canvas = PageCanvas(painter, PDF_DPI, pages.width, pages.height)
    try:
        for index in range(len(pages.pages)):
            if index:
                writer.newPage()
            _paint_page(canvas, pages, index)
    finally:
        painter.end()
    if not path.is_file():
        raise OSError(f"could not write {path}")
    return len(pages.pages)


def page_image(pages: Pages, index: int = 0, dpi: float = PNG_DPI) -> QImage:
    """One page as an image (white paper)."""
    size = (math.ceil(pages.width * dpi / 72), math.ceil(pages.height * dpi / 72))
    image = QImage(size[0], size[1], QImage.Format.Format_RGB32)
    image.fill(PAPER)
    dpm = round(dpi / 0.0254)
    image.setDotsPerMeterX(dpm)
    image.setDotsPerMeterY(dpm)
    painter = _painter(image, dpi)
    try:
        _paint_page(PageCanvas(painter, dpi, pages.width, pages.height), pages, index)
    finally:
        painter.end()
    return image


def write_png(pages: Pages, path: Path, dpi: float = PNG_DPI) -> None:
    """Write the first page (the summary) as a PNG."""
    if not page_image(pages, 0, dpi).save(str(path), "PNG"):  # type: ignore[call-overload]
        raise OSError(f"could not write {path}")


Painter = Callable[[PageCanvas, QRectF], None]
