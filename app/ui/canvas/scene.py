"""The diagram scene: watches an :class:`EditorDocument` and shows it as items.

Like orange-canvas-core's ``CanvasScene``, it keeps ``component id -> item``
and ``link key -> item`` maps, builds and drops items when the document says
so, and never changes the model itself: finished drags and connections are
handed to the document, which pushes the undo commands.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from typing import Any, NamedTuple

from PySide6.QtCore import QLineF, QObject, QPointF, QRect, QRectF, Qt, QTimer, Signal
from PySide6.QtGui import QPainter, QPen, QTransform
from PySide6.QtWidgets import QGraphicsItem, QGraphicsScene, QGraphicsSceneMouseEvent

from app.engine.snapshot import Snapshot
from app.model.catalog import COMPONENT_TYPES
from app.model.document import Component, Link
from app.model.resolve import link_key
from app.ui.canvas.interactions import ConnectInteraction
from app.ui.canvas.link_item import LinkItem, paint_links
from app.ui.canvas.node_item import NodeItem, PortItem, compact_number
from app.ui.document import EditorDocument, LinkKey
from app.ui.theme import CanvasColors

GRID_SIZE = 20
#: Room around the design the view can scroll into (drop targets, panning).
SCENE_MARGIN = 1200.0


class DiagramScene(QGraphicsScene):
    """The canvas contents for one document."""

    #: A connection the user tried was refused (the reason, for the status bar).
    connection_refused = Signal(str)

    def __init__(self, document: EditorDocument, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.document = document
        self.colors = CanvasColors.from_palette()
        self.grid_size = GRID_SIZE
        self.snap_to_grid = True
        #: True only while the user drags nodes: items snap then, not when loaded.
        self.snapping_drag = False
        self._locked = False
        self._detailed = True
        #: True while rebuild adds items: links then skip invalidating their own areas.
        self.links_paint_deferred = False
        self._nodes: dict[str, NodeItem] = {}
        self._links: dict[LinkKey, LinkItem] = {}
        self._connect: ConnectInteraction | None = None
        self._rect_timer = QTimer(self)
        self._rect_timer.setSingleShot(True)
        self._rect_timer.timeout.connect(self._update_scene_rect)
        self.setItemIndexMethod(QGraphicsScene.ItemIndexMethod.BspTreeIndex)
        document.component_added.connect(self._on_component_added)
        document.component_removed.connect(self._on_component_removed)
        document.component_changed.connect(self._on_component_changed)
        document.link_added.connect(self._on_link_added)
        document.link_removed.connect(self._on_link_removed)
        document.link_changed.connect(self._on_link_changed)
        document.document_reset.connect(self.rebuild)
        document.locked_changed.connect(self.set_locked)
        self.rebuild()

    # -- items <-> model ---------------------------------------------------------------------

    def node_item(self, component_id: str) -> NodeItem | None:
        """The item showing a component."""
        return self._nodes.get(component_id)

    def link_item(self, key: LinkKey) -> LinkItem | None:
        """The item showing a link."""
        return self._links.get(key)

    def node_items(self) -> list[NodeItem]:
        """All node items, in document order."""
        return list(self._nodes.values())

    def link_items(self) -> list[LinkItem]:
        """All link items."""
        return list(self._links.values())

    def rebuild(self) -> None:
        """Drop every item and build them again from the model (after New/Open)."""
        self.cancel_interaction()
        # Forget the items before deleting them: clear() emits selectionChanged when a
        # selected item goes, and its handlers must not reach the deleted items.
        self._nodes.clear()
        self._links.clear()
        self.clear()
        model = self.document.model
        # Links are drawn with the view's cached background (paint_links): one
        # invalidation of it all below, not a region grown link by link.
        self.links_paint_deferred = True
        try:
            # Records in hand, not looked up one by one: that was quadratic in big designs.
            for comp in model.components:
                self._add_node(comp)
            for link in model.links:
                self._add_link(link.key, link)
        finally:
            self.links_paint_deferred = False
        self.invalidate()
        self._update_scene_rect()

    def _add_node(self, comp: Component) -> None:
        item = NodeItem(comp)
        item.setPos(QPointF(*comp.position))
        self._apply_lock(item)
        self.addItem(item)
        self._nodes[comp.id] = item

    def _add_link(self, key: LinkKey, link: Link | None = None) -> None:
        if link is None:
            link = self.document.find_link(key)
        source, target = self._nodes.get(key[0]), self._nodes.get(key[1])
        if link is None or source is None or target is None:
            return
        item = LinkItem(link, source, target)
        item.set_label_allowed(self._detailed)
        self.addItem(item)
        self._links[key] = item
        reverse = self._links.get((key[1], key[0]))
        item.parallel = reverse is not None
        item.update_geometry()
        if reverse is not None:
            reverse.parallel = True
            reverse.update_geometry()

    def _on_component_added(self, component_id: str) -> None:
        self._add_node(self.document.model.component(component_id))
        self._schedule_rect_update()

    def _on_component_removed(self, component_id: str) -> None:
        item = self._nodes.pop(component_id, None)
        if item is not None:
            self.removeItem(item)

    def _on_component_changed(self, component_id: str) -> None:
        item = self._nodes.get(component_id)
        if item is None:
            return
        comp = self.document.component(component_id)
        item.set_component(comp)
        if (item.pos().x(), item.pos().y()) != tuple(comp.position):
            item.setPos(QPointF(*comp.position))
            self._schedule_rect_update()

    def _on_link_added(self, key: LinkKey) -> None:
        self._add_link(key)

    def _on_link_removed(self, key: LinkKey) -> None:
        item = self._links.pop(key, None)
        if item is None:
            return
        item.detach()
        item.repaint_area()  # the scene draws the links (paint_links): erase this one
        self.removeItem(item)
        reverse = self._links.get((key[1], key[0]))
        if reverse is not None:
            reverse.parallel = False
            reverse.update_geometry()

    def _on_link_changed(self, key: LinkKey) -> None:
        item, link = self._links.get(key), self.document.find_link(key)
        if item is not None and link is not None:
            item.set_link(link)

    def _schedule_rect_update(self) -> None:
        self._rect_timer.start(0)

    def _update_scene_rect(self) -> None:
        bounds = self.itemsBoundingRect() if self._nodes else QRectF(-400, -300, 800, 600)
        m = SCENE_MARGIN
        self.setSceneRect(bounds.adjusted(-m, -m, m, m))

    # -- selection ---------------------------------------------------------------------------

    def selected_component_ids(self) -> list[str]:
        """Ids of the selected components, in document order."""
        return [cid for cid, item in self._nodes.items() if item.isSelected()]

    def selected_link_keys(self) -> list[LinkKey]:
        """Keys of the selected links."""
        return [key for key, item in self._links.items() if item.isSelected()]

    def select_components(self, component_ids: Iterable[str]) -> None:
        """Select exactly these components."""
        wanted = set(component_ids)
        self.clearSelection()
        for cid in wanted:
            item = self._nodes.get(cid)
            if item is not None:
                item.setSelected(True)

    def select_all(self) -> None:
        """Select every node and link."""
        for item in [*self._nodes.values(), *self._links.values()]:
            item.setSelected(True)

    # -- state shown on items ----------------------------------------------------------------

    def set_problems(self, problems: Mapping[str, list[str]]) -> None:
        """Mark nodes with validation messages (component id -> messages)."""
        for cid, item in self._nodes.items():
            item.set_problems(problems.get(cid, []))

    def set_alerts(self, firing: Mapping[str, tuple[str, list[str]]]) -> None:
        """Badge the nodes with a firing alert: component id -> (worst severity, lines).

        Ids not in ``firing`` lose their badge (resolved, or a new run).
        """
        for cid, item in self._nodes.items():
            severity, lines = firing.get(cid, (None, []))
            item.set_alerts(severity, lines)

    def set_live(self, snapshot: Snapshot) -> None:
        """Colour nodes by utilization, mark crashed nodes and broken links, and show
        one window's figures on nodes and links."""
        window = snapshot.window_s or 1.0
        figures = {
            cid: Figures(m.utilization, m.throughput_rps, m.waiting, m.arrivals / window)
            for cid, m in snapshot.components.items()
        }
        e2e = snapshot.end_to_end
        # Attempts sent in an earlier window may fail in this one (a retry storm's
        # queue fails long after the calls were made): a share, so at most 100 %.
        links = {key: LinkFigures(m.calls_rps, min(1.0, m.failed / m.calls) if m.calls
                                  else 0.0)
                 for key, m in snapshot.links.items()}
        self._show_figures(figures, (e2e.throughput_rps, e2e.latency_p95_ms), links)
        for cid, item in self._nodes.items():
            metrics = snapshot.components.get(cid)
            if metrics is None:
                item.set_run_replicas(None)
            else:
                item.set_run_replicas(metrics.replicas, metrics.replicas_up)
        for key, link_item in self._links.items():
            lm = snapshot.links.get(link_key(*key))
            link_item.set_run_state(lm.breaker if lm else None, bool(lm and lm.partitioned))

    def set_summary(self, summary: Mapping[str, Any]) -> None:
        """Show a finished run's summary figures (``summary.json``'s shape) on nodes and links.

        After a run the canvas (and so an exported PNG) shows figures over the whole
        measured run, not those of its last window.
        """
        figures = {}
        for cid, comp in (summary.get("components") or {}).items():
            figures[cid] = Figures(
                _number(comp.get("utilization")), _number(comp.get("throughput_rps")),
                # Queues plus a broker's backlog, like WindowMetrics.waiting.
                _number(comp.get("mean_queue_length")) + _number(comp.get("mean_backlog")),
                _number(comp.get("arrival_rate_rps")))
        e2e = summary.get("end_to_end") or {}
        p95 = (e2e.get("latency_ms") or {}).get("p95")
        links = {}
        for key, link in (summary.get("links") or {}).items():
            calls = _number(link.get("calls"))
            links[key] = LinkFigures(_number(link.get("calls_rps")),
                                     _number(link.get("failed")) / calls if calls else 0.0)
        self._clear_run_state()  # the run is over: nothing is down any more
        self._show_figures(figures, (_number(e2e.get("throughput_rps")),
                                     None if p95 is None else _number(p95)), links)

    def _show_figures(
        self,
        figures: Mapping[str, Figures],
        end_to_end: tuple[float, float | None],
        links: Mapping[str, LinkFigures],
    ) -> None:
        model = self.document.model
        is_client = {
            c.id: (COMPONENT_TYPES[c.type].is_client if c.type in COMPONENT_TYPES else False)
            for c in model.components
        }
        # The engine measures clients together (end to end): shown on the client
        # only when there is exactly one, where it means that client's figures.
        one_client = sum(is_client.values()) == 1
        for cid, item in self._nodes.items():
            fig = figures.get(cid)
            if is_client.get(cid, False):
                rps, p95 = end_to_end
                text = (f"{compact_number(rps)} rps · p95 {_ms(p95)}" if one_client else None)
                item.set_live(None, text)
            elif fig is None:
                item.set_live(None, None)
            else:
                item.set_live(fig.utilization,
                              f"{fig.utilization:.0%} · "
                              f"{compact_number(fig.throughput_rps)} rps · "
                              f"q {_queue(fig.queue_length)}")
        # The engine measures every link as its caller sees it (attempts, retries
        # included); a link it does not report (a client's) shows no figures.
        for key, link_item in self._links.items():
            flow = links.get(link_key(*key))
            link_item.set_live(None if flow is None else link_text(flow))

    def clear_live(self) -> None:
        """Remove run figures, load colours and run-state marks."""
        for node in self._nodes.values():
            node.set_live(None, None)
        for link in self._links.values():
            link.set_live(None)
        self._clear_run_state()

    def _clear_run_state(self) -> None:
        for node in self._nodes.values():
            node.set_run_replicas(None)
        for link in self._links.values():
            link.set_run_state(None, False)

    def set_locked(self, locked: bool) -> None:
        """During a run nodes cannot be moved or connected."""
        self._locked = locked
        if locked:
            self.cancel_interaction()
        for item in self._nodes.values():
            self._apply_lock(item)

    def _apply_lock(self, item: NodeItem) -> None:
        item.setFlag(QGraphicsItem.GraphicsItemFlag.ItemIsMovable, not self._locked)
        item.port.setVisible(not self._locked)

    def set_detail(self, detailed: bool) -> None:
        """Show link labels only when they can be read (the view calls this on zoom)."""
        if detailed != self._detailed:
            self._detailed = detailed
            for link in self._links.values():
                link.set_label_allowed(detailed)

    def refresh_colors(self) -> None:
        """Re-derive colours from the application palette (light/dark switch)."""
        self.colors = CanvasColors.from_palette()
        for node in self._nodes.values():
            node.refresh_colors()
        for link in self._links.values():
            link.refresh_colors()
        self.invalidate()  # the view's cached background too

    # -- painting ----------------------------------------------------------------------------

    def drawBackground(self, painter: QPainter, rect: QRectF | QRect) -> None:
        """Plain background with a minor and a major grid (minor hidden when zoomed out)."""
        rect = QRectF(rect)
        painter.fillRect(rect, self.colors.background)
        scale = painter.worldTransform().m11()
        for step, color in ((self.grid_size, self.colors.grid_minor),
                            (self.grid_size * 5, self.colors.grid_major)):
            if step * scale < 8:
                continue
            pen = QPen(color, 0)  # cosmetic: one device pixel at any zoom
            painter.setPen(pen)
            left = math.floor(rect.left() / step) * step
            top = math.floor(rect.top() / step) * step
            xs = range(int(left), int(rect.right()) + 1, step)
            ys = range(int(top), int(rect.bottom()) + 1, step)
            lines = [QLineF(x, rect.top(), x, rect.bottom()) for x in xs]
            lines += [QLineF(rect.left(), y, rect.right(), y) for y in ys]
            painter.drawLines(lines)
        # The links, under every item (as z = -1 items were): one pass, not 1,000 paints.
        paint_links(painter, self._links.values(), rect)

    # -- mouse -------------------------------------------------------------------------------

    def cancel_interaction(self) -> None:
        """Abort a link being dragged."""
        if self._connect is not None:
            self._connect.cancel()
            self._connect = None

    def mousePressEvent(self, event: QGraphicsSceneMouseEvent) -> None:
        """A press on a port starts a connection; elsewhere Qt selects and moves."""
        if event.button() == Qt.MouseButton.LeftButton and not self._locked:
            item = self.itemAt(event.scenePos(), QTransform())
            if isinstance(item, PortItem):
                self._connect = ConnectInteraction(
                    self, item.node, self.colors, self.document.connect_refusal
                )
                event.accept()
                return
        super().mousePressEvent(event)
        if event.button() == Qt.MouseButton.LeftButton:
            self.snapping_drag = self.snap_to_grid

    def mouseMoveEvent(self, event: QGraphicsSceneMouseEvent) -> None:
        """Drive the rubber line, or let Qt move the selection."""
        if self._connect is not None:
            self._connect.move(event.scenePos())
            event.accept()
            return
        super().mouseMoveEvent(event)

    def mouseReleaseEvent(self, event: QGraphicsSceneMouseEvent) -> None:
        """Finish a connection, or record a finished drag as one Move command."""
        if self._connect is not None and event.button() == Qt.MouseButton.LeftButton:
            pair = self._connect.finish(event.scenePos())
            self._connect = None
            if pair is not None:
                reason = self.document.connect_refusal(*pair)
                if reason is None:
                    self.document.add_link(*pair)
                else:
                    self.connection_refused.emit(reason)
            event.accept()
            return
        super().mouseReleaseEvent(event)
        if event.button() == Qt.MouseButton.LeftButton:
            self.snapping_drag = False
            self.commit_moves()

    def commit_moves(self) -> None:
        """Hand nodes whose item moved away from the model position to the document."""
        moved = {}
        for comp in self.document.model.components:
            item = self._nodes.get(comp.id)
            if item is None:
                continue
            pos = (item.pos().x(), item.pos().y())
            if pos != tuple(comp.position):
                moved[comp.id] = pos
        if moved:
            self.document.move_components(moved)
            self._schedule_rect_update()


class Figures(NamedTuple):
    """What a node shows of one component's load (a window's or the whole run's)."""

    utilization: float
    throughput_rps: float
    queue_length: float
    arrival_rps: float


class LinkFigures(NamedTuple):
    """What a link shows of its traffic: attempts per second and the share that failed."""

    calls_rps: float
    failed_share: float


def link_text(fig: LinkFigures) -> str:
    """"120/s" (calls a second, retries included), and a second line "3% failed" when
    some failed: short lines, as links between neighbours have little room."""
    text = f"{compact_number(fig.calls_rps)}/s"
    if fig.failed_share > 0:
        share = fig.failed_share
        text += f"\n{share:.0%} failed" if share >= 0.01 else "\n<1% failed"
    return text


def _number(value: Any) -> float:
    """A summary figure as a float (a missing or non-numeric one: 0)."""
    return float(value) if isinstance(value, int | float) and math.isfinite(value) else 0.0


def _ms(value: float | None) -> str:
    """A latency for a node label; none measured (no completions): a dash."""
    return "—" if value is None or not math.isfinite(value) else f"{value:.0f} ms"


def _queue(length: float) -> str:
    """Queue length with one decimal while small (a fractional mean matters there)."""
    return f"{length:.1f}" if length < 10 else compact_number(length)
