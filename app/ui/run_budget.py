"""Before a GUI run: the same work budget the CLI enforces, as questions to the user.

The CLI refuses a run over its budget and names the flag that lifts it; the
GUI asks instead. A hard limit (nothing can lift it) is refused; a trace file
outside the design's folder is run only if the user allows that file; a run
bigger than the CLI's defaults is run only if the user says so, and then the
engine's own run-time guard (a multiple of the estimate, and memory) still
stops one that runs away.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from PySide6.QtWidgets import QMessageBox, QWidget

from app.engine.budget import BudgetProblem, check_run_budget
from app.model.document import Document
from app.ui.plain_text import ask

Button = QMessageBox.StandardButton


@dataclass(frozen=True)
class RunPermission:
    """What the user allowed for this run."""

    allow_outside_files: bool = False


@dataclass(frozen=True)
class RunRefusal:
    """Why the run does not start (shown in the results caption and status bar)."""

    text: str


def _gui_wording(problem: BudgetProblem) -> str:
    # The budget's messages end by naming a CLI flag ("… or raise --max-work");
    # in the GUI the question itself is the way to go past it.
    text = problem.message.replace("the --max-work budget", "the work budget")
    cut = text.rfind(", or raise --")
    if cut < 0:
        cut = text.rfind("; or raise --")
    text = text[:cut] if cut > 0 else text
    return "• " + text[:1].upper() + text[1:] + "."


def _listed(problems: list[BudgetProblem]) -> str:
    return "\n".join(_gui_wording(p) for p in problems)


def confirm_run(
    parent: QWidget | None, model: Document, base_dir: Path | None
) -> RunPermission | RunRefusal:
    """Check the run's size and files; ask where the user may choose. Never raises."""
    sim = model.simulation
    try:
        problems = check_run_budget(model, sim.duration_s, sim.warmup_s, base_dir,
                                    window_s=sim.window_s)
    except (ValueError, OSError, OverflowError) as exc:  # a design the estimate cannot read
        return RunRefusal(f"Cannot run: {exc}")
    hard = [p for p in problems if not p.overridable]
    if hard:
        return RunRefusal(f"Cannot run: {hard[0].message}")
    outside = [p for p in problems if p.cause == "trace_outside"]
    big = [p for p in problems if p.cause != "trace_outside"]
    if outside:
        text = ("This design replays a trace file from outside its own folder:\n\n"
                + _listed(outside)
                + "\n\nRead that file for this run?")
        if ask(parent, "Trace file outside the design's folder", text) != Button.Yes:
            return RunRefusal("Run cancelled: the trace file outside the design's folder "
                              "was not allowed.")
    if big:
        text = ("This run is bigger than the command line allows by default:\n\n"
                + _listed(big)
                + "\n\nIt may take a long time and much memory; Stop ends it at any "
                "point with the results so far. Run anyway?")
        if ask(parent, "A very large run", text) != Button.Yes:
            return RunRefusal("Run cancelled: it was larger than the default budget.")
    return RunPermission(allow_outside_files=bool(outside))
