"""Blocks flowed down pages: each block has a height and draws itself; a table splits
across pages (its header repeated), anything else moves whole to the next page."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtCore import QRectF, Qt

from app.reports.render.canvas import BAND, INK, MARGIN, MUTED, RULE, PageCanvas
from app.reports.tables import Table, shown

Draw = Callable[[PageCanvas, QRectF], None]
ROW_H = 12.0
GAP = 12.0


@dataclass(slots=True)
class Block:
    """A piece of the report of a fixed height that draws into the rect it is given."""

    height: float
    draw: Draw


@dataclass(slots=True)
class TableBlock:
    """A table; rows that do not fit continue on the next page under a repeated header."""

    table: Table
    weights: tuple[float, ...] | None = None
    #: Bold the first row's name (the end-to-end row of the headline table).
    bold_first: bool = False

    def draw_rows(self, canvas: PageCanvas, rect: QRectF, rows: range, title: str) -> None:
        """The title, the header and ``rows`` of the table from the top of ``rect``."""
        columns = self.table.columns
        weights = self.weights or (3.0, *([1.0] * (len(columns) - 1)))
        total = sum(weights)
        xs = [rect.left()]
        for w in weights:
            xs.append(xs[-1] + rect.width() * w / total)
        y = rect.top()
        canvas.text(QRectF(rect.left(), y, rect.width(), 13), title, 9.5, bold=True)
        y += 15
        for i, column in enumerate(columns):
            align = Qt.AlignmentFlag.AlignLeft if i == 0 else Qt.AlignmentFlag.AlignRight
            canvas.text(QRectF(xs[i] + 2, y, xs[i + 1] - xs[i] - 4, ROW_H), column.heading, 7,
                        bold=True, color=MUTED, align=align)
        y += ROW_H
        canvas.line(rect.left(), y, rect.right(), y, color=RULE, width=0.8)
        for n, r in enumerate(rows):
            if n % 2 == 1:
                canvas.painter.fillRect(QRectF(rect.left(), y, rect.width(), ROW_H), BAND)
            for i, column in enumerate(columns):
                cell = self.table.rows[r][i]
                align = Qt.AlignmentFlag.AlignLeft if i == 0 else Qt.AlignmentFlag.AlignRight
                canvas.text(QRectF(xs[i] + 2, y, xs[i + 1] - xs[i] - 4, ROW_H),
                            shown(cell, column), 7.5, bold=(r == 0 and i == 0 and self.bold_first),
                            color=INK, align=align)
            y += ROW_H
        if not self.table.rows:
            canvas.text(QRectF(rect.left(), y, rect.width(), ROW_H), "no rows", 7.5, color=MUTED)


def table_height(rows: int) -> float:
    """The height of a table of ``rows`` rows (title and header included)."""
    return 15 + ROW_H + max(1, rows) * ROW_H + 2


Item = Block | TableBlock


def flow(items: list[Item], page_w: float, page_h: float) -> list[list[tuple[QRectF, Draw]]]:
    """Place ``items`` top-down on pages of ``page_w`` x ``page_h`` points."""
    width = page_w - 2 * MARGIN
    bottom = page_h - MARGIN - 14  # room for the page footer
    pages: list[list[tuple[QRectF, Draw]]] = [[]]
    y = MARGIN

    def new_page() -> None:
        nonlocal y
        pages.append([])
        y = MARGIN

    for item in items:
        if isinstance(item, Block):
            if y + item.height > bottom and pages[-1]:
                new_page()
            pages[-1].append((QRectF(MARGIN, y, width, item.height), item.draw))
            y += item.height + GAP
            continue
        rows = len(item.table.rows)
        start = 0
        while True:
            fit = int((bottom - y - table_height(0) + ROW_H) // ROW_H)
            if fit < min(3, rows - start) and pages[-1]:
                new_page()
                continue
            end = min(rows, start + max(fit, 1))
            title = item.table.title + (" (continued)" if start else "")
            height = table_height(end - start)
            span = range(start, end)

            def draw(canvas: PageCanvas, rect: QRectF, span: range = span, title: str = title,
                     block: TableBlock = item) -> None:
                block.draw_rows(canvas, rect, span, title)

            pages[-1].append((QRectF(MARGIN, y, width, height), draw))
            y += height + GAP
            start = end
            if start >= rows:
                break
            new_page()
    return pages
