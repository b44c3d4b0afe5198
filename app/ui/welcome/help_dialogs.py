"""Help ▸ About (the versions, as copyable text) and Help ▸ User Guide (the shipped guide)."""

from __future__ import annotations

import platform
import sys

import PySide6
from PySide6.QtCore import Qt, qVersion
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QPlainTextEdit,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from app import APP_NAME, __version__
from app.resources import resource_path
from app.ui.plain_text import PlainLabel

#: The guide, under resources/ (shipped inside the package).
GUIDE_PARTS = ("docs", "user-guide.md")


def _package_version(name: str) -> str:
    # importlib.metadata (with email.*) costs ~40 ms: paid when About opens, not at start-up.
    from importlib import metadata

    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return "not installed"


def version_report() -> str:
    """The versions a bug report needs, one per line."""
    return "\n".join([
        f"{APP_NAME} {__version__}",
        f"Python {platform.python_version()} ({platform.python_implementation()}, "
        f"{sys.executable})",
        f"Qt {qVersion()}, PySide6 {PySide6.__version__}",
        f"SimPy {_package_version('simpy')}",
        f"NumPy {_package_version('numpy')}",
        f"Platform {platform.platform()} ({platform.machine()})",
        f"Qt platform plugin {QGuiApplication.platformName()}",
    ])


class AboutDialog(QDialog):
    """What the app is, and its versions as plain text the user can select and copy."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("aboutDialog")
        self.setWindowTitle(f"About {APP_NAME}")
        title = PlainLabel(f"{APP_NAME} {__version__}", self)
        font = title.font()
        font.setPointSizeF(font.pointSizeF() * 1.4)
        font.setBold(True)
        title.setFont(font)
        blurb = PlainLabel("Design software systems on a canvas and simulate them with a "
                           "validated discrete-event engine.", self)
        blurb.setWordWrap(True)
        self.versions = QPlainTextEdit(version_report(), self)
        self.versions.setObjectName("aboutVersions")
        self.versions.setReadOnly(True)
        self.versions.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        lines = self.versions.document().blockCount()
        metrics = self.versions.fontMetrics()
        # Every line shown, no empty box below them (the scroll bar's row included).
        self.versions.setMinimumWidth(metrics.horizontalAdvance("M" * 60))
        self.versions.setFixedHeight(metrics.lineSpacing() * (lines + 2) + 16)
        self.versions.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        self.copy_button = buttons.addButton("Copy versions",
                                             QDialogButtonBox.ButtonRole.ActionRole)
        self.copy_button.setObjectName("aboutCopy")
        self.copy_button.clicked.connect(self.copy)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(title)
        layout.addWidget(blurb)
        layout.addWidget(PlainLabel("Versions (select or copy them for a bug report):", self))
        layout.addWidget(self.versions)
        layout.addWidget(buttons)

    def copy(self) -> None:
        """Put the versions on the clipboard."""
        QGuiApplication.clipboard().setText(self.versions.toPlainText())


class GuideViewer(QDialog):
    """The user guide shipped in resources/docs, rendered from its Markdown."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("userGuide")
        self.setWindowTitle("User Guide")
        self.browser = QTextBrowser(self)
        self.browser.setObjectName("userGuideText")
        self.browser.setOpenExternalLinks(True)
        path = resource_path(*GUIDE_PARTS)
        try:
            # Our own file, shipped with the app: Markdown rendering is safe here.
            self.browser.setMarkdown(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError) as exc:
            self.browser.setPlainText(f"The user guide could not be read from {path}: {exc}")
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.browser)
        layout.addWidget(buttons)
        self.resize(820, 700)
