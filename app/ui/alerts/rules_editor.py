"""The design's alert rules: a list to add, edit and delete them, each edit one undo step.

A design without an ``alerts`` key runs the default rules; they are listed
here too, marked "default", and editable: the first edit (or Add, or Delete)
makes them the design's own list, in the same undo step
(:meth:`~app.ui.document_parts.DesignParts.collection` hands out the
defaults). "Turn alerts off" stores ``[]``; "Restore defaults" drops the list.
"""

from __future__ import annotations

from typing import Final, cast

from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.model.alerts import AlertRule
from app.ui.alerts.rule_dialog import NEW_RULE, RuleDialog
from app.ui.document import EditorDocument
from app.ui.plain_text import PlainLabel, plain_tooltip

COLLECTION: Final = "alerts"
COLUMNS: Final = ("Name", "Component", "Fires when", "For (s)", "Severity", "Clear at",
                  "Origin")
DEFAULTS_CAPTION: Final = ("The default rules apply (the design has none of its own). "
                           "Editing, adding or deleting one makes them the design's rules.")
OFF_CAPTION: Final = "Alerts are off for this design. Add a rule or restore the defaults."


def rule_cells(rule: AlertRule, default: bool) -> tuple[str, ...]:
    """One rule as a row of :data:`COLUMNS`."""
    clear = "" if rule.clear_threshold is None else f"{rule.clear_threshold:g}"
    return (rule.name, rule.component, f"{rule.metric} {rule.op} {rule.threshold:g}",
            f"{rule.for_s:g}", rule.severity, clear, "default" if default else "design")


class RulesEditor(QWidget):
    """The Rules tab of the Alerts dock."""

    def __init__(self, document: EditorDocument, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("alertRules")
        self._document = document
        self.caption = PlainLabel("", self)
        self.caption.setObjectName("alertRulesCaption")
        self.caption.setWordWrap(True)
        self.table = QTableWidget(0, len(COLUMNS), self)
        self.table.setObjectName("alertRulesTable")
        self.table.setHorizontalHeaderLabels(list(COLUMNS))
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().setVisible(False)
        self.table.verticalHeader().setDefaultSectionSize(20)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(True)
        for column, width in enumerate((150, 110, 190, 60, 70, 65)):
            self.table.setColumnWidth(column, width)
        self.table.doubleClicked.connect(lambda index: self.edit_rule(index.row()))
        self.table.itemSelectionChanged.connect(self._update_buttons)
        self.add_button = self._button("Add…", "addAlertRule", self.add_rule)
        self.edit_button = self._button("Edit…", "editAlertRule",
                                        lambda: self.edit_rule(self.current_row()))
        self.delete_button = self._button("Delete", "deleteAlertRule", self.delete_rule)
        self.off_button = self._button("Turn alerts off", "alertsOff", self.turn_off)
        self.defaults_button = self._button("Restore defaults", "alertsDefaults",
                                            self.restore_defaults)
        buttons = QHBoxLayout()
        for button in (self.add_button, self.edit_button, self.delete_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        buttons.addWidget(self.off_button)
        buttons.addWidget(self.defaults_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.caption)
        layout.addWidget(self.table, 1)
        layout.addLayout(buttons)
        document.collection_changed.connect(self._on_collection)
        document.document_reset.connect(self.refresh)
        document.locked_changed.connect(lambda _locked: self._update_buttons())
        self.refresh()

    def _button(self, text: str, name: str, slot: object) -> QPushButton:
        button = QPushButton(text, self)
        button.setObjectName(name)
        button.clicked.connect(lambda _checked=False: slot())  # type: ignore[operator]
        return button

    # -- what is shown -----------------------------------------------------------------------

    @property
    def rules(self) -> list[AlertRule]:
        """The rules in force (the defaults when the design gives none)."""
        return [cast(AlertRule, rule) for rule in self._document.collection(COLLECTION)]

    def current_row(self) -> int:
        """The selected rule's row (-1: none)."""
        return self.table.currentRow() if self.table.selectedItems() else -1

    def _on_collection(self, name: str) -> None:
        if name == COLLECTION:
            self.refresh()

    def refresh(self) -> None:
        """Show the design's rules again (after any change to them)."""
        default = self._document.uses_defaults(COLLECTION)
        rules = self.rules
        row = self.table.currentRow()
        self.table.setRowCount(len(rules))
        for index, rule in enumerate(rules):
            cells = rule_cells(rule, default)
            tip = " · ".join(f"{c}: {v}" for c, v in zip(COLUMNS, cells, strict=True) if v)
            for column, text in enumerate(cells):
                item = QTableWidgetItem(text)
                item.setToolTip(plain_tooltip(tip))
                self.table.setItem(index, column, item)
        if 0 <= row < len(rules):
            self.table.selectRow(row)
        if default:
            self.caption.setText(DEFAULTS_CAPTION)
        elif not rules:
            self.caption.setText(OFF_CAPTION)
        else:
            self.caption.setText(f"{len(rules)} rule{'s' if len(rules) != 1 else ''} of this "
                                 "design, checked at every window close of a run.")
        self._update_buttons()

    def _update_buttons(self) -> None:
        editable = not self._document.locked
        selected = self.current_row() >= 0
        self.add_button.setEnabled(editable)
        self.edit_button.setEnabled(editable and selected)
        self.delete_button.setEnabled(editable and selected)
        self.off_button.setEnabled(editable and bool(self.rules))
        self.defaults_button.setEnabled(
            editable and not self._document.uses_defaults(COLLECTION))

    # -- edits (each one undo step) ----------------------------------------------------------

    def run_dialog(self, dialog: RuleDialog) -> bool:
        """Show the rule dialog modally; whether it was accepted."""
        return bool(dialog.exec())

    def add_rule(self) -> None:
        """Ask for a new rule and append it."""
        if self._document.locked:
            return
        dialog = RuleDialog(self._document.model, NEW_RULE, "Add alert rule", self)
        if self.run_dialog(dialog):
            self._document.add_items(COLLECTION, [dialog.rule], "Add alert rule")
            self.table.selectRow(len(self.rules) - 1)

    def edit_rule(self, row: int) -> None:
        """Edit the rule in ``row`` (a default rule too: that materialises the defaults)."""
        rules = self.rules
        if self._document.locked or not 0 <= row < len(rules):
            return
        dialog = RuleDialog(self._document.model, rules[row], "Edit alert rule", self)
        if self.run_dialog(dialog):
            self._document.replace_item(COLLECTION, row, dialog.rule,
                                        f"Edit alert rule {dialog.rule.name}")

    def delete_rule(self) -> None:
        """Delete the selected rule."""
        row = self.current_row()
        if not self._document.locked and row >= 0:
            self._document.remove_items(COLLECTION, [row], "Delete alert rule")

    def turn_off(self) -> None:
        """No alerts for this design (``"alerts": []``)."""
        if not self._document.locked:
            self._document.set_collection(COLLECTION, [], "Turn alerts off")

    def restore_defaults(self) -> None:
        """Drop the design's rules: the defaults apply again."""
        if not self._document.locked:
            self._document.set_collection(COLLECTION, None, "Restore default alerts")
