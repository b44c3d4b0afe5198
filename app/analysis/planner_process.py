"""The capacity planner in a process of its own: what the GUI's planner dialog starts.

The confirming simulations are CPU-bound Python: in a thread of the GUI
process they would hold the GIL and stall the window for hundreds of
milliseconds at a time. So the dialog starts :func:`plan_in_process` in a
separate process and reads its messages from a queue on a GUI timer:

* ``("progress", fraction, text)`` as the planner goes;
* then exactly one of ``("plan", Plan)``, ``("error", message)`` or
  ``("cancelled",)``.

A set ``cancel`` event stops the planner between steps (and a confirming run
within one slice). Qt-free, and importable in the child without Qt.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any


@dataclass(frozen=True, slots=True)
class PlanRequest:
    """What to plan: the design as canonical ``.sdsim`` text, its folder, the targets."""

    doc_text: str
    base_dir: str | None
    target_rps: float
    p99_ms: float
    seeds: tuple[int, ...]


def plan_in_process(request: PlanRequest, messages: Any, cancel: Any) -> None:
    """Plan ``request`` and put the outcome on ``messages`` (a multiprocessing queue).

    ``cancel`` is a multiprocessing event: once set, the planner stops.
    """
    from app.analysis.planner import PlanCancelled, plan_capacity
    from app.model.errors import DocumentError
    from app.model.fileformat import loads

    def progress(fraction: float, text: str) -> None:
        messages.put(("progress", fraction, text))

    try:
        doc = loads(request.doc_text)
        base_dir = Path(request.base_dir) if request.base_dir is not None else None
        plan = plan_capacity(doc, target_rps=request.target_rps, p99_ms=request.p99_ms,
                             base_dir=base_dir, seeds=request.seeds, progress=progress,
                             cancelled=cancel.is_set)
    except PlanCancelled:
        messages.put(("cancelled",))
    except (DocumentError, ValueError, ArithmeticError, OSError) as exc:
        messages.put(("error", " ".join(str(exc).split())))
    else:
        messages.put(("plan", plan))
