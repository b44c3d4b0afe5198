"""The dialog that adds or edits one alert rule.

Every field is checked by the model's own rule checks
(:func:`app.model.alert_checks.check_alerts`, run on the design with just this
rule): one implementation of what a valid rule is, and one clear message
under the form for the first thing wrong. OK stays refused until it is gone.
"""

from __future__ import annotations

import dataclasses

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from app.model.alert_checks import check_alerts
from app.model.alerts import (
    ALL_COMPONENTS,
    END_TO_END,
    OPS,
    SEVERITIES,
    AlertRule,
    AlertTargets,
    metrics_for,
)
from app.model.catalog import COMPONENT_TYPES
from app.model.document import Document
from app.model.errors import Problem
from app.model.resilience import link_key
from app.ui.plain_text import PlainLabel

#: The form's label of each of the rule's JSON keys (a problem names its field by it).
LABELS = {"name": "Name", "component": "Component", "metric": "Metric", "op": "Fires when",
          "threshold": "Threshold", "for_s": "For (s)", "severity": "Severity",
          "clear_threshold": "Clear threshold"}
#: A new rule starts as the seed's first default, over every component.
NEW_RULE = AlertRule("New alert", "utilization", ALL_COMPONENTS, ">", 0.85, 60.0, "warning")


def rule_problem(doc: Document, rule: AlertRule) -> Problem | None:
    """The first problem of ``rule`` in ``doc`` (its path made relative: ``$.threshold``)."""
    problems: list[Problem] = []
    check_alerts(dataclasses.replace(doc, alerts=[rule]), problems)
    if not problems:
        return None
    first = problems[0]
    return dataclasses.replace(first, path=first.path.replace("$.alerts[0]", "$", 1))


def component_choices(doc: Document) -> list[tuple[str, str]]:
    """``(value, label)`` of every target a rule can name in ``doc``, most general first."""
    targets = AlertTargets(doc)
    names = {c.id: c.display_name for c in doc.components}
    choices = [(ALL_COMPONENTS, "* (every component)"), (END_TO_END, "end_to_end (clients)")]
    for type_key in targets.by_type:
        label = COMPONENT_TYPES[type_key].label if type_key in COMPONENT_TYPES else type_key
        choices.append((type_key, f"{type_key} (every {label})"))
    choices += [(cid, f"{cid} ({names.get(cid, cid)})" if names.get(cid, cid) != cid else cid)
                for cid in targets.serving]
    choices += [(key, key) for key in (link_key(lk.source, lk.target) for lk in doc.links)]
    return choices


def _number(text: str) -> float | str:
    """The number typed, or the text itself (the model's check then says what is wrong)."""
    try:
        return float(text.strip())
    except ValueError:
        return text


class RuleDialog(QDialog):
    """Edit one rule of ``doc``; :attr:`rule` is the result after ``accept``."""

    def __init__(self, doc: Document, rule: AlertRule, title: str,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("alertRuleDialog")
        self.setWindowTitle(title)
        self._doc = doc
        self._targets = AlertTargets(doc)
        self.rule: AlertRule = rule
        self.name_edit = QLineEdit(rule.name, self)
        self.name_edit.setObjectName("ruleName")
        self.component_box = QComboBox(self)
        self.component_box.setObjectName("ruleComponent")
        for value, label in component_choices(doc):
            self.component_box.addItem(label, value)
        if self.component_box.findData(rule.component) < 0:  # e.g. a deleted id: show it anyway
            self.component_box.addItem(str(rule.component), rule.component)
        self.component_box.setCurrentIndex(self.component_box.findData(rule.component))
        self.metric_box = QComboBox(self)
        self.metric_box.setObjectName("ruleMetric")
        self.op_box = QComboBox(self)
        self.op_box.setObjectName("ruleOp")
        self.op_box.addItems(list(OPS))
        self.op_box.setCurrentIndex(max(0, self.op_box.findText(rule.op)))
        self.threshold_edit = QLineEdit(f"{rule.threshold:g}", self)
        self.threshold_edit.setObjectName("ruleThreshold")
        self.for_edit = QLineEdit(f"{rule.for_s:g}", self)
        self.for_edit.setObjectName("ruleFor")
        self.severity_box = QComboBox(self)
        self.severity_box.setObjectName("ruleSeverity")
        self.severity_box.addItems(list(SEVERITIES))
        self.severity_box.setCurrentIndex(max(0, self.severity_box.findText(rule.severity)))
        self.clear_edit = QLineEdit(
            "" if rule.clear_threshold is None else f"{rule.clear_threshold:g}", self)
        self.clear_edit.setObjectName("ruleClear")
        self.clear_edit.setPlaceholderText("none: resolves at the threshold")
        self.problem = PlainLabel("", self)
        self.problem.setObjectName("ruleProblem")
        self.problem.setWordWrap(True)
        self.problem.setStyleSheet("color: #dc2626")
        form = QFormLayout()
        form.addRow(LABELS["name"], self.name_edit)
        form.addRow(LABELS["component"], self.component_box)
        form.addRow(LABELS["metric"], self.metric_box)
        form.addRow(LABELS["op"], self.op_box)
        form.addRow(LABELS["threshold"], self.threshold_edit)
        form.addRow(LABELS["for_s"], self.for_edit)
        form.addRow(LABELS["severity"], self.severity_box)
        form.addRow(LABELS["clear_threshold"], self.clear_edit)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.problem)
        layout.addWidget(self.buttons)
        self._fill_metrics(rule.metric)
        self.component_box.currentIndexChanged.connect(lambda _i: self._fill_metrics(
            self.metric_box.currentText()))
        for edit in (self.name_edit, self.threshold_edit, self.for_edit, self.clear_edit):
            edit.textChanged.connect(self._check)
        for combo in (self.metric_box, self.op_box, self.severity_box):
            combo.currentIndexChanged.connect(self._check)
        self.setMinimumWidth(420)
        self._check()

    def _fill_metrics(self, keep: str) -> None:
        """The metrics the chosen target has (links and end to end have fewer)."""
        allowed = metrics_for(self._targets.kind(str(self.component_box.currentData())))
        self.metric_box.blockSignals(True)
        self.metric_box.clear()
        self.metric_box.addItems(list(allowed))
        if keep and self.metric_box.findText(keep) < 0:
            self.metric_box.addItem(keep)  # not measured for this target: the check says so
        self.metric_box.setCurrentIndex(max(0, self.metric_box.findText(keep)))
        self.metric_box.blockSignals(False)
        self._check()

    def edited_rule(self) -> AlertRule:
        """The rule as the form holds it now (possibly invalid: see :meth:`problem_text`)."""
        clear_text = self.clear_edit.text().strip()
        # Unparsable numbers go to the model's check as text, which names the field.
        values: dict[str, object] = {
            "name": self.name_edit.text(), "metric": self.metric_box.currentText(),
            "component": str(self.component_box.currentData()), "op": self.op_box.currentText(),
            "threshold": _number(self.threshold_edit.text()),
            "for_s": _number(self.for_edit.text()),
            "severity": self.severity_box.currentText(),
            "clear_threshold": None if not clear_text else _number(clear_text),
        }
        return AlertRule(**values)  # type: ignore[arg-type]

    def problem_text(self) -> str:
        """What is wrong with the form (empty when nothing is)."""
        problem = rule_problem(self._doc, self.edited_rule())
        if problem is None:
            return ""
        key = problem.path.removeprefix("$").removeprefix(".")
        return f"{LABELS.get(key, 'Rule')}: {problem.message}"

    def _check(self) -> None:
        text = self.problem_text()
        self.problem.setText(text)
        ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        if ok is not None:
            ok.setEnabled(not text)

    def accept(self) -> None:
        """Keep the edited rule, if it is valid."""
        if self.problem_text():
            return
        self.rule = self.edited_rule()
        super().accept()
