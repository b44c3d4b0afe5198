"""A GUI sweep on a Dask scheduler leaves the GUI process without a single Dask thread.

A ``distributed.Client`` runs its event loop in a thread of its process; next
to Qt such threads froze the application (and the test suite). The dialog
therefore runs the sweep in a child process: this test drives it onto a real
cluster (itself in another child process) and looks at this process's threads
while the sweep runs and after it ends.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator

import pytest
from PySide6.QtCore import Qt

from app.model.templates import load_architecture_template
from tests.support.dask_cluster import ClusterProcess, dask_threads


@pytest.fixture(scope="module")
def cluster() -> Iterator[ClusterProcess]:
    pytest.importorskip("distributed")
    with ClusterProcess(workers=2) as local:
        yield local


def test_a_dask_sweep_runs_without_dask_threads_in_the_gui(  # type: ignore[no-untyped-def]
        window, qtbot, cluster: ClusterProcess) -> None:
    window.document.reset(load_architecture_template("three_tier_web_app"))
    sim = window.document.model.simulation
    window.document.edit_simulation(dataclasses.replace(sim, duration_s=5.0, warmup_s=1.0),
                                    "Shorter runs")
    window.scene.select_components(["users"])
    run_menu = next(a.menu() for a in window.menuBar().actions() if a.text() == "&Run")
    next(a for a in run_menu.actions() if a.objectName() == "actionSweep").trigger()
    dialog = window.sweep_dialog
    qtbot.waitExposed(dialog)
    dialog.axis1.set_values("500, 1000")
    dialog.replications.setValue(3)
    dialog.scheduler.selectAll()
    qtbot.keyClicks(dialog.scheduler, cluster.address)
    assert dialog.count.text() == "2 points × 3 replications = 6 runs"

    assert dask_threads() == []
    qtbot.mouseClick(dialog.start_button, Qt.MouseButton.LeftButton)
    # While the sweep runs on the cluster, its client lives in the sweep's process.
    qtbot.waitUntil(lambda: dialog.progress.value() >= 1, timeout=120_000)
    running = dask_threads()
    qtbot.waitUntil(lambda: not dialog.running, timeout=120_000)
    result = dialog.sweep_result
    assert result is not None and result.complete, dialog.status.text()
    assert result.executor == f"Dask scheduler {cluster.address}"
    assert dialog.status.text().startswith("Done: 6 of 6 runs")
    assert running == [] and dask_threads() == []
    dialog.close()
    qtbot.waitUntil(lambda: window.sweep_dialog is None)
