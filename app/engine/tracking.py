"""Which components keep their in-flight visits (what a crash or a retirement needs).

Keeping them costs a little per request, so a batch run (no live actions)
keeps them only where the design can crash or retire replicas.
"""

from __future__ import annotations

from app.model.document import Document
from app.model.resolve import resolve_chaos, resolve_faults, zone_members


def crashable_components(doc: Document) -> set[str] | None:
    """Ids of the components that keep their in-flight visits; ``None``: all (chaos).

    Those a failure, a fault or a zone outage can crash, and autoscaled ones (a
    retiring replica must know when the last of its visits has replied).
    """
    if resolve_chaos(doc) is not None:
        return None
    ids = {c.id for c in doc.components if c.failure is not None or c.autoscaling is not None}
    zones = zone_members(doc)
    for fault in resolve_faults(doc):
        if fault.kind == "crash":
            ids.add(fault.target)
        elif fault.kind == "zone_outage":
            ids.update(zones.get(fault.target, ()))
    return ids
