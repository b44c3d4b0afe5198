"""Icons: the component glyphs (``resources/icons/<type>.svg``) and the action glyphs.

Component icons are flat glyphs on a coloured tile, readable on light and dark
backgrounds alike. Action icons are line glyphs drawn in ``currentColor``,
which QtSvg does not resolve from the palette, so the colour is substituted
into the SVG text before rendering; :func:`action_icon` is called again when the
palette changes. Everything is rendered from vectors at the exact device pixel
size asked for, so icons stay crisp at any HiDPI scale or canvas zoom.
"""

from __future__ import annotations

from functools import lru_cache

from PySide6.QtCore import QByteArray, QRect, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QIcon, QIconEngine, QPainter, QPixmap
from PySide6.QtSvg import QSvgRenderer

from app.resources import resource_path

#: Side of the component glyphs' design grid (the SVG viewBox), in px.
COMPONENT_ICON_GRID = 48


class _SvgIconEngine(QIconEngine):
    """Renders an SVG document at whatever size and device pixel ratio Qt asks for.

    ``QIcon(path)`` would do the same for a file, but action icons are
    generated in memory (their colour is substituted), hence this engine.
    """

    def __init__(self, svg: bytes) -> None:
        super().__init__()
        self._svg = svg
        self._renderer = QSvgRenderer(QByteArray(svg))
        # Qt asks a custom engine on every paint; rendering SVG each time made every
        # repaint of the palette or toolbar re-render all glyphs.
        self._cache: dict[tuple[int, int, int], QPixmap] = {}

    def _render(self, width: int, height: int, mode: QIcon.Mode) -> QPixmap:
        key = (width, height, mode.value)
        pix = self._cache.get(key)
        if pix is None:
            pix = QPixmap(max(1, width), max(1, height))
            pix.fill(Qt.GlobalColor.transparent)
            painter = QPainter(pix)
            painter.setRenderHint(QPainter.RenderHint.Antialiasing)
            if mode == QIcon.Mode.Disabled:
                painter.setOpacity(0.35)  # disabled icons are drawn faded
            self._renderer.render(painter, QRectF(pix.rect()))
            painter.end()
            self._cache[key] = pix
        return pix

    def paint(self, painter: QPainter, rect: QRect, mode: QIcon.Mode, state: QIcon.State) -> None:
        """Draw the glyph (from the cache, at the painter's device pixel ratio)."""
        dpr = painter.device().devicePixelRatioF() if painter.device() else 1.0
        pix = self._render(round(rect.width() * dpr), round(rect.height() * dpr), mode)
        painter.drawPixmap(QRectF(rect), pix, QRectF(pix.rect()))

    def pixmap(self, size: QSize, mode: QIcon.Mode, state: QIcon.State) -> QPixmap:
        """A transparent pixmap of ``size`` device pixels with the glyph drawn in."""
        return QPixmap(self._render(size.width(), size.height(), mode))

    def scaledPixmap(
        self, size: QSize, mode: QIcon.Mode, state: QIcon.State, scale: float
    ) -> QPixmap:
        """Qt's HiDPI entry point: render at device pixels, tagged with the ratio."""
        pix = self.pixmap(size * scale, mode, state)
        pix.setDevicePixelRatio(scale)
        return pix

    def clone(self) -> QIconEngine:
        """Qt copies icons through this."""
        return _SvgIconEngine(self._svg)


@lru_cache(maxsize=64)
def _component_svg(type_key: str) -> bytes:
    path = resource_path("icons", f"{type_key}.svg")
    if not path.exists():
        # An unknown (future) type still gets a neutral tile rather than nothing.
        return (
            b'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 48 48">'
            b'<rect x="2" y="2" width="44" height="44" rx="10" fill="#64748b"/>'
            b'<circle cx="24" cy="24" r="8" fill="none" stroke="#fff" stroke-width="3"/></svg>'
        )
    return path.read_bytes()


@lru_cache(maxsize=64)
def component_icon(type_key: str) -> QIcon:
    """The icon of a component type, for the palette, inspector and gallery."""
    return QIcon(_SvgIconEngine(_component_svg(type_key)))


@lru_cache(maxsize=64)
def component_renderer(type_key: str) -> QSvgRenderer:
    """A shared vector renderer of a component glyph (the canvas draws through it)."""
    return QSvgRenderer(QByteArray(_component_svg(type_key)))


@lru_cache(maxsize=512)
def component_pixmap(type_key: str, device_px: int) -> QPixmap:
    """The glyph rasterised at exactly ``device_px`` device pixels, cached.

    The canvas asks for sizes rounded to a few steps, so the cache stays small
    while every zoom level gets a pixmap at (nearly) its native resolution.
    """
    pix = QPixmap(device_px, device_px)
    pix.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pix)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    component_renderer(type_key).render(painter, QRectF(0, 0, device_px, device_px))
    painter.end()
    return pix


@lru_cache(maxsize=128)
def _action_svg(name: str, color: str) -> bytes:
    text = resource_path("icons", "actions", f"{name}.svg").read_text(encoding="utf-8")
    return text.replace("currentColor", color).encode("utf-8")


def action_icon(name: str, color: QColor) -> QIcon:
    """An action glyph (``resources/icons/actions/<name>.svg``) drawn in ``color``."""
    return QIcon(_SvgIconEngine(_action_svg(name, color.name())))
