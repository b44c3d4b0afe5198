"""The GUI asks before a run the CLI would refuse, and refuses what nothing can lift."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QMessageBox

from app.model.document import Workload
from app.model.fileformat import save
from app.ui import run_budget
from app.ui.run_controller import IDLE, RUNNING
from tests.ui.helpers import small_design

Button = QMessageBox.StandardButton


class Questions(list):
    """The questions asked, as (title, text); every one is answered ``answer``."""

    answer = Button.No


@pytest.fixture
def questions(monkeypatch: pytest.MonkeyPatch) -> Questions:
    asked = Questions()

    def answer(parent, title, text, *args, **kwargs):
        asked.append((title, text))
        return asked.answer

    monkeypatch.setattr(run_budget, "ask", answer)
    return asked


def _run(window) -> None:
    action = window.findChild(QAction, "actionRun")
    action.trigger()


def _huge_load(window) -> None:
    design = small_design(rate_rps=200, duration_s=20)
    users = dataclasses.replace(design.components[0],
                                workload=Workload("poisson", rate_rps=5_000_000))
    window.document.reset(dataclasses.replace(design,
                                              components=[users, *design.components[1:]]))


def test_a_run_over_the_default_budget_asks_and_no_means_no_run(window, questions) -> None:
    _huge_load(window)
    _run(window)
    assert len(questions) == 1
    title, text = questions[0]
    assert title == "A very large run" and "100,000,000 requests" in text
    assert "--max-requests" not in text and "--max-work" not in text  # CLI flags mean nothing here
    assert window.runner.state == IDLE and window.runner._run is None
    assert window.results.caption.text().startswith("Run cancelled")
    assert not window.document.locked


def test_yes_runs_it_and_stop_ends_it(window, qtbot, questions) -> None:
    _huge_load(window)
    questions.answer = Button.Yes
    _run(window)
    assert len(questions) == 1 and window.runner.state == RUNNING
    window.runner.stop()
    qtbot.waitUntil(lambda: window.runner.state == IDLE and window.runner._run is None,
                    timeout=60_000)


def test_a_hard_limit_is_refused_without_a_question(window, questions) -> None:
    design = small_design(rate_rps=10, duration_s=20)
    window.document.reset(dataclasses.replace(
        design, simulation=dataclasses.replace(design.simulation, duration_s=2_000_000,
                                               window_s=1.0)))
    _run(window)
    assert questions == []
    assert window.runner._run is None
    caption = window.results.caption.text()
    assert caption.startswith("Cannot run:") and "windows" in caption


def test_a_trace_outside_the_designs_folder_needs_the_users_yes(window, qtbot, questions,
                                                                tmp_path: Path) -> None:
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    (outside / "times.csv").write_text("0.1\n0.2\n0.3\n", encoding="utf-8")
    folder = tmp_path / "design"
    folder.mkdir()
    design = small_design(rate_rps=10, duration_s=5)
    users = dataclasses.replace(design.components[0], workload=Workload(
        "trace", trace_file="../elsewhere/times.csv"))
    path = folder / "traced.sdsim"
    save(dataclasses.replace(design, components=[users, *design.components[1:]]), path)
    window.load_file(path)
    _run(window)
    assert [title for title, _ in questions] == ["Trace file outside the design's folder"]
    assert window.runner._run is None
    questions.answer = Button.Yes
    _run(window)
    qtbot.waitUntil(lambda: window.runner.state == IDLE and window.runner._run is None,
                    timeout=60_000)
    summary = window.runner.last_summary
    assert summary is not None and summary["end_to_end"]["requests"] >= 0
    assert json.dumps(summary)  # a real summary came back from the engine process
