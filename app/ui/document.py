"""The open design as the GUI sees it: the pure model plus signals and an undo stack.

:class:`EditorDocument` wraps one :class:`~app.model.document.Document`. It has
two layers, as in orange-canvas-core's scheme/document split:

* low-level operations (``insert_component``, ``take_link``, ...) change the
  model and emit the matching signal; only undo commands call them;
* editing operations (``add_component``, ``connect``, ``delete_items``, ...)
  build those commands and push them on the :class:`QUndoStack`, so every
  user edit is undoable, and refuse while the document is locked (a run is
  in progress).

The canvas, inspector and title bar only *watch* the signals.
"""

from __future__ import annotations

import copy
import dataclasses
import re
from collections.abc import Iterable
from pathlib import Path

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QUndoStack

from app.model.catalog import COMPONENT_TYPES, component_type
from app.model.document import Component, Document, Link, SimulationSettings, Workload
from app.model.errors import Problem
from app.model.validation import validate
from app.ui.commands import (
    AddComponentCommand,
    AddLinkCommand,
    EditComponentCommand,
    EditLinkCommand,
    EditPropertiesCommand,
    EditSimulationCommand,
    MoveComponentsCommand,
    RemoveComponentCommand,
    RemoveLinkCommand,
)
from app.ui.document_parts import DesignParts
from app.ui.layout import arrange_piled

LinkKey = tuple[str, str]
Position = tuple[float, float]

#: The undo step of the layout given to components a file left without positions.
LAYOUT_COMMAND_TEXT = "Lay out components"
#: Request rate of a client added from the palette (req/s).
DEFAULT_CLIENT_RPS = 100.0


class EditorDocument(QObject, DesignParts):
    """One open design: the model, its file path, its undo stack and change signals."""

    component_added = Signal(str)
    component_removed = Signal(str)
    component_changed = Signal(str)
    link_added = Signal(object)  # (source, target)
    link_removed = Signal(object)
    link_changed = Signal(object)
    simulation_changed = Signal()
    properties_changed = Signal()
    #: A design-level part changed, by name: a collection of :data:`COLLECTIONS` or "chaos".
    collection_changed = Signal(str)
    #: The whole model was replaced (new/open): views rebuild from scratch.
    document_reset = Signal()
    #: Any change at all (after the specific signal): for validation and autosave.
    changed = Signal()
    modified_changed = Signal(bool)
    locked_changed = Signal(bool)
    path_changed = Signal()

    def __init__(self, model: Document | None = None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._model = model if model is not None else Document()
        self._path: Path | None = None
        self._locked = False
        #: id -> index in the component list, built on demand (see :meth:`component`).
        self._index: dict[str, int] | None = None
        self._undo_stack = QUndoStack(self)
        self._undo_stack.cleanChanged.connect(self._on_clean_changed)
        #: :meth:`problems` as of the last change (``None``: not computed since).
        self._problems: tuple[Problem, ...] | None = None
        # Connected first, so every later listener of ``changed`` sees fresh problems.
        self.changed.connect(self._forget_problems)

    def _on_clean_changed(self, clean: bool) -> None:
        self.modified_changed.emit(not clean)

    def _forget_problems(self) -> None:
        self._problems = None

    def problems(self) -> tuple[Problem, ...]:
        """The validator's problems with the design now, computed once per change.

        The canvas marks and the Run press both need them: validating the design
        again at Run was a third of the press's stall on a 50-component design
        (issue #14). Every change goes through this class and emits ``changed``.
        """
        if self._problems is None:
            self._problems = tuple(validate(self._model))
        return self._problems

    # -- state -------------------------------------------------------------------------------

    @property
    def model(self) -> Document:
        """The pure model. Read it freely; change it only through this class."""
        return self._model

    @property
    def undo_stack(self) -> QUndoStack:
        """The one undo stack of this document."""
        return self._undo_stack

    @property
    def path(self) -> Path | None:
        """The file the design was loaded from or last saved to (``None``: never saved)."""
        return self._path

    @property
    def is_modified(self) -> bool:
        """Changed since the last save (orange's rule: modified is ``not isClean()``)."""
        return not self._undo_stack.isClean()

    @property
    def locked(self) -> bool:
        """True while a run is in progress: editing operations are refused."""
        return self._locked

    def set_locked(self, locked: bool) -> None:
        """Lock or unlock editing (the run controller does this around a run)."""
        if locked != self._locked:
            self._locked = locked
            self.locked_changed.emit(locked)

    def reset(self, model: Document, path: Path | None = None) -> None:
        """Replace the whole design (New/Open): clears the undo history.

        Components the file left piled on one point (no ``position``) are laid
        out first (see :mod:`app.ui.layout`); that layout is the first undo step,
        "Lay out components", so the design shows as modified, Save writes the
        positions, and Undo shows the file's positions again.
        """
        layout = arrange_piled(model)
        if layout:
            model.components = [
                dataclasses.replace(c, position=layout[c.id][1]) if c.id in layout else c
                for c in model.components
            ]
        self._model = model
        self._index = None
        self._problems = None  # before document_reset: its listeners may read them
        self._undo_stack.clear()
        self._undo_stack.setClean()
        self.set_path(path)
        self.document_reset.emit()
        self.changed.emit()
        self.modified_changed.emit(False)
        if layout:
            self._undo_stack.push(MoveComponentsCommand(
                self, layout, text=LAYOUT_COMMAND_TEXT, applied=True))

    def set_path(self, path: Path | None) -> None:
        """Remember where the design lives."""
        self._path = path
        self.path_changed.emit()

    def mark_saved(self, path: Path) -> None:
        """The design was written to ``path``: it is no longer modified."""
        self._undo_stack.setClean()
        self.set_path(path)

    # -- low-level operations (undo commands only) -------------------------------------------

    def insert_component(self, component: Component, index: int | None) -> None:
        """Insert ``component`` at ``index`` (``None``: at the end)."""
        comps = self._model.components
        comps.insert(len(comps) if index is None else index, component)
        self._index = None
        self.component_added.emit(component.id)
        self.changed.emit()

    def take_component(self, component_id: str) -> tuple[int, Component]:
        """Remove a component (its links must be gone); returns its index and record."""
        comps = self._model.components
        index = next(i for i, c in enumerate(comps) if c.id == component_id)
        component = comps.pop(index)
        self._index = None
        self.component_removed.emit(component_id)
        self.changed.emit()
        return index, component

    def replace_component(self, component: Component) -> None:
        """Install ``component`` in place of the record with the same id."""
        comps = self._model.components
        index = next(i for i, c in enumerate(comps) if c.id == component.id)
        comps[index] = component
        self.component_changed.emit(component.id)
        self.changed.emit()

    def move_to(self, positions: dict[str, Position]) -> None:
        """Set the positions of several components."""
        comps = self._model.components
        for index, comp in enumerate(comps):
            if comp.id in positions:
                comps[index] = dataclasses.replace(comp, position=positions[comp.id])
                self.component_changed.emit(comp.id)
        self.changed.emit()

    def insert_link(self, link: Link, index: int | None) -> None:
        """Insert ``link`` at ``index`` (``None``: at the end)."""
        links = self._model.links
        links.insert(len(links) if index is None else index, link)
        self.link_added.emit(link.key)
        self.changed.emit()

    def take_link(self, key: LinkKey) -> tuple[int, Link]:
        """Remove the link ``key``; returns its index and record."""
        links = self._model.links
        index = next(i for i, lk in enumerate(links) if lk.key == key)
        link = links.pop(index)
        self.link_removed.emit(key)
        self.changed.emit()
        return index, link

    def replace_link(self, link: Link) -> None:
        """Install ``link`` in place of the link with the same key."""
        links = self._model.links
        index = next(i for i, lk in enumerate(links) if lk.key == link.key)
        links[index] = link
        self.link_changed.emit(link.key)
        self.changed.emit()

    def replace_simulation(self, settings: SimulationSettings) -> None:
        """Install new run settings."""
        self._model.simulation = settings
        self.simulation_changed.emit()
        self.changed.emit()

    def replace_properties(self, name: str, description: str | None) -> None:
        """Install a new name and description."""
        self._model.name = name
        self._model.description = description
        self.properties_changed.emit()
        self.changed.emit()

    # -- queries -----------------------------------------------------------------------------

    def component(self, component_id: str) -> Component:
        """The component with this id (``KeyError`` if none), without a list scan.

        The canvas looks up every moved component; scanning the list each time
        made moving (or undoing the layout of) 20,000 components quadratic.
        """
        comps = self._model.components
        if self._index is None:
            self._index = {c.id: i for i, c in enumerate(comps)}
        i = self._index.get(component_id)
        if i is not None and i < len(comps) and comps[i].id == component_id:
            return comps[i]
        self._index = None  # out of date: fall back to the scan
        return self._model.component(component_id)

    def find_link(self, key: LinkKey) -> Link | None:
        """The link ``key``, or ``None``."""
        return next((lk for lk in self._model.links if lk.key == key), None)

    def has_component(self, component_id: str) -> bool:
        """Whether a component with this id exists."""
        return any(c.id == component_id for c in self._model.components)

    def unique_id(self, base: str) -> str:
        """``base`` if free, else ``base_2``, ``base_3``, ... (ids stay file-safe)."""
        base = re.sub(r"[^A-Za-z0-9_-]+", "_", base).strip("_") or "component"
        taken = {c.id for c in self._model.components}
        if base not in taken:
            return base
        stem = re.sub(r"_\d+$", "", base)
        n = 2
        while f"{stem}_{n}" in taken:
            n += 1
        return f"{stem}_{n}"

    def unique_name(self, base: str) -> str:
        """``base`` if no component shows it, else ``base 2``, ``base 3``, ..."""
        taken = {c.display_name for c in self._model.components}
        if base not in taken:
            return base
        stem = re.sub(r" \d+$", "", base)
        n = 2
        while f"{stem} {n}" in taken:
            n += 1
        return f"{stem} {n}"

    def connect_refusal(self, source: str, target: str) -> str | None:
        """Why ``source → target`` cannot be connected, or ``None`` if it can."""
        if source == target:
            return "A component cannot call itself."
        if not (self.has_component(source) and self.has_component(target)):
            return "Both ends must be components of this design."
        if self.find_link((source, target)) is not None:
            return "These components are already connected."
        target_type = COMPONENT_TYPES.get(self._model.component(target).type)
        if target_type is not None and target_type.is_client:
            return "Clients generate traffic; they do not serve calls."
        return None

    def fragment(self, component_ids: Iterable[str]) -> Document:
        """Copies of the given components and of the links between them (for copy)."""
        ids = set(component_ids)
        return Document(
            name=self._model.name,
            components=[copy.deepcopy(c) for c in self._model.components if c.id in ids],
            links=[
                copy.deepcopy(lk)
                for lk in self._model.links
                if lk.source in ids and lk.target in ids
            ],
        )

    # -- editing operations (each one undoable) ----------------------------------------------

    def add_component(self, type_key: str, position: Position) -> str | None:
        """Add a new component of ``type_key`` at ``position``; returns its id."""
        if self._locked:
            return None
        ctype = component_type(type_key)
        component = Component(
            id=self.unique_id(type_key),
            type=type_key,
            name=self.unique_name(ctype.label),
            position=(float(position[0]), float(position[1])),
            # A client needs a workload to run; start it at a modest default.
            workload=Workload(pattern="poisson", rate_rps=DEFAULT_CLIENT_RPS)
            if ctype.is_client else None,
        )
        self._undo_stack.push(AddComponentCommand(self, component))
        return component.id

    def add_link(self, source: str, target: str) -> bool:
        """Add the link ``source → target`` if allowed; returns whether it was added."""
        if self._locked or self.connect_refusal(source, target) is not None:
            return False
        self._undo_stack.push(AddLinkCommand(self, Link(source=source, target=target)))
        return True

    def delete_items(self, component_ids: Iterable[str], link_keys: Iterable[LinkKey]) -> None:
        """Delete components (with their links) and links, as one undo step."""
        if self._locked:
            return
        ids = [c for c in component_ids if self.has_component(c)]
        keys = [k for k in link_keys if self.find_link(k) is not None]
        if not ids and not keys:
            return
        doomed = set(ids)
        keys += [lk.key for lk in self._model.links
                 if (lk.source in doomed or lk.target in doomed) and lk.key not in keys]
        # One macro: links first (a component never exists without its links' ends).
        self._undo_stack.beginMacro(f"Delete {len(ids) + len(keys)} item(s)")
        self._drop_faults_on(doomed, keys)
        self._drop_alerts_on(doomed, keys)
        for key in keys:
            self._undo_stack.push(RemoveLinkCommand(self, key))
        for cid in ids:
            self._undo_stack.push(RemoveComponentCommand(self, cid))
        self._undo_stack.endMacro()

    def move_components(self, positions: dict[str, Position]) -> None:
        """Record a finished drag: one undo step for all moved components."""
        if self._locked:
            return
        moves = {}
        for comp in self._model.components:
            new = positions.get(comp.id)
            if new is not None and tuple(new) != tuple(comp.position):
                moves[comp.id] = (comp.position, (float(new[0]), float(new[1])))
        if moves:
            self._undo_stack.push(MoveComponentsCommand(self, moves))

    def edit_component(self, new: Component, text: str) -> None:
        """Replace the component with id ``new.id`` by ``new`` (one undo step)."""
        if self._locked:
            return
        old = self._model.component(new.id)
        if old != new:
            self._undo_stack.push(EditComponentCommand(self, old, new, text))

    def edit_link(self, new: Link, text: str) -> None:
        """Replace the link with key ``new.key`` by ``new`` (one undo step)."""
        old = self.find_link(new.key)
        if self._locked or old is None or old == new:
            return
        self._undo_stack.push(EditLinkCommand(self, old, new, text))

    def edit_simulation(self, new: SimulationSettings, text: str) -> None:
        """Change the stored run settings (one undo step)."""
        old = self._model.simulation
        if not self._locked and old != new:
            self._undo_stack.push(EditSimulationCommand(self, old, new, text))

    def edit_properties(self, name: str, description: str | None) -> None:
        """Rename the design or change its description (one undo step)."""
        old = (self._model.name, self._model.description)
        if not self._locked and old != (name, description):
            self._undo_stack.push(EditPropertiesCommand(self, old, (name, description)))

    def paste(self, fragment: Document, offset: Position) -> list[str]:
        """Add copies of ``fragment``'s components and links under fresh ids.

        Returns the new ids (the canvas selects them). One undo step.
        """
        if self._locked or not fragment.components:
            return []
        self._undo_stack.beginMacro(f"Paste {len(fragment.components)} component(s)")
        renamed: dict[str, str] = {}
        for comp in fragment.components:
            new_id = self.unique_id(comp.id)
            renamed[comp.id] = new_id
            x, y = comp.position
            clone = dataclasses.replace(
                copy.deepcopy(comp),
                id=new_id,
                name=self.unique_name(comp.display_name),
                position=(x + offset[0], y + offset[1]),
            )
            self._undo_stack.push(AddComponentCommand(self, clone))
        for link in fragment.links:
            if link.source in renamed and link.target in renamed:
                clone_link = dataclasses.replace(
                    copy.deepcopy(link), source=renamed[link.source], target=renamed[link.target]
                )
                self._undo_stack.push(AddLinkCommand(self, clone_link))
        self._undo_stack.endMacro()
        return list(renamed.values())
