"""Selection-based edits of the canvas: add at centre, delete, copy, paste, duplicate.

Each goes through the document's editing operations (one undo step each) and
then selects what it created, as a user expects after Paste or Duplicate.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal

from app.ui.canvas.scene import DiagramScene
from app.ui.canvas.view import DiagramView
from app.ui.clipboard import FragmentClipboard
from app.ui.document import EditorDocument
from app.ui.layout import Occupancy, free_spot

#: Where Duplicate puts the copies, relative to the originals.
DUPLICATE_OFFSET = (40.0, 40.0)


class SelectionEditor(QObject):
    """Edits acting on the canvas selection (and the clipboard)."""

    #: Copy put something on the clipboard (Paste may become available).
    clipboard_changed = Signal()

    def __init__(
        self, document: EditorDocument, scene: DiagramScene, view: DiagramView,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._document = document
        self._scene = scene
        self._view = view
        self.clipboard = FragmentClipboard()

    def add_at_center(self, type_key: str) -> str | None:
        """Add a component in the middle of the visible canvas (palette double-click)."""
        center = self._view.visible_center()
        g = self._scene.grid_size
        near = (float(round(center.x() / g) * g), float(round(center.y() / g) * g))
        # Not on top of another card: the nearest free spot around the centre.
        taken = Occupancy((c.position[0], c.position[1]) for c in self._document.model.components)
        new_id = self._document.add_component(type_key, free_spot(taken, near))
        if new_id is not None:
            self._scene.select_components([new_id])
        return new_id

    def delete(self) -> None:
        """Delete the selected components (with their links) and links."""
        self._document.delete_items(self._scene.selected_component_ids(),
                                    self._scene.selected_link_keys())

    def copy(self) -> None:
        """Copy the selected components and the links between them."""
        ids = self._scene.selected_component_ids()
        if ids:
            self.clipboard.copy(self._document.fragment(ids))
            self.clipboard_changed.emit()

    def paste(self) -> None:
        """Paste the copied components next to where they were copied from."""
        taken = self.clipboard.take()
        if taken is not None:
            self._scene.select_components(self._document.paste(*taken))

    def duplicate(self) -> None:
        """Copy and paste the selection in one step (the clipboard is left alone)."""
        ids = self._scene.selected_component_ids()
        if ids:
            new_ids = self._document.paste(self._document.fragment(ids), DUPLICATE_OFFSET)
            self._scene.select_components(new_ids)
