"""The "New project" dialog: a name and a starting point (blank or a template)."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.storage import TemplateInfo
from app.ui.plain_text import PlainLabel, plain_tooltip

_KEY_ROLE = Qt.ItemDataRole.UserRole


class NewProjectDialog(QDialog):
    """Pick a name and a template; read ``project_name`` and ``template_key`` after ``exec``."""

    def __init__(self, templates: list[TemplateInfo], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("newProjectDialog")
        self.setWindowTitle("New project")
        self.resize(480, 380)
        self._templates = {template.key: template for template in templates}
        self._name_edited = False

        self.name = QLineEdit("Untitled design")
        self.name.setObjectName("newProjectName")
        self.name.textEdited.connect(self._mark_edited)
        self.templates = QListWidget()
        self.templates.setObjectName("templateList")
        blank = QListWidgetItem("Blank design")
        blank.setData(_KEY_ROLE, None)
        self.templates.addItem(blank)
        for template in templates:
            item = QListWidgetItem(template.name)
            item.setData(_KEY_ROLE, template.key)
            item.setToolTip(plain_tooltip(template.description))
            self.templates.addItem(item)
        self.description = PlainLabel()
        self.description.setObjectName("templateDescription")
        self.description.setWordWrap(True)
        self.description.setMinimumHeight(self.description.fontMetrics().lineSpacing() * 3)
        self.description.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.templates.currentItemChanged.connect(self._template_changed)
        self.templates.itemDoubleClicked.connect(self.accept)
        self.templates.setCurrentRow(0)

        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                   | QDialogButtonBox.StandardButton.Cancel)
        buttons.setObjectName("newProjectButtons")
        create = buttons.button(QDialogButtonBox.StandardButton.Ok)
        create.setText("Create")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        self.name.textChanged.connect(lambda text: create.setEnabled(bool(text.strip())))

        form = QFormLayout()
        form.addRow("Name:", self.name)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(PlainLabel("Start from:"))
        layout.addWidget(self.templates, 1)
        layout.addWidget(self.description)
        layout.addWidget(buttons)

    def _mark_edited(self) -> None:
        self._name_edited = True

    def _template_changed(self) -> None:
        key = self.template_key
        template = self._templates.get(key) if key else None
        self.description.setText(template.description if template else
                                 "An empty canvas: add components from the palette.")
        if not self._name_edited:
            self.name.setText(template.name if template else "Untitled design")

    @property
    def template_key(self) -> str | None:
        """The chosen template's key, or ``None`` for a blank design."""
        item = self.templates.currentItem()
        value = item.data(_KEY_ROLE) if item is not None else None
        return str(value) if value else None

    @property
    def project_name(self) -> str:
        """The name typed (trimmed)."""
        return self.name.text().strip()
