"""File ▸ Export Report…: the last run's report, previewed page by page, saved as PDF or PNG.

The pages are the ones ``main.py report`` writes (:mod:`app.reports.render`);
the preview shows them as images, so what is seen is what is saved.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtGui import QPixmap
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from app import __version__
from app.model.errors import DocumentError
from app.model.fileformat import dumps
from app.reports.render.report import (
    PAGE_SIZE_NAMES,
    Pages,
    lay_out,
    page_image,
    write_pdf,
    write_png,
)
from app.reports.run_folder import RunReportInput, series_from_snapshots
from app.ui.plain_text import PlainLabel, about, warn

if TYPE_CHECKING:
    from app.ui.main_window import MainWindow

PREVIEW_DPI = 72


def report_input(window: MainWindow) -> RunReportInput | None:
    """The last run of ``window`` as a report's input (None before any run)."""
    runner = window.runner
    summary = runner.last_summary
    if summary is None:
        return None
    model = window.document.model
    try:
        design_text: str | None = dumps(model)
    except DocumentError:
        design_text = None
    path = window.document.path
    run = {"created": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
           "app_version": __version__, "source_file": str(path) if path else "",
           "settings": {"duration_s": model.simulation.duration_s,
                        "warmup_s": model.simulation.warmup_s, "seed": summary.get("seed")}}
    folder = path.parent if path is not None else Path.cwd()
    return RunReportInput(folder, dict(summary), run, series_from_snapshots(runner.snapshots),
                          design_text, model.name)


class ReportPreview(QDialog):
    """The report's pages as images, a page-size choice, and Save PDF / Save PNG."""

    def __init__(self, data: RunReportInput, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("reportPreview")
        self.setWindowTitle("Export Report")
        self.data = data
        self.page_size = QComboBox()
        self.page_size.setObjectName("reportPageSize")
        self.page_size.addItems(list(PAGE_SIZE_NAMES))
        self.page_size.currentTextChanged.connect(self._relayout)
        self.save_pdf = QPushButton("Save &PDF…")
        self.save_pdf.setObjectName("reportSavePdf")
        self.save_png = QPushButton("Save P&NG…")
        self.save_png.setObjectName("reportSavePng")
        close = QPushButton("Close")
        self.save_pdf.clicked.connect(lambda: self._save("pdf"))
        self.save_png.clicked.connect(lambda: self._save("png"))
        close.clicked.connect(self.reject)
        bar = QHBoxLayout()
        bar.addWidget(PlainLabel("Page size:"))
        bar.addWidget(self.page_size)
        bar.addStretch(1)
        bar.addWidget(self.save_pdf)
        bar.addWidget(self.save_png)
        bar.addWidget(close)
        self.pages_box = QWidget()
        self.pages_layout = QVBoxLayout(self.pages_box)
        self.pages_layout.setAlignment(Qt.AlignmentFlag.AlignHCenter)
        scroll = QScrollArea()
        scroll.setWidget(self.pages_box)
        scroll.setWidgetResizable(True)
        layout = QVBoxLayout(self)
        layout.addLayout(bar)
        layout.addWidget(scroll, 1)
        self.resize(720, 860)
        self.pages: Pages | None = None
        self._relayout(self.page_size.currentText())

    def _relayout(self, page_size: str) -> None:
        self.pages = lay_out(self.data, page_size)
        while self.pages_layout.count():
            item = self.pages_layout.takeAt(0)
            widget = item.widget() if item is not None else None
            if widget is not None:
                widget.deleteLater()
        for index in range(len(self.pages.pages)):
            label = PlainLabel("")  # holds only the page's picture
            label.setObjectName(f"reportPage{index + 1}")
            label.setPixmap(QPixmap.fromImage(page_image(self.pages, index, PREVIEW_DPI)))
            label.setFrameShape(QLabel.Shape.Box)
            self.pages_layout.addWidget(label)

    def _save(self, kind: str, path: str | None = None) -> Path | None:
        """Write the PDF or the PNG (asks where when ``path`` is None)."""
        if path is None:
            default = f"{self.data.design_name or 'report'}.{kind}"
            path, _ = QFileDialog.getSaveFileName(self, f"Save report as {kind.upper()}", default,
                                                  f"{kind.upper()} files (*.{kind})")
            if not path:
                return None
        assert self.pages is not None
        target = Path(path)
        try:
            (write_pdf if kind == "pdf" else write_png)(self.pages, target)
        except OSError as exc:
            warn(self, "Export Report", f"Cannot write {target.name}: {exc}")
            return None
        return target


def open_report_preview(window: MainWindow) -> ReportPreview | None:
    """Show the preview of the last run's report (a message when there is no run yet)."""
    data = report_input(window)
    if data is None:
        about(window, "Export Report", "Run the design first: the report shows a run's results.")
        return None
    dialog = ReportPreview(data, window)
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    dialog.show()
    return dialog
