"""Uncaught exceptions in the GUI: logged in full, shown as a readable dialog."""

from __future__ import annotations

import logging
import sys
import traceback
from types import TracebackType

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QMessageBox

from app.ui.plain_text import message_box

log = logging.getLogger(__name__)


class _DialogGuard:
    """Only one error dialog at a time: an error raised while it shows must not recurse."""

    showing = False


def show_unexpected_error(
    exc_type: type[BaseException], exc: BaseException, tb: TracebackType | None
) -> None:
    """Log the exception and tell the user in plain words, details folded away."""
    log.critical("Uncaught exception", exc_info=(exc_type, exc, tb))
    if QApplication.instance() is None or _DialogGuard.showing:
        return
    _DialogGuard.showing = True
    try:
        box = message_box(
            None, QMessageBox.Icon.Critical, "Unexpected error",
            "Something went wrong inside the application. Your open work has not been "
            "discarded; saving it under a new name is a good idea.",
            informative=f"{exc_type.__name__}: {exc}",
            detailed="".join(traceback.format_exception(exc_type, exc, tb)))
        box.setObjectName("unexpectedErrorDialog")
        # Offscreen/automated runs must not block on a modal dialog forever.
        if QApplication.platformName() == "offscreen":
            QTimer.singleShot(0, box.accept)
        box.exec()
    finally:
        _DialogGuard.showing = False


def install_excepthook() -> None:
    """Route uncaught exceptions (including those in Qt slots) to the dialog."""
    sys.excepthook = show_unexpected_error
