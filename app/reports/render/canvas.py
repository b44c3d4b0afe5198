"""Drawing on a report page in points (1/72 inch), whatever the device's resolution.

:class:`PageCanvas` wraps a QPainter scaled so that one logical unit is one
point; fonts are sized in points too, so layout is computed once and holds on
the PDF (300 dpi) and the PNG (any dpi). Text is drawn with ``drawText`` as
plain text (never markup): in a PDF it stays selectable and Qt embeds the font.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QFont, QFontMetricsF, QPainter, QPen

#: Light print colours, whatever the app's theme.
INK = QColor("#1f2328")
MUTED = QColor("#5b6169")
RULE = QColor("#c9ced6")
GRID = QColor("#e6e9ee")
PAPER = QColor("#ffffff")
BAND = QColor("#f3f5f8")
WARN = QColor("#b42318")
#: Series colours (Tableau 10), readable on white and in grey print.
SERIES = tuple(QColor(c) for c in ("#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd",
                                   "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"))

#: Page sizes in points (ISO A4, US Letter).
PAGE_SIZES = {"A4": (595.28, 841.89), "Letter": (612.0, 792.0)}
MARGIN = 42.0


def plain(text: object, limit: int = 400) -> str:
    """``text`` as one line of plain text: control characters and newlines become spaces,
    at most ``limit`` characters (the page elides further)."""
    shown = "".join(ch if ch.isprintable() else " " for ch in str(text))
    return shown if len(shown) <= limit else shown[: limit - 1] + "…"


@dataclass(slots=True)
class PageCanvas:
    """A painter on one page, in points; ``dpi`` is the device's resolution."""

    painter: QPainter
    dpi: float
    width: float
    height: float

    def font(self, size_pt: float, bold: bool = False) -> QFont:
        """A font of ``size_pt`` points on the page (the painter is scaled by dpi/72)."""
        font = QFont("DejaVu Sans")
        font.setStyleHint(QFont.StyleHint.SansSerif)
        # Qt converts point sizes with the device's dpi, and the painter scales again.
        font.setPointSizeF(size_pt * 72.0 / self.dpi)
        font.setBold(bold)
        # No ligatures: "offered" stays o-f-f-e-r-e-d in the PDF, so a reader's search
        # and copy find it (pdftotext read "oﬀered" with the ligature on).
        font.setFeature(QFont.Tag("liga"), 0)
        return font

    def metrics(self, font: QFont) -> QFontMetricsF:
        """Metrics in page points (the device's, before the painter's scale)."""
        return QFontMetricsF(font, self.painter.device())

    def text(self, rect: QRectF, text: object, size: float = 9, *, bold: bool = False,
             color: QColor = INK, align: Qt.AlignmentFlag = Qt.AlignmentFlag.AlignLeft) -> None:
        """One line of plain text in ``rect``, elided at the right when too long."""
        font = self.font(size, bold)
        line = self.metrics(font).elidedText(plain(text), Qt.TextElideMode.ElideRight,
                                             rect.width())
        self.painter.setFont(font)
        self.painter.setPen(color)
        self.painter.drawText(rect, int(align | Qt.AlignmentFlag.AlignVCenter
                                        | Qt.TextFlag.TextSingleLine), line)

    def paragraph(self, rect: QRectF, text: object, size: float = 9, *,
                  color: QColor = INK, bold: bool = False) -> float:
        """Wrapped plain text from the top of ``rect``; returns the height used."""
        font = self.font(size, bold)
        shown = plain(text, 2000)
        bounds = self.metrics(font).boundingRect(
            QRectF(0, 0, rect.width(), 10_000), int(Qt.TextFlag.TextWordWrap), shown)
        height = min(bounds.height(), rect.height())
        self.painter.setFont(font)
        self.painter.setPen(color)
        self.painter.drawText(QRectF(rect.left(), rect.top(), rect.width(), height),
                              int(Qt.TextFlag.TextWordWrap | Qt.AlignmentFlag.AlignLeft), shown)
        return height

    def text_width(self, text: str, size: float = 9, bold: bool = False) -> float:
        """The width of ``text`` in points."""
        return self.metrics(self.font(size, bold)).horizontalAdvance(text)

    def line(self, x1: float, y1: float, x2: float, y2: float, *, color: QColor = RULE,
             width: float = 0.6, style: Qt.PenStyle = Qt.PenStyle.SolidLine) -> None:
        """A straight line."""
        pen = QPen(color, width)
        pen.setStyle(style)
        self.painter.setPen(pen)
        self.painter.drawLine(QPointF(x1, y1), QPointF(x2, y2))


def wrapped_height(canvas: PageCanvas, text: str, width: float, size: float = 9) -> float:
    """The height :meth:`PageCanvas.paragraph` will use for ``text``."""
    bounds = canvas.metrics(canvas.font(size)).boundingRect(
        QRectF(0, 0, width, 10_000), int(Qt.TextFlag.TextWordWrap), plain(text, 2000))
    return bounds.height()
