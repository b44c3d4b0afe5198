"""The project browser: the signed-in user's projects, and what can be done with them."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QInputDialog,
    QLineEdit,
    QPushButton,
    QStackedWidget,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.storage import Project, ProjectInfo, Store, UserSession, errors
from app.ui.accounts.new_project import NewProjectDialog
from app.ui.accounts.version_history import VersionHistoryDialog
from app.ui.accounts.widgets import MessageLabel, local_time
from app.ui.plain_text import Button, PlainLabel, ask, plain_tooltip

_ID_ROLE = Qt.ItemDataRole.UserRole
_SORT_ROLE = Qt.ItemDataRole.UserRole + 1
NAME, MODIFIED, VERSIONS = range(3)


class _ProjectItem(QTreeWidgetItem):
    """A row that sorts by real values (dates, numbers), not by their text."""

    def __lt__(self, other: QTreeWidgetItem) -> bool:
        tree = self.treeWidget()
        column = tree.sortColumn() if tree is not None else NAME
        mine, theirs = self.data(column, _SORT_ROLE), other.data(column, _SORT_ROLE)
        if mine is None or theirs is None:
            return super().__lt__(other)
        return bool(mine < theirs)


class ProjectBrowserDialog(QDialog):
    """Open, create (blank or from a template), rename, duplicate, delete, import, export.

    Emits ``project_opened`` with the :class:`Project` (its latest document) and
    closes when a project is opened.
    """

    project_opened = Signal(object)

    def __init__(self, store: Store, session: UserSession, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("projectBrowserDialog")
        self.setWindowTitle("Projects")
        self.resize(760, 460)
        self.store = store
        self.session = session
        self.opened_project: Project | None = None

        self.search = QLineEdit()
        self.search.setObjectName("projectSearch")
        self.search.setPlaceholderText("Search projects by name")
        self.search.setClearButtonEnabled(True)
        self.search.textChanged.connect(self.refresh)

        self.list = QTreeWidget()
        self.list.setObjectName("projectList")
        self.list.setHeaderLabels(["Name", "Last modified", "Versions"])
        self.list.setRootIsDecorated(False)
        self.list.setAlternatingRowColors(True)
        self.list.setUniformRowHeights(True)
        self.list.setSortingEnabled(True)
        self.list.sortByColumn(MODIFIED, Qt.SortOrder.DescendingOrder)
        header = self.list.header()
        header.setSectionResizeMode(NAME, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(MODIFIED, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(VERSIONS, QHeaderView.ResizeMode.ResizeToContents)
        self.list.itemDoubleClicked.connect(self.open_selected)
        self.list.currentItemChanged.connect(self._update_buttons)

        self.empty = PlainLabel(
            "No projects yet.\nCreate one with “New…”, or import a .sdsim file.")
        self.empty.setObjectName("projectListEmpty")
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty.setEnabled(False)
        self.stack = QStackedWidget()
        self.stack.addWidget(self.list)
        self.stack.addWidget(self.empty)

        self.buttons: dict[str, QPushButton] = {}
        side = QVBoxLayout()
        for name, label, slot, needs_selection in (
            ("open", "Open", self.open_selected, True),
            ("new", "New…", self.new_project, False),
            ("rename", "Rename…", self.rename_selected, True),
            ("duplicate", "Duplicate", self.duplicate_selected, True),
            ("delete", "Delete…", self.delete_selected, True),
            ("history", "History…", self.show_history, True),
            ("import", "Import…", self.import_file, False),
            ("export", "Export…", self.export_selected, True),
        ):
            button = QPushButton(label)
            button.setObjectName(f"{name}Button")
            button.setAutoDefault(name == "open")
            button.setProperty("needsSelection", needs_selection)
            button.clicked.connect(lambda _checked=False, s=slot: s())
            self.buttons[name] = button
            side.addWidget(button)
            if name in ("new", "history"):
                side.addSpacing(10)
        side.addStretch(1)
        close = QPushButton("Close")
        close.setObjectName("closeButton")
        close.setAutoDefault(False)
        close.clicked.connect(self.reject)
        side.addWidget(close)

        self.status = MessageLabel("browserStatus")
        left = QVBoxLayout()
        left.addWidget(self.search)
        left.addWidget(self.stack, 1)
        left.addWidget(self.status)
        layout = QHBoxLayout(self)
        layout.addLayout(left, 1)
        layout.addLayout(side)
        self.refresh()

    # -- the list ---------------------------------------------------------------

    def refresh(self) -> None:
        """Reload the projects (keeping the selection) for the current search."""
        keep = self.selected_project_id()
        try:
            projects = self.store.projects.list(self.session, self.search.text())
        except errors.StorageError as exc:
            self.status.show_error(str(exc))
            return
        self.list.setSortingEnabled(False)
        self.list.clear()
        for info in projects:
            self.list.addTopLevelItem(self._item(info))
        self.list.setSortingEnabled(True)
        searching = bool(self.search.text().strip())
        self.empty.setText("No project matches this search." if searching else
                           "No projects yet.\nCreate one with “New…”, or import a .sdsim file.")
        self.stack.setCurrentWidget(self.list if projects else self.empty)
        if keep:
            self.select_project(keep)
        first = self.list.topLevelItem(0)
        if self.list.currentItem() is None and first is not None:
            self.list.setCurrentItem(first)
        self._update_buttons()

    @staticmethod
    def _item(info: ProjectInfo) -> _ProjectItem:
        item = _ProjectItem([info.name, local_time(info.updated_at), str(info.version)])
        item.setData(NAME, _ID_ROLE, info.id)
        item.setData(NAME, _SORT_ROLE, info.name.casefold())
        item.setData(MODIFIED, _SORT_ROLE, info.updated_at.timestamp())
        item.setData(VERSIONS, _SORT_ROLE, info.version)
        item.setTextAlignment(VERSIONS, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        item.setToolTip(NAME, plain_tooltip(info.name))
        return item

    def project_names(self) -> list[str]:
        """The names shown, top to bottom (for tests and accessibility checks)."""
        return [self.list.topLevelItem(row).text(NAME)  # type: ignore[union-attr]
                for row in range(self.list.topLevelItemCount())]

    def selected_project_id(self) -> str | None:
        """The id of the selected project, if any."""
        item = self.list.currentItem()
        return str(item.data(NAME, _ID_ROLE)) if item is not None else None

    def select_project(self, project_id: str) -> None:
        """Select the project ``project_id`` if it is listed."""
        for row in range(self.list.topLevelItemCount()):
            item = self.list.topLevelItem(row)
            if item is not None and item.data(NAME, _ID_ROLE) == project_id:
                self.list.setCurrentItem(item)
                return

    def _update_buttons(self) -> None:
        selected = self.list.currentItem() is not None
        for button in self.buttons.values():
            if button.property("needsSelection"):
                button.setEnabled(selected)

    def _selected_name(self) -> str:
        item = self.list.currentItem()
        return item.text(NAME) if item is not None else ""

    # -- actions -----------------------------------------------------------------

    def _attempt(self, action: str, call: Callable[[], object]) -> object | None:
        """Run ``call``; a storage error is shown in the status line (returns ``None``)."""
        try:
            result = call()
        except errors.StorageError as exc:
            self.status.show_error(f"Could not {action}: {exc}")
            return None
        self.status.clear_message()
        return result

    def open_selected(self) -> Project | None:
        """Open the selected project: emit ``project_opened`` and close."""
        project_id = self.selected_project_id()
        if project_id is None:
            return None
        project = self._attempt("open the project",
                                lambda: self.store.projects.get(self.session, project_id))
        if not isinstance(project, Project):
            return None
        self.opened_project = project
        self.project_opened.emit(project)
        self.accept()
        return project

    def new_project(self) -> ProjectInfo | None:
        """Ask for a name and a template, then create the project."""
        dialog = NewProjectDialog(self.store.templates.list(), self)
        if dialog.exec() != QDialog.DialogCode.Accepted or not dialog.project_name:
            return None
        return self.create_project(dialog.project_name, dialog.template_key)

    def create_project(self, name: str, template_key: str | None = None) -> ProjectInfo | None:
        """Create a project (blank, or from ``template_key``) and select it."""
        if template_key:
            made = self._attempt("create the project", lambda: self.store.projects
                                 .create_from_template(self.session, template_key, name))
        else:
            made = self._attempt("create the project",
                                 lambda: self.store.projects.create(self.session, name))
        if not isinstance(made, ProjectInfo):
            return None
        self.search.clear()
        self.refresh()
        self.select_project(made.id)
        self.status.show_info(f"Created “{made.name}”.")
        return made

    def rename_selected(self) -> ProjectInfo | None:
        """Ask for a new name for the selected project."""
        project_id = self.selected_project_id()
        if project_id is None:
            return None
        name, ok = QInputDialog.getText(self, "Rename project", "New name:",
                                        QLineEdit.EchoMode.Normal, self._selected_name())
        if not ok or not name.strip():
            return None
        renamed = self._attempt("rename the project",
                                lambda: self.store.projects.rename(self.session, project_id, name))
        if isinstance(renamed, ProjectInfo):
            self.refresh()
            return renamed
        return None

    def duplicate_selected(self) -> ProjectInfo | None:
        """Copy the selected project (its current version) into a new project."""
        project_id = self.selected_project_id()
        if project_id is None:
            return None
        copy = self._attempt("duplicate the project",
                             lambda: self.store.projects.duplicate(self.session, project_id))
        if isinstance(copy, ProjectInfo):
            self.refresh()
            self.select_project(copy.id)
            return copy
        return None

    def delete_selected(self) -> bool:
        """Delete the selected project and its history, after confirmation."""
        project_id = self.selected_project_id()
        if project_id is None:
            return False
        name = self._selected_name()
        answer = ask(
            self, "Delete project",
            f"Delete “{name}” and all of its versions? This cannot be undone.",
        )
        if answer != Button.Yes:
            return False
        def delete() -> bool:
            self.store.projects.delete(self.session, project_id)
            return True

        done = self._attempt("delete the project", delete)
        if done:
            self.refresh()
            self.status.show_info(f"Deleted “{name}”.")
        return bool(done)

    def show_history(self) -> None:
        """Open the version history of the selected project."""
        project_id = self.selected_project_id()
        if project_id is None:
            return
        dialog = VersionHistoryDialog(self.store, self.session, project_id, self)
        dialog.version_restored.connect(lambda _version: self.refresh())
        dialog.exec()

    def import_file(self) -> ProjectInfo | None:
        """Create a project from a .sdsim file chosen by the user."""
        name, _ = QFileDialog.getOpenFileName(self, "Import project", str(Path.home()),
                                              "System designs (*.sdsim);;All files (*)")
        if not name:
            return None
        made = self._attempt("import the file",
                             lambda: self.store.projects.import_file(self.session, Path(name)))
        if isinstance(made, ProjectInfo):
            self.refresh()
            self.select_project(made.id)
            self.status.show_info(f"Imported “{made.name}”.")
            return made
        return None

    def export_selected(self) -> Path | None:
        """Write the selected project to a .sdsim file chosen by the user."""
        project_id = self.selected_project_id()
        if project_id is None:
            return None
        suggested = str(Path.home() / f"{self._selected_name()}.sdsim")
        name, _ = QFileDialog.getSaveFileName(self, "Export project", suggested,
                                              "System designs (*.sdsim)")
        if not name:
            return None
        path = Path(name) if name.endswith(".sdsim") else Path(f"{name}.sdsim")
        written = self._attempt("export the project", lambda: self.store.projects.export_file(
            self.session, project_id, path))
        if written:
            self.status.show_info(f"Exported to {path}.")
            return path
        return None
