"""Faults injected into a running design from the canvas's context menu.

Right-click a component during a run: "Crash now", "Recover", "Slow down ×N
for T s…"; a link: "Partition", "Heal", "Add latency…". These are run
actions (:class:`~app.engine.commands.LiveAction`), not edits: they go to the
engine through the run controller, land in the run's event log and leave the
design and its undo history alone. After the run, "Add to scheduled faults"
keeps them in the design as a replayable scenario (one undo step).
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFormLayout,
    QGraphicsItem,
    QMenu,
    QWidget,
)

from app.engine.commands import LiveAction
from app.model.catalog import COMPONENT_TYPES
from app.model.document import Fault
from app.model.resolve import link_key
from app.ui.canvas.link_item import LinkItem
from app.ui.canvas.node_item import NodeItem
from app.ui.document import EditorDocument, LinkKey
from app.ui.events.panel import EventsPanel
from app.ui.events.scenario import add_faults, faults_from_live_events
from app.ui.run_controller import IDLE, RunController

#: (label, minimum, maximum, default, suffix) of one amount asked for in a dialog.
Amount = tuple[str, float, float, float, str]
#: Asks for amounts: (parent, title, amounts) -> values, or None when cancelled.
AmountAsker = Callable[[QWidget | None, str, list[Amount]], list[float] | None]

SLOWDOWN_AMOUNTS: list[Amount] = [("Slower by a factor of", 1.1, 1000.0, 5.0, " ×"),
                                  ("For", 0.1, 86_400.0, 10.0, " s")]
LATENCY_AMOUNTS: list[Amount] = [("Extra latency", 0.1, 600_000.0, 200.0, " ms"),
                                 ("For", 0.1, 86_400.0, 10.0, " s")]


def ask_amounts(parent: QWidget | None, title: str, amounts: list[Amount]) -> list[float] | None:
    """A small modal form with one number box per amount; ``None`` when cancelled."""
    dialog = QDialog(parent)
    dialog.setWindowTitle(title)
    form = QFormLayout(dialog)
    boxes = []
    for label, low, high, default, suffix in amounts:
        box = QDoubleSpinBox(dialog)
        box.setRange(low, high)
        box.setDecimals(1)
        box.setValue(default)
        box.setSuffix(suffix)
        form.addRow(label, box)
        boxes.append(box)
    buttons = QDialogButtonBox(
        QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, dialog)
    buttons.accepted.connect(dialog.accept)
    buttons.rejected.connect(dialog.reject)
    form.addRow(buttons)
    if dialog.exec() != QDialog.DialogCode.Accepted:
        return None
    return [box.value() for box in boxes]


class LiveFaults(QObject):
    """The canvas's run-time context menus and "Add to scheduled faults"."""

    def __init__(
        self,
        document: EditorDocument,
        runner: RunController,
        panel: EventsPanel,
        parent: QWidget,
    ) -> None:
        super().__init__(parent)
        self._document = document
        self._runner = runner
        self._panel = panel
        self._window = parent
        #: Replaced by tests (a dialog would block them).
        self.ask_amounts: AmountAsker = ask_amounts
        #: The run whose live actions were already added (they are not offered again).
        self._added_from: object = None
        self.add_action = QAction("Add Live Actions to Scheduled &Faults", parent)
        self.add_action.setObjectName("actionAddLiveFaults")
        self.add_action.setStatusTip("Keep the last run's live actions in the design as "
                                     "scheduled faults (one undo step)")
        self.add_action.triggered.connect(lambda _checked=False: self.add_to_scheduled_faults())
        panel.add_to_faults_requested.connect(self.add_to_scheduled_faults)
        runner.state_changed.connect(lambda _state: self._update())
        runner.run_finished.connect(self._update)
        document.changed.connect(self._update)
        self._update()

    # -- context menus ------------------------------------------------------------------------

    @property
    def running(self) -> bool:
        """Whether a run is going (running or paused): live actions are possible."""
        return self._runner.state != IDLE

    def menu_for_item(self, item: QGraphicsItem) -> QMenu | None:
        """The context menu of a canvas item (a node or a link), or ``None``."""
        if isinstance(item, NodeItem):
            return self.node_menu(item.component_id)
        if isinstance(item, LinkItem):
            return self.link_menu(item.key)
        return None

    def node_menu(self, component_id: str) -> QMenu | None:
        """Crash now, Recover, Slow down: for a serving component (clients have none)."""
        comp = self._document.model.component(component_id)
        ctype = COMPONENT_TYPES.get(comp.type)
        if ctype is not None and ctype.is_client:
            return None
        menu = self._menu(f"{comp.display_name} (live)")
        self._add(menu, "Crash now", "liveCrash", lambda: self._send("crash", component_id),
                  "Crash every replica of this component now, until you recover it")
        self._add(menu, "Recover", "liveRecover", lambda: self._send("recover", component_id),
                  "End every fault on this component now and repair its replicas")
        self._add(menu, "Slow down ×N for T s…", "liveSlowdown",
                  lambda: self._slow_down(component_id),
                  "Make this component's service slower for a while")
        return menu

    def link_menu(self, key: LinkKey) -> QMenu:
        """Partition, Heal, Add latency: for a link."""
        target = link_key(*key)
        names = {c.id: c.display_name for c in self._document.model.components}
        menu = self._menu(f"{names.get(key[0], key[0])} → {names.get(key[1], key[1])} (live)")
        self._add(menu, "Partition", "livePartition", lambda: self._send("partition", target),
                  "Cut this link now: its calls fail (after the timeout, if it has one)")
        self._add(menu, "Heal", "liveHeal", lambda: self._send("recover", target),
                  "End every fault on this link now")
        self._add(menu, "Add latency…", "liveLatency", lambda: self._add_latency(target),
                  "Add delay to every call over this link for a while")
        return menu

    def _menu(self, title: str) -> QMenu:
        menu = QMenu(self._window)
        menu.setObjectName("liveMenu")
        heading = menu.addAction(title)
        heading.setEnabled(False)
        menu.addSeparator()
        if not self.running:
            note = menu.addAction("Faults can be injected while a run is going")
            note.setEnabled(False)
        return menu

    def _add(self, menu: QMenu, text: str, name: str, handler: Callable[[], None],
             tip: str) -> None:
        action = menu.addAction(text)
        action.setObjectName(name)
        action.setStatusTip(tip)
        action.setEnabled(self.running)
        action.triggered.connect(lambda _checked=False: handler())

    # -- live actions -------------------------------------------------------------------------

    def _send(self, kind: str, target: str, **sizes: float) -> None:
        if self.running:
            self._runner.send_action(LiveAction(kind, target, **sizes))  # type: ignore[arg-type]

    def _slow_down(self, component_id: str) -> None:
        values = self.ask_amounts(self._window, "Slow down", SLOWDOWN_AMOUNTS)
        if values is not None:
            self._send("slowdown", component_id, factor=values[0], duration_s=values[1])

    def _add_latency(self, target: str) -> None:
        values = self.ask_amounts(self._window, "Add latency", LATENCY_AMOUNTS)
        if values is not None:
            self._send("latency", target, add_ms=values[0], duration_s=values[1])

    # -- after the run ------------------------------------------------------------------------

    def live_faults(self) -> list[Fault]:
        """The last run's live actions as scheduled faults (what the action would add)."""
        sizes = {c.id: c.replicas if c.replicas is not None else 1
                 for c in self._document.model.components}
        return faults_from_live_events(self._runner.run_events, sizes)

    def add_to_scheduled_faults(self) -> int:
        """Add the last run's live actions to the design's faults; how many were added."""
        if self.running:
            return 0
        faults = self.live_faults()
        if not add_faults(self._document, faults):
            return 0
        self._added_from = self._runner.run_events  # once per run
        self._update()
        return len(faults)

    def _update(self) -> None:
        available = not self.running and self._runner.run_events is not self._added_from and any(
            e.detail.get("source") == "live" for e in self._runner.run_events)
        self.add_action.setEnabled(available)
        self._panel.add_button.setEnabled(available)
