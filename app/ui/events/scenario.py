"""Turn a run's live actions into scheduled faults: "Add to scheduled faults".

A live action (a user's "Crash now", "Slow down", "Partition"...) is a run
action: it is recorded in the run's event log with ``source`` ``"live"``, not
in the design. After the run, the user can keep them as a replayable
scenario: :func:`faults_from_live_events` reads the log back into
:class:`~app.model.document.Fault` records (a crash and the recovery that
ended it become one crash fault with ``at_s`` and ``duration_s``), and
:func:`add_faults` adds them to the design as one undoable step.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from app.engine.events import RunEvent
from app.model.document import Fault
from app.ui.document import EditorDocument

#: Fault kinds whose start and end are logged as ``kind`` and ``kind + "_end"``.
_SPAN_KINDS = ("slowdown", "error_rate", "latency", "partition", "zone_outage")


@dataclass
class _Open:
    """A live fault that started and has not ended yet."""

    kind: str
    target: str
    start: float
    replicas: set[int] = field(default_factory=set)
    factor: float | None = None
    rate: float | None = None
    add_ms: float | None = None


def _close(fault: _Open, end: float | None, sizes: Mapping[str, int]) -> Fault:
    replicas = None
    if fault.kind == "crash" and fault.replicas and len(fault.replicas) < sizes.get(
            fault.target, len(fault.replicas)):
        replicas = len(fault.replicas)
    return Fault(fault.kind, fault.target, round(fault.start, 3),
                 None if end is None else round(max(0.0, end - fault.start), 3),
                 replicas=replicas, factor=fault.factor, rate=fault.rate, add_ms=fault.add_ms)


def _number(value: object) -> float | None:
    return float(value) if isinstance(value, int | float) else None


def faults_from_live_events(
    events: Iterable[RunEvent], replicas: Mapping[str, int] | None = None
) -> list[Fault]:
    """The run's live actions as scheduled faults, in the order they started.

    ``replicas`` (component id -> replica count) tells a crash of every
    replica (no ``replicas`` key in the fault) from one of the first few. A
    fault still in effect when the run ended lasts to the end (no
    ``duration_s``). Events of other sources (scheduled faults, random
    crashes) are not live actions and are ignored.
    """
    sizes = replicas or {}
    open_faults: list[_Open] = []
    done: list[Fault] = []

    def take(kind: str, target: str) -> _Open | None:
        for i, fault in enumerate(open_faults):
            if fault.kind == kind and fault.target == target:
                return open_faults.pop(i)
        return None

    for event in events:
        if event.detail.get("source") != "live":
            continue
        kind, target, t = event.kind, event.target, event.time_s
        if kind == "crash":
            current = next((f for f in open_faults
                            if f.kind == "crash" and f.target == target), None)
            if current is None:
                current = _Open("crash", target, t)
                open_faults.append(current)
            replica = event.detail.get("replica")
            if isinstance(replica, int):
                current.replicas.add(replica)
        elif kind == "recover":
            crash = take("crash", target)
            if crash is not None:
                done.append(_close(crash, t, sizes))
        elif kind in _SPAN_KINDS:
            open_faults.append(_Open(kind, target, t,
                                     factor=_number(event.detail.get("factor")),
                                     rate=_number(event.detail.get("rate")),
                                     add_ms=_number(event.detail.get("add_ms"))))
        elif kind.endswith("_end") and kind[:-4] in _SPAN_KINDS:
            span = take(kind[:-4], target)
            if span is not None:
                done.append(_close(span, t, sizes))
    done.extend(_close(fault, None, sizes) for fault in open_faults)
    return sorted(done, key=lambda f: f.at_s)


def add_faults(document: EditorDocument, faults: list[Fault]) -> bool:
    """Add ``faults`` to the design's scheduled faults as one undo step (False: refused)."""
    if not faults or document.locked:
        return False
    document.add_scheduled_faults(faults)
    return True
