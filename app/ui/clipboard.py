"""Copy and paste of canvas selections, through the system clipboard when possible.

A copied fragment (components plus the links between them) is put on the
clipboard as ``.sdsim`` text under :data:`FRAGMENT_MIME_TYPE`, so it pastes
into another window too. A fragment the file writer refuses (the design
has errors) still pastes within this window from an in-process copy.
"""

from __future__ import annotations

import copy

from PySide6.QtCore import QMimeData
from PySide6.QtGui import QGuiApplication

from app.model import fileformat
from app.model.document import Document
from app.model.errors import DocumentError

FRAGMENT_MIME_TYPE = "application/x-sdsim-fragment"
#: Each successive paste of the same fragment lands this much further away.
PASTE_STEP = 40.0


class FragmentClipboard:
    """What Copy put away, and where the next Paste goes."""

    def __init__(self) -> None:
        self._local: Document | None = None
        self._pastes = 0

    def copy(self, fragment: Document) -> None:
        """Keep ``fragment`` and publish it on the system clipboard."""
        self._local = copy.deepcopy(fragment)
        self._pastes = 0
        try:
            text = fileformat.dumps(fragment)
        except DocumentError:
            return  # not writable as a file: in-process paste only
        mime = QMimeData()
        mime.setData(FRAGMENT_MIME_TYPE, text.encode("utf-8"))
        mime.setText(text)
        QGuiApplication.clipboard().setMimeData(mime)
        _release_on_quit()

    def has_fragment(self) -> bool:
        """Whether Paste has something to paste."""
        mime = QGuiApplication.clipboard().mimeData()
        return self._local is not None or (
            mime is not None and mime.hasFormat(FRAGMENT_MIME_TYPE))

    def take(self) -> tuple[Document, tuple[float, float]] | None:
        """The fragment to paste and its offset from where it was copied."""
        fragment = self._local
        mime = QGuiApplication.clipboard().mimeData()
        if mime is not None and mime.hasFormat(FRAGMENT_MIME_TYPE):
            text = bytes(mime.data(FRAGMENT_MIME_TYPE).data()).decode("utf-8", "replace")
            local_text = None
            if fragment is not None:
                try:
                    local_text = fileformat.dumps(fragment)
                except DocumentError:
                    local_text = None
            if text != local_text:  # copied elsewhere (another window): that one wins
                try:
                    fragment = fileformat.loads(text)
                except DocumentError:
                    pass
                else:
                    self._local = fragment
                    self._pastes = 0
        if fragment is None:
            return None
        self._pastes += 1
        step = PASTE_STEP * self._pastes
        return copy.deepcopy(fragment), (step, step)


def _release_on_quit() -> None:
    app = QGuiApplication.instance()
    if app is not None and not app.property("sdsimReleasesClipboard"):
        app.aboutToQuit.connect(release_clipboard)
        app.setProperty("sdsimReleasesClipboard", True)


def release_clipboard() -> None:
    """Clear the system clipboard if it holds our fragment; call before the app quits.

    The clipboard owns the ``QMimeData`` we created in Python. Left there, Qt
    destroys it from a static destructor after the interpreter has shut down,
    and the process crashes on exit (a fragment only pastes into this app, so
    nothing of value to other programs is lost).
    """
    app = QGuiApplication.instance()
    if app is None:
        return
    clipboard = QGuiApplication.clipboard()
    mime = clipboard.mimeData()
    if mime is not None and mime.hasFormat(FRAGMENT_MIME_TYPE):
        clipboard.clear()
