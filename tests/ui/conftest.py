"""Fixtures for the GUI tests: a main window that never blocks on a dialog, and designs."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtWidgets import QMessageBox


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
