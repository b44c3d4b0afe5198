"""The What-if dialog used as a user would: load ×2, run, cancel, keep the run, compare with it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QAbstractSpinBox, QMessageBox
from pytestqt.qtbot import QtBot

from app.model.fileformat import dumps
from app.ui.compare.dialog import CompareDialog
from app.ui.compare.kept import NOT_SIGNED_IN
from app.ui.main_window import MainWindow
from app.ui.project_session import ProjectSession
from tests.support import storage_fixtures
from tests.support.storage_fixtures import SeededStore
from tests.validation.queueing import queue_doc

seeded = storage_fixtures.seeded
seeded_users = storage_fixtures.seeded_users
SHOTS = Path(__file__).resolve().parents[2] / "shots"
#: Long enough for a whole comparison; a hang fails instead of blocking the suite.
RUN_TIMEOUT_MS = 180_000


def _design() -> Any:
    """M/M/1 with 10 ms service at 30 req/s (rho 0.3): ×2 makes rho 0.6."""
    doc = queue_doc(30.0, 10.0, 1, duration_s=20.0, warmup_s=2.0, seed=11)
    doc.name = "Checkout <b>queue</b>"
    return doc


@pytest.fixture
def signed_in(qtbot: QtBot, seeded: SeededStore) -> Iterator[tuple[MainWindow, SeededStore]]:
    """A main window signed in as Alice with a project holding the M/M/1 design open."""
    window = MainWindow()
    window.files.ask_save_changes = (  # type: ignore[method-assign]
        lambda: QMessageBox.StandardButton.Discard)
    accounts = ProjectSession(window, seeded.store)
    accounts.show_error = lambda title, text: pytest.fail(text)  # type: ignore[method-assign]
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    accounts.set_session(seeded.alice, offer_recovery=False)
    project = seeded.store.projects.create(seeded.alice, "Checkout", dumps(_design()))
    assert accounts.open_project(project.id)
    yield window, seeded
    if window.isVisible():
        window.close()
    window.runner.shutdown()


def _open(window: MainWindow, qtbot: QtBot) -> CompareDialog:
    run_menu = next(a.menu() for a in window.menuBar().actions() if a.text() == "&Run")
    assert window.compare_action in run_menu.actions()
    assert window.compare_action.text() == "Compare &what-if…"
    window.compare_action.trigger()
    dialog = window.findChild(CompareDialog)
    assert dialog is not None
    qtbot.waitExposed(dialog)
    return dialog


def _type(qtbot: QtBot, box: QAbstractSpinBox, text: str) -> None:
    box.lineEdit().selectAll()
    qtbot.keyClicks(box.lineEdit(), text)
    box.interpretText()


def _run(qtbot: QtBot, dialog: CompareDialog) -> None:
    qtbot.mouseClick(dialog.run_button, Qt.MouseButton.LeftButton)
    assert dialog.job.running and not dialog.run_button.isEnabled()
    qtbot.waitUntil(lambda: not dialog.job.running, timeout=RUN_TIMEOUT_MS)


def _rows(dialog: CompareDialog) -> dict[str, list[str]]:
    table = dialog.table
    return {table.item(r, 0).text(): [table.item(r, c).text() for c in range(1, 5)]
            for r in range(table.rowCount())}


def _shot(dialog: CompareDialog, name: str) -> None:
    SHOTS.mkdir(exist_ok=True)
    assert dialog.grab().save(str(SHOTS / name))


def test_load_x2_cancel_save_and_compare_with_the_kept_run(
        signed_in: tuple[MainWindow, SeededStore], qtbot: QtBot) -> None:
    window, seeded = signed_in
    dialog = _open(window, qtbot)
    assert dialog.kind == "load" and dialog.factor.isVisible()
    assert not dialog.save_button.isEnabled() and dialog.progress.text() == "Not run yet"
    assert "Checkout" in dialog.save_note.text()
    _type(qtbot, dialog.factor, "2")
    _type(qtbot, dialog.replications, "4")
    _run(qtbot, dialog)
    assert dialog.progress.value() == dialog.progress.maximum() == 8
    assert dialog.progress.text() == "8 of 8 replications"
    rows = _rows(dialog)
    latency = rows["End to end · mean latency (ms)"]
    assert latency[3].startswith("YES, higher")
    assert rows["End to end · throughput (req/s)"][3].startswith("YES, higher")
    assert rows["End to end · error rate (%)"][3].startswith("no")
    assert float(latency[0].split(" ± ")[0]) == pytest.approx(14.3, rel=0.2)
    assert float(latency[1].split(" ± ")[0]) == pytest.approx(25.0, rel=0.2)
    assert "figures differ significantly" in dialog.status.text()
    _shot(dialog, "compare_load_x2.png")

    # A long comparison, cancelled once the first replication is in: the GUI stays live.
    _type(qtbot, dialog.replications, "100")
    qtbot.mouseClick(dialog.run_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.progress.value() >= 1, timeout=RUN_TIMEOUT_MS)
    assert dialog.cancel_button.isEnabled()
    qtbot.mouseClick(dialog.cancel_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not dialog.job.running, timeout=30_000)
    assert dialog.status.text().startswith("Cancelled:")
    assert dialog.progress.value() < 200 and dialog.table.rowCount() == 0
    assert dialog.run_button.isEnabled() and not dialog.save_button.isEnabled()
    _shot(dialog, "compare_cancelled.png")

    # Run again, keep the current side with the project, then compare with the kept run.
    _type(qtbot, dialog.replications, "3")
    _run(qtbot, dialog)
    assert dialog.save_button.isEnabled()
    dialog.label.clear()
    # Pasted text with a direction override (QTest cannot type it): refused, and said so.
    dialog.label.insert("evil \u202eLTR")
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    assert dialog.save_note.text().startswith("Not saved: The label contains a control or "
                                              "invisible character (U+202E")
    dialog.label.clear()
    qtbot.keyClicks(dialog.label, "Before the cache <i>really</i>")
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    assert "Kept “Before the cache <i>really</i>”" in dialog.save_note.text()
    [kept] = seeded.store.runs.list(seeded.alice, window.findChild(ProjectSession).project.id)
    assert kept.replications == 3 and kept.settings["compared_with"] == {
        "kind": "load", "label": "load ×2", "overrides": {"users.workload.rate_rps": 60.0}}
    assert (kept.settings["duration_s"], kept.settings["warmup_s"]) == (20.0, 2.0)

    dialog.choose("kept")
    assert dialog.kept_runs.isVisible() and not dialog.replications.isEnabled()
    assert dialog.kept_runs.currentText().startswith("Before the cache <i>really</i> (3 ")
    assert dialog.replications.value() == 3
    _run(qtbot, dialog)
    assert dialog.progress.maximum() == 3
    rows = _rows(dialog)
    assert dialog.table.horizontalHeaderItem(2).text() == "Kept run"
    # Same design, same seeds: the same numbers, nothing significant.
    assert all(not cells[3].startswith("YES") for cells in rows.values())
    assert rows["End to end · mean latency (ms)"][2].startswith("0 (+0 %) [")
    _shot(dialog, "compare_kept_run.png")
    dialog.close()


def test_offline_other_variants_and_problems(window: MainWindow, qtbot: QtBot) -> None:
    window.document.reset(_design())
    window.scene.select_components(["q"])
    dialog = _open(window, qtbot)
    assert not dialog.save_button.isEnabled() and dialog.save_note.text() == NOT_SIGNED_IN
    assert dialog.component.currentData() == "q"  # the selected component
    dialog.choose("kept")
    assert dialog.kept_runs.currentText() == NOT_SIGNED_IN
    qtbot.mouseClick(dialog.run_button, Qt.MouseButton.LeftButton)
    assert not dialog.job.running
    assert dialog.status.text().startswith("Choose a kept run")
    dialog.choose("profile")
    assert dialog.profile.isVisible() and not dialog.factor.isVisible()
    dialog.profile.setCurrentIndex(dialog.profile.findData("microservice"))  # its own profile
    qtbot.mouseClick(dialog.run_button, Qt.MouseButton.LeftButton)
    assert "already has the profile" in dialog.status.text() and not dialog.job.running
    dialog.choose("replica")
    _type(qtbot, dialog.replications, "4")
    _run(qtbot, dialog)
    rows = _rows(dialog)
    # One server more at rho 0.3: the queueing delay all but goes.
    assert rows["End to end · mean latency (ms)"][3].startswith("YES, lower")
    assert rows["q · utilization (%)"][3].startswith("YES, lower")
    _shot(dialog, "compare_replica_offline.png")
    dialog.close()


def test_a_damaged_kept_run_says_so_and_can_be_deleted(
        signed_in: tuple[MainWindow, SeededStore], qtbot: QtBot) -> None:
    import sqlite3

    from app.storage import RunReplication

    window, seeded = signed_in
    project_id = window.findChild(ProjectSession).project.id
    good = seeded.store.runs.save(seeded.alice, project_id, "Good", dumps(_design()),
                                  [RunReplication(1, {}), RunReplication(2, {})], seed=11)
    seeded.clock.advance(60)
    damaged = seeded.store.runs.save(seeded.alice, project_id, "Nightly", dumps(_design()),
                                     [RunReplication(1, {}), RunReplication(2, {})], seed=11)
    with sqlite3.connect(seeded.path) as db:
        db.execute("UPDATE runs SET results = ? WHERE id = ?", (b"garbage", damaged.id))
    dialog = _open(window, qtbot)
    dialog.choose("kept")
    assert dialog.kept_runs.count() == 2
    assert dialog.kept_runs.currentText().startswith("Nightly (2 replications")
    qtbot.mouseClick(dialog.run_button, Qt.MouseButton.LeftButton)
    assert not dialog.job.running
    assert dialog.status.text() == ("The kept run “Nightly” is damaged: its results cannot be "
                                    "read. Delete it and run it again.")
    asked: list[str] = []
    dialog.ask_delete = lambda label: asked.append(label) or False  # type: ignore[method-assign]
    qtbot.mouseClick(dialog.delete_button, Qt.MouseButton.LeftButton)
    assert asked == ["Nightly"] and dialog.kept_runs.count() == 2  # declined: kept
    dialog.ask_delete = lambda label: True  # type: ignore[method-assign]
    qtbot.mouseClick(dialog.delete_button, Qt.MouseButton.LeftButton)
    assert dialog.status.text() == "Deleted the kept run “Nightly”."
    assert [r.id for r in seeded.store.runs.list(seeded.alice, project_id)] == [good.id]
    assert dialog.kept_runs.count() == 1 and dialog.kept_runs.currentText().startswith("Good")
    _shot(dialog, "compare_deleted_damaged.png")
    dialog.close()
