"""Fixtures for the GUI tests: a main window that never blocks on a dialog, and designs."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest
from PySide6.QtWidgets import QMessageBox


@pytest.fixture(autouse=True)
def collect_qt_garbage_on_the_gui_thread() -> Iterator[None]:
    """Collect a GUI test's garbage now, on the GUI thread, after pytest-qt closed its widgets.

    Left to the cyclic collector, PySide objects of a finished test are freed
    by whichever thread allocates next -- an engine or sweep thread of a later
    test -- and a QObject destroyed off the GUI thread takes a Qt lock then
    waits for the GIL, while the GUI thread holds the GIL and waits for that
    lock: the suite froze so (gdb: ~QObject in the "simulation" thread in
    take_gil; Shiboken's runDeletionInMainThread in the main thread in
    QBasicMutex::lockInternal). Autouse, so torn down after ``qtbot``.

    What survives the collection is then frozen (``gc.freeze``): later
    collections skip it, so each costs the objects of one test, not the whole
    heap of imported modules (0.2 s a test before, over 400 GUI tests). A frozen
    object is never collected, so never destroyed off the GUI thread either.
    """
    yield
    gc.collect()
    gc.freeze()


@pytest.fixture
def window(qtbot) -> Iterator[object]:
    """A shown MainWindow whose dialogs are answered without blocking.

    The unsaved-changes prompt answers Discard and error boxes are recorded
    in ``window.errors``; teardown stops any run and joins its thread.
    """
    from app.ui.main_window import MainWindow

    win = MainWindow()
    win.errors = []  # type: ignore[attr-defined]
    win.files.ask_save_changes = lambda: QMessageBox.StandardButton.Discard  # type: ignore[method-assign]
    win.files.show_error = lambda title, text: win.errors.append(text)  # type: ignore[method-assign,attr-defined]
    qtbot.addWidget(win)
    win.show()
    qtbot.waitExposed(win)
    yield win
    win.runner.shutdown()
