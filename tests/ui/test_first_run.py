"""A newcomer's first run, as a user walks it: welcome → the bottleneck sample → tour →
Run (F5) → the bottleneck on the canvas, in the summary and in the Analysis dock →
File ▸ Export Report… → a PDF that names the bottleneck.

Each test starts with a fresh data folder (tests/conftest.py), which is a first start.
Screenshots go to the worktree's shots/ folder (never committed).
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QApplication, QLabel, QWidget

from app.ui.report_export import ReportPreview
from app.ui.run_controller import IDLE
from app.ui.settings import KEY_TOUR_DONE, KEY_WELCOME_SEEN, app_settings, read_flag
from app.ui.welcome import should_show_welcome, start_first_run
from app.ui.welcome.page import SAMPLE_KEY, WelcomePage
from tests.reports.helpers import pdf_text

SHOTS = Path(__file__).resolve().parents[2] / "shots"


def shoot(widget: QWidget, name: str) -> None:
    """Save ``widget`` as shots/<name>.png (looked at by hand)."""
    SHOTS.mkdir(exist_ok=True)
    assert widget.grab().save(str(SHOTS / f"{name}.png"))


def open_welcome(window, qtbot) -> WelcomePage:
    assert should_show_welcome()  # a fresh data folder is a first start
    assert start_first_run(window)
    qtbot.waitUntil(lambda: window.first_run.page is not None
                    and window.first_run.page.isVisible())
    page = window.first_run.page
    assert isinstance(page, WelcomePage)
    return page


def test_first_run_welcome_sample_tour_run_shows_the_bottleneck(  # type: ignore[no-untyped-def]
        window, qtbot, tmp_path) -> None:
    page = open_welcome(window, qtbot)
    keys = page.keys()
    assert SAMPLE_KEY in keys and "three_tier_web_app" in keys and len(keys) >= 9
    # It fits a 1366×768 laptop (less a title bar), and nothing overlaps at that size.
    hint = page.minimumSizeHint()
    assert hint.width() <= 1366 and hint.height() <= 730, hint
    page.resize(hint.width(), 730)
    qtbot.waitUntil(lambda: page.height() == 730)
    assert not page.description.geometry().intersects(page.list.geometry())
    assert page.description.height() >= 3 * page.description.fontMetrics().lineSpacing()
    shoot(page, "first-run-welcome")
    qtbot.mouseClick(page.sample_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.first_run.page is None)
    assert window.document.model.name == "Bottleneck: a busy database"
    assert read_flag(app_settings(), KEY_WELCOME_SEEN)

    # The tour follows the first welcome, on the window's real widgets.
    qtbot.waitUntil(lambda: window.first_run.tour is not None)
    tour = window.first_run.tour
    run_button = window.main_bar.widgetForAction(window.window_actions.run)
    expected = [window.palette_dock, window.view, run_button, window.charts_dock]
    for step, target in enumerate(expected):
        assert tour.current_target is target
        assert tour.card.isVisible() and window.rect().contains(tour.card.geometry())
        # The card does not cover what it points at.
        outlined = tour.outline.geometry()
        assert not tour.card.geometry().intersects(outlined.adjusted(4, 4, -4, -4)), step
        if step in (0, 2):
            shoot(window, f"first-run-tour-{step + 1}")
        assert tour.next_button.text() == ("Done" if step == 3 else "Next")
        qtbot.mouseClick(tour.next_button, Qt.MouseButton.LeftButton)
    assert window.first_run.tour is None and not tour.card.isVisible()
    assert read_flag(app_settings(), KEY_TOUR_DONE)

    # Run (F5), as fast as possible.
    window.scenario_bar.set_speed(None)
    window.activateWindow()  # back from the window-modal welcome page
    qtbot.waitUntil(window.isActiveWindow)
    qtbot.keyClick(window.view, Qt.Key.Key_F5)
    assert window.runner.state != IDLE, "F5 did not start the run"
    qtbot.waitUntil(lambda: window.runner.state == IDLE and window.runner._run is None,
                    timeout=120_000)
    summary = window.runner.last_summary
    assert summary is not None and not summary.get("stop_reason")
    comps = summary["components"]
    # One tier ~90 % busy with a queue and a high p99; the others nearly idle.
    assert 0.85 <= comps["db"]["utilization"] <= 0.95
    assert comps["db"]["mean_queue_length"] > 2.0
    assert comps["lb"]["utilization"] < 0.1 and comps["api"]["utilization"] < 0.1
    assert comps["db"]["latency_ms"]["p99"] > 3 * comps["api"]["latency_ms"]["p99"]
    assert summary["analytic"]["bottleneck"] == "db"
    assert summary["analytic"]["saturates_first"] == "db"
    # What the user sees: the node's figures, the Analysis dock's headline.
    live = window.scene.node_item("db").live_text or ""
    assert live.split("%")[0].isdigit() and 85 <= int(live.split("%")[0]) <= 95, live
    headline = window.analysis_panel.headline.text()
    assert "bottleneck Orders database" in headline, headline
    window.analysis_dock.raise_()
    shoot(window, "first-run-after-run")

    # File ▸ Export Report…: the preview shows the pages; the saved PDF names the bottleneck.
    export = window.findChild(QAction, "actionExportReport")
    assert export in window.file_menu.actions() and export.isEnabled()
    export.trigger()
    previews = [w for w in QApplication.topLevelWidgets()
                if isinstance(w, ReportPreview) and w.isVisible()]
    assert len(previews) == 1
    preview = previews[0]
    pages = [label for label in preview.findChildren(QLabel)
             if label.objectName().startswith("reportPage")]
    assert len(pages) >= 2 and not pages[0].pixmap().isNull()
    shoot(preview, "first-run-report-preview")
    target = preview._save("pdf", str(tmp_path / "first-report.pdf"))
    assert target is not None
    text = " ".join(pdf_text(target).split())
    # The queueing-model section names the bottleneck (the title says "Bottleneck" too,
    # so the check is on the model's own line).
    assert "Bottleneck (highest utilisation): db" in text, text[-1500:]
    assert "db saturates first" in text
    preview.close()

    # The next start shows neither the welcome page nor the tour.
    assert not should_show_welcome()
    assert not start_first_run(window)


def test_skipping_the_tour_is_remembered_and_help_replays_it(window, qtbot) -> None:
    tour = window.first_run.start_tour()
    assert tour.current_target is window.palette_dock
    qtbot.mouseClick(tour.skip_button, Qt.MouseButton.LeftButton)
    assert window.first_run.tour is None and read_flag(app_settings(), KEY_TOUR_DONE)
    window.findChild(type(window.window_actions.run), "actionTour").trigger()
    assert window.first_run.tour is not None
    assert window.first_run.tour.current_target is window.palette_dock


def test_welcome_from_help_menu_creates_the_chosen_template_and_keeps_at_start(
        window, qtbot) -> None:
    app_settings().setValue(KEY_TOUR_DONE, True)
    help_menu = window.help_menu
    texts = [a.text() for a in help_menu.actions()]
    assert texts[:3] == ["&Welcome", "&Tour of the Window", "&User Guide"]
    window.first_run.welcome_action.trigger()
    page = window.first_run.page
    assert page is not None and page.isVisible()
    page.select("three_tier_web_app")
    page.at_start.setChecked(True)
    qtbot.keyClick(page.list, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: window.first_run.page is None)
    assert window.document.model.name == "Three-tier web app"
    assert window.first_run.tour is None  # done already: not forced again
    assert should_show_welcome()  # "show at every start" was ticked


def test_welcome_close_changes_nothing(window, qtbot) -> None:
    before = window.document.model
    page = open_welcome(window, qtbot)
    qtbot.keyClick(page, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: window.first_run.page is None)
    assert window.document.model is before
    assert not should_show_welcome()
