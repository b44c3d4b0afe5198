"""Everything Qt: the main window, canvas, palette, inspector, charts and dialogs."""

from app.ui.refcount_guard import install as _install_refcount_guard

# Before any Qt call: PySide6 6.12 on CPython 3.11 loses references to None/True/False.
_install_refcount_guard()
