"""Undo commands: every edit of a design is one of these on the document's QUndoStack.

Each command changes only the model, and only through the
:class:`~app.ui.document.EditorDocument`'s low-level operations, which emit
the signals the canvas and inspector watch. The model's records are never
mutated in place: an edit replaces a record with an edited copy, so the
copies a command keeps for undo can never change under it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Generic, TypeVar

from PySide6.QtGui import QUndoCommand

from app.model.document import Chaos, Component, Link, SimulationSettings

if TYPE_CHECKING:
    from app.ui.document import EditorDocument

Position = tuple[float, float]
T = TypeVar("T")


class AddComponentCommand(QUndoCommand):
    """Add one component (at the end of the list unless ``index`` is given)."""

    def __init__(
        self,
        document: EditorDocument,
        component: Component,
        index: int | None = None,
        parent: QUndoCommand | None = None,
    ) -> None:
        super().__init__(f"Add {component.display_name}", parent)
        self._document = document
        self._component = component
        self._index = index

    def redo(self) -> None:
        """Insert the component."""
        self._document.insert_component(self._component, self._index)

    def undo(self) -> None:
        """Take it out again."""
        self._document.take_component(self._component.id)


class RemoveLinkCommand(QUndoCommand):
    """Remove one link, remembering its place (link order is call order)."""

    def __init__(
        self, document: EditorDocument, key: tuple[str, str], parent: QUndoCommand | None = None
    ) -> None:
        super().__init__(f"Disconnect {key[0]} → {key[1]}", parent)
        self._document = document
        self._key = key
        self._link: Link | None = None
        self._index = -1

    def redo(self) -> None:
        """Take the link out, keeping it and its index for undo."""
        self._index, self._link = self._document.take_link(self._key)

    def undo(self) -> None:
        """Put the link back at its old index."""
        assert self._link is not None
        self._document.insert_link(self._link, self._index)


class RemoveComponentCommand(QUndoCommand):
    """Remove a component whose links are already gone.

    Orange's RemoveNodeCommand owns child link-removal commands; here
    :meth:`EditorDocument.delete_items` pushes one :class:`RemoveLinkCommand`
    per link inside the same macro instead, because a PySide QUndoCommand
    subclass made a child of another can be collected while Qt still owns it.
    """

    def __init__(
        self, document: EditorDocument, component_id: str, parent: QUndoCommand | None = None
    ) -> None:
        component = document.model.component(component_id)
        super().__init__(f"Delete {component.display_name}", parent)
        self._document = document
        self._component = component
        self._index = -1

    def redo(self) -> None:
        """Take the component out, keeping it and its index for undo."""
        self._index, self._component = self._document.take_component(self._component.id)

    def undo(self) -> None:
        """Put it back at its old index."""
        self._document.insert_component(self._component, self._index)


class AddLinkCommand(QUndoCommand):
    """Connect ``source`` to ``target`` (appended: it becomes the last call)."""

    def __init__(
        self, document: EditorDocument, link: Link, parent: QUndoCommand | None = None
    ) -> None:
        super().__init__(f"Connect {link.source} → {link.target}", parent)
        self._document = document
        self._link = link

    def redo(self) -> None:
        """Append the link."""
        self._document.insert_link(self._link, None)

    def undo(self) -> None:
        """Remove it."""
        self._document.take_link(self._link.key)


class MoveComponentsCommand(QUndoCommand):
    """Move components; a whole mouse drag is one of these, pushed on release."""

    def __init__(
        self,
        document: EditorDocument,
        moves: dict[str, tuple[Position, Position]],
        parent: QUndoCommand | None = None,
        *,
        text: str | None = None,
        applied: bool = False,
    ) -> None:
        what = next(iter(moves)) if len(moves) == 1 else f"{len(moves)} components"
        super().__init__(text or f"Move {what}", parent)
        self._document = document
        self._moves = dict(moves)
        #: The model already holds the new positions (a layout made on opening):
        #: the first redo, which QUndoStack.push runs, has nothing to do.
        self._skip_redo = applied

    def redo(self) -> None:
        """Put every component at its new position."""
        if self._skip_redo:
            self._skip_redo = False
            return
        self._document.move_to({cid: new for cid, (_old, new) in self._moves.items()})

    def undo(self) -> None:
        """Put them back."""
        self._document.move_to({cid: old for cid, (old, _new) in self._moves.items()})


class _ReplaceCommand(QUndoCommand, Generic[T]):
    """Swap one record of the design for an edited copy; undo swaps it back.

    Subclasses say how a record is installed (:meth:`_install`).
    """

    def __init__(
        self,
        document: EditorDocument,
        old: T,
        new: T,
        text: str,
        parent: QUndoCommand | None = None,
    ) -> None:
        super().__init__(text, parent)
        self._document = document
        self._old = old
        self._new = new

    def _install(self, record: T) -> None:
        raise NotImplementedError

    def redo(self) -> None:
        """Install the edited record."""
        self._install(self._new)

    def undo(self) -> None:
        """Reinstall the previous record."""
        self._install(self._old)


class EditComponentCommand(_ReplaceCommand[Component]):
    """Replace a component's record with an edited copy (one inspector edit)."""

    def _install(self, record: Component) -> None:
        self._document.replace_component(record)


class EditLinkCommand(_ReplaceCommand[Link]):
    """Replace a link's record with an edited copy (one inspector edit)."""

    def _install(self, record: Link) -> None:
        self._document.replace_link(record)


class EditSimulationCommand(_ReplaceCommand[SimulationSettings]):
    """Change the run settings stored with the design (duration, warm-up, seed)."""

    def _install(self, record: SimulationSettings) -> None:
        self._document.replace_simulation(record)


class EditChaosCommand(_ReplaceCommand[Chaos | None]):
    """Change (or switch off) the design's chaos setting."""

    def _install(self, record: Chaos | None) -> None:
        self._document.replace_chaos(record)


class ReplaceCollectionCommand(QUndoCommand):
    """Swap a design-level collection (``faults``; later alerts, policies) for an edited copy.

    One command for every collection and every kind of edit (add, remove,
    replace, set): it keeps the old and new item lists, never mutating either,
    so a new collection needs no new command class.
    """

    def __init__(
        self,
        document: EditorDocument,
        name: str,
        old: Sequence[object] | None,
        new: Sequence[object] | None,
        text: str,
        *,
        parent: QUndoCommand | None = None,
    ) -> None:
        super().__init__(text, parent)
        self._document = document
        self._name = name
        # None: no list in the design (a defaulted collection such as alerts).
        self._old = None if old is None else tuple(old)
        self._new = None if new is None else tuple(new)

    def redo(self) -> None:
        """Install the edited list."""
        self._document.install_collection(self._name, self._new)

    def undo(self) -> None:
        """Reinstall the previous list."""
        self._document.install_collection(self._name, self._old)


class EditPropertiesCommand(QUndoCommand):
    """Rename the design or change its description."""

    def __init__(
        self,
        document: EditorDocument,
        old: tuple[str, str | None],
        new: tuple[str, str | None],
        parent: QUndoCommand | None = None,
    ) -> None:
        super().__init__("Rename design" if old[0] != new[0] else "Edit description", parent)
        self._document = document
        self._old = old
        self._new = new

    def redo(self) -> None:
        """Install the new name and description."""
        self._document.replace_properties(*self._new)

    def undo(self) -> None:
        """Reinstall the old ones."""
        self._document.replace_properties(*self._old)
