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
from app.model.errors import (
    DocumentError,
    Problem,
    ProblemList,
    UnsupportedFormatVersionError,
    count_phrase,
)
from app.model.fileformat import FORMAT_VERSION, dumps, load, loads, save
from app.model.profiles import PROFILES, REFERENCE_SPECS, Profile, profile
from app.model.resolve import ResolvedComponent, ResolvedLink, resolve, resolve_link
from app.model.templates import (
    COMPONENT_TEMPLATES,
    ComponentTemplate,
    TemplateInfo,
    list_architecture_templates,
    load_architecture_template,
)
from app.model.validation import problems_by_component, validate

__all__ = [
    "CATEGORIES",
    "COMPONENT_TEMPLATES",
    "COMPONENT_TYPES",
    "FORMAT_VERSION",
    "PROFILES",
    "REFERENCE_SPECS",
    "UNBOUNDED",
    "Component",
    "ComponentTemplate",
    "ComponentType",
    "Document",
    "DocumentError",
    "Link",
    "Problem",
    "ProblemList",
    "Profile",
    "ResolvedComponent",
    "ResolvedLink",
    "Routing",
    "ServiceTime",
    "SimulationSettings",
    "Specs",
    "TemplateInfo",
    "UnsupportedFormatVersionError",
    "Workload",
    "component_type",
    "count_phrase",
    "dumps",
    "list_architecture_templates",
    "load",
    "load_architecture_template",
    "loads",
    "problems_by_component",
    "profile",
    "resolve",
    "resolve_link",
    "save",
    "validate",
]
