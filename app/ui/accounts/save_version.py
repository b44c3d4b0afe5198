"""The small dialog behind Save when signed in: a project name (first save) and a note."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from app.storage.projects import MAX_NAME_LENGTH
from app.ui.plain_text import MarkupLabel

#: Long enough for a sentence; the version list shows the note on one line.
MAX_NOTE_LENGTH = 500


class SaveVersionDialog(QDialog):
    """Ask for a note for the next version, and for a project name on the first save.

    ``project`` is the open project's name, or ``None`` when the design is not
    a project yet: the dialog then also asks for a name (``default_name``
    filled in). Read ``project_name`` and ``note`` after ``exec()``.
    """

    def __init__(self, project: str | None, default_name: str = "",
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("saveVersionDialog")
        self.setMinimumWidth(440)
        creating = project is None
        self.setWindowTitle("Save to Projects" if creating else "Save Version")
        intro = MarkupLabel()
        intro.set_markup(
            "Save this design as a new project in your account. Every later save "
            "keeps a new version." if creating else
            "Save a new version of <b>{project}</b>. The note is shown in the version history.",
            project=project or "")
        intro.setObjectName("saveVersionIntro")
        intro.setWordWrap(True)

        self.name = QLineEdit(default_name.strip() or "Untitled design")
        self.name.setObjectName("saveProjectName")
        self.name.setMaxLength(MAX_NAME_LENGTH)
        self.name.selectAll()
        self.note = QLineEdit()
        self.note.setObjectName("saveVersionNote")
        self.note.setMaxLength(MAX_NOTE_LENGTH)
        self.note.setPlaceholderText("optional: what changed")
        self.note.setClearButtonEnabled(True)

        form = QFormLayout()
        if creating:
            form.addRow("Project name:", self.name)
        else:
            self.name.setVisible(False)
        form.addRow("Note:", self.note)

        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save
                                   | QDialogButtonBox.StandardButton.Cancel)
        buttons.setObjectName("saveVersionButtons")
        save = buttons.button(QDialogButtonBox.StandardButton.Save)
        save.setObjectName("saveVersionButton")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        self.name.textChanged.connect(lambda text: save.setEnabled(bool(text.strip())))

        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(form)
        layout.addWidget(buttons)
        (self.name if creating else self.note).setFocus()

    @property
    def project_name(self) -> str:
        """The name typed, with runs of spaces collapsed."""
        return " ".join(self.name.text().split())

    @property
    def note_text(self) -> str:
        """The note typed (trimmed; may be empty)."""
        return self.note.text().strip()
