"""Light and dark: follow the system's colour scheme, and give the canvas its colours.

Qt 6's Fusion style already takes the platform's dark palette where the
platform provides one. Where it only reports the scheme (or reports nothing,
as the offscreen platform does), :func:`apply_color_scheme` installs a dark
palette itself. Everything custom-drawn (canvas, charts) derives its colours
from the application palette through :class:`CanvasColors`, and repaints on
``QEvent.PaletteChange``, so a scheme switch needs no restart.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QGuiApplication, QPalette
from PySide6.QtWidgets import QApplication

_DARK_WINDOW = QColor("#202226")
_DARK_BASE = QColor("#17181b")
_DARK_TEXT = QColor("#e6e7ea")
_ACCENT = QColor("#3b82f6")


def is_dark(palette: QPalette | None = None) -> bool:
    """Whether ``palette`` (default: the application's) has light text on a dark window."""
    pal = palette if palette is not None else QGuiApplication.palette()
    return pal.color(QPalette.ColorRole.Window).lightness() < 128


def dark_palette() -> QPalette:
    """A Fusion-friendly dark palette with a blue accent."""
    pal = QPalette()
    roles = QPalette.ColorRole
    pal.setColor(roles.Window, _DARK_WINDOW)
    pal.setColor(roles.WindowText, _DARK_TEXT)
    pal.setColor(roles.Base, _DARK_BASE)
    pal.setColor(roles.AlternateBase, QColor("#26282d"))
    pal.setColor(roles.ToolTipBase, QColor("#2c2f35"))
    pal.setColor(roles.ToolTipText, _DARK_TEXT)
    pal.setColor(roles.PlaceholderText, QColor("#8b8f98"))
    pal.setColor(roles.Text, _DARK_TEXT)
    pal.setColor(roles.Button, QColor("#2a2c31"))
    pal.setColor(roles.ButtonText, _DARK_TEXT)
    pal.setColor(roles.BrightText, QColor("#ff6b6b"))
    pal.setColor(roles.Light, QColor("#3a3d44"))
    pal.setColor(roles.Midlight, QColor("#32353b"))
    pal.setColor(roles.Mid, QColor("#2a2c31"))
    pal.setColor(roles.Dark, QColor("#111214"))
    pal.setColor(roles.Shadow, QColor("#000000"))
    pal.setColor(roles.Highlight, _ACCENT)
    pal.setColor(roles.HighlightedText, QColor("#ffffff"))
    pal.setColor(roles.Link, QColor("#7aa7ff"))
    disabled = QPalette.ColorGroup.Disabled
    for role in (roles.WindowText, roles.Text, roles.ButtonText):
        pal.setColor(disabled, role, QColor("#6b6f78"))
    pal.setColor(disabled, roles.Base, _DARK_WINDOW)
    return pal


def apply_color_scheme(app: QApplication, scheme: Qt.ColorScheme) -> None:
    """Use Fusion with a light or dark palette matching ``scheme``.

    ``Unknown`` keeps whatever the platform gives (light on most systems).
    """
    if app.style().name().lower() != "fusion":
        app.setStyle("Fusion")
    if scheme == Qt.ColorScheme.Dark:
        if not is_dark(app.palette()):
            app.setPalette(dark_palette())
    elif scheme == Qt.ColorScheme.Light and is_dark(app.palette()):
        app.setPalette(app.style().standardPalette())


def mix_colors(a: QColor, b: QColor, t: float) -> QColor:
    """``a`` blended towards ``b`` by ``t`` (0..1)."""
    return QColor(
        round(a.red() + (b.red() - a.red()) * t),
        round(a.green() + (b.green() - a.green()) * t),
        round(a.blue() + (b.blue() - a.blue()) * t),
    )


#: Load colours: idle green, busy amber, saturated red (same in both schemes:
#: they are mixed into the node's own background, which follows the scheme).
LOAD_LOW = QColor("#22c55e")
LOAD_MID = QColor("#f59e0b")
LOAD_HIGH = QColor("#ef4444")


def load_color(utilization: float) -> QColor:
    """Green below 50 %, through amber at 75 %, to red from 95 % utilization."""
    u = max(0.0, min(1.0, utilization))
    if u <= 0.5:
        return QColor(LOAD_LOW)
    if u <= 0.75:
        return mix_colors(LOAD_LOW, LOAD_MID, (u - 0.5) / 0.25)
    return mix_colors(LOAD_MID, LOAD_HIGH, min(1.0, (u - 0.75) / 0.2))


@dataclass(frozen=True)
class CanvasColors:
    """Every colour the canvas draws with, derived from one palette."""

    background: QColor
    grid_minor: QColor
    grid_major: QColor
    node_fill: QColor
    node_border: QColor
    node_text: QColor
    node_subtext: QColor
    selection: QColor
    link: QColor
    link_label_bg: QColor
    port: QColor
    valid_target: QColor
    invalid_target: QColor
    problem: QColor
    dark: bool

    @staticmethod
    def from_palette(palette: QPalette | None = None) -> CanvasColors:
        """Colours for ``palette`` (default: the application's)."""
        pal = palette if palette is not None else QGuiApplication.palette()
        dark = is_dark(pal)
        base = pal.color(QPalette.ColorRole.Base)
        text = pal.color(QPalette.ColorRole.Text)
        background = mix_colors(base, text, 0.02) if not dark else base
        return CanvasColors(
            background=background,
            grid_minor=mix_colors(background, text, 0.06),
            grid_major=mix_colors(background, text, 0.12),
            node_fill=mix_colors(pal.color(QPalette.ColorRole.Window), base, 0.6 if dark else 0.85),
            node_border=mix_colors(background, text, 0.35),
            node_text=text,
            node_subtext=mix_colors(background, text, 0.65),
            selection=pal.color(QPalette.ColorRole.Highlight),
            link=mix_colors(background, text, 0.55),
            link_label_bg=background,
            port=mix_colors(background, text, 0.45),
            valid_target=QColor("#16a34a"),
            invalid_target=QColor("#dc2626"),
            problem=QColor("#f59e0b") if dark else QColor("#d97706"),
            dark=dark,
        )
