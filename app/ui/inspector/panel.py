"""The Inspector dock's contents: the page for whatever is selected on the canvas."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from PySide6.QtCore import QEvent, QObject
from PySide6.QtWidgets import (
    QFormLayout,
    QLineEdit,
    QPlainTextEdit,
    QScrollArea,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from app.ui.document import EditorDocument, LinkKey
from app.ui.inspector.component_editor import ComponentEditor
from app.ui.inspector.form import lock_field
from app.ui.inspector.link_editor import LinkEditor
from app.ui.plain_text import MarkupLabel, PlainLabel


class DesignEditor(QWidget):
    """Shown when nothing is selected: the design's name and description."""

    def __init__(self, document: EditorDocument, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("designEditor")
        self._document = document
        self.name = QLineEdit(self)
        self.name.setObjectName("field_design_name")
        self.name.editingFinished.connect(self._commit)
        self.description = QPlainTextEdit(self)
        self.description.setObjectName("field_design_description")
        self.description.setPlaceholderText("What this design is for…")
        self.description.setMaximumHeight(110)
        self.summary = PlainLabel(parent=self)
        self.summary.setWordWrap(True)
        hint = PlainLabel(
            "Drag components from the palette onto the canvas. Connect them by dragging "
            "from a component's port (the circle on its right edge) to another component. "
            "Select a component or link to edit it here.", self)
        hint.setWordWrap(True)
        hint.setEnabled(False)
        form = QFormLayout()
        form.addRow("Name", self.name)
        form.addRow("Description", self.description)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 8)
        title = MarkupLabel("<b>Design</b>", self)
        layout.addWidget(title)
        layout.addLayout(form)
        layout.addWidget(self.summary)
        layout.addWidget(hint)
        layout.addStretch(1)
        self.description.installEventFilter(self)
        document.properties_changed.connect(self.refresh)
        document.changed.connect(self._refresh_summary)
        self.refresh()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        """Commit the description when it loses focus (one undo step per edit)."""
        if watched is self.description and event.type() == QEvent.Type.FocusOut:
            self._commit()
        return False

    def _commit(self) -> None:
        name = self.name.text().strip() or "Untitled"
        description = self.description.toPlainText().strip() or None
        self._document.edit_properties(name, description)

    def refresh(self) -> None:
        """Reload from the model."""
        model = self._document.model
        self.name.setText(model.name)
        if self.description.toPlainText() != (model.description or ""):
            self.description.setPlainText(model.description or "")
        locked = self._document.locked
        lock_field(self.name, locked)
        lock_field(self.description, locked)
        self._refresh_summary()

    def _refresh_summary(self) -> None:
        model = self._document.model
        self.summary.setText(f"{len(model.components)} components, {len(model.links)} links")


class InspectorPanel(QScrollArea):
    """Switches between the design, component, link and multi-selection pages."""

    def __init__(self, document: EditorDocument, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("inspectorPanel")
        self.setWidgetResizable(True)
        self._document = document
        self.stack = QStackedWidget()
        self.design_editor = DesignEditor(document)
        self.component_editor = ComponentEditor(document)
        self.link_editor = LinkEditor(document)
        self._multi = MarkupLabel()
        self._multi.setWordWrap(True)
        self._multi.setContentsMargins(12, 12, 12, 12)
        for page in (self.design_editor, self.component_editor, self.link_editor, self._multi):
            self.stack.addWidget(page)
        #: Says why the fields are greyed while a run locks the design.
        self.locked_banner = PlainLabel(
            "A run is in progress: the design is read-only until it ends or is stopped.")
        self.locked_banner.setObjectName("inspectorLocked")
        self.locked_banner.setWordWrap(True)
        self.locked_banner.setContentsMargins(8, 6, 8, 6)
        self.locked_banner.setStyleSheet(
            "QLabel { background: palette(highlight); color: palette(highlighted-text); }")
        self.locked_banner.setVisible(False)
        body = QWidget()
        column = QVBoxLayout(body)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(0)
        column.addWidget(self.locked_banner)
        column.addWidget(self.stack, 1)
        self.setWidget(body)
        document.document_reset.connect(lambda: self.show_selection([], []))
        document.locked_changed.connect(self._on_locked)

    def show_selection(self, component_ids: list[str], link_keys: list[LinkKey]) -> None:
        """Show the editor for the selection (several items: a short summary)."""
        if len(component_ids) == 1 and not link_keys:
            self.component_editor.show_component(component_ids[0])
            self.stack.setCurrentWidget(self.component_editor)
        elif len(link_keys) == 1 and not component_ids:
            self.link_editor.show_link(link_keys[0])
            self.stack.setCurrentWidget(self.link_editor)
        elif component_ids or link_keys:
            self._multi.set_markup(
                "<b>{components} components and {links} links selected.</b>"
                "<br><br>Select a single item to edit it. Delete, copy and duplicate act on "
                "the whole selection.", components=len(component_ids), links=len(link_keys))
            self.stack.setCurrentWidget(self._multi)
        else:
            self.design_editor.refresh()
            self.stack.setCurrentWidget(self.design_editor)

    def set_predictions(self, predictions: Mapping[str, Mapping[str, Any]] | None) -> None:
        """Show the analytic model's figures (``analytic["components"]``) on component pages."""
        self.component_editor.set_predictions(predictions)

    def _on_locked(self, locked: bool) -> None:
        self.locked_banner.setVisible(locked)
        self._refresh_current()

    def _refresh_current(self) -> None:
        page = self.stack.currentWidget()
        if page is self.component_editor:
            self.component_editor.refresh()
        elif page is self.link_editor:
            self.link_editor.refresh()
        elif page is self.design_editor:
            self.design_editor.refresh()
