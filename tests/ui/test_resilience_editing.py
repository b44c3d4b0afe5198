"""Editing the failure and resilience fields as a user: inspector sections and the Faults dock."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox, QDoubleSpinBox, QGroupBox, QLineEdit, QPushButton

from app.model.catalog import COMPONENT_TYPES
from app.model.document import Chaos, CircuitBreaker, FailureSpec, Fault
from app.model.fileformat import dumps, loads
from app.ui.document_parts import ADD_RUN_FAULTS_TEXT
from tests.ui.helpers import design_file

SHOTS = Path("/tmp/shots")


def _field(parent, name: str):
    widget = parent.findChild(QLineEdit, f"field_{name}") or parent.findChild(
        QComboBox, f"field_{name}")
    assert widget is not None, name
    return widget


def _section(parent, slug: str) -> QGroupBox:
    box = parent.findChild(QGroupBox, f"section_{slug}")
    assert box is not None, slug
    return box


def _type_into(qtbot, field: QLineEdit, text: str) -> None:
    field.setFocus()
    field.selectAll()
    qtbot.keyClick(field, Qt.Key.Key_Backspace)
    qtbot.keyClicks(field, text)
    qtbot.keyClick(field, Qt.Key.Key_Return)


def _select_link(window, key: tuple[str, str]) -> None:
    window.scene.clearSelection()
    window.scene.link_item(key).setSelected(True)


def _switch_on(qtbot, box: QGroupBox) -> None:
    """Click the section's check box, as a user does."""
    assert box.isCheckable() and not box.isChecked()
    box.setChecked(True)  # what a click on the title's check box does
    assert box.isChecked()


def test_failure_section_switches_on_edits_and_undoes(window, qtbot, tmp_path) -> None:
    window.load_file(design_file(tmp_path))
    doc = window.document
    window.scene.select_components(["web"])
    inspector = window.inspector
    box = _section(inspector, "failure")
    mtbf = _field(inspector, "failure.mtbf_s")
    assert not mtbf.isVisibleTo(inspector)  # off: collapsed to its title
    _switch_on(qtbot, box)
    assert mtbf.isVisibleTo(inspector)
    assert doc.model.component("web").failure is not None
    _type_into(qtbot, mtbf, "600")
    _type_into(qtbot, _field(inspector, "failure.mttr_s"), "30")
    assert doc.model.component("web").failure == FailureSpec(mtbf_s=600.0, mttr_s=30.0)
    assert doc.undo_stack.count() == 3  # switch on, MTBF, MTTR: one step each
    window.window_actions.undo.trigger()
    assert doc.model.component("web").failure.mttr_s == 60.0  # the starter value
    window.window_actions.undo.trigger()
    window.window_actions.undo.trigger()
    assert doc.model.component("web").failure is None
    assert not box.isChecked()
    window.window_actions.redo.trigger()
    window.window_actions.redo.trigger()
    window.window_actions.redo.trigger()
    assert doc.model.component("web").failure == FailureSpec(mtbf_s=600.0, mttr_s=30.0)
    assert box.isChecked() and mtbf.text() == "600"


def test_placeholders_show_the_resolved_defaults(window, qtbot, tmp_path) -> None:
    window.load_file(design_file(tmp_path))
    window.scene.select_components(["web"])
    inspector = window.inspector
    _switch_on(qtbot, _section(inspector, "autoscaling"))
    scaling = window.document.model.component("web").autoscaling
    assert scaling is not None and scaling.max == 4  # twice the 2 replicas
    assert _field(inspector, "autoscaling.target").placeholderText() == "0.7"
    assert _field(inspector, "autoscaling.cooldown_s").placeholderText() == "300"
    assert _field(inspector, "autoscaling.max").text() == "4"
    # Health checks are for balancers: the section is not offered on a web server...
    assert not _section(inspector, "health_check").isVisibleTo(inspector)
    window.scene.select_components(["lb"])
    box = _section(inspector, "health_check")
    assert box.isVisibleTo(inspector)  # ...but is on the load balancer
    _switch_on(qtbot, box)
    assert _field(inspector, "health_check.unhealthy_after").placeholderText() == "3"


def test_a_breaker_on_a_link_and_an_invalid_value_refused(window, qtbot, tmp_path) -> None:
    window.load_file(design_file(tmp_path))
    doc = window.document
    _select_link(window, ("web", "cache"))
    inspector = window.inspector
    _switch_on(qtbot, _section(inspector, "circuit_breaker"))
    rate = _field(inspector, "circuit_breaker.failure_rate")
    assert rate.placeholderText() == "0.5"
    _type_into(qtbot, rate, "0.25")
    link = doc.find_link(("web", "cache"))
    assert link.circuit_breaker == CircuitBreaker(failure_rate=0.25)
    steps = doc.undo_stack.count()
    _type_into(qtbot, rate, "1.5")
    message = inspector.link_editor.form.problem_label_of("Circuit breaker")
    assert message.isVisibleTo(inspector)
    assert "Failure rate: must be at most 1, got 1.5" in message.text()
    assert doc.find_link(("web", "cache")).circuit_breaker.failure_rate == 0.25
    assert doc.undo_stack.count() == steps
    # A rule across fields (min_calls above the window) is refused with the model's words.
    _type_into(qtbot, _field(inspector, "circuit_breaker.min_calls"), "50")
    assert "must not exceed window (20 by default)" in message.text()
    assert doc.find_link(("web", "cache")).circuit_breaker.min_calls is None


def test_backoff_jitter_combo_and_switching_off(window, qtbot, tmp_path) -> None:
    window.load_file(design_file(tmp_path))
    doc = window.document
    _select_link(window, ("lb", "web"))
    inspector = window.inspector
    box = _section(inspector, "backoff")
    _switch_on(qtbot, box)
    jitter = _field(inspector, "backoff.jitter")
    assert jitter.itemText(0) == "Default (none)"
    jitter.activated.emit(jitter.findText("full"))
    assert doc.find_link(("lb", "web")).backoff.jitter == "full"
    box.setChecked(False)
    assert doc.find_link(("lb", "web")).backoff is None
    doc.undo_stack.undo()
    assert doc.find_link(("lb", "web")).backoff.jitter == "full"


def test_a_type_change_drops_what_the_new_type_cannot_have(window, qtbot, tmp_path) -> None:
    window.load_file(design_file(tmp_path))
    doc = window.document
    window.scene.select_components(["lb"])
    _switch_on(qtbot, _section(window.inspector, "health_check"))
    _switch_on(qtbot, _section(window.inspector, "failure"))
    kind = _field(window.inspector, "type")
    index = kind.findText(COMPONENT_TYPES["web_server"].label)
    assert index > 0
    kind.activated.emit(index)
    lb = doc.model.component("lb")
    assert lb.type == "web_server" and lb.health_check is None and lb.failure is not None
    doc.undo_stack.undo()
    assert doc.model.component("lb").health_check is not None


def _faults_dock(window):
    window.faults_dock.show()
    window.faults_dock.raise_()
    return window.faults_editor


def test_faults_dock_adds_a_crash_undo_and_round_trip(window, qtbot, tmp_path) -> None:
    window.load_file(design_file(tmp_path))
    doc = window.document
    editor = _faults_dock(window)
    assert window.findChild(type(window.faults_dock), "faults") is window.faults_dock
    view_menu = next(a.menu() for a in window.menuBar().actions() if a.text() == "&View")
    assert window.faults_dock.toggleViewAction() in view_menu.actions()  # View ▸ Faults
    qtbot.mouseClick(editor.findChild(QPushButton, "faultAdd"), Qt.MouseButton.LeftButton)
    assert len(doc.model.faults) == 1
    target = editor.findChild(QComboBox, "fault_target_0")
    assert [target.itemData(i) for i in range(target.count())] == ["lb", "web", "cache", "db"]
    target.activated.emit(target.findData("db"))
    _type_into(qtbot, editor.findChild(QLineEdit, "fault_at_s_0"), "10")
    _type_into(qtbot, editor.findChild(QLineEdit, "fault_duration_s_0"), "5")
    assert doc.model.faults == [Fault(kind="crash", target="db", at_s=10.0, duration_s=5.0)]
    again = loads(dumps(doc.model))
    assert again.faults == doc.model.faults
    # A link fault offers the links; an invalid start is refused with the model's message.
    kind = editor.findChild(QComboBox, "fault_kind_0")
    kind.activated.emit(kind.findData("latency"))
    assert doc.model.faults[0].kind == "latency" and doc.model.faults[0].add_ms == 200.0
    assert editor.findChild(QComboBox, "fault_target_0").currentData() == "users->lb"
    at = editor.findChild(QLineEdit, "fault_at_s_0")
    _type_into(qtbot, at, "-3")
    assert "At: must be at least 0" in editor.problem.text() and editor.problem.isVisible()
    assert doc.model.faults[0].at_s == 10.0
    while doc.undo_stack.canUndo():
        doc.undo_stack.undo()
    assert doc.model.faults == []
    assert editor.table.rowCount() == 0


def test_chaos_level_edit_is_undoable(window, qtbot, tmp_path) -> None:
    window.load_file(design_file(tmp_path))
    doc = window.document
    editor = _faults_dock(window)
    level = editor.findChild(QDoubleSpinBox, "chaosLevel")
    assert level.text() == "off"
    level.setValue(0.05)
    assert doc.model.chaos == Chaos(level=0.05)
    _type_into(qtbot, editor.findChild(QLineEdit, "chaosMttr"), "20")
    assert doc.model.chaos == Chaos(level=0.05, mttr_s=20.0)
    doc.undo_stack.undo()
    doc.undo_stack.undo()
    assert doc.model.chaos is None and level.value() == 0.0


def test_add_scheduled_faults_is_one_undo_step(window, tmp_path) -> None:
    window.load_file(design_file(tmp_path))
    doc = window.document
    faults = [Fault("crash", "web", 3.0), Fault("slowdown", "db", 5.0, 10.0, factor=4.0)]
    doc.add_scheduled_faults(faults)
    assert doc.model.faults == faults
    assert doc.undo_stack.undoText() == ADD_RUN_FAULTS_TEXT
    assert window.faults_editor.table.rowCount() == 2
    doc.undo_stack.undo()
    assert doc.model.faults == []


def test_deleting_a_component_takes_its_faults_along(window, tmp_path) -> None:
    window.load_file(design_file(tmp_path))
    doc = window.document
    doc.add_scheduled_faults([Fault("crash", "cache", 3.0), Fault("partition", "web->cache", 1.0),
                              Fault("crash", "web", 2.0)])
    doc.delete_items(["cache"], [])  # with it go its links, web->cache among them
    assert doc.model.faults == [Fault("crash", "web", 2.0)]
    doc.undo_stack.undo()
    assert len(doc.model.faults) == 3


def test_screenshots_of_the_sections_and_the_faults_dock(window, qtbot, tmp_path) -> None:
    """All sections on, for a look (saved under /tmp/shots)."""
    window.load_file(design_file(tmp_path))
    SHOTS.mkdir(parents=True, exist_ok=True)
    inspector = window.inspector
    window.scene.select_components(["lb"])
    qtbot.wait(50)
    inspector.widget().grab().save(str(SHOTS / "guiedit-inspector-off.png"))
    for slug in ("failure", "error_rate", "rate_limit", "autoscaling", "health_check"):
        _switch_on(qtbot, _section(inspector, slug))
    _type_into(qtbot, _field(inspector, "autoscaling.max"), "0")  # refused: shows the message
    qtbot.wait(50)
    inspector.widget().grab().save(str(SHOTS / "guiedit-inspector-component.png"))
    _select_link(window, ("web", "cache"))
    for slug in ("backoff", "circuit_breaker"):
        _switch_on(qtbot, _section(inspector, slug))
    qtbot.wait(50)
    inspector.widget().grab().save(str(SHOTS / "guiedit-inspector-link.png"))
    editor = _faults_dock(window)
    window.document.add_scheduled_faults([
        Fault("crash", "web", 10.0, 5.0, replicas=1), Fault("slowdown", "db", 20.0, factor=3.0),
        Fault("latency", "web->cache", 5.0, 30.0, add_ms=150.0),
        Fault("partition", "lb->web", 40.0, 2.0)])
    window.faults_dock.setFloating(True)
    window.faults_dock.resize(760, 280)
    qtbot.wait(50)
    editor.grab().save(str(SHOTS / "guiedit-faults.png"))
    assert (SHOTS / "guiedit-faults.png").stat().st_size > 0
