"""Custom dashboards stored with a design: named grids of charts, each a metric × components.

A :class:`Dashboard` is what the user arranges in the Charts dock beside the
default Overview; ``.sdsim`` version 2 keeps them in the optional top-level
``dashboards`` list (see docs/file-format.md). The records are frozen (their
lists are tuples) so the GUI's undo commands can keep old versions safely.

:func:`check_dashboards` holds them to the format's caps with one message per
problem and a JSON path: the metric must be a per-window metric name (the
``metrics.csv`` names, :data:`DASHBOARD_METRICS`), each component an id of the
design or ``"end_to_end"``, and charts may not overlap on the grid.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Final

from app.model.errors import Problem
from app.model.metric_names import WINDOW_METRICS
from app.model.value_checks import Checker, describe

if TYPE_CHECKING:
    from app.model.document import Document

#: Per-window metrics a chart may plot (the ``metrics.csv`` names).
DASHBOARD_METRICS: Final = WINDOW_METRICS
#: What a chart names for the figures measured at the clients.
END_TO_END_SERIES: Final = "end_to_end"
#: Most dashboards in one design, charts on one dashboard, series on one chart.
MAX_DASHBOARDS: Final = 20
MAX_DASHBOARD_CHARTS: Final = 24
MAX_CHART_COMPONENTS: Final = 12
#: Longest dashboard name or chart title (shown on a tab and over a plot).
MAX_DASHBOARD_NAME: Final = 80
#: The grid's rows and columns: a chart's cells lie within 0 .. GRID_SIZE - 1.
GRID_SIZE: Final = 8


@dataclass(frozen=True)
class DashboardChart:
    """One chart: ``metric`` of each of ``components``, at grid cell (``row``, ``col``).

    ``title`` not given: the metric's name. ``row_span``/``col_span`` not given: 1.
    """

    title: str | None = None
    metric: str = "throughput_rps"
    components: tuple[str, ...] = ()
    row: int = 0
    col: int = 0
    row_span: int | None = None
    col_span: int | None = None

    @property
    def rows(self) -> int:
        """The rows the chart covers (its ``row_span``, 1 when not given)."""
        return self.row_span if self.row_span is not None else 1

    @property
    def cols(self) -> int:
        """The columns the chart covers (its ``col_span``, 1 when not given)."""
        return self.col_span if self.col_span is not None else 1

    def cells(self) -> set[tuple[int, int]]:
        """The grid cells the chart covers."""
        return {(r, c) for r in range(self.row, self.row + self.rows)
                for c in range(self.col, self.col + self.cols)}


@dataclass(frozen=True)
class Dashboard:
    """A named grid of charts."""

    name: str
    charts: tuple[DashboardChart, ...] = ()


def next_free_cell(charts: tuple[DashboardChart, ...], columns: int = 2) -> tuple[int, int]:
    """The first free cell, row by row over ``columns`` columns (where a new chart goes)."""
    taken: set[tuple[int, int]] = set()
    for chart in charts:
        taken |= chart.cells()
    for row in range(GRID_SIZE):
        for col in range(min(columns, GRID_SIZE)):
            if (row, col) not in taken:
                return row, col
    return GRID_SIZE - 1, GRID_SIZE - 1  # full: validation will say so


def check_dashboards(doc: Document, problems: list[Problem]) -> None:
    """The design's ``dashboards``: caps, names, metrics, components and the grid."""
    dashboards = doc.dashboards
    if not dashboards:
        return
    ck = Checker(problems)
    if len(dashboards) > MAX_DASHBOARDS:
        ck.fail("$.dashboards", f"has {len(dashboards)} dashboards; at most "
                                f"{MAX_DASHBOARDS} are supported")
        return
    ids = {c.id for c in doc.components if isinstance(c.id, str)}
    names: set[str] = set()
    for index, board in enumerate(dashboards):
        path = f"$.dashboards[{index}]"
        if _check_name(ck, f"{path}.name", board.name):
            if board.name in names:
                ck.fail(f"{path}.name", f"another dashboard is already called "
                                        f"{describe(board.name)}")
            names.add(board.name)
        if len(board.charts) > MAX_DASHBOARD_CHARTS:
            ck.fail(f"{path}.charts", f"has {len(board.charts)} charts; at most "
                                      f"{MAX_DASHBOARD_CHARTS} fit on one dashboard")
            continue
        taken: dict[tuple[int, int], int] = {}
        for chart_index, chart in enumerate(board.charts):
            chart_path = f"{path}.charts[{chart_index}]"
            if _check_chart(ck, chart_path, chart, ids):
                _check_overlap(ck, chart_path, chart, chart_index, taken)


def _check_name(ck: Checker, path: str, name: object) -> bool:
    if not ck.text(path, name, MAX_DASHBOARD_NAME):
        return False
    assert isinstance(name, str)
    if not name.strip():
        return ck.fail(path, "must not be empty")
    return True


def _check_chart(ck: Checker, path: str, chart: DashboardChart, ids: set[str]) -> bool:
    """Whether the chart's own fields are good (so its cells can be checked)."""
    ok = True
    if chart.title is not None:
        ok = _check_name(ck, f"{path}.title", chart.title) and ok
    ok = ck.choice(f"{path}.metric", chart.metric, DASHBOARD_METRICS, "metric") and ok
    components = chart.components
    if not components:
        ok = ck.fail(f"{path}.components", 'must name at least one component id or '
                                           '"end_to_end"')
    elif len(components) > MAX_CHART_COMPONENTS:
        ok = ck.fail(f"{path}.components", f"has {len(components)} components; at most "
                                           f"{MAX_CHART_COMPONENTS} fit on one chart")
    else:
        seen: set[str] = set()
        for i, cid in enumerate(components):
            where = f"{path}.components[{i}]"
            if not isinstance(cid, str):
                ok = ck.fail(where, f"must be a component id, got {describe(cid)}")
            elif cid != END_TO_END_SERIES and cid not in ids:
                ok = ck.fail(where, f'no component has the id {describe(cid)} (a component '
                                    'id of this design or "end_to_end")')
            elif cid in seen:
                ok = ck.fail(where, f"{describe(cid)} is already on this chart")
            else:
                seen.add(cid)
    for name, value in (("row", chart.row), ("col", chart.col)):
        ok = ck.integer(f"{path}.{name}", value, minimum=0, maximum=GRID_SIZE - 1) and ok
    for name, span, start in (("row_span", chart.row_span, chart.row),
                              ("col_span", chart.col_span, chart.col)):
        if span is None:
            continue
        room = GRID_SIZE - start if isinstance(start, int) and 0 <= start < GRID_SIZE else 1
        ok = ck.integer(f"{path}.{name}", span, minimum=1, maximum=max(1, room)) and ok
    return ok


def _check_overlap(ck: Checker, path: str, chart: DashboardChart, index: int,
                   taken: dict[tuple[int, int], int]) -> None:
    cells = chart.cells()
    for cell in sorted(cells):
        other = taken.get(cell)
        if other is not None:
            ck.fail(path, f"overlaps charts[{other}] at row {cell[0]}, column {cell[1]}: "
                          "move it to a free cell")
            return
    taken.update(dict.fromkeys(cells, index))
