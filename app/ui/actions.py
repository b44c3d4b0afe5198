"""Every action of the main window, with the objectNames and shortcuts the checks look for."""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtGui import QAction, QGuiApplication, QKeySequence, QPalette, QUndoStack
from PySide6.QtWidgets import QMainWindow

from app.ui.icons import action_icon

Key = QKeySequence.StandardKey


def _make(
    window: QMainWindow,
    name: str,
    text: str,
    shortcuts: list[QKeySequence] | None = None,
    *,
    tip: str = "",
    icon: str | None = None,
    checkable: bool = False,
) -> QAction:
    action = QAction(text, window)
    action.setObjectName(name)
    if shortcuts:
        action.setShortcuts(shortcuts)
    action.setStatusTip(tip or text.replace("&", "").rstrip("."))
    if icon:
        action.setProperty("iconName", icon)
    action.setCheckable(checkable)
    window.addAction(action)  # shortcuts work even when the action is in no visible menu
    return action


def _keys(*specs: str | QKeySequence.StandardKey) -> list[QKeySequence]:
    return [QKeySequence(s) for s in specs]


@dataclass
class WindowActions:
    """The window's actions, by role."""

    new: QAction
    open: QAction
    save: QAction
    save_as: QAction
    export_png: QAction
    export_csv: QAction
    quit: QAction
    undo: QAction
    redo: QAction
    copy: QAction
    paste: QAction
    duplicate: QAction
    delete: QAction
    select_all: QAction
    zoom_in: QAction
    zoom_out: QAction
    fit_view: QAction
    actual_size: QAction
    snap: QAction
    run: QAction
    pause: QAction
    stop: QAction
    about: QAction

    @staticmethod
    def create(window: QMainWindow, undo_stack: QUndoStack) -> WindowActions:
        """Build all actions (not yet connected to handlers)."""
        undo = undo_stack.createUndoAction(window, "&Undo")
        undo.setObjectName("actionUndo")
        undo.setShortcuts(_keys("Ctrl+Z"))
        undo.setProperty("iconName", "undo")
        window.addAction(undo)
        redo = undo_stack.createRedoAction(window, "&Redo")
        redo.setObjectName("actionRedo")
        redo.setShortcuts(_keys("Ctrl+Shift+Z", "Ctrl+Y"))
        redo.setProperty("iconName", "redo")
        window.addAction(redo)
        # The menu says "Undo Connect app → cache"; the toolbar button stays "Undo" (a long
        # label pushed the scenario bar's Speed box into the overflow).
        undo.setIconText("Undo")  # the tooltip still falls back to the full text
        redo.setIconText("Redo")
        w = window
        actions = WindowActions(
            new=_make(w, "actionNew", "&New…", _keys("Ctrl+N"),
                      tip="New design: blank or from a template", icon="new"),
            open=_make(w, "actionOpen", "&Open…", _keys("Ctrl+O"), tip="Open a design",
                       icon="open"),
            save=_make(w, "actionSave", "&Save", _keys("Ctrl+S"), tip="Save the design",
                       icon="save"),
            save_as=_make(w, "actionSaveAs", "Save &As…", _keys("Ctrl+Shift+S"),
                          tip="Save the design under a new name"),
            export_png=_make(w, "actionExportPng", "Export Diagram as &PNG…",
                             tip="Save the diagram as an image", icon="export_png"),
            export_csv=_make(w, "actionExportCsv", "Export Run Metrics as &CSV…",
                             tip="Save the last run's metrics (tidy CSV)", icon="export_csv"),
            quit=_make(w, "actionQuit", "&Quit", _keys("Ctrl+Q")),
            undo=undo,
            redo=redo,
            copy=_make(w, "actionCopy", "&Copy", _keys("Ctrl+C")),
            paste=_make(w, "actionPaste", "&Paste", _keys("Ctrl+V")),
            duplicate=_make(w, "actionDuplicate", "&Duplicate", _keys("Ctrl+D")),
            delete=_make(w, "actionDelete", "De&lete", _keys("Delete", "Backspace"),
                         tip="Delete the selected components and links", icon="delete"),
            select_all=_make(w, "actionSelectAll", "Select &All", _keys("Ctrl+A")),
            zoom_in=_make(w, "actionZoomIn", "Zoom &In", _keys("Ctrl++", "Ctrl+="),
                          icon="zoom_in"),
            zoom_out=_make(w, "actionZoomOut", "Zoom &Out", _keys("Ctrl+-"), icon="zoom_out"),
            fit_view=_make(w, "actionFitView", "&Fit to View", _keys("Ctrl+0"),
                           tip="Show the whole design", icon="fit"),
            actual_size=_make(w, "actionActualSize", "&Actual Size", _keys("Ctrl+1")),
            snap=_make(w, "actionSnapToGrid", "&Snap to Grid",
                       tip="Dragged components snap to the grid", checkable=True),
            run=_make(w, "actionRun", "&Run", _keys("F5"), tip="Run the simulation", icon="run"),
            pause=_make(w, "actionPause", "&Pause", _keys("F6"),
                        tip="Pause or continue the run", icon="pause", checkable=True),
            stop=_make(w, "actionStop", "&Stop", _keys("Shift+F5"), tip="Stop the run",
                       icon="stop"),
            about=_make(w, "actionAbout", "&About"),
        )
        # Short toolbar labels, so the scenario bar fits beside the main toolbar.
        actions.fit_view.setIconText("Fit")
        actions.export_png.setIconText("PNG")
        actions.refresh_icons()
        return actions

    def all(self) -> list[QAction]:
        """Every action."""
        return [getattr(self, name) for name in self.__dataclass_fields__]

    def refresh_icons(self) -> None:
        """Draw the icons in the palette's text colour (called again on a theme switch)."""
        color = QGuiApplication.palette().color(QPalette.ColorRole.ButtonText)
        for action in self.all():
            name = action.property("iconName")
            if name:
                action.setIcon(action_icon(str(name), color))
