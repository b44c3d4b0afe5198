"""A component on the canvas: icon, name, profile and replicas, live load, a port.

The item only *shows* a component. Dragging moves it visually; the scene
records the move in the model (one undo command) when the mouse is released.
"""

from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import (
    QBrush,
    QColor,
    QFont,
    QFontMetricsF,
    QGuiApplication,
    QPainter,
    QPainterPath,
    QPen,
)
from PySide6.QtWidgets import (
    QGraphicsEllipseItem,
    QGraphicsItem,
    QStyle,
    QStyleOptionGraphicsItem,
    QWidget,
)

from app.model.catalog import COMPONENT_TYPES
from app.model.document import Component
from app.model.profiles import PROFILES
from app.ui.icons import component_pixmap
from app.ui.layout import NODE_HEIGHT, NODE_WIDTH
from app.ui.plain_text import plain_tooltip
from app.ui.theme import CanvasColors, load_color, mix_colors

if TYPE_CHECKING:
    from app.ui.canvas.link_item import LinkItem

ICON_SIZE = 30.0
PORT_RADIUS = 6.0
#: Below this zoom the text is unreadable anyway: draw a plain tile instead (fast).
DETAIL_LOD = 0.45



@lru_cache(maxsize=1)
def _fonts() -> tuple[QFont, QFont]:
    """Name and detail fonts, from the application font (so built after QApplication)."""
    name = QFont(QGuiApplication.font())
    name.setPixelSize(12)
    name.setBold(True)
    sub = QFont(QGuiApplication.font())
    sub.setPixelSize(11)
    return name, sub

_TEXT_WIDTH = NODE_WIDTH - 12
_BOUNDS = QRectF(-NODE_WIDTH / 2 - 4, -NODE_HEIGHT / 2 - 4, NODE_WIDTH + 8, NODE_HEIGHT + 8)
_TOP = -NODE_HEIGHT / 2

#: A crashed component (no replica up) and one partly down (some replicas down).
CRASHED_COLOR = QColor("#dc2626")
DEGRADED_COLOR = QColor("#f59e0b")
#: The alert badge's colour by the worst firing severity (as in the Alerts dock).
#: The predicted-load mark's colours: saturated (rho >= 1) and busy (rho >= 0.85).
PREDICTION_COLORS = {"saturated": "#dc2626", "busy": "#d97706"}
ALERT_COLORS = {"critical": "#dc2626", "high": "#ea580c", "warning": "#d97706",
                "info": "#2563eb"}

#: Run states a node can show (``None``: nothing to report).
CRASHED, DEGRADED = "crashed", "degraded"

_CATEGORY_COLORS = {
    "Traffic": QColor("#6d28d9"),
    "Network": QColor("#0f766e"),
    "Compute": QColor("#1d4ed8"),
    "Data": QColor("#be185d"),
    "Messaging": QColor("#c2410c"),
}


def colors_of(item: QGraphicsItem) -> CanvasColors:
    """The scene's colours (a free-standing item uses the application palette)."""
    colors = getattr(item.scene(), "colors", None)
    return colors if isinstance(colors, CanvasColors) else _palette_colors(
        QGuiApplication.palette().cacheKey())


@lru_cache(maxsize=4)
def _palette_colors(_palette_key: int) -> CanvasColors:
    """Colours of the application palette, derived once per palette (items are built
    before they join the scene: deriving them per item took seconds for 20,000 items)."""
    return CanvasColors.from_palette()


def compact_number(value: float) -> str:
    """1234 -> '1.2k': live figures must fit on a node."""
    if value >= 10_000:
        return f"{value / 1000:.0f}k"
    if value >= 1000:
        return f"{value / 1000:.1f}k"
    return f"{value:.0f}" if value >= 10 else f"{value:.1f}"


class PortItem(QGraphicsEllipseItem):
    """The output port on a node's right edge: drag from it to connect."""

    def __init__(self, node: NodeItem) -> None:
        r = PORT_RADIUS
        super().__init__(-r, -r, 2 * r, 2 * r, node)
        self.node = node
        self.setPos(NODE_WIDTH / 2, 0)
        self.setAcceptHoverEvents(True)
        self.setCursor(Qt.CursorShape.CrossCursor)
        self.setToolTip("Drag to another component to connect")
        self.refresh_colors()

    def refresh_colors(self, hover: bool = False) -> None:
        """Fill and outline from the scene's palette."""
        colors = colors_of(self.node)
        self.setBrush(QBrush(colors.selection if hover else colors.node_fill))
        self.setPen(QPen(colors.selection if hover else colors.port, 2))

    def hoverEnterEvent(self, event: Any) -> None:
        """Highlight: this is where a connection starts."""
        self.refresh_colors(hover=True)
        super().hoverEnterEvent(event)

    def hoverLeaveEvent(self, event: Any) -> None:
        """Back to normal."""
        self.refresh_colors(hover=False)
        super().hoverLeaveEvent(event)


class NodeItem(QGraphicsItem):
    """The canvas view of one component; its position is the component's centre."""

    def __init__(self, component: Component) -> None:
        super().__init__()
        self.component_id = component.id
        self.links: list[LinkItem] = []
        self._type_key = component.type
        self._category = "Compute"
        self._name = ""
        self._subtitle = ""
        self._live: str | None = None
        self._replicas: int | None = None
        self._utilization: float | None = None
        #: Live replicas (serving, up) during a run; ``None`` when no run figures.
        self._run_replicas: tuple[int, int] | None = None
        self._problems: list[str] = []
        #: Firing alerts: the worst severity (``None``: none firing) and one line each.
        self._alert_severity: str | None = None
        self._alerts: list[str] = []
        #: The analytic model's warning: ("saturated" | "busy", plate text, tooltip line).
        self._prediction: tuple[str, str, str] | None = None
        self._description = ""
        self._connect_state: str | None = None  # "valid" / "invalid" while a link is dragged
        self.setFlags(
            QGraphicsItem.GraphicsItemFlag.ItemIsSelectable
            | QGraphicsItem.GraphicsItemFlag.ItemIsMovable
            | QGraphicsItem.GraphicsItemFlag.ItemSendsGeometryChanges
        )
        # Repaints of an unchanged node are then a pixmap blit: big designs stay fluid.
        self.setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)
        self.setAcceptHoverEvents(True)
        self.port = PortItem(self)
        self.set_component(component)

    # -- data --------------------------------------------------------------------------------

    def set_component(self, component: Component) -> None:
        """Show ``component``'s current name, profile and replicas."""
        ctype = COMPONENT_TYPES.get(component.type)
        self._type_key = component.type
        self._category = ctype.category if ctype else "Compute"
        self._description = ctype.description if ctype else component.type
        replicas = component.replicas if component.replicas is not None else 1
        if ctype is not None and ctype.is_client:
            wl = component.workload
            rate = wl.rate_rps if wl is not None and wl.rate_rps is not None else None
            pattern = wl.pattern if wl is not None else "poisson"
            sub = f"{pattern} · {compact_number(rate)} rps" if rate is not None else pattern
        else:
            prof_key = component.profile or (ctype.default_profile if ctype else None)
            prof = PROFILES.get(prof_key) if prof_key else None
            label = prof.label if prof else (prof_key or "custom")
            sub = label
        self._replicas = None if ctype is not None and ctype.is_client else replicas
        name_font, sub_font = _fonts()
        self._name = QFontMetricsF(name_font).elidedText(
            component.display_name, Qt.TextElideMode.ElideRight, _TEXT_WIDTH)
        self._subtitle = QFontMetricsF(sub_font).elidedText(
            sub, Qt.TextElideMode.ElideRight, _TEXT_WIDTH)
        self._refresh_tooltip()
        self.update()

    def set_problems(self, messages: list[str]) -> None:
        """Mark the node with validation problems (empty list: none)."""
        if messages != self._problems:
            self._problems = list(messages)
            self._refresh_tooltip()
            self.update()

    @property
    def problems(self) -> list[str]:
        """The validation messages currently shown on this node."""
        return list(self._problems)

    def set_alerts(self, severity: str | None, lines: list[str]) -> None:
        """Badge the node while alerts fire on it (``None``: none firing); ``lines``
        name them in the tooltip."""
        if (severity, lines) != (self._alert_severity, self._alerts):
            self._alert_severity = severity
            self._alerts = list(lines)
            self._refresh_tooltip()
            self.update()

    @property
    def alerts(self) -> list[str]:
        """The firing alerts shown on this node (tooltip lines)."""
        return list(self._alerts)

    @property
    def alert_severity(self) -> str | None:
        """The worst severity among the node's firing alerts (``None``: no badge)."""
        return self._alert_severity

    def set_prediction(self, level: str | None, text: str = "", line: str = "") -> None:
        """Mark the node the analytic model predicts saturated or busy (``None``: no mark).

        ``level`` is ``"saturated"`` (ρ ≥ 1) or ``"busy"``; ``text`` goes on the
        plate (e.g. "ρ 120%"), ``line`` into the tooltip.
        """
        new = None if level is None else (level, text, line)
        if new != self._prediction:
            self._prediction = new
            self._refresh_tooltip()
            self.update()

    @property
    def prediction(self) -> tuple[str, str, str] | None:
        """The predicted-load mark: (level, plate text, tooltip line), or ``None``."""
        return self._prediction

    def set_live(self, utilization: float | None, text: str | None) -> None:
        """Show live load (``None``: no run data)."""
        if text:
            text = QFontMetricsF(_fonts()[1]).elidedText(
                text, Qt.TextElideMode.ElideRight, _TEXT_WIDTH)
        if (utilization, text) != (self._utilization, self._live):
            self._utilization = utilization
            self._live = text
            self.update()

    def set_run_replicas(self, replicas: int | None, up: int | None = None) -> None:
        """Show a run's replica state: ``replicas`` serving, ``up`` of them not crashed.

        ``None`` clears it (no run, or the run ended): the design's own replica
        count shows again.
        """
        state = None if replicas is None else (replicas, replicas if up is None else up)
        if state != self._run_replicas:
            self._run_replicas = state
            self.update()

    @property
    def run_state(self) -> str | None:
        """``"crashed"`` (no replica up), ``"degraded"`` (some down) or ``None``."""
        if self._run_replicas is None:
            return None
        replicas, up = self._run_replicas
        if up <= 0:
            return CRASHED
        return DEGRADED if up < replicas else None

    @property
    def replicas_text(self) -> str | None:
        """What the replica badge says ("×3", or "2/3 up" when some are down)."""
        if self._run_replicas is not None:
            replicas, up = self._run_replicas
            return f"{up}/{replicas} up" if up < replicas else f"×{replicas}"
        return None if self._replicas is None else f"×{self._replicas}"

    @property
    def live_text(self) -> str | None:
        """The live figures shown on the node, if any."""
        return self._live

    def set_connect_state(self, state: str | None) -> None:
        """Outline as a valid or invalid connection target while a link is dragged."""
        if state != self._connect_state:
            self._connect_state = state
            self.update()

    def refresh_colors(self) -> None:
        """Repaint after a palette change."""
        self.port.refresh_colors()
        self.update()

    def _refresh_tooltip(self) -> None:
        alerts = "".join(f"\nAlert firing: {line}" for line in self._alerts)
        if self._prediction is not None:
            alerts += f"\n{self._prediction[2]}"
        if self._problems:
            self.setToolTip(plain_tooltip("\n".join(f"⚠ {m}" for m in self._problems) + alerts))
        else:
            self.setToolTip(plain_tooltip(
                f"{self._name} ({self._type_key})\n{self._description}{alerts}"))

    # -- geometry ----------------------------------------------------------------------------

    def boundingRect(self) -> QRectF:
        """The card plus room for the selection outline (Qt calls this very often)."""
        return _BOUNDS

    def shape(self) -> QPainterPath:
        """Clicks hit the card itself."""
        path = QPainterPath()
        path.addRoundedRect(self.card_rect(), 10, 10)
        return path

    @staticmethod
    def card_rect() -> QRectF:
        """The card in item coordinates."""
        return QRectF(-NODE_WIDTH / 2, -NODE_HEIGHT / 2, NODE_WIDTH, NODE_HEIGHT)

    def port_scene_pos(self) -> QPointF:
        """Where the output port is, in scene coordinates."""
        return self.mapToScene(self.port.pos())

    def itemChange(self, change: QGraphicsItem.GraphicsItemChange, value: Any) -> Any:
        """Snap while dragged; keep links attached."""
        scene = self.scene()
        if (
            change == QGraphicsItem.GraphicsItemChange.ItemPositionChange
            and scene is not None
            and getattr(scene, "snapping_drag", False)
        ):
            grid = float(getattr(scene, "grid_size", 20))
            return QPointF(round(value.x() / grid) * grid, round(value.y() / grid) * grid)
        if change == QGraphicsItem.GraphicsItemChange.ItemPositionHasChanged:
            for link in self.links:
                link.update_geometry()
        return super().itemChange(change, value)

    # -- painting ----------------------------------------------------------------------------

    def paint(
        self, painter: QPainter, option: QStyleOptionGraphicsItem, widget: QWidget | None = None
    ) -> None:
        """Draw the card: tinted by load, outlined by state, detailed when zoomed in."""
        colors = colors_of(self)
        rect = self.card_rect()
        lod = option.levelOfDetailFromTransform(painter.worldTransform())
        selected = bool(option.state & QStyle.StateFlag.State_Selected)
        fill = colors.node_fill
        border = colors.node_border
        border_width = 1.2
        if self._utilization is not None:
            load = load_color(self._utilization)
            fill = mix_colors(fill, load, 0.28 if colors.dark else 0.2)
            border, border_width = load, 2.0
        state = self.run_state
        if state is not None:
            alarm = CRASHED_COLOR if state == CRASHED else DEGRADED_COLOR
            fill = mix_colors(colors.node_fill, alarm, 0.35 if state == CRASHED else 0.22)
            border, border_width = alarm, 2.6
        if self._problems:
            border, border_width = colors.problem, 2.0
        if self._connect_state is not None:
            border = colors.valid_target if self._connect_state == "valid" else (
                colors.invalid_target)
            border_width = 3.0
        if selected:
            border, border_width = colors.selection, 3.0
        painter.setPen(QPen(border, border_width))
        painter.setBrush(fill)
        if lod < DETAIL_LOD:
            # Zoomed out: a plain tile, axis-aligned, so no antialiasing is needed.
            painter.setRenderHint(QPainter.RenderHint.Antialiasing, False)
            painter.drawRect(rect)
            painter.fillRect(QRectF(-ICON_SIZE / 2, _TOP + 8, ICON_SIZE, ICON_SIZE),
                             _CATEGORY_COLORS.get(self._category, colors.node_border))
            if self._alert_severity is not None:  # a firing alert shows at any zoom
                painter.fillRect(QRectF(rect.left() + 6, rect.top() + 6, 22, 22),
                                 QColor(ALERT_COLORS.get(self._alert_severity, "#dc2626")))
            if self._prediction is not None:  # so is a predicted saturation, bottom left
                painter.fillRect(QRectF(rect.left() + 6, rect.bottom() - 28, 22, 22),
                                 QColor(PREDICTION_COLORS[self._prediction[0]]))
            return
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.drawRoundedRect(rect, 10, 10)
        icon_rect = QRectF(-ICON_SIZE / 2, _TOP + 8, ICON_SIZE, ICON_SIZE)
        device_px = ICON_SIZE * lod * painter.device().devicePixelRatioF()
        # Rasterise at the nearest 12 px step at or above the on-screen size: crisp, few sizes.
        step = max(24, min(384, int((device_px + 11) // 12 * 12)))
        painter.drawPixmap(icon_rect, component_pixmap(self._type_key, step),
                           QRectF(0, 0, step, step))
        if state == CRASHED:  # under the texts and badge, so they stay readable
            self._paint_cross(painter, rect)
        name_font, sub_font = _fonts()
        badge = self.replicas_text
        if badge is not None:
            self._paint_replicas_badge(painter, rect, sub_font, colors, badge)
        if self._utilization is not None:
            bar = QRectF(rect.left() + 10, rect.bottom() - 5, rect.width() - 20, 3)
            painter.fillRect(bar, mix_colors(fill, colors.node_text, 0.12))
            bar.setWidth(bar.width() * max(0.0, min(1.0, self._utilization)))
            painter.fillRect(bar, load_color(self._utilization))
        lines = [(self._name, name_font, colors.node_text, 17.0),
                 (self._subtitle, sub_font, colors.node_subtext, 14.0)]
        if self._live:
            lines.append((self._live, sub_font, colors.node_text, 15.0))
        y = _TOP + 41
        for text, font, color, h in lines:
            painter.setFont(font)
            painter.setPen(color)
            painter.drawText(QRectF(-_TEXT_WIDTH / 2, y, _TEXT_WIDTH, h),
                             Qt.AlignmentFlag.AlignCenter, text)
            y += h
        if self._problems:
            self._paint_problem_badge(painter, rect, colors)
        if self._alert_severity is not None:
            self._paint_alert_badge(painter, rect, colors, self._alert_severity,
                                    shift=24.0 if self._problems else 0.0)
        if self._prediction is not None:
            shift = 24.0 * (bool(self._problems) + (self._alert_severity is not None))
            self._paint_prediction_badge(painter, rect, sub_font, colors, shift)

    def _paint_prediction_badge(self, painter: QPainter, rect: QRectF, font: QFont,
                                colors: CanvasColors, shift: float) -> None:
        """A plate with the predicted utilization ("ρ 120%") on the top-left corner,
        after the problem and alert badges: red when saturated, amber when busy. Beside
        another badge it shrinks to "ρ" so it stays clear of the icon."""
        assert self._prediction is not None
        level, text, _line = self._prediction
        if shift:
            text = "ρ"
        painter.setFont(font)
        width = QFontMetricsF(font).horizontalAdvance(text) + 10
        plate = QRectF(rect.left() + 8 + shift, rect.top() + 8, width, 16)
        painter.setPen(QPen(colors.background, 1.5))
        painter.setBrush(QColor(PREDICTION_COLORS[level]))
        painter.drawRoundedRect(plate, 8, 8)
        painter.setPen(QColor("#ffffff"))
        painter.drawText(plate, Qt.AlignmentFlag.AlignCenter, text)

    def _paint_replicas_badge(
        self, painter: QPainter, rect: QRectF, font: QFont, colors: CanvasColors, text: str
    ) -> None:
        """"×3" in the top-right corner: how many copies of this component run
        (during a run, how many are up: "2/3 up" on a warning plate)."""
        painter.setFont(font)
        width = QFontMetricsF(font).horizontalAdvance(text) + 10
        badge = QRectF(rect.right() - 8 - width, rect.top() + 8, width, 16)
        painter.setPen(Qt.PenStyle.NoPen)
        state = self.run_state
        if state is None:
            painter.setBrush(mix_colors(colors.node_fill, colors.node_text, 0.1))
            text_color = colors.node_subtext
        else:
            painter.setBrush(CRASHED_COLOR if state == CRASHED else DEGRADED_COLOR)
            text_color = QColor("#ffffff")
        painter.drawRoundedRect(badge, 8, 8)
        painter.setPen(text_color)
        painter.drawText(badge, Qt.AlignmentFlag.AlignCenter, text)

    @staticmethod
    def _paint_cross(painter: QPainter, rect: QRectF) -> None:
        """A red cross over a crashed card (readable without colour vision)."""
        color = QColor(CRASHED_COLOR)
        color.setAlpha(150)
        pen = QPen(color, 3.0, Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap)
        painter.setPen(pen)
        inset = rect.adjusted(14, 10, -14, -10)
        painter.drawLine(inset.topLeft(), inset.bottomRight())
        painter.drawLine(inset.topRight(), inset.bottomLeft())

    @staticmethod
    def _paint_alert_badge(painter: QPainter, rect: QRectF, colors: CanvasColors,
                           severity: str, shift: float) -> None:
        """A round "!" plate on the top-left corner, in the alert's severity colour
        (beside the problem triangle when there is one)."""
        centre = QPointF(rect.left() + 18 + shift, rect.top() + 16)
        painter.setPen(QPen(colors.background, 1.5))
        painter.setBrush(QColor(ALERT_COLORS.get(severity, ALERT_COLORS["critical"])))
        painter.drawEllipse(centre, 9.0, 9.0)
        painter.setPen(QPen(QColor("#ffffff"), 2.2, Qt.PenStyle.SolidLine,
                            Qt.PenCapStyle.RoundCap))
        painter.drawLine(QPointF(centre.x(), centre.y() - 4.5), QPointF(centre.x(),
                                                                       centre.y() + 1.0))
        painter.drawPoint(QPointF(centre.x(), centre.y() + 4.5))

    @staticmethod
    def _paint_problem_badge(painter: QPainter, rect: QRectF, colors: CanvasColors) -> None:
        """A warning triangle on the top-right corner."""
        cx, cy = rect.left() + 18, rect.top() + 16
        path = QPainterPath()
        path.moveTo(cx, cy - 9)
        path.lineTo(cx + 10, cy + 8)
        path.lineTo(cx - 10, cy + 8)
        path.closeSubpath()
        painter.setPen(QPen(colors.background, 1.5))
        painter.setBrush(colors.problem)
        painter.drawPath(path)
        painter.setPen(QPen(QColor("#ffffff"), 2.2, Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap))
        painter.drawLine(QPointF(cx, cy - 3), QPointF(cx, cy + 2))
        painter.drawPoint(QPointF(cx, cy + 5.5))
