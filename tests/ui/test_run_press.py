"""The Run press does the least it can in its own turn; the rest follows in later turns (#14)."""

from __future__ import annotations

from app.engine.control import ProcessControl
from app.ui.run_controller import IDLE
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
