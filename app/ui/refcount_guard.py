"""Work around PySide6 6.12's lost references to ``None``, ``True`` and ``False`` on CPython 3.11.

PySide6/shiboken6 6.12.0 returns these singletons from many calls without a
new reference: every void method of a wrapped class (``QGraphicsItem.setPos``,
``QLineEdit.setText``...) and every ``Signal.emit`` takes one reference away
from ``None`` or a bool. CPython 3.12 made the singletons immortal, so there
nothing happens; on 3.11 the count reaches zero after a few thousand calls and
the interpreter aborts ("none_dealloc: deallocating None"). 6.11.3 is not
affected (measured here). Until the binding is fixed, :func:`install` gives the
three singletons a reference count no run can exhaust, which is what 3.12 does.
"""

from __future__ import annotations

import ctypes
import sys

#: References added to each singleton: 2**40 lost references take days of calls.
MARGIN = 1 << 40


def needed() -> bool:
    """True on CPython < 3.12 with a PySide6 of the affected series (6.12 and later)."""
    if sys.implementation.name != "cpython" or sys.version_info >= (3, 12):
        return False
    # Read the installed version without importing Qt: the engine process imports
    # app.ui.engine_process, and must stay free of Qt.
    from importlib import metadata

    for dist in ("shiboken6", "PySide6-Essentials", "PySide6"):
        try:
            major, minor = (int(p) for p in metadata.version(dist).split(".")[:2])
        except (metadata.PackageNotFoundError, ValueError):
            continue
        return (major, minor) >= (6, 12)
    return False


def install() -> bool:
    """Raise the singletons' reference counts once per process; returns whether it did."""
    if getattr(sys, "_sdsim_refcount_guard", False) or not needed():
        return False
    for singleton in (None, True, False):
        # ob_refcnt is the first field of every PyObject (a Py_ssize_t) in release builds.
        ctypes.c_ssize_t.from_address(id(singleton)).value += MARGIN
    sys._sdsim_refcount_guard = True  # type: ignore[attr-defined]
    return True
