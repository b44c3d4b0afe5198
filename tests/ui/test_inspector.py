"""The inspector: typed edits are validated as typed, committed once, and undoable."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox, QLineEdit

from tests.ui.helpers import design_file


def _field(window, name: str):
    widget = (window.inspector.findChild(QLineEdit, f"field_{name}")
              or window.inspector.findChild(QComboBox, f"field_{name}"))
    assert widget is not None, name
    return widget


def _type_into(qtbot, field: QLineEdit, text: str) -> None:
    field.setFocus()
    field.selectAll()
    qtbot.keyClick(field, Qt.Key.Key_Backspace)
    qtbot.keyClicks(field, text)
    qtbot.keyClick(field, Qt.Key.Key_Return)


def test_selecting_shows_the_component_with_effective_values(window, tmp_path) -> None:
    window.load_file(design_file(tmp_path))
    window.scene.select_components(["db"])
    concurrency = _field(window, "concurrency")
    assert concurrency.text() == ""  # not given in the file...
    assert concurrency.placeholderText() == "15"  # ...so the profile's value shows greyed
    assert _field(window, "replicas").placeholderText() == "1"
    assert _field(window, "service_time.mean_ms").placeholderText() == "3"
    assert not _field(window, "workload.rate_rps").isVisibleTo(window.inspector)


def test_a_typed_edit_is_one_undoable_command(window, qtbot, tmp_path) -> None:
    window.load_file(design_file(tmp_path))
    window.scene.select_components(["web"])
    replicas = _field(window, "replicas")
    _type_into(qtbot, replicas, "4")
    doc = window.document
    assert doc.model.component("web").replicas == 4
    assert doc.undo_stack.count() == 1
    assert window.scene.node_item("web").isVisible()
    doc.undo_stack.undo()
    assert doc.model.component("web").replicas == 2
    assert replicas.text() == "2"  # the inspector follows the model
    doc.undo_stack.redo()
    assert replicas.text() == "4"


def test_invalid_text_is_flagged_while_typing_and_never_committed(window, qtbot, tmp_path) -> None:
    window.load_file(design_file(tmp_path))
    window.scene.select_components(["web"])
    replicas = _field(window, "replicas")
    replicas.setFocus()
    replicas.selectAll()
    qtbot.keyClicks(replicas, "2.5")
    assert replicas.problem is not None and "whole number" in replicas.problem
    problem_label = window.inspector.component_editor.form.problem_label
    assert problem_label.isVisibleTo(window.inspector)
    qtbot.keyClick(replicas, Qt.Key.Key_Return)
    replicas.selectAll()
    qtbot.keyClicks(replicas, "0")  # a whole number, but the model's minimum is 1
    assert replicas.problem is not None and "at least 1" in replicas.problem
    qtbot.keyClick(replicas, Qt.Key.Key_Return)
    assert window.document.undo_stack.count() == 0
    assert window.document.model.component("web").replicas == 2


def test_clearing_a_field_returns_to_the_profile_value(window, qtbot, tmp_path) -> None:
    window.load_file(design_file(tmp_path))
    window.scene.select_components(["web"])
    _type_into(qtbot, _field(window, "replicas"), "")
    assert window.document.model.component("web").replicas is None


def test_nested_fields_and_choices(window, qtbot, tmp_path) -> None:
    window.load_file(design_file(tmp_path))
    window.scene.select_components(["web"])
    _type_into(qtbot, _field(window, "specs.cpu_cores"), "8")
    assert window.document.model.component("web").specs.cpu_cores == 8
    _type_into(qtbot, _field(window, "queue_capacity"), "unbounded")
    assert window.document.model.component("web").queue_capacity == "unbounded"
    dist = _field(window, "service_time.distribution")
    dist.setCurrentIndex(dist.findText("uniform"))
    dist.activated.emit(dist.currentIndex())
    comp = window.document.model.component("web")
    assert comp.service_time is not None and comp.service_time.distribution == "uniform"
    assert _field(window, "service_time.max_ms").isVisibleTo(window.inspector)
    assert window.document.undo_stack.count() == 3


def test_client_workload_fields_follow_the_pattern(window, qtbot, tmp_path) -> None:
    window.load_file(design_file(tmp_path))
    window.scene.select_components(["users"])
    assert _field(window, "workload.rate_rps").text() == "200"
    assert not _field(window, "replicas").isVisibleTo(window.inspector)
    pattern = _field(window, "workload.pattern")
    pattern.setCurrentIndex(pattern.findText("ramp"))
    pattern.activated.emit(pattern.currentIndex())
    assert window.document.model.component("users").workload.pattern == "ramp"
    assert _field(window, "workload.to_rps").isVisibleTo(window.inspector)
    _type_into(qtbot, _field(window, "workload.to_rps"), "900")
    assert window.document.model.component("users").workload.to_rps == 900


def test_link_inspector_edits_the_selected_link(window, qtbot, tmp_path) -> None:
    window.load_file(design_file(tmp_path))
    window.scene.clearSelection()
    window.scene.link_item(("web", "cache")).setSelected(True)
    assert window.inspector.link_editor.link_key == ("web", "cache")
    probability = _field(window, "probability")
    _type_into(qtbot, probability, "1.5")
    assert probability.problem is not None and "between 0 and 1" in probability.problem
    _type_into(qtbot, probability, "0.3")
    assert window.document.find_link(("web", "cache")).probability == 0.3
    assert "p 0.3" in window.scene.link_item(("web", "cache")).label_text
    mode = _field(window, "mode")
    mode.setCurrentIndex(mode.findText("async"))
    mode.activated.emit(mode.currentIndex())
    assert window.document.find_link(("web", "cache")).mode == "async"
    assert window.document.undo_stack.count() == 2


def test_design_name_edit_is_undoable_and_shown_in_the_title(window, qtbot) -> None:
    name = window.inspector.design_editor.name
    name.setFocus()
    name.selectAll()
    qtbot.keyClicks(name, "Checkout")
    qtbot.keyClick(name, Qt.Key.Key_Return)
    assert window.document.model.name == "Checkout"
    assert "Checkout" in window.windowTitle() and window.isWindowModified()
    window.document.undo_stack.undo()
    assert window.document.model.name == "Untitled" and not window.isWindowModified()


def test_changing_the_type_resets_the_profile_and_adds_a_workload(window, tmp_path) -> None:
    window.load_file(design_file(tmp_path))
    window.scene.select_components(["db"])
    kind = _field(window, "type")
    kind.setCurrentIndex(kind.findText("NoSQL database"))
    kind.activated.emit(kind.currentIndex())
    comp = window.document.model.component("db")
    assert comp.type == "nosql_database" and comp.profile is None
    assert _field(window, "profile").currentText() == "Default (MongoDB)"
    kind.setCurrentIndex(kind.findText("Client"))
    kind.activated.emit(kind.currentIndex())
    comp = window.document.model.component("db")
    assert comp.type == "client" and comp.workload is not None
    assert window.document.undo_stack.count() == 2
