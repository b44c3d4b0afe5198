"""The design-level parts of an :class:`~app.ui.document.EditorDocument`: collections and chaos.

WAVE2 item 6: a *keyed collection* is a list-valued field of the
:class:`~app.model.document.Document` (``faults`` today; alerts and policies
later) edited through one generic API -- :meth:`DesignParts.set_collection`
and the item-level helpers built on it -- with one undo command
(:class:`~app.ui.commands.ReplaceCollectionCommand`) and one signal,
``collection_changed(name)``. A new collection is a name in
:data:`COLLECTIONS`, not a new command class and signal.

A collection in :data:`DEFAULTED_COLLECTIONS` (``alerts``) may also be
``None`` in the model: the design gives no list and the defaults apply.
:meth:`DesignParts.collection` then returns the defaults, so the item-level
helpers edit them like any list and the first edit materialises them into
the design (one undo step, whose undo gives ``None`` back);
``set_collection(name, None, ...)`` restores the defaults.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING, Final

from PySide6.QtCore import SignalInstance
from PySide6.QtGui import QUndoStack

from app.model.alerts import DEFAULT_ALERTS
from app.model.catalog import COMPONENT_TYPES
from app.model.document import COMPONENT_FAULTS, LINK_FAULTS, Chaos, Document, Fault
from app.model.resilience import link_key
from app.ui.commands import EditChaosCommand, ReplaceCollectionCommand

if TYPE_CHECKING:
    from app.ui.document import EditorDocument

#: The design's keyed collections (list-valued :class:`Document` fields).
COLLECTIONS: Final = ("faults", "alerts", "dashboards")
#: Collections whose model field may be ``None`` (no list in the design), and the
#: items in force then.
DEFAULTED_COLLECTIONS: Final[dict[str, tuple[object, ...]]] = {"alerts": DEFAULT_ALERTS}
#: The undo step of :meth:`DesignParts.add_scheduled_faults`.
ADD_RUN_FAULTS_TEXT: Final = "Add faults from run"


def _collection_field(name: str) -> str:
    """The :class:`Document` field holding the collection ``name``."""
    if name not in COLLECTIONS:
        raise KeyError(f"no collection {name!r}; known: {', '.join(COLLECTIONS)}")
    return name


class DesignParts:
    """Mixin of :class:`EditorDocument`: the generic collection API and the chaos setting."""

    _model: Document
    _locked: bool
    _undo_stack: QUndoStack
    collection_changed: SignalInstance
    changed: SignalInstance

    def _self(self) -> EditorDocument:
        return self  # type: ignore[return-value]

    # -- low-level operations (undo commands only) -------------------------------------------

    def install_collection(self, name: str, items: Sequence[object] | None) -> None:
        """Install a new item list for the collection ``name`` (``None``: its defaults)."""
        if items is None and name not in DEFAULTED_COLLECTIONS:
            raise ValueError(f"collection {name!r} has no defaults")
        setattr(self._model, _collection_field(name), None if items is None else list(items))
        self.collection_changed.emit(name)
        self.changed.emit()

    def replace_chaos(self, chaos: Chaos | None) -> None:
        """Install a new chaos setting (``None``: off)."""
        self._model.chaos = chaos
        self.collection_changed.emit("chaos")
        self.changed.emit()

    # -- queries -----------------------------------------------------------------------------

    def collection(self, name: str) -> tuple[object, ...]:
        """The items of the collection ``name`` in force (``KeyError`` for an unknown one).

        A defaulted collection the design gives no list for returns its defaults
        (as copies: an edit must never reach the shared default records).
        """
        items = getattr(self._model, _collection_field(name))
        if items is None:
            return tuple(copy.copy(item) for item in DEFAULTED_COLLECTIONS[name])
        return tuple(items)

    def uses_defaults(self, name: str) -> bool:
        """Whether the design gives no list for the collection ``name`` (its defaults apply)."""
        return getattr(self._model, _collection_field(name)) is None

    # -- editing operations (each one undoable) ----------------------------------------------

    def edit_chaos(self, chaos: Chaos | None, text: str = "Change chaos level") -> None:
        """Change or switch off (``None``) the design's chaos setting (one undo step)."""
        if not self._locked and chaos != self._model.chaos:
            self._undo_stack.push(EditChaosCommand(self._self(), self._model.chaos, chaos, text))

    def set_collection(self, name: str, items: Sequence[object] | None, text: str) -> None:
        """Replace the whole collection ``name`` (one undo step; nothing if unchanged).

        ``None`` (a defaulted collection only) drops the design's list: the defaults apply.
        """
        raw = getattr(self._model, _collection_field(name))
        old = None if raw is None else tuple(raw)
        new = None if items is None else tuple(items)
        if items is None and name not in DEFAULTED_COLLECTIONS:
            raise ValueError(f"collection {name!r} has no defaults")
        if not self._locked and new != old:
            self._undo_stack.push(ReplaceCollectionCommand(self._self(), name, old, new, text))

    def add_items(self, name: str, items: Sequence[object], text: str,
                  index: int | None = None) -> None:
        """Insert ``items`` into the collection ``name`` at ``index`` (``None``: the end)."""
        old = list(self.collection(name))
        at = len(old) if index is None else index
        self.set_collection(name, old[:at] + list(items) + old[at:], text)

    def remove_items(self, name: str, indices: Iterable[int], text: str) -> None:
        """Remove the items at ``indices`` from the collection ``name``."""
        doomed = set(indices)
        self.set_collection(
            name, [item for i, item in enumerate(self.collection(name)) if i not in doomed], text)

    def replace_item(self, name: str, index: int, item: object, text: str) -> None:
        """Put ``item`` in place of the item at ``index`` of the collection ``name``."""
        items = list(self.collection(name))
        if items[index] == item:
            return  # unchanged: defaults stay defaults, no empty undo step
        items[index] = item
        self.set_collection(name, items, text)

    def add_scheduled_faults(self, faults: Sequence[Fault]) -> None:
        """Append faults (e.g. a run's live actions) to the schedule: one undo step.

        "Add to scheduled faults" after a run calls this, so the actions taken live
        become a replayable scenario; Undo takes them all out again.
        """
        if faults:
            self.add_items("faults", list(faults), ADD_RUN_FAULTS_TEXT)

    def _drop_faults_on(
        self, component_ids: set[str], link_keys: Sequence[tuple[str, str]]
    ) -> None:
        """Within a delete: faults aimed at what goes would point at nothing, so they go too."""
        gone = {link_key(*key) for key in link_keys}
        faults = self._model.faults
        kept = [f for f in faults
                if f.target not in (gone if f.kind in LINK_FAULTS else
                                    component_ids if f.kind in COMPONENT_FAULTS else ())]
        if len(kept) != len(faults):
            self._undo_stack.push(ReplaceCollectionCommand(
                self._self(), "faults", faults, kept, "Remove their faults"))
        self._drop_dashboard_series(component_ids)

    def _drop_dashboard_series(self, component_ids: set[str]) -> None:
        """Within a delete: charts stop plotting what goes (a chart left empty goes too)."""
        boards = self._model.dashboards
        kept = [
            replace(board, charts=tuple(
                replace(chart, components=tuple(c for c in chart.components
                                                if c not in component_ids))
                for chart in board.charts
                if any(c not in component_ids for c in chart.components)))
            for board in boards]
        if kept != boards:
            self._undo_stack.push(ReplaceCollectionCommand(
                self._self(), "dashboards", boards, kept, "Remove them from dashboards"))

    def _drop_alerts_on(
        self, component_ids: set[str], link_keys: Sequence[tuple[str, str]]
    ) -> None:
        """Within a delete: rules naming what goes (an id, a link) would name nothing and
        make the design unrunnable, so they go too (undone with the delete). A name that
        is also a component type stays: it then watches that type."""
        rules = self._model.alerts
        if not rules:
            return  # the defaults (or none): they name "*", never an id
        gone = {link_key(*key) for key in link_keys} | {
            cid for cid in component_ids if cid not in COMPONENT_TYPES}
        kept = [rule for rule in rules if rule.component not in gone]
        if len(kept) != len(rules):
            self._undo_stack.push(ReplaceCollectionCommand(
                self._self(), "alerts", rules, kept, "Remove their alert rules"))
