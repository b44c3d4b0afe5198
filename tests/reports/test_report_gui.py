"""File ▸ Export Report…: after a real run the preview shows the pages; Save PDF writes them."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtGui import QAction
from PySide6.QtWidgets import QApplication, QComboBox, QLabel

from app.ui import report_export
from app.ui.report_export import ReportPreview
from app.ui.run_controller import IDLE
from app.ui.theme import dark_palette
from tests.reports.helpers import pdf_pages, pdf_text
from tests.ui.helpers import small_design

SHOTS = Path(__file__).resolve().parents[2] / "shots"


def _preview() -> ReportPreview | None:
    for widget in QApplication.topLevelWidgets():
        if isinstance(widget, ReportPreview) and widget.isVisible():
            return widget
    return None


def test_export_report_before_a_run_says_to_run_first(window, qtbot, monkeypatch) -> None:
    told: list[str] = []
    monkeypatch.setattr(report_export, "about", lambda _parent, _title, text: told.append(text))
    window.findChild(QAction, "actionExportReport").trigger()
    assert told and "Run the design first" in told[0]
    assert _preview() is None


def test_export_report_previews_the_pages_and_saves_a_pdf(window, qtbot, tmp_path) -> None:
    window.document.reset(small_design(rate_rps=150, duration_s=15))
    window.scenario_bar.set_speed(None)
    window.findChild(QAction, "actionRun").trigger()
    qtbot.waitUntil(lambda: window.runner.state == IDLE and window.runner._run is None,
                    timeout=30_000)
    action = window.findChild(QAction, "actionExportReport")
    assert action in window.file_menu.actions()
    app = QApplication.instance()
    light = app.palette()
    app.setPalette(dark_palette())  # a dark-themed app still prints dark ink on white
    try:
        action.trigger()
    finally:
        app.setPalette(light)
    preview = _preview()
    assert preview is not None
    pages = preview.findChildren(QLabel)
    shown = [label for label in pages if label.objectName().startswith("reportPage")]
    assert len(shown) >= 2 and not shown[0].pixmap().isNull()
    assert shown[0].pixmap().width() == 596  # A4 at the preview's 72 dpi
    page = shown[0].pixmap().toImage()
    pixels = [page.pixelColor(x, y).lightness() for y in range(0, page.height(), 5)
              for x in range(0, page.width(), 5)]
    assert sum(pixels) / len(pixels) > 215  # paper, not the dark theme's canvas
    SHOTS.mkdir(exist_ok=True)
    preview.grab().save(str(SHOTS / "report-preview.png"))
    size = preview.findChild(QComboBox, "reportPageSize")
    size.setCurrentText("Letter")
    qtbot.waitUntil(lambda: any(
        label.objectName() == "reportPage1" and label.pixmap().width() == 612
        for label in preview.findChildren(QLabel)), timeout=5000)
    target = preview._save("pdf", str(tmp_path / "small.pdf"))
    assert target is not None and pdf_pages(target) >= 2
    text = " ".join(pdf_text(target).split())
    assert "Small design" in text and "Results after the warm-up" in text
    summary = window.runner.last_summary
    assert f"{summary['end_to_end']['throughput_rps']:,.1f}" in text
    preview.close()
