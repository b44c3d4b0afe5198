"""Guard against PySide6 6.12's lost references to None, True and False.

PySide6 6.12 takes a reference away from None (or a bool) on every void call
and every Signal.emit. On Python 3.11, where those singletons are
refcounted, the process then aborts with "none_dealloc" after a few thousand
calls: a live GUI would crash within minutes. pyproject.toml keeps PySide6
below 6.12; this test fails if an installed release has the bug.
"""

from __future__ import annotations

import sys

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QApplication, QLabel


class _Emitter(QObject):
    flag = Signal(bool)


def test_void_calls_and_emits_do_not_leak_references(qtbot) -> None:
    label = QLabel()
    qtbot.addWidget(label)
    emitter = _Emitter()
    received: list[bool] = []
    emitter.flag.connect(received.append)
    before = {id(s): sys.getrefcount(s) for s in (None, True, False)}
    for i in range(500):  # few enough that a buggy release fails here, not aborts
        label.setText("x")
        QApplication.processEvents()
        emitter.flag.emit(i % 2 == 0)
    received.clear()
    for singleton in (None, True, False):
        lost = before[id(singleton)] - sys.getrefcount(singleton)
        # Unrelated code may take or drop a few references; the bug drops 1,000+.
        assert lost < 100, f"{singleton!r} lost {lost} references"
