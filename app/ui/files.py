"""New, Open, Save, Save As, Recent, and the unsaved-changes prompt.

Saving goes through :attr:`FileController.save_handler` (by default the
atomic ``.sdsim`` writer). When a user is signed in, :attr:`FileController.route`
sends Save and Save As to the project store instead (see
:mod:`app.ui.project_session`); the unsaved-changes prompt then saves there
too. Dialogs are methods of their own (``ask_save_changes``,
``ask_open_path``...) so tests and scripts can replace them;
:meth:`load_file` and :meth:`save_to` never show a dialog.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import Protocol

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QDialog, QFileDialog, QMessageBox, QWidget

from app.model import fileformat
from app.model.document import Document
from app.model.errors import DocumentError
from app.model.templates import load_architecture_template
from app.ui.document import EditorDocument
from app.ui.plain_text import message_box, warn
from app.ui.settings import (
    KEY_LAST_DIR,
    add_recent_file,
    app_settings,
    last_directory,
    read_run_defaults,
)
from app.ui.template_gallery import BLANK, TemplateGallery

log = logging.getLogger(__name__)

FILE_FILTER = "System designs (*.sdsim);;All files (*)"
SaveHandler = Callable[[Document, Path], None]
Button = QMessageBox.StandardButton


class SaveRoute(Protocol):
    """Where Save and Save As go instead of files (the project store, when signed in)."""

    def save(self) -> bool:
        """Save the design; True when it was saved."""
        ...

    def save_as(self) -> bool:
        """The Save As action; True when something was written."""
        ...


class FileController(QObject):
    """The file side of the window, working on one :class:`EditorDocument`."""

    #: The recent-files list changed (a file was opened or saved).
    recent_changed = Signal()
    #: A file was written: the path (for a project store to record a version, say).
    saved = Signal(Path)
    message = Signal(str)

    def __init__(self, document: EditorDocument, parent_widget: QWidget) -> None:
        super().__init__(parent_widget)
        self._document = document
        self._parent = parent_widget
        #: Writes a design to a path; must be atomic (never leave a half-written file).
        self.save_handler: SaveHandler = fileformat.save
        #: When set, Save and Save As (and the unsaved-changes prompt) go there.
        self.route: SaveRoute | None = None

    # -- dialogs (replaceable) ---------------------------------------------------------------

    def ask_save_changes(self) -> Button:
        """Save, Discard or Cancel for unsaved changes."""
        box = message_box(
            self._parent, QMessageBox.Icon.Warning, "Unsaved changes",
            f"Save the changes to “{self._document.model.name}”?",
            informative="Your changes will be lost if you don't save them.",
            buttons=Button.Save | Button.Discard | Button.Cancel, default=Button.Save)
        box.setObjectName("unsavedChangesDialog")
        return Button(box.exec())

    def ask_open_path(self) -> Path | None:
        """A file to open, or ``None``."""
        name, _filter = QFileDialog.getOpenFileName(
            self._parent, "Open design", last_directory(app_settings()), FILE_FILTER)
        return Path(name) if name else None

    def ask_save_path(self, caption: str = "Save design as") -> Path | None:
        """Where to save, or ``None``."""
        current = self._document.path
        start = str(current) if current else str(
            Path(last_directory(app_settings())) / f"{self._document.model.name}.sdsim")
        name, _filter = QFileDialog.getSaveFileName(self._parent, caption, start, FILE_FILTER)
        if not name:
            return None
        path = Path(name)
        return path if path.suffix else path.with_suffix(fileformat.FILE_SUFFIX)

    def ask_template(self) -> str | None:
        """Blank (``""``) or a template key from the gallery, or ``None`` if cancelled."""
        gallery = TemplateGallery(self._parent)
        if gallery.exec() != QDialog.DialogCode.Accepted:
            return None
        return gallery.selected_key()

    def show_error(self, title: str, text: str) -> None:
        """Tell the user why a file operation failed."""
        warn(self._parent, title, text)

    # -- operations --------------------------------------------------------------------------

    def maybe_save(self) -> bool:
        """Before discarding the design: True if it is safe to go on."""
        if not self._document.is_modified:
            return True
        answer = self.ask_save_changes()
        if answer == Button.Save:
            return self.save()
        return answer == Button.Discard

    def new(self) -> bool:
        """New design: blank or from the template gallery."""
        if not self.maybe_save():
            return False
        key = self.ask_template()
        if key is None:
            return False
        if key == BLANK:
            self.new_blank()
        else:
            self.new_from_template(key)
        return True

    def new_blank(self) -> None:
        """Replace the design by an empty one (no prompt)."""
        # Run settings from Settings ▸ New designs (the model's defaults until set there).
        self._document.reset(Document(simulation=read_run_defaults(app_settings())), None)
        self.message.emit("New design")

    def new_from_template(self, key: str) -> None:
        """Replace the design by a copy of a template (no prompt; it is not yet saved)."""
        model = load_architecture_template(key)
        self._document.reset(model, None)
        self.message.emit(f"New design from the template “{model.name}”")

    def open(self) -> bool:
        """Ask for a file and open it."""
        if not self.maybe_save():
            return False
        path = self.ask_open_path()
        return self._open_reporting(path) if path is not None else False

    def open_path(self, path: Path) -> bool:
        """Open ``path`` (after the unsaved-changes prompt), telling the user on failure."""
        return self.maybe_save() and self._open_reporting(path)

    def _open_reporting(self, path: Path) -> bool:
        try:
            self.load_file(path)
        except (DocumentError, OSError) as exc:
            self.show_error("Cannot open design", f"{path.name}: {exc}")
            return False
        return True

    def load_file(self, path: str | Path) -> None:
        """Load ``path`` into the window (no prompt). Raises DocumentError or OSError."""
        path = Path(path)
        model = fileformat.load(path)
        self._document.reset(model, path.resolve())
        self._remember(path)
        self.message.emit(f"Opened {path.name}")

    def save(self) -> bool:
        """Save to the current file, or ask where (Save As) if there is none."""
        if self.route is not None:
            return self.route.save()
        if self._document.path is None:
            return self.save_as()
        return self.save_to(self._document.path, report=True)

    def save_as(self) -> bool:
        """Ask for a path and save there."""
        if self.route is not None:
            return self.route.save_as()
        path = self.ask_save_path()
        return self.save_to(path, report=True) if path is not None else False

    def save_to(self, path: str | Path, report: bool = False) -> bool:
        """Write the design to ``path`` atomically; on failure raise, or tell if ``report``."""
        path = Path(path)
        try:
            self.save_handler(self._document.model, path)
        except (DocumentError, OSError) as exc:
            if not report:
                raise
            self.show_error("Cannot save design", f"{path.name}: {exc}")
            return False
        self._document.mark_saved(path.resolve())
        self._remember(path)
        self.saved.emit(path)
        self.message.emit(f"Saved {path.name}")
        return True

    def export_copy(self) -> bool:
        """Write a copy to a file the user picks; the design itself stays as it is.

        Used as Save As when signed in: the design belongs to a project, so
        writing a file must not mark it saved or tie it to that file.
        """
        path = self.ask_save_path("Export design to a file")
        if path is None:
            return False
        try:
            self.save_handler(self._document.model, path)
        except (DocumentError, OSError) as exc:
            self.show_error("Cannot export design", f"{path.name}: {exc}")
            return False
        self._remember(path)
        self.message.emit(f"Exported {path.name}")
        return True

    def _remember(self, path: Path) -> None:
        settings = app_settings()
        add_recent_file(settings, path)
        settings.setValue(KEY_LAST_DIR, str(path.resolve().parent))
        self.recent_changed.emit()
