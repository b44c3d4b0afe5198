"""Hostile text in a design is shown literally: never rendered as markup, no file opened.

Every string a design can carry (its name and description, component ids and
names, messages that quote them) holds an ``<img>`` whose source is a FIFO, a
bold tag and a link. If any widget rendered it as HTML, Qt would open the FIFO
and block; a watcher *process* (the blocked GUI thread holds the GIL) opens
the FIFO's other end whenever someone reads it, which unblocks Qt and records
the open, so a regression fails the test instead of hanging it.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QModelIndex, Qt, QTimer
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QGraphicsView,
    QLabel,
    QMessageBox,
    QWidget,
)

from app.model.document import Component, Document, Link, SimulationSettings, Workload
from app.ui.files import FileController
from app.ui.plain_text import (
    MAX_SHOWN_CHARS,
    PlainLabel,
    message_box,
    plain_tooltip,
    tooltip_text,
)
from app.ui.run_controller import IDLE
from tests.support import storage_fixtures

seeded = storage_fixtures.seeded
seeded_users = storage_fixtures.seeded_users

pytestmark = pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")

WATCHER = """
import os, sys, time
fifo, marker = sys.argv[1], sys.argv[2]
while True:
    try:
        fd = os.open(fifo, os.O_WRONLY | os.O_NONBLOCK)  # fails while nobody reads
    except OSError:
        time.sleep(0.005)
        continue
    os.close(fd)  # the reader sees end of file and goes on
    with open(marker, "a") as out:
        out.write("opened\\n")
    time.sleep(0.005)
"""


class FifoTrap:
    """A FIFO that records (in another process) every time something opens it."""

    def __init__(self, folder: Path) -> None:
        self.path = folder / "trap.fifo"
        self.marker = folder / "trap.opened"
        os.mkfifo(self.path)
        self._watcher = subprocess.Popen(
            [sys.executable, "-c", WATCHER, str(self.path), str(self.marker)])

    @property
    def text(self) -> str:
        """Markup that would open the FIFO (and bold a word, and link) if rendered."""
        return (f'<img src="{self.path}"><b>bold</b>'
                f'<a href="file://{self.path}">link</a>')

    def opened(self) -> int:
        """How many times the FIFO was opened so far."""
        time.sleep(0.05)  # the watcher polls every 5 ms
        if not self.marker.exists():
            return 0
        return self.marker.read_text(encoding="utf-8").count("opened")

    def close(self) -> None:
        self._watcher.terminate()
        self._watcher.wait(10)


@pytest.fixture
def trap() -> Iterator[FifoTrap]:
    # A short folder: the FIFO's path goes into component ids, which may hold at most
    # 200 characters, and pytest-xdist's tmp_path is long enough to break that.
    with tempfile.TemporaryDirectory(prefix="trap-") as folder:
        fifo = FifoTrap(Path(folder))
        yield fifo
        fifo.close()


def _render_tooltip(tooltip: str) -> None:
    """Lay out and paint a tooltip string as QToolTip does (an auto-format label)."""
    label = QLabel()
    label.setText(tooltip)
    label.grab()
    label.deleteLater()


def _tooltips_of_view(view: QAbstractItemView) -> list[str]:
    model = view.model()
    found: list[str] = []
    if model is None:
        return found
    pending = [QModelIndex()]
    while pending:
        parent = pending.pop()
        try:
            columns = model.columnCount(parent)
        except TypeError:  # a list model keeps columnCount private: one column, flat
            columns = 1
        for row in range(model.rowCount(parent)):
            for column in range(columns):
                index = model.index(row, column, parent)
                tip = model.data(index, Qt.ItemDataRole.ToolTipRole)
                if tip:
                    found.append(str(tip))
                if column == 0 and model.rowCount(index) > 0:
                    pending.append(index)
    return found


def shown_texts(root: QWidget, hostile: str) -> list[str]:
    """Check every label and tooltip under ``root``; returns the texts they show.

    A label that may render rich text must not hold a raw tag of the hostile
    text, nor may a tooltip; every tooltip and widget is rendered, so markup that slipped
    through would open the FIFO.
    """
    shown: list[str] = []
    tooltips: list[str] = []
    for widget in [root, *root.findChildren(QWidget)]:
        tooltips.append(widget.toolTip())
        if isinstance(widget, QLabel):
            if widget.textFormat() == Qt.TextFormat.PlainText:
                shown.append(widget.text())
            else:
                assert "<img" not in widget.text(), widget.objectName()
        if isinstance(widget, QAbstractItemView):
            tooltips.extend(_tooltips_of_view(widget))
        if isinstance(widget, QGraphicsView) and widget.scene() is not None:
            tooltips.extend(item.toolTip() for item in widget.scene().items())
    for action in root.findChildren(QWidget):
        for act in action.actions():
            tooltips.append(act.toolTip())
    for tip in filter(None, tooltips):
        assert "<img" not in tip  # raw: escaped it reads &lt;img
        _render_tooltip(tip)
        shown.append(tooltip_text(tip))
    root.grab()
    return shown


def _hostile_design(text: str, *, cycle: bool) -> Document:
    """Users -> <text> -> db<text>; with ``cycle`` the last calls back (a problem)."""
    bad, db = text, "db" + text
    links = [Link("users", bad), Link(bad, db, latency_ms=1.0)]
    if cycle:
        links.append(Link(db, bad))
    return Document(
        name=text, description=text,
        components=[
            Component("users", "client", text, (0.0, 0.0),
                      workload=Workload("poisson", rate_rps=50.0)),
            Component(bad, "web_server", text, (250.0, 0.0)),
            Component(db, "database", None, (500.0, 0.0)),
        ],
        links=links,
        simulation=SimulationSettings(duration_s=5, warmup_s=1, seed=3),
    )


def test_the_trap_catches_markup_rendered_by_qt(qtbot, trap: FifoTrap) -> None:
    # Without the helpers Qt opens the file: this is what the other tests guard against.
    _render_tooltip(trap.text)
    assert trap.opened() > 0


def test_canvas_problems_and_inspector_show_hostile_ids_as_text(
    window, qtbot, trap: FifoTrap
) -> None:
    hostile = trap.text
    window.document.reset(_hostile_design(hostile, cycle=True))
    node = window.scene.node_item(hostile)
    qtbot.waitUntil(lambda: bool(node.problems))
    assert hostile in tooltip_text(node.toolTip())  # the problem names the id, literally
    window.scene.select_components([hostile])
    qtbot.waitUntil(lambda: window.inspector.stack.currentWidget()
                    is window.inspector.component_editor)
    shown = shown_texts(window, hostile)
    window.scene.clearSelection()
    window.scene.link_item((hostile, "db" + hostile)).setSelected(True)
    qtbot.waitUntil(lambda: window.inspector.stack.currentWidget()
                    is window.inspector.link_editor)
    shown += shown_texts(window, hostile)
    title = window.inspector.component_editor._title
    assert "&lt;img" in title.text() and title.textFormat() == Qt.TextFormat.RichText
    assert any(hostile in text for text in shown)
    assert trap.opened() == 0


def test_a_run_shows_hostile_names_in_results_and_charts_as_text(
    window, qtbot, trap: FifoTrap
) -> None:
    hostile = trap.text
    window.document.reset(_hostile_design(hostile, cycle=False))
    window.scenario_bar.set_speed(None)
    assert window.runner.run()
    qtbot.waitUntil(lambda: window.runner.state == IDLE and window.runner._run is None,
                    timeout=30_000)
    table = window.results.table
    names = [table.item(row, 0).text() for row in range(table.rowCount())]
    assert hostile in names and "db" + hostile in names
    picker = window.charts.picker
    assert hostile in [picker.item(i).text() for i in range(picker.count())]
    shown_texts(window, hostile)
    assert trap.opened() == 0


def test_an_open_error_quoting_the_file_is_shown_as_text(
    window, qtbot, trap: FifoTrap, tmp_path: Path
) -> None:
    hostile = trap.text
    path = tmp_path / "bad.sdsim"
    path.write_text(json.dumps({
        "format": "sdsim", "version": 1, "name": hostile,
        "components": [{"id": hostile, "type": hostile}], "links": [],
    }), encoding="utf-8")
    window.files.open_path(path)
    assert window.errors, "opening the file should have failed"
    seen: list[list[str]] = []

    def inspect_and_close() -> None:
        box = QApplication.activeModalWidget()
        if box is None:
            QTimer.singleShot(20, inspect_and_close)
            return
        seen.append(shown_texts(box, hostile))
        box.close()

    QTimer.singleShot(0, inspect_and_close)
    # The real dialog of the file controller (the fixture only records errors).
    FileController.show_error(window.files, "Cannot open design", window.errors[0])
    # The message quotes the type (JSON-escaped, shortened): the tag is there, literally.
    assert seen and any('unknown component type "<img src=' in text for text in seen[0])
    assert trap.opened() == 0


def test_message_boxes_show_every_text_plainly(qtbot, trap: FifoTrap) -> None:
    hostile = trap.text
    box = message_box(None, QMessageBox.Icon.Warning, hostile, hostile,
                      informative=hostile, detailed=hostile)
    qtbot.addWidget(box)
    box.show()
    labels = box.findChildren(QLabel)
    assert labels and all(label.textFormat() == Qt.TextFormat.PlainText for label in labels)
    assert sum(hostile in text for text in shown_texts(box, hostile)) >= 2
    assert trap.opened() == 0


def test_project_browser_and_history_show_hostile_names_and_notes_as_text(
    qtbot, seeded, trap: FifoTrap
) -> None:
    from app.ui.accounts import ProjectBrowserDialog, VersionHistoryDialog

    hostile = trap.text
    store, alice = seeded.store, seeded.alice
    doc = {"format": "sdsim", "version": 1, "name": hostile, "description": hostile,
           "components": [{"id": hostile, "type": "cache"}], "links": []}
    project = store.projects.create(alice, hostile[:200], doc)
    store.projects.save(alice, project.id, doc, note=hostile)
    browser = ProjectBrowserDialog(store, alice)
    qtbot.addWidget(browser)
    browser.show()
    shown = shown_texts(browser, hostile)
    history = VersionHistoryDialog(store, alice, project.id)
    qtbot.addWidget(history)
    history.show()
    shown += shown_texts(history, hostile)
    assert history.windowTitle().endswith(hostile[:200])
    assert any(hostile in text for text in shown)  # the version note's tooltip
    assert trap.opened() == 0


def test_template_gallery_labels_are_plain(qtbot, trap: FifoTrap) -> None:
    from app.ui.template_gallery import TemplateGallery

    gallery = TemplateGallery()
    qtbot.addWidget(gallery)
    gallery.show()
    shown_texts(gallery, trap.text)
    assert gallery.description.textFormat() == Qt.TextFormat.PlainText
    assert trap.opened() == 0


def test_tooltips_are_bounded_and_exact() -> None:
    text = "<b>x</b> & \"quotes\"\n  two spaces\tand a tab"
    assert tooltip_text(plain_tooltip(text)) == text
    long = "<i>" + "x" * 100_000
    shown = tooltip_text(plain_tooltip(long))
    assert len(shown) == MAX_SHOWN_CHARS and shown.startswith("<i>") and shown.endswith("…")
    assert plain_tooltip("") == "" and plain_tooltip(None) == ""


def test_plain_label_keeps_markup_literal(qtbot) -> None:
    label = PlainLabel('<img src="nowhere"><b>x</b>')
    qtbot.addWidget(label)
    assert label.textFormat() == Qt.TextFormat.PlainText
    label.setText("<b>still</b>")
    assert label.text() == "<b>still</b>" and label.textFormat() == Qt.TextFormat.PlainText
