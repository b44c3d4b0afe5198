"""Rough edges of the first run, driven like a user: keys, clicks, the toolbar, the inspector."""

from __future__ import annotations

import dataclasses
from itertools import combinations

from PySide6.QtCore import QPoint, QRect, Qt
from PySide6.QtGui import QAction, QImage
from PySide6.QtWidgets import QApplication, QTabBar, QToolBar, QToolButton

from app.model.document import Component, Document, Link, Workload
from app.ui.canvas.node_item import compact_number
from app.ui.results import NO_RUN_TEXT, WARMUP_STOP_TEXT, ResultsPanel
from app.ui.run_controller import IDLE, RUNNING
from app.ui.template_gallery import BLANK
from tests.ui.helpers import design_file, small_design


def _action(window, name: str) -> QAction:
    action = window.findChild(QAction, name)
    assert action is not None, name
    return action


def _wait_idle(window, qtbot, timeout: int = 30_000) -> None:
    qtbot.waitUntil(lambda: window.runner.state == IDLE and window.runner._run is None,
                    timeout=timeout)


def _in_front(dock) -> bool:
    """A dock the user can see: shown, and not a tab behind another dock."""
    return dock.isVisible() and not dock.visibleRegion().isEmpty()


def _current_tab(window) -> str:
    # The bottom docks' tab bar: the one holding Charts (a QTabWidget inside a dock, e.g.
    # the Alerts dock's, is not it; nor is the Inspector/Analysis bar on the right).
    bars = [bar for bar in window.findChildren(QTabBar)
            if bar.count() > 1 and bar.objectName() != "qt_tabwidget_tabbar"
            and "Charts" in [bar.tabText(i) for i in range(bar.count())]]
    assert len(bars) == 1
    return bars[0].tabText(bars[0].currentIndex())


def _run_to_the_end(window, qtbot, doc: Document) -> None:
    window.document.reset(doc)
    window.scenario_bar.set_speed(None)
    qtbot.keyClick(window, Qt.Key.Key_F5)
    assert window.runner.state == RUNNING
    _wait_idle(window, qtbot)


# -- Run brings the live charts to the front -----------------------------------------------------


def test_f5_brings_the_charts_tab_in_front_of_the_last_results(window, qtbot) -> None:
    _run_to_the_end(window, qtbot, small_design(rate_rps=100, duration_s=5))
    # The finished run put its table in front of the charts.
    assert _in_front(window.results_dock) and not _in_front(window.charts_dock)
    assert _current_tab(window) == "Results"
    window.scenario_bar.set_speed(5.0)  # slow enough to look at the charts while it runs
    qtbot.keyClick(window, Qt.Key.Key_F5)
    assert window.runner.state == RUNNING
    # In the turn after Run's own work (one stall less: issue #14).
    qtbot.waitUntil(lambda: _current_tab(window) == "Charts")
    assert _in_front(window.charts_dock) and not _in_front(window.results_dock)
    qtbot.keyClick(window, Qt.Key.Key_F5, Qt.KeyboardModifier.ShiftModifier)  # Stop
    _wait_idle(window, qtbot)
    assert _current_tab(window) == "Results"


def test_toolbar_run_button_brings_back_a_closed_charts_dock(window, qtbot) -> None:
    window.document.reset(small_design(rate_rps=100, duration_s=600))
    window.charts_dock.close()
    assert not window.charts_dock.isVisible()
    window.scenario_bar.set_speed(5.0)
    run_button = window.main_bar.widgetForAction(_action(window, "actionRun"))
    qtbot.mouseClick(run_button, Qt.MouseButton.LeftButton)
    assert window.runner.state == RUNNING
    qtbot.waitUntil(lambda: _in_front(window.charts_dock))
    window.runner.stop()
    _wait_idle(window, qtbot)


# -- The toolbars fit a 1366x768 screen ----------------------------------------------------------


def test_every_toolbar_item_is_visible_at_1366_by_768(window, qtbot, tmp_path) -> None:
    window.showNormal()
    window.resize(1366, 768)
    qtbot.waitUntil(lambda: window.width() == 1366)
    QApplication.processEvents()
    bars = window.findChildren(QToolBar)
    assert {bar.objectName() for bar in bars} >= {"mainToolBar", "scenarioBar"}
    for bar in bars:
        if not bar.isVisible():
            continue
        assert window.rect().contains(bar.geometry()), bar.objectName()
        # Qt moves what does not fit into a menu behind the ">>" extension button.
        extension = bar.findChild(QToolButton, "qt_toolbar_ext_button")
        assert extension is None or not extension.isVisible(), bar.objectName()
        inside = QRect(QPoint(0, 0), bar.size())
        for action in bar.actions():
            widget = bar.widgetForAction(action)
            if widget is None or action.isSeparator():
                continue
            assert widget.isVisible(), action.objectName() or action.text()
            assert inside.contains(widget.geometry()), action.objectName() or action.text()
    # The two bars sit side by side on one row without overlapping.
    main, scenario = window.main_bar, window.scenario_bar
    assert not main.geometry().intersects(scenario.geometry())
    window.grab().save(str(tmp_path / "window-1366.png"))  # looked at while developing


def test_icon_only_toolbar_buttons_still_say_what_they_do(window) -> None:
    for name in ("actionNew", "actionOpen", "actionSave", "actionUndo", "actionRedo"):
        button = window.main_bar.widgetForAction(_action(window, name))
        assert isinstance(button, QToolButton)
        assert button.toolButtonStyle() == Qt.ToolButtonStyle.ToolButtonIconOnly
        assert button.toolTip().strip(), name
    run = window.main_bar.widgetForAction(_action(window, "actionRun"))
    assert run.toolButtonStyle() == Qt.ToolButtonStyle.ToolButtonTextBesideIcon


# -- Inspector fields look locked during a run ---------------------------------------------------


def _mean_color(image: QImage) -> tuple[float, float, float]:
    w, h = image.width(), image.height()
    pixels = [image.pixelColor(x, y) for x in range(2, w - 2, 3) for y in range(2, h - 2, 3)]
    n = len(pixels)
    return (sum(p.red() for p in pixels) / n, sum(p.green() for p in pixels) / n,
            sum(p.blue() for p in pixels) / n)


def test_inspector_fields_look_locked_during_a_run_and_edit_again_after(window, qtbot) -> None:
    window.document.reset(small_design(rate_rps=100, duration_s=600))
    window.scene.select_components(["web"])
    field = window.inspector.component_editor.form.fields["replicas"]
    name = window.inspector.component_editor.form.fields["name"]
    banner = window.inspector.locked_banner
    assert field.isEnabled() and not banner.isVisible()
    editable_look = field.grab().toImage()
    window.scenario_bar.set_speed(5.0)
    qtbot.keyClick(window, Qt.Key.Key_F5)
    assert window.runner.state == RUNNING
    # Greyed, not merely ignoring keys: the field is drawn differently and a banner says why.
    assert not field.isEnabled() and field.isReadOnly()
    assert not name.isEnabled()
    assert banner.isVisible() and "read-only" in banner.text()
    locked_look = field.grab().toImage()
    assert _mean_color(locked_look) != _mean_color(editable_look)
    qtbot.mouseClick(field, Qt.MouseButton.LeftButton)
    qtbot.keyClicks(field, "7")
    qtbot.keyClick(field, Qt.Key.Key_Return)
    assert window.document.model.component("web").replicas == 2
    # The design page (nothing selected) is locked too.
    window.scene.clearSelection()
    assert not window.inspector.design_editor.name.isEnabled()
    window.scene.select_components(["web"])
    qtbot.keyClick(window, Qt.Key.Key_F5, Qt.KeyboardModifier.ShiftModifier)  # Stop
    _wait_idle(window, qtbot)
    assert field.isEnabled() and not field.isReadOnly() and not banner.isVisible()
    field.setFocus()
    field.selectAll()
    qtbot.keyClicks(field, "4")
    qtbot.keyClick(field, Qt.Key.Key_Return)
    assert window.document.model.component("web").replicas == 4


# -- File ▸ New forgets the last run -------------------------------------------------------------


def test_new_clears_the_previous_runs_results(window, qtbot) -> None:
    _run_to_the_end(window, qtbot, small_design(rate_rps=100, duration_s=5))
    assert window.results.table.rowCount() == 5
    assert len(window.charts.curve_data("throughput")[0]) == 5
    assert window.scene.node_item("web").live_text is not None
    assert _action(window, "actionExportCsv").isEnabled()
    window.files.ask_template = lambda: BLANK  # the gallery's answer: a blank design
    qtbot.keyClick(window, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    assert window.document.model.components == []
    assert window.results.table.rowCount() == 0
    assert window.results.caption.text() == NO_RUN_TEXT
    assert len(window.charts.curve_data("throughput")[0]) == 0
    assert len(window.charts.curve_data("p95")[0]) == 0
    assert window.runner.snapshots == [] and window.runner.last_summary is None
    assert not _action(window, "actionExportCsv").isEnabled()
    assert window.export_csv() is None


def test_opening_another_design_drops_the_load_colours(window, qtbot, tmp_path) -> None:
    _run_to_the_end(window, qtbot, small_design(rate_rps=100, duration_s=5))
    path = design_file(tmp_path)
    window.files.ask_open_path = lambda: path
    qtbot.keyClick(window, Qt.Key.Key_O, Qt.KeyboardModifier.ControlModifier)
    assert window.document.path == path.resolve()
    assert all(node.live_text is None for node in window.scene.node_items())
    assert all(link.label_text is None or "/s" not in link.label_text
               for link in window.scene.link_items())
    assert window.results.table.rowCount() == 0


# -- After a run the canvas (and the PNG) shows the run's summary --------------------------------


def _stepped_design() -> Document:
    """Load steps from 50 to 400 req/s near the end: the last window is far from the mean."""
    doc = small_design(rate_rps=50, duration_s=20)
    users = doc.component("users")
    users.workload = Workload("step", rate_rps=50.0, step_rps=400.0, at_s=16.0)
    doc.simulation = dataclasses.replace(doc.simulation, warmup_s=2.0)
    return doc


def test_after_a_run_the_canvas_and_png_show_the_summary_not_the_last_window(
    window, qtbot, tmp_path
) -> None:
    _run_to_the_end(window, qtbot, _stepped_design())
    summary = window.runner.last_summary
    assert summary is not None
    web = summary["components"]["web"]
    last = window.runner.snapshots[-1].components["web"]
    summary_rps, last_rps = compact_number(web["throughput_rps"]), compact_number(
        last.throughput_rps)
    assert summary_rps != last_rps  # the step makes them differ (~130 vs ~400 req/s)
    text = window.scene.node_item("web").live_text
    assert text is not None
    assert f"{web['utilization']:.0%} · {summary_rps} rps" in text
    users = window.scene.node_item("users").live_text
    e2e = summary["end_to_end"]
    assert users == (f"{compact_number(e2e['throughput_rps'])} rps · "
                     f"p95 {e2e['latency_ms']['p95']:.0f} ms")
    link = window.scene.link_item(("lb", "web")).label_text
    calls = summary["links"]["lb->web"]["calls_rps"]
    assert link is not None and f"{compact_number(calls)}/s" in link
    png = window.export_png(tmp_path / "design.png")
    assert png is not None
    # The exported image is the canvas as it is now, with a caption band under it
    # saying that these are the run's summary figures.
    from app.ui.canvas.export import render_scene

    exported = QImage(str(png)).convertToFormat(QImage.Format.Format_ARGB32)
    diagram = render_scene(window.scene).convertToFormat(QImage.Format.Format_ARGB32)
    assert exported.width() == diagram.width() and exported.height() > diagram.height() + 20
    assert exported.copy(0, 0, diagram.width(), diagram.height()) == diagram
    band = exported.copy(0, diagram.height() + 4, exported.width(),
                         exported.height() - diagram.height() - 8)
    assert len({band.pixel(x, y) for x in range(0, band.width(), 2)
                for y in range(band.height())}) > 2  # text, not an empty strip
    # Before any run (or after New), the PNG is the diagram alone.
    window.files.ask_template = lambda: BLANK
    qtbot.keyClick(window, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    window.document.reset(small_design())
    plain = window.export_png(tmp_path / "plain.png")
    assert plain is not None
    assert QImage(str(plain)).height() == render_scene(window.scene).height()


def test_summary_without_latencies_shows_dashes_on_the_canvas(window) -> None:
    window.document.reset(small_design())
    summary = {
        "end_to_end": {"throughput_rps": 0.0, "latency_ms": {"p95": None, "mean": None}},
        "components": {"web": {"utilization": 0.0, "throughput_rps": 0.0,
                               "mean_queue_length": 0.0, "arrival_rate_rps": 0.0,
                               "latency_ms": {"p95": None}}},
    }
    window.scene.set_summary(summary)
    assert window.scene.node_item("users").live_text == "0.0 rps · p95 —"
    assert window.scene.node_item("web").live_text == "0% · 0.0 rps · q 0.0"


# -- A run stopped during warm-up ----------------------------------------------------------------


def _summary(**extra: object) -> dict:
    base: dict = {
        "simulated_s": 3.0, "warmup_s": 10.0, "seed": 7, "wall_s": 0.1,
        "end_to_end": {"requests": 0, "completed": 0, "failed": 0, "rejected": 0,
                       "timed_out": 0, "error_rate": 0.0, "throughput_rps": 0.0,
                       "latency_ms": {"mean": None, "mean_ci95": None, "p50": None,
                                      "p95": None, "p99": None, "max": None}},
        "components": {"web": {"arrivals": 0, "completed": 0, "rejected": 0, "timed_out": 0,
                               "failed": 0, "throughput_rps": 0.0, "utilization": None,
                               "mean_queue_length": 0.0,
                               "latency_ms": {"mean": None, "p50": None, "p95": None,
                                              "p99": None, "max": None}}},
    }
    base.update(extra)
    return base


def test_a_run_stopped_during_warmup_says_so_instead_of_zeros(qtbot) -> None:
    panel = ResultsPanel()
    qtbot.addWidget(panel)
    panel.show_summary(_summary(stopped_during_warmup=True), {"web": "Web"}, stopped=True)
    assert WARMUP_STOP_TEXT == "stopped during warm-up: no statistics yet"
    assert WARMUP_STOP_TEXT in panel.caption.text()
    assert "3 s simulated of a 10 s warm-up" in panel.caption.text()
    assert panel.table.rowCount() == 0  # no table of zeros


def test_missing_warmup_flag_means_a_normal_summary_with_dashes_for_no_latency(qtbot) -> None:
    panel = ResultsPanel()
    qtbot.addWidget(panel)
    panel.show_summary(_summary(), {"web": "Web"}, stopped=True)
    assert WARMUP_STOP_TEXT not in panel.caption.text()
    assert panel.caption.text().startswith("Stopped early")
    assert panel.table.rowCount() == 2
    header = [panel.table.horizontalHeaderItem(c).text()
              for c in range(panel.table.columnCount())]
    for row in range(2):
        for column in ("Mean latency (ms)", "95 % CI (ms)", "p50", "p95", "p99", "Max"):
            assert panel.table.item(row, header.index(column)).text() == "—"
    assert panel.table.item(1, header.index("Utilization")).text() == "—"
    panel.show_summary(_summary(stopped_during_warmup=False), {"web": "Web"})
    assert panel.table.rowCount() == 2 and panel.caption.text().startswith("Finished")


def test_a_real_run_stopped_in_warmup_says_so_once_the_engine_flags_it(window, qtbot) -> None:
    doc = small_design(rate_rps=100, duration_s=600)
    doc.simulation = dataclasses.replace(doc.simulation, warmup_s=500.0)
    window.document.reset(doc)
    window.scenario_bar.set_speed(10.0)
    qtbot.keyClick(window, Qt.Key.Key_F5)
    qtbot.waitUntil(lambda: window.charts.sample_count >= 1, timeout=10_000)
    qtbot.keyClick(window, Qt.Key.Key_F5, Qt.KeyboardModifier.ShiftModifier)
    _wait_idle(window, qtbot)
    summary = window.runner.last_summary
    assert summary is not None and summary["simulated_s"] < 500
    caption = window.results.caption.text()
    if summary.get("stopped_during_warmup", False):
        assert WARMUP_STOP_TEXT in caption and window.results.table.rowCount() == 0
        assert all(node.live_text is None for node in window.scene.node_items())
    else:  # an engine without the flag: the old, honest-enough stop message
        assert caption.startswith("Stopped early")


# -- Template previews are readable --------------------------------------------------------------


def _contrast(a, b) -> float:
    """WCAG contrast ratio of two colours."""
    def luminance(c) -> float:
        def channel(v: float) -> float:
            v /= 255
            return v / 12.92 if v <= 0.03928 else ((v + 0.055) / 1.055) ** 2.4
        return 0.2126 * channel(c.red()) + 0.7152 * channel(c.green()) + 0.0722 * channel(
            c.blue())
    hi, lo = sorted((luminance(a), luminance(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def test_template_previews_show_every_name_readably() -> None:
    from app.model.templates import list_architecture_templates, load_architecture_template
    from app.ui.canvas.preview import PREVIEW_FONT_PX, preview_layout
    from app.ui.template_gallery import PREVIEW_SIZE

    image_rect = QRect(QPoint(0, 0), PREVIEW_SIZE)
    for info in list_architecture_templates():
        model = load_architecture_template(info.key)
        layout = preview_layout(model, PREVIEW_SIZE)
        assert layout.font.pixelSize() >= PREVIEW_FONT_PX >= 10
        cards = list(layout.cards.values())
        assert len(cards) == len(model.components)
        for comp in model.components:
            card = layout.cards[comp.id]
            assert image_rect.toRectF().contains(card), info.key
            # Not squashed: a card is a card (about 1:1 to 2:1), big enough for its text.
            assert card.width() >= 50 and card.height() >= 40, (info.key, card)
            assert 0.7 <= card.width() / card.height() <= 2.2, (info.key, card)
            assert " ".join(layout.names[comp.id]) == comp.display_name, (info.key, comp.id)
        for a, b in combinations(cards, 2):
            assert not a.intersects(b), info.key
        # The drawing fills the thumbnail rather than a strip across its middle.
        width = max(c.right() for c in cards) - min(c.left() for c in cards)
        assert width >= 0.8 * PREVIEW_SIZE.width(), info.key


def test_preview_text_has_the_canvas_contrast_in_light_and_dark() -> None:
    from app.ui.theme import CanvasColors, dark_palette

    app = QApplication.instance()
    for palette in (app.style().standardPalette(), dark_palette()):
        colors = CanvasColors.from_palette(palette)
        assert _contrast(colors.node_text, colors.node_fill) >= 4.5


def test_ctrl_n_shows_the_gallery_with_full_size_previews(window, qtbot) -> None:
    from PySide6.QtCore import QTimer

    from app.ui.template_gallery import PREVIEW_SIZE, TemplateGallery

    seen: dict[str, object] = {}

    def answer() -> None:
        gallery = QApplication.activeModalWidget()
        assert isinstance(gallery, TemplateGallery)
        seen["size"] = gallery.list.iconSize()
        pixmap = gallery.list.item(1).icon().pixmap(PREVIEW_SIZE)
        seen["pixmap"] = pixmap.size()
        gallery.select("three_tier_web_app")
        qtbot.keyClick(gallery.list, Qt.Key.Key_Return)

    QTimer.singleShot(0, answer)
    qtbot.keyClick(window, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    assert seen["size"] == PREVIEW_SIZE and seen["pixmap"] == PREVIEW_SIZE
    assert window.document.model.name == "Three-tier web app"


# -- Hostile values: odd summaries and names never break the panels ------------------------------


def test_odd_summary_values_show_dashes_never_raise(window, qtbot) -> None:
    nan, inf = float("nan"), float("inf")
    odd = {
        "simulated_s": 5.0, "warmup_s": 1.0, "seed": 1, "wall_s": 0.0,
        "end_to_end": {"requests": None, "error_rate": nan, "throughput_rps": inf,
                       "latency_ms": None},
        "components": {
            "web": {"utilization": nan, "throughput_rps": "fast", "mean_queue_length": None,
                    "arrival_rate_rps": -inf, "latency_ms": {"mean_ci95": [None, 3.0]}},
            "ghost": {},  # a component the design does not have
        },
    }
    panel = ResultsPanel()
    qtbot.addWidget(panel)
    panel.show_summary(odd, {})
    assert panel.table.rowCount() == 3
    texts = [panel.table.item(r, c).text() for r in range(3) for c in range(3, 16)]
    assert "nan" not in " ".join(texts).lower()
    window.document.reset(small_design())
    window.scene.set_summary(odd)
    assert window.scene.node_item("web").live_text == "0% · 0.0 rps · q 0.0"
    assert window.scene.node_item("users").live_text == "0.0 rps · p95 —"
    window.scene.set_summary({})  # nothing at all: no figures, no error
    assert window.scene.node_item("web").live_text is None


def test_previews_bound_long_and_markup_names() -> None:
    from app.ui.canvas.preview import preview_image, preview_layout
    from app.ui.template_gallery import PREVIEW_SIZE

    long_name = "x" * 5000
    doc = Document(components=[
        Component("a", "client", name="<img src='/dev/zero'> <b>bold</b>", position=(0.0, 0.0)),
        Component("b", "web_server", name=long_name, position=(200.0, 0.0)),
        Component("c", "database", name="word " * 400, position=(400.0, 0.0)),
    ], links=[Link("a", "b"), Link("b", "c")])
    layout = preview_layout(doc, PREVIEW_SIZE)
    for cid, card in layout.cards.items():
        assert 1 <= len(layout.names[cid]) <= 2
        assert all(len(line) < 40 for line in layout.names[cid]), cid
        assert card.width() <= 120
    assert layout.names["a"][0].startswith("<img")  # shown as the text it is
    assert layout.names["b"][0].endswith("…")
    image = preview_image(doc, PREVIEW_SIZE)
    assert image.size() == PREVIEW_SIZE
