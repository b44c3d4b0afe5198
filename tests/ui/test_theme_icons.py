"""Icons for every component type (crisp at HiDPI), light/dark palettes, the refcount guard."""

from __future__ import annotations

from PySide6.QtCore import QByteArray, QSize, Qt
from PySide6.QtGui import QColor, QIcon, QPalette
from PySide6.QtSvg import QSvgRenderer
from PySide6.QtWidgets import QApplication

from app.model.catalog import COMPONENT_TYPES
from app.resources import resource_path
from app.ui.icons import action_icon, component_icon
from app.ui.theme import CanvasColors, apply_color_scheme, is_dark, load_color


def test_every_component_type_has_its_own_svg_icon(qapp) -> None:
    seen = set()
    for key in COMPONENT_TYPES:
        path = resource_path("icons", f"{key}.svg")
        assert path.exists(), key
        data = path.read_bytes()
        assert QSvgRenderer(QByteArray(data)).isValid(), key
        seen.add(data)
    assert len(seen) == len(COMPONENT_TYPES)  # no two types share a glyph


def test_icons_render_at_device_pixels_for_hidpi(qapp) -> None:
    icon = component_icon("database")
    for size in (16, 24, 48):
        for dpr in (1.0, 2.0, 3.0):
            pix = icon.pixmap(QSize(size, size), dpr)
            assert pix.width() == round(size * dpr) and pix.devicePixelRatio() == dpr
    image = icon.pixmap(QSize(48, 48), 2.0).toImage()
    assert image.pixelColor(48, 48).alpha() == 255  # the tile is drawn, not blurred up
    disabled = icon.pixmap(QSize(48, 48), 1.0, QIcon.Mode.Disabled).toImage()
    assert disabled.pixelColor(24, 24).alpha() < 200  # disabled icons are faded


def test_action_icons_take_the_text_colour(qapp) -> None:
    white = action_icon("stop", QColor("#ffffff")).pixmap(QSize(24, 24), 1.0).toImage()
    black = action_icon("stop", QColor("#000000")).pixmap(QSize(24, 24), 1.0).toImage()
    assert white.pixelColor(12, 12).lightness() > 200 > black.pixelColor(12, 12).lightness()


def test_dark_scheme_switches_palette_canvas_and_charts(window) -> None:
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    original = QPalette(app.palette())
    try:
        apply_color_scheme(app, Qt.ColorScheme.Dark)
        assert is_dark(app.palette())
        QApplication.processEvents()
        assert window.scene.colors.dark
        assert window.scene.colors == CanvasColors.from_palette()
        background = window.charts.graphics.backgroundBrush().color()
        assert background.lightness() < 80
        apply_color_scheme(app, Qt.ColorScheme.Light)
        QApplication.processEvents()
        assert not is_dark(app.palette()) and not window.scene.colors.dark
    finally:
        app.setPalette(original)


def test_load_colours_go_green_amber_red() -> None:
    low, mid, high = load_color(0.2), load_color(0.75), load_color(0.99)
    assert low.green() > low.red()
    assert high.red() > high.green()
    assert mid.red() > 200 and mid.green() > 100
