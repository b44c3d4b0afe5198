"""The dock tab bars a user sees are the dock tab groups, once each, in place.

Qt 6.11 leaves the tab bars of a replaced dock layout behind as visible
children of the main window (see app/ui/dock_tab_bars.py): a second
"Inspector Analysis" bar, or a "Charts Results ..." bar over the status bar in
a window opened after another closed. These tests open windows as a user does
and compare every visible tab bar with the real tab groups.
Screenshots go to the worktree's shots/ folder (never committed).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QRect, Qt
from PySide6.QtWidgets import QMessageBox, QTabBar

from app.ui.main_window import MainWindow
from app.ui.settings import STATE_VERSION

SHOTS = Path(__file__).resolve().parents[2] / "shots"
SIZE = (1440, 900)


def _dock_tab_bars(window: MainWindow) -> list[QTabBar]:
    """The visible tab bars the main window's layout made for tabbed docks.

    A QTabWidget's own bar (the Alerts dock has one) lives inside that widget,
    not directly under the main window.
    """
    return [bar for bar in window.findChildren(QTabBar)
            if bar.parent() is window and bar.isVisible()]


def _texts(bar: QTabBar) -> tuple[str, ...]:
    return tuple(bar.tabText(i) for i in range(bar.count()))


def _tab_groups(window: MainWindow) -> set[frozenset[str]]:
    """Titles of each group of docks Qt reports as tabified together."""
    groups = set()
    for dock in window.findChildren(type(window.charts_dock)):
        buddies = window.tabifiedDockWidgets(dock)
        if buddies and not dock.isFloating():
            groups.add(frozenset([dock.windowTitle()] + [d.windowTitle() for d in buddies]))
    return groups


def _assert_one_bar_per_group(window: MainWindow) -> None:
    bars = _dock_tab_bars(window)
    texts = sorted(_texts(bar) for bar in bars)
    assert len(texts) == len(set(texts)), f"a dock tab bar shown twice: {texts}"
    assert {frozenset(t) for t in texts} == _tab_groups(window), texts
    status = window.statusBar().geometry()
    inside = window.rect()
    for bar in bars:
        where = bar.geometry()
        assert not where.intersects(status), f"{_texts(bar)} over the status bar at {where}"
        assert inside.contains(where), f"{_texts(bar)} outside the window at {where}"
        # Each bar sits right under the docks it switches between.
        docks = [d for d in window.findChildren(type(window.charts_dock))
                 if d.windowTitle() in _texts(bar) and d.isVisible()]
        assert docks, _texts(bar)
        assert any(abs(where.top() - d.geometry().bottom()) <= 8
                   and QRect(where).intersects(d.geometry().adjusted(0, 0, 0, 8))
                   for d in docks), (_texts(bar), where, [d.geometry() for d in docks])


@pytest.fixture
def open_window(qtbot) -> Iterator[object]:
    """Opens main windows like the app does (settings restored), closes them at the end."""
    opened: list[MainWindow] = []

    def open_one() -> MainWindow:
        win = MainWindow()
        win.files.ask_save_changes = (  # type: ignore[method-assign]
            lambda: QMessageBox.StandardButton.Discard)
        qtbot.addWidget(win)
        win.resize(*SIZE)
        win.show()
        qtbot.waitExposed(win)
        opened.append(win)
        return win

    yield open_one
    for win in opened:
        win.runner.shutdown()


def _shot(window: MainWindow, name: str) -> None:
    SHOTS.mkdir(exist_ok=True)
    window.grab().save(str(SHOTS / name))


def test_the_first_window_shows_each_dock_tab_bar_once(open_window) -> None:
    window = open_window()
    _shot(window, "dock_tab_bars_first.png")
    # Charts/Results/Events/Faults/Alerts at the bottom, Inspector/Analysis on the right.
    assert len(_tab_groups(window)) == 2
    _assert_one_bar_per_group(window)


def test_a_window_opened_after_another_closed_has_no_stale_tab_bars(open_window, qtbot) -> None:
    first = open_window()
    # The user makes the bottom docks taller and looks at the Analysis tab, then quits:
    # the next window restores that layout, so old bars would sit at other places.
    first.resizeDocks([first.charts_dock], [420], Qt.Orientation.Vertical)
    first.analysis_dock.raise_()
    qtbot.wait(50)
    assert first.close()
    second = open_window()
    qtbot.waitUntil(lambda: second.analysis_dock.visibleRegion().isEmpty() is False)
    _shot(second, "dock_tab_bars_second.png")
    assert len(_tab_groups(second)) == 2
    _assert_one_bar_per_group(second)
    # Resizing moves the live bars; nothing is left behind at the old places.
    second.resize(1200, 760)
    qtbot.waitUntil(lambda: second.statusBar().geometry().bottom() < 760)
    _shot(second, "dock_tab_bars_second_resized.png")
    _assert_one_bar_per_group(second)


def test_restoring_the_layout_again_replaces_the_bars(open_window) -> None:
    window = open_window()
    state = window.saveState(STATE_VERSION)
    assert window.restore_dock_layout(state)
    assert window.restore_dock_layout(state)
    _assert_one_bar_per_group(window)
    # A corrupt layout is refused and leaves the current one, bars included.
    assert not window.restore_dock_layout(b"not a layout")
    _assert_one_bar_per_group(window)
