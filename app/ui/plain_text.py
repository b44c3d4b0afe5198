"""Showing text that came from a file as text, never as markup.

Qt guesses: a tooltip, a ``QLabel`` or a ``QMessageBox`` renders a string as
HTML when ``Qt.mightBeRichText`` says it looks like HTML. A component id such
as ``<img src="/some/fifo">`` then makes Qt open that local file while
drawing the tooltip (a FIFO froze the GUI). Every widget in ``app.ui`` that can
show such text is made here, so the rule holds by construction:

* :func:`plain_tooltip` for every ``setToolTip`` (escaped, bounded in length);
* :class:`PlainLabel` for labels (``Qt.PlainText``), :class:`MarkupLabel` when
  our own markup (bold, line breaks) wraps file text: its values are escaped;
* :func:`message_box`, :func:`warn`, :func:`ask` and :func:`about` for
  message boxes (every label in the box is plain text);
* :func:`markup` to build rich text from a template and escaped values.

``tests/ui/test_plain_text.py`` scans ``app/ui`` for calls that bypass these.
"""

from __future__ import annotations

import html

from PySide6.QtCore import Qt
from PySide6.QtGui import Qt as QtGuiQt  # the namespace with mightBeRichText
from PySide6.QtGui import QTextDocumentFragment
from PySide6.QtWidgets import QLabel, QMessageBox, QWidget

#: Longer texts are cut in tooltips and message boxes: a 1 MB description must not
#: become a tooltip the size of the screen (nor take seconds to lay out).
MAX_SHOWN_CHARS = 2000
Button = QMessageBox.StandardButton


def shorten(text: str, limit: int = MAX_SHOWN_CHARS) -> str:
    """``text`` cut to ``limit`` characters, with an ellipsis when cut."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def plain_tooltip(text: str | None) -> str:
    """A tooltip that shows ``text`` literally (newlines kept), whatever it contains.

    Tooltips have no text-format switch, so the text is escaped and wrapped in
    a paragraph: Qt then knows it is rich text and shows the escaped characters.
    """
    if not text:
        return ""
    escaped = html.escape(shorten(text), quote=False).replace("\n", "<br>")
    return f"<p style='white-space:pre-wrap'>{escaped}</p>"  # plain-text-ok: escaped


def tooltip_text(tooltip: str) -> str:
    """The text a tooltip made by :func:`plain_tooltip` shows (for tests and checks)."""
    if not QtGuiQt.mightBeRichText(tooltip):
        return tooltip
    text = QTextDocumentFragment.fromHtml(tooltip).toPlainText()
    return text.replace("\u2028", "\n").replace("\u2029", "\n")


def markup(template: str, /, **values: object) -> str:
    """Rich text from our own ``template`` (``str.format`` fields) and escaped ``values``."""
    return template.format(**{key: html.escape(str(value), quote=True)
                              for key, value in values.items()})


class PlainLabel(QLabel):
    """A label that never interprets its text (use it for anything from a file)."""

    def __init__(self, text: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setTextFormat(Qt.TextFormat.PlainText)
        self.setText(text)


class MarkupLabel(QLabel):
    """A rich-text label whose markup is ours and whose values are escaped.

    Set its contents with :meth:`set_markup`; the constructor's text is our own
    markup (a constant).
    """

    def __init__(self, text: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setTextFormat(Qt.TextFormat.RichText)
        self.setOpenExternalLinks(False)
        self.setText(text)

    def set_markup(self, template: str, /, **values: object) -> None:
        """Show ``template`` with its ``{fields}`` replaced by escaped ``values``."""
        self.setText(markup(template, **values))


def message_box(
    parent: QWidget | None,
    icon: QMessageBox.Icon,
    title: str,
    text: str,
    *,
    informative: str = "",
    detailed: str = "",
    buttons: QMessageBox.StandardButton = Button.Ok,
    default: QMessageBox.StandardButton | None = None,
) -> QMessageBox:
    """A message box whose texts are all shown as plain text (not yet shown)."""
    box = QMessageBox(parent)
    box.setIcon(icon)
    box.setWindowTitle(title)
    box.setTextFormat(Qt.TextFormat.PlainText)
    box.setText(shorten(text))
    if informative:
        box.setInformativeText(shorten(informative))
    if detailed:
        box.setDetailedText(detailed)  # a plain-text editor already
    box.setStandardButtons(buttons)
    if default is not None:
        box.setDefaultButton(default)
    # setTextFormat covers the main text only: the informative label is a QLabel too.
    for label in box.findChildren(QLabel):
        label.setTextFormat(Qt.TextFormat.PlainText)
    return box


def warn(parent: QWidget | None, title: str, text: str) -> None:
    """Show a warning with ``text`` as plain text and wait for OK."""
    message_box(parent, QMessageBox.Icon.Warning, title, text).exec()


def ask(
    parent: QWidget | None,
    title: str,
    text: str,
    buttons: QMessageBox.StandardButton = Button.Yes | Button.No,
    default: QMessageBox.StandardButton = Button.No,
) -> QMessageBox.StandardButton:
    """Ask a question shown as plain text; returns the button pressed."""
    box = message_box(parent, QMessageBox.Icon.Question, title, text, buttons=buttons,
                      default=default)
    return Button(box.exec())


def about(parent: QWidget | None, title: str, text: str) -> None:
    """The About box, as plain text."""
    message_box(parent, QMessageBox.Icon.Information, title, text).exec()
