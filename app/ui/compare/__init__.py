"""The What-if dialog (Run > Compare what-if…): the design against a variant or a kept run.

* :mod:`.dialog` -- the dialog: choose the variant, run, read the table, keep the run.
* :mod:`.job` -- both sides' replications in a background QThread on the process pool.
* :mod:`.cells` -- the comparison rows as the table's text.
* :mod:`.kept` -- the runs kept with the open project (through the project session).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from app.ui.compare.dialog import CompareDialog
    from app.ui.main_window import MainWindow


def open_compare_dialog(window: MainWindow) -> CompareDialog:
    """Show the What-if dialog for ``window``'s design (one at a time; raised if open)."""
    from PySide6.QtCore import Qt

    from app.ui.compare.dialog import CompareDialog
    from app.ui.compare.kept import KeptRuns

    dialog = window.findChild(CompareDialog)
    if dialog is not None and dialog.isVisible():
        dialog.raise_()
        dialog.activateWindow()
        return dialog
    selected = window.scene.selected_component_ids()
    dialog = CompareDialog(window.document, KeptRuns.of(window),
                           selected[0] if selected else None, window)
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    window.closed.connect(dialog.shutdown)
    dialog.show()
    return dialog
