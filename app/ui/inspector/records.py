"""Reading and replacing (nested) fields of the model's records by attribute path.

The inspector edits ``component.specs.cpu_cores`` and friends through these
helpers, which never mutate a record: they return an edited copy, which is
what the undo commands need. A nested record whose fields are all "not
given" collapses back to ``None``, so clearing every field of a section
leaves the file exactly as if it had never been set.
"""

from __future__ import annotations

import dataclasses
from typing import Any, TypeVar

from app.model.document import Component, Routing, ServiceTime, Specs, Workload

R = TypeVar("R")

#: Nested record type of each nested field of :class:`Component`.
NESTED: dict[str, type] = {
    "specs": Specs,
    "service_time": ServiceTime,
    "routing": Routing,
    "workload": Workload,
}


def get_path(record: object, path: tuple[str, ...]) -> Any:
    """The value at ``path`` (``None`` if a nested record on the way is absent)."""
    value: Any = record
    for name in path:
        if value is None:
            return None
        value = getattr(value, name)
    return value


def _is_empty(nested: object) -> bool:
    """True when a nested record holds nothing at all (only :class:`Specs` can).

    A service time or workload always has a distribution or pattern, which the
    user may have chosen on purpose, so those never collapse here.
    """
    if isinstance(nested, Specs):
        return all(getattr(nested, f.name) is None for f in dataclasses.fields(Specs))
    return False


def _params_empty(service: ServiceTime) -> bool:
    return all(
        getattr(service, f.name) is None
        for f in dataclasses.fields(ServiceTime) if f.name != "distribution"
    )


def with_path(
    record: R, path: tuple[str, ...], value: Any, base_for: dict[str, Any] | None = None
) -> R:
    """A copy of ``record`` with ``path`` set to ``value``.

    ``base_for`` gives the record to start from when a nested one is absent
    (e.g. a :class:`ServiceTime` carrying the profile's distribution), keyed by
    the nested field name; by default a fresh record of the nested type.
    """
    if len(path) == 1:
        return dataclasses.replace(record, **{path[0]: value})  # type: ignore[type-var]
    head, rest = path[0], path[1:]
    nested = getattr(record, head)
    if nested is None:
        if value is None or (head not in NESTED and head not in (base_for or {})):
            # Clearing a field of an absent section, or a late edit of a switched-off one
            # (a focused field hidden by Undo finishes its edit): nothing to change.
            return record
        nested = (base_for or {}).get(head) or NESTED[head]()
    edited = with_path(nested, rest, value)
    if _is_empty(edited):
        edited = None
    return dataclasses.replace(record, **{head: edited})  # type: ignore[type-var]


def with_service_distribution(
    component: Component, distribution: str | None, profile_distribution: str
) -> Component:
    """Set the service-time distribution; ``None`` returns to the profile's.

    Returning to the default drops the whole section when no parameter is
    given, and otherwise keeps the parameters under the profile's distribution.
    """
    current = component.service_time
    if distribution is None:
        if current is None or _params_empty(current):
            return dataclasses.replace(component, service_time=None)
        distribution = profile_distribution
    base = current or ServiceTime()
    return dataclasses.replace(
        component, service_time=dataclasses.replace(base, distribution=distribution)
    )
