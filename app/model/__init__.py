"""The architecture document (pure Python): components, links, catalog, profiles.

Nothing here imports Qt; geometry is plain tuples.
"""

from app.model.catalog import CATEGORIES, COMPONENT_TYPES, ComponentType, component_type
from app.model.document import (
    UNBOUNDED,
    Component,
    Document,
    Link,
    Routing,
    ServiceTime,
    SimulationSettings,
    Specs,
    Workload,
)
from app.model.profiles import PROFILES, REFERENCE_SPECS, Profile, profile
from app.model.resolve import ResolvedComponent, ResolvedLink, resolve, resolve_link

__all__ = [
    "CATEGORIES",
    "COMPONENT_TYPES",
    "PROFILES",
    "REFERENCE_SPECS",
    "UNBOUNDED",
    "Component",
    "ComponentType",
    "Document",
    "Link",
    "Profile",
    "ResolvedComponent",
    "ResolvedLink",
    "Routing",
    "ServiceTime",
    "SimulationSettings",
    "Specs",
    "Workload",
    "component_type",
    "profile",
    "resolve",
    "resolve_link",
]
