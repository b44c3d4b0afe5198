"""Restoring a main window's dock layout without leaving Qt's old dock tab bars on screen.

Measured with Qt 6.11.3 (PySide6): QMainWindow makes one QTabBar child per group
of tabbed docks, and loses track of some of them while still showing them:

* ``tabifyDockWidget`` for a second group (Inspector/Analysis after
  Charts/Results/...) creates its bar twice (Qt's ``getTabBar`` re-lays the
  window out while the group has no bar yet, and that layout pass asks for one
  too); both copies carry the tabs.
* every successful ``restoreState`` makes fresh bars for every group and keeps
  the previous ones, tabs and all, at their old places.

The window shows such bars with itself, so they sit over the status bar or a
dock after the layout moves. Deleting one while it is the main window's child
crashes Qt (its layout still holds the pointer); a bar whose parent is no longer
the main window removes itself from that list when destroyed (Qt's
``~QMainWindowTabBar``), which is how Qt drops the bars of floating tab groups.

After a successful ``restoreState`` every bar that existed before it is such a
leftover, whatever made it (the restore builds new bars for all groups); after
a refused one, the bars it made while reading are. So the main window builds
its default layout with tabify, then restores a layout once through here,
which retires the tabify duplicates too.
"""

from __future__ import annotations

import shiboken6
from PySide6.QtCore import QByteArray
from PySide6.QtWidgets import QMainWindow, QTabBar

#: The class name of the tab bars QMainWindow makes for tabbed docks.
DOCK_TAB_BAR_CLASS = "QMainWindowTabBar"


def dock_tab_bars(window: QMainWindow) -> list[QTabBar]:
    """The tab bars the main window's dock layout made, live or left over."""
    return [bar for bar in window.findChildren(QTabBar)
            if bar.parent() is window and bar.metaObject().className() == DOCK_TAB_BAR_CLASS]


def restore_dock_state(window: QMainWindow, state: QByteArray | bytes, version: int = 0) -> bool:
    """``window.restoreState(state, version)``, then retire the tab bars it left behind.

    Returns what ``restoreState`` returns: False when ``state`` is not a layout
    of this version, and then the current layout stays.
    """
    before = dock_tab_bars(window)
    restored = window.restoreState(QByteArray(state), version)
    if restored:
        stale = before
    else:
        known = {_address(bar) for bar in before}
        stale = [bar for bar in dock_tab_bars(window) if _address(bar) not in known]
    for bar in stale:
        # Qt may itself have deleted a bar it still tracked while applying the state.
        if shiboken6.isValid(bar):
            _retire(bar)
    return restored


def _address(bar: QTabBar) -> int:
    return int(shiboken6.getCppPointer(bar)[0])


def _retire(bar: QTabBar) -> None:
    # Out of the main window first, so that its destructor takes it off Qt's list.
    bar.hide()
    bar.setParent(None)
    shiboken6.delete(bar)
