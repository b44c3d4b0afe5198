"""The Faults dock: the design's scheduled faults (a table) and its chaos level.

Each row is one :class:`~app.model.document.Fault`: kind and target are combo
boxes filled from the design (components for crash/slowdown/error_rate, links
"a->b" for latency/partition, zones for zone_outage), the times and the size
(replicas, factor, rate or add_ms, as the kind needs) are inspector-style
number fields, validated by the model as typed. Every change is one undo
step through the document's generic collection API
(:meth:`~app.ui.document_parts.DesignParts.replace_item` and friends).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDoubleSpinBox,
    QHBoxLayout,
    QHeaderView,
    QPushButton,
    QTableWidget,
    QVBoxLayout,
    QWidget,
)

from app.model.catalog import COMPONENT_TYPES
from app.model.document import (
    COMPONENT_FAULTS,
    FAULT_KINDS,
    LINK_FAULTS,
    Chaos,
    Document,
    Fault,
)
from app.model.resilience import DEFAULT_CHAOS_MTTR_S, link_key, zone_members
from app.ui.document import EditorDocument
from app.ui.inspector.fields import FieldSpec, NumberField, Value
from app.ui.inspector.form import lock_field
from app.ui.inspector.resilience import edit_problem
from app.ui.plain_text import PlainLabel, plain_tooltip

#: Table columns.
KIND, TARGET, AT, DURATION, SIZE = range(5)
HEADERS = ("Kind", "Target", "At (s)", "Duration (s)", "Size")
#: A new fault starts here (seconds into the run) and lasts this long.
NEW_FAULT_AT_S = 10.0
NEW_FAULT_DURATION_S = 10.0
#: The size field of each kind, with the value a new fault of that kind starts with.
SIZE_SPECS: dict[str, tuple[FieldSpec, float | None]] = {
    "crash": (FieldSpec(("replicas",), "Replicas", "int",
                        tip="Replicas crashed; empty: all of them."), None),
    "slowdown": (FieldSpec(("factor",), "Factor", optional=False,
                           tip="Service takes this many times longer."), 3.0),
    "error_rate": (FieldSpec(("rate",), "Rate", optional=False,
                             tip="Share of requests that fail (0–1)."), 0.2),
    "latency": (FieldSpec(("add_ms",), "Added latency", optional=False, unit="ms",
                          tip="Extra latency on each call, in ms."), 200.0),
}
#: What the size of each kind counts, shown beside the number.
SIZE_UNITS = {"crash": "replicas", "slowdown": "× slower", "error_rate": "failing (0–1)",
              "latency": "ms added"}
AT_SPEC = FieldSpec(("at_s",), "At", optional=False, unit="s", tip="Start, seconds into the run.")
DURATION_SPEC = FieldSpec(("duration_s",), "Duration", unit="s",
                          tip="How long it lasts; empty: to the end of the run.")
MTTR_SPEC = FieldSpec(("mttr_s",), "Chaos MTTR", unit="s",
                      tip="Mean time to repair a replica chaos crashed.")


def _with(fault: Fault, name: str, value: Any) -> Fault:
    """``fault`` with the field ``name`` set (a new record: commands keep the old one)."""
    changes: dict[str, Any] = {name: value}
    return dataclasses.replace(fault, **changes)


def _label(kind: str) -> str:
    return kind.replace("_", " ")


class _Targets:
    """What a fault of each kind can hit in the design: (value, label) pairs."""

    def __init__(self, doc: Document) -> None:
        serving = [c for c in doc.components
                   if not (COMPONENT_TYPES.get(c.type) and COMPONENT_TYPES[c.type].is_client)]
        self.components = [(c.id, c.display_name) for c in serving]
        self.links = [(k, k) for k in (link_key(lk.source, lk.target) for lk in doc.links)]
        self.zones = [(z, z) for z in sorted(zone_members(doc))]

    def of(self, kind: str) -> list[tuple[str, str]]:
        if kind in COMPONENT_FAULTS:
            return self.components
        return self.links if kind in LINK_FAULTS else self.zones


class _Row:
    """The widgets of one table row; values are set silently from the model."""

    def __init__(self, editor: FaultsEditor, row: int) -> None:
        self.editor = editor
        self.row = row
        table = editor.table
        self.kind = QComboBox()
        self.kind.setObjectName(f"fault_kind_{row}")
        for kind in FAULT_KINDS:
            self.kind.addItem(_label(kind), kind)
        self.kind.activated.connect(lambda i: editor._on_kind(self.row, self.kind.itemData(i)))
        self.target = QComboBox()
        self.target.setObjectName(f"fault_target_{row}")
        self.target.activated.connect(
            lambda i: editor._edit(self.row, "target", self.target.itemData(i)))
        self.at = self._number(AT_SPEC, AT)
        self.duration = self._number(DURATION_SPEC, DURATION)
        self.size: NumberField | None = None
        self.size_kind: str | None = None
        table.setCellWidget(row, KIND, self.kind)
        table.setCellWidget(row, TARGET, self.target)
        table.setCellWidget(row, AT, self.at)
        table.setCellWidget(row, DURATION, self.duration)

    def _number(self, spec: FieldSpec, column: int) -> NumberField:
        field = NumberField(spec, lambda value: self.editor._check(self.row, spec, value))
        field.setObjectName(f"fault_{spec.name}_{self.row}")
        field.setFrame(False)
        field.committed.connect(lambda value: self.editor._edit(self.row, spec.name, value))
        field.problem_changed.connect(self.editor._show_problems)
        return field

    def show(self, fault: Fault, targets: list[tuple[str, str]]) -> None:
        """Show ``fault``; ``targets`` are the choices for its kind."""
        self.kind.setCurrentIndex(max(0, self.kind.findData(fault.kind)))
        self.target.clear()
        for value, label in targets:
            self.target.addItem(label, value)
        if self.target.findData(fault.target) < 0:  # e.g. a typo in the file: show it anyway
            self.target.addItem(str(fault.target), fault.target)
        self.target.setCurrentIndex(self.target.findData(fault.target))
        self.at.set_value(fault.at_s)
        self.duration.set_value(fault.duration_s, "to the end")
        if fault.kind != self.size_kind:
            self.size_kind = fault.kind
            spec = SIZE_SPECS.get(fault.kind, (None, None))[0]
            self.size = self._number(spec, SIZE) if spec is not None else None
            cell = QWidget()
            cell.setAutoFillBackground(True)  # the selection's colour would show through
            line = QHBoxLayout(cell)
            line.setContentsMargins(0, 0, 6, 0)
            line.setSpacing(4)
            if self.size is not None:
                line.addWidget(self.size, 1)
                line.addWidget(PlainLabel(SIZE_UNITS[fault.kind], cell))
            else:
                line.addWidget(PlainLabel("—", cell))
            self.editor.table.setCellWidget(self.row, SIZE, cell)
        if self.size is not None:
            value = getattr(fault, self.size.spec.path[0])
            self.size.set_value(value, "all" if fault.kind == "crash" else "")

    def fields(self) -> list[NumberField]:
        """The row's number fields."""
        return [f for f in (self.at, self.duration, self.size) if f is not None]


class FaultsEditor(QWidget):
    """Edits the design's ``faults`` and ``chaos``; every change is one undo step."""

    def __init__(self, document: EditorDocument, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("faultsEditor")
        self._document = document
        self._rows: list[_Row] = []
        #: A refused action's reason, shown until the next change of the faults.
        self._notice = ""
        self._targets = _Targets(document.model)
        hint = PlainLabel("Faults the run injects on schedule. Live actions taken during a run "
                          "can be added here afterwards.", self)
        hint.setWordWrap(True)
        hint.setEnabled(False)
        self.table = QTableWidget(0, len(HEADERS), self)
        self.table.setObjectName("faultsTable")
        self.table.setHorizontalHeaderLabels(list(HEADERS))
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(KIND, QHeaderView.ResizeMode.ResizeToContents)
        size_header = self.table.horizontalHeaderItem(SIZE)
        assert size_header is not None  # set by setHorizontalHeaderLabels
        size_header.setToolTip(plain_tooltip(
            "crash: replicas (empty: all) · slowdown: factor · error rate: rate 0–1 · "
            "latency: added ms · partition and zone outage: none"))
        self.table.verticalHeader().setDefaultSectionSize(30)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.problem = PlainLabel(parent=self)
        self.problem.setObjectName("faultsProblem")
        self.problem.setWordWrap(True)
        self.problem.setStyleSheet("color: #dc2626;")
        self.problem.setVisible(False)
        self.add_button = self._button("faultAdd", "Add", "Add a fault", self.add_fault)
        self.remove_button = self._button("faultRemove", "Remove",
                                          "Remove the selected faults", self.remove_selected)
        self.chaos_level = QDoubleSpinBox(self)
        self.chaos_level.setObjectName("chaosLevel")
        self.chaos_level.setRange(0.0, 0.99)
        self.chaos_level.setSingleStep(0.01)
        self.chaos_level.setDecimals(2)
        self.chaos_level.setSpecialValueText("off")
        self.chaos_level.setKeyboardTracking(False)  # one undo step per finished value
        self.chaos_level.setToolTip(plain_tooltip(
            "Share of the time each serving replica is down from random crashes (0: off)."))
        self.chaos_level.valueChanged.connect(self._on_chaos_level)
        self.chaos_mttr = NumberField(MTTR_SPEC, self._check_mttr, self)
        self.chaos_mttr.setObjectName("chaosMttr")
        self.chaos_mttr.committed.connect(self._on_chaos_mttr)
        self.chaos_mttr.problem_changed.connect(self._show_problems)
        buttons = QHBoxLayout()
        buttons.addWidget(self.add_button)
        buttons.addWidget(self.remove_button)
        buttons.addSpacing(16)
        buttons.addWidget(PlainLabel("Chaos level", self))
        buttons.addWidget(self.chaos_level)
        buttons.addWidget(PlainLabel("MTTR (s)", self))
        buttons.addWidget(self.chaos_mttr)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addWidget(hint)
        layout.addLayout(buttons)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.problem)
        document.collection_changed.connect(self._on_collection)
        for signal in (document.component_added, document.component_removed,
                       document.component_changed, document.link_added, document.link_removed):
            signal.connect(self._on_design_changed)
        document.document_reset.connect(self.refresh)
        document.locked_changed.connect(lambda _locked: self.refresh())
        self.refresh()

    def _button(self, name: str, text: str, tip: str, slot: Callable[[], None]) -> QPushButton:
        button = QPushButton(text, self)
        button.setObjectName(name)
        button.setToolTip(plain_tooltip(tip))
        button.clicked.connect(slot)
        return button

    # -- model -> view -----------------------------------------------------------------------

    def _on_collection(self, name: str) -> None:
        if name in ("faults", "chaos"):
            self._notice = ""
            self.refresh()

    def _on_design_changed(self, *_args: object) -> None:
        self._targets = _Targets(self._document.model)
        self.refresh()

    def refresh(self) -> None:
        """Show the model's faults and chaos setting."""
        model = self._document.model
        self._targets = _Targets(model)
        faults = model.faults
        self.table.setRowCount(len(faults))
        del self._rows[len(faults):]
        while len(self._rows) < len(faults):
            self._rows.append(_Row(self, len(self._rows)))
        for row, fault in zip(self._rows, faults, strict=True):
            row.show(fault, self._targets.of(fault.kind))
        chaos = model.chaos
        self.chaos_level.blockSignals(True)
        self.chaos_level.setValue(chaos.level if chaos else 0.0)
        self.chaos_level.blockSignals(False)
        self.chaos_mttr.set_value(chaos.mttr_s if chaos else None, f"{DEFAULT_CHAOS_MTTR_S:g}")
        locked = self._document.locked
        for row in self._rows:
            for widget in (row.kind, row.target, *row.fields()):
                lock_field(widget, locked)
        for widget in (self.chaos_level, self.chaos_mttr, self.remove_button):
            lock_field(widget, locked)
        self.add_button.setEnabled(not locked and bool(self._targets.components))
        self._show_problems()

    def _show_problems(self, *_args: object) -> None:
        problems = [f.problem for row in self._rows for f in row.fields() if f.problem]
        if self.chaos_mttr.problem:
            problems.append(self.chaos_mttr.problem)
        if self._notice:
            problems.append(self._notice)
        self.problem.setText("\n".join(f"⚠ {p}" for p in problems))
        self.problem.setVisible(bool(problems))

    # -- view -> model (each one undo step) --------------------------------------------------

    def _faults(self) -> list[Fault]:
        return list(self._document.model.faults)

    def _check(self, row: int, spec: FieldSpec, value: Value) -> str | None:
        faults = self._faults()
        if row >= len(faults):
            return None
        model = self._document.model
        faults[row] = _with(faults[row], spec.name, value)
        return edit_problem(model, dataclasses.replace(model, faults=faults),
                            f"$.faults[{row}].{spec.name}")

    def _edit(self, row: int, name: str, value: Value) -> None:
        faults = self._faults()
        if row < len(faults) and getattr(faults[row], name) != value:
            self._document.replace_item(
                "faults", row, _with(faults[row], name, value),
                f"Change {name.replace('_s', '').replace('_', ' ')} of fault {row + 1}")
        self.refresh()

    def _on_kind(self, row: int, kind: str) -> None:
        faults = self._faults()
        if row >= len(faults) or faults[row].kind == kind:
            return
        old = faults[row]
        targets = [value for value, _label in self._targets.of(kind)]
        if not targets:
            what = "zones: give a component a zone first" if kind == "zone_outage" else "links"
            self._notice = f"No {_label(kind)} fault possible: the design has no {what}."
            self.refresh()
            return
        spec, start = SIZE_SPECS.get(kind, (None, None))
        new = Fault(kind=kind, target=old.target if old.target in targets else targets[0],
                    at_s=old.at_s, duration_s=old.duration_s)
        if spec is not None and start is not None:
            new = _with(new, spec.name, start)
        self._document.replace_item("faults", row, new,
                                    f"Make fault {row + 1} a {_label(kind)}")

    def add_fault(self) -> None:
        """Append a crash of the first serving component (the user edits it next)."""
        if not self._targets.components:
            return
        self._document.add_items("faults", [Fault(
            kind="crash", target=self._targets.components[0][0], at_s=NEW_FAULT_AT_S,
            duration_s=NEW_FAULT_DURATION_S)], "Add fault")

    def remove_selected(self) -> None:
        """Remove the selected rows (or the row holding the focus)."""
        rows = {index.row() for index in self.table.selectionModel().selectedRows()}
        focused = self.focusWidget()
        for row in self._rows:
            if focused in (row.kind, row.target, *row.fields()):
                rows.add(row.row)
        if not rows and self.table.currentRow() >= 0:
            rows.add(self.table.currentRow())
        if rows:
            self._document.remove_items("faults", rows, f"Remove {len(rows)} fault(s)")

    def _check_mttr(self, value: Value) -> str | None:
        model = self._document.model
        level = model.chaos.level if model.chaos else 0.0
        candidate = dataclasses.replace(model, chaos=Chaos(level=level, mttr_s=value))  # type: ignore[arg-type]
        return edit_problem(model, candidate, "$.chaos.mttr_s")

    def _set_chaos(self, level: float, mttr_s: float | None, text: str) -> None:
        chaos = None if not level and mttr_s is None else Chaos(level=level, mttr_s=mttr_s)
        self._document.edit_chaos(chaos, text)
        self.refresh()

    def _on_chaos_level(self, level: float) -> None:
        chaos = self._document.model.chaos
        self._set_chaos(round(level, 4), chaos.mttr_s if chaos else None,
                        "Switch chaos off" if not level else "Change chaos level")

    def _on_chaos_mttr(self, value: Value) -> None:
        chaos = self._document.model.chaos
        mttr = float(value) if isinstance(value, int | float) else None
        self._set_chaos(chaos.level if chaos else 0.0, mttr, "Change chaos MTTR")
