"""The dialogs of custom dashboards: a dashboard's name, and a chart's metric and components.

Both are non-blocking (``open()``): the caller reads the result when
``accepted`` fires. What they build is checked by the model's own rules
(:func:`app.model.dashboards.check_dashboards`) before it is applied, so the
dialog says what is wrong instead of storing a design that will not load.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from app.model.dashboards import (
    DASHBOARD_METRICS,
    END_TO_END_SERIES,
    GRID_SIZE,
    MAX_DASHBOARD_NAME,
    DashboardChart,
)
from app.ui.dashboards.metrics import metric_title
from app.ui.plain_text import PlainLabel

#: Checks a candidate and returns what is wrong with it (``None``: fine).
Check = Callable[[object], str | None]


class NameDialog(QDialog):
    """Asks for a dashboard's name."""

    def __init__(self, title: str, name: str, check: Check,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("dashboardNameDialog")
        self.setWindowTitle(title)
        self._check = check
        self.name_edit = QLineEdit(name, self)
        self.name_edit.setObjectName("dashboardName")
        self.name_edit.setMaxLength(MAX_DASHBOARD_NAME)
        self.name_edit.selectAll()
        self.problem = PlainLabel("", self)
        self.problem.setObjectName("dashboardProblem")
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self)
        self.buttons.accepted.connect(self._try_accept)
        self.buttons.rejected.connect(self.reject)
        form = QFormLayout()
        form.addRow("Name:", self.name_edit)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.problem)
        layout.addWidget(self.buttons)

    @property
    def name(self) -> str:
        """The name typed, without surrounding spaces."""
        return self.name_edit.text().strip()

    def _try_accept(self) -> None:
        problem = self._check(self.name)
        if problem is None:
            self.accept()
        else:
            self.problem.setText(problem)


class ChartDialog(QDialog):
    """Builds a :class:`DashboardChart`: a title, a metric, components, a grid place."""

    def __init__(self, components: Sequence[tuple[str, str]], cell: tuple[int, int],
                 check: Check, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("dashboardChartDialog")
        self.setWindowTitle("Add chart")
        self._check = check
        self.title_edit = QLineEdit(self)
        self.title_edit.setObjectName("chartTitle")
        self.title_edit.setMaxLength(MAX_DASHBOARD_NAME)
        self.title_edit.setPlaceholderText("the metric's name")
        self.metric_box = QComboBox(self)
        self.metric_box.setObjectName("chartMetric")
        for metric in DASHBOARD_METRICS:
            self.metric_box.addItem(metric_title(metric), metric)
        self.component_list = QListWidget(self)
        self.component_list.setObjectName("chartComponentList")
        for cid, name in [(END_TO_END_SERIES, "End to end (at the clients)"), *components]:
            item = QListWidgetItem(name, self.component_list)
            item.setData(Qt.ItemDataRole.UserRole, cid)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Unchecked)
        self.row_box = self._spin("chartRow", 0, GRID_SIZE - 1, cell[0])
        self.col_box = self._spin("chartCol", 0, GRID_SIZE - 1, cell[1])
        self.row_span_box = self._spin("chartRowSpan", 1, GRID_SIZE, 1)
        self.col_span_box = self._spin("chartColSpan", 1, GRID_SIZE, 1)
        self.problem = PlainLabel("", self)
        self.problem.setObjectName("chartProblem")
        self.problem.setWordWrap(True)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self)
        self.buttons.accepted.connect(self._try_accept)
        self.buttons.rejected.connect(self.reject)
        form = QFormLayout()
        form.addRow("Title:", self.title_edit)
        form.addRow("Metric:", self.metric_box)
        form.addRow("Components:", self.component_list)
        form.addRow("Row:", self.row_box)
        form.addRow("Column:", self.col_box)
        form.addRow("Rows spanned:", self.row_span_box)
        form.addRow("Columns spanned:", self.col_span_box)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.problem)
        layout.addWidget(self.buttons)

    def _spin(self, name: str, low: int, high: int, value: int) -> QSpinBox:
        box = QSpinBox(self)
        box.setObjectName(name)
        box.setRange(low, high)
        box.setValue(value)
        return box

    def set_metric(self, metric: str) -> None:
        """Pick ``metric`` in the metric box."""
        self.metric_box.setCurrentIndex(self.metric_box.findData(metric))

    def check_components(self, component_ids: Sequence[str]) -> None:
        """Tick exactly these components (ids, or ``"end_to_end"``)."""
        wanted = set(component_ids)
        for i in range(self.component_list.count()):
            item = self.component_list.item(i)
            ticked = item.data(Qt.ItemDataRole.UserRole) in wanted
            item.setCheckState(Qt.CheckState.Checked if ticked else Qt.CheckState.Unchecked)

    def chart(self) -> DashboardChart:
        """The chart as the dialog stands."""
        picked = tuple(
            str(self.component_list.item(i).data(Qt.ItemDataRole.UserRole))
            for i in range(self.component_list.count())
            if self.component_list.item(i).checkState() == Qt.CheckState.Checked)
        title = self.title_edit.text().strip() or None
        row_span, col_span = self.row_span_box.value(), self.col_span_box.value()
        return DashboardChart(title, str(self.metric_box.currentData()), picked,
                              self.row_box.value(), self.col_box.value(),
                              row_span if row_span > 1 else None,
                              col_span if col_span > 1 else None)

    def _try_accept(self) -> None:
        problem = self._check(self.chart())
        if problem is None:
            self.accept()
        else:
            self.problem.setText(problem)
