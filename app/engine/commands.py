"""Live actions: what a user does to a running design (crash a node, slow it down...).

A live action is a run action, not a document edit: it is sent to the run
while it is going (the GUI's context menu, a test), applied by the run driver
between two slices at the current simulated time, and recorded in the run's
event log. It is a small frozen record so that it crosses a process pipe.
"""

from __future__ import annotations

from dataclasses import dataclass

#: The kinds a live action can have. ``crash``/``slowdown``/``error_rate``/``latency``/
#: ``partition``/``zone_outage`` are the fault kinds of the design's ``faults`` list;
#: ``recover`` ends every live or scheduled fault on its target now.
LIVE_KINDS = ("crash", "recover", "slowdown", "error_rate", "latency", "partition",
              "zone_outage")


@dataclass(frozen=True, slots=True)
class LiveAction:
    """One action on a running design.

    ``target`` is a component id, a link ``"source->target"`` or a zone,
    as for the design's faults. ``duration_s`` ``None`` lasts until a
    ``recover`` (or the end of the run). ``replicas`` (crash) crashes the
    first n replicas; ``factor`` (slowdown), ``rate`` (error_rate) and
    ``add_ms`` (latency) are the fault's size.
    """

    kind: str
    target: str
    duration_s: float | None = None
    replicas: int | None = None
    factor: float | None = None
    rate: float | None = None
    add_ms: float | None = None

    def __post_init__(self) -> None:
        if self.kind not in LIVE_KINDS:
            raise ValueError(f"unknown live action {self.kind!r}; one of {', '.join(LIVE_KINDS)}")
