"""The Run press does the least it can in its own turn; the rest follows in later turns (#14)."""

from __future__ import annotations

from PySide6.QtCore import QTimer

from app.engine.control import ProcessControl
from app.ui.run_controller import IDLE, RUNNING
from tests.ui.helpers import small_design


def _wait_idle(window, qtbot, timeout: int = 20_000) -> None:
    qtbot.waitUntil(lambda: window.runner.state == IDLE and window.runner._run is None,
                    timeout=timeout)


def test_run_uses_the_control_made_while_idle_and_makes_the_next_after(
        window, qtbot, monkeypatch) -> None:
    """The engine's control (semaphores, queue) is made in an idle turn, not when Run is
    pressed; once the run is over, the next run's is made the same way."""
    window.document.reset(small_design(rate_rps=100, duration_s=5))
    window.scenario_bar.set_speed(None)
    qtbot.waitUntil(lambda: window.runner.control_ready)
    made: list[ProcessControl] = []
    init = ProcessControl.__init__

    def counting_init(self, *args, **kwargs) -> None:
        made.append(self)
        init(self, *args, **kwargs)

    monkeypatch.setattr(ProcessControl, "__init__", counting_init)
    assert window.runner.run()
    assert made == [] and not window.runner.control_ready  # the spare is used up
    _wait_idle(window, qtbot)
    assert window.runner.last_summary is not None and len(window.runner.snapshots) == 5
    qtbot.waitUntil(lambda: window.runner.control_ready)
    assert len(made) == 1  # the next run's, made after this one


def test_a_stopped_control_is_never_used_again(window, qtbot) -> None:
    """Each run gets a fresh control: the last run's stop must not stop the next."""
    window.document.reset(small_design(rate_rps=100, duration_s=600))
    window.scenario_bar.set_speed(10.0)
    qtbot.waitUntil(lambda: window.runner.control_ready)
    assert window.runner.run()
    first = window.runner._run.worker._control
    window.runner.stop()
    _wait_idle(window, qtbot)
    qtbot.waitUntil(lambda: window.runner.control_ready)
    window.scenario_bar.set_speed(None)
    window.document.reset(small_design(rate_rps=100, duration_s=5))
    assert window.runner.run()
    second = window.runner._run.worker._control
    assert second is not first and not second.stop_requested()
    _wait_idle(window, qtbot)
    assert window.runner.last_summary is not None and len(window.runner.snapshots) == 5


def test_the_palette_greys_out_and_the_charts_come_forward_in_turns_after_run(
        window, qtbot) -> None:
    """Run's own turn locks the design; the palette greys out in a later turn and the
    Charts dock comes to the front in a turn after that, each with its own paint."""
    window.document.reset(small_design(rate_rps=100, duration_s=600))
    window.scenario_bar.set_speed(10.0)
    window.results_dock.raise_()
    qtbot.waitUntil(lambda: window.charts_dock.visibleRegion().isEmpty())
    tree = window.palette_panel.tree
    assert tree.isEnabled()
    seen: list[tuple[bool, bool]] = []  # (palette enabled, charts in view) per turn
    sampler = QTimer(window)  # goes with the window, whatever the test does
    sampler.setInterval(0)
    sampler.timeout.connect(lambda: seen.append(
        (tree.isEnabled(), not window.charts_dock.visibleRegion().isEmpty())))
    sampler.start()
    assert window.runner.run()
    # Locked at once: the document refuses edits from Run's own turn on.
    assert window.document.locked and window.runner.state == RUNNING
    assert tree.isEnabled() and window.run_view.press_steps_pending == 2
    qtbot.waitUntil(lambda: window.run_view.press_steps_pending == 0
                    and not window.charts_dock.visibleRegion().isEmpty())
    sampler.stop()
    assert not tree.isEnabled()
    states = [s for i, s in enumerate(seen) if i == 0 or s != seen[i - 1]]
    assert states == [(True, False), (False, False), (False, True)], seen[:30]
    window.runner.stop()
    _wait_idle(window, qtbot)
    assert tree.isEnabled()


def test_a_run_ending_before_its_press_steps_leaves_the_palette_usable(window, qtbot) -> None:
    """A run stopped at once: the steps still pending are dropped, the palette stays usable."""
    window.document.reset(small_design(rate_rps=100, duration_s=600))
    window.scenario_bar.set_speed(10.0)
    assert window.runner.run()
    window.runner.stop()
    _wait_idle(window, qtbot)
    assert window.run_view.press_steps_pending == 0
    qtbot.wait(50)  # a frame or two: nothing left to grey the palette out
    assert window.palette_panel.tree.isEnabled()
