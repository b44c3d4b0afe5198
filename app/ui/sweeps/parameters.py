"""What a sweep can vary in a design: each component's and link's numeric fields.

The dialog offers these as override keys (see :mod:`app.engine.overrides`):
a client's ``rate_rps``, a tier's ``replicas`` and ``concurrency``, a
cache's ``hit_ratio``, a tier's ``profile`` (a list of names), a link's
``timeout_ms`` and ``latency_ms``, and the run's ``duration_s``. Each comes with the
value the design has today (the resolved one: a tier without ``replicas``
runs one replica) and a suggested range around it. Qt-free.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from app.model.catalog import component_type
from app.model.document import Component, Document, Link
from app.model.profiles import PROFILES
from app.model.resolve import effective_concurrency, resolve, resolve_link

#: The key of the run's length (always offered, after the components' fields).
DURATION_KEY: Final = "simulation.duration_s"


@dataclass(frozen=True, slots=True)
class Parameter:
    """One sweepable field.

    Attributes:
        key: The override key (``users.rate_rps``, ``lb->web.timeout_ms``).
        owner: The component id or link key it belongs to (``simulation`` for the run).
        current: The design's value today (``None``: not set, no default).
        integer: Whole numbers only (replicas, concurrency).
        choices: The names a list may hold (profiles); empty for numbers.
    """

    key: str
    owner: str
    current: float | int | str | None
    integer: bool = False
    choices: tuple[str, ...] = ()

    @property
    def numeric(self) -> bool:
        """Whether the field takes numbers (a range); otherwise a list of names."""
        return not self.choices

    def suggested_range(self) -> tuple[str, str, str]:
        """``(start, stop, step)`` texts around today's value, for a first sweep."""
        if self.integer:
            now = int(self.current) if isinstance(self.current, int | float) else 1
            return "1", str(max(4, 2 * now)), "1"
        if self.key.endswith(".hit_ratio"):
            return "0.5", "0.95", "0.15"
        base = float(self.current) if isinstance(self.current, int | float) and (
            self.current > 0) else 100.0
        step = base / 4
        return _num(step), _num(2 * base), _num(step)

    def suggested_list(self) -> str:
        """A list to start from: today's value (and, for profiles, the type's default)."""
        if self.current is None:
            return ""
        return str(self.current) if not isinstance(self.current, float) else _num(self.current)


def _num(value: float) -> str:
    """A short text for ``value`` (``200`` not ``200.0``; 6 significant digits)."""
    return f"{value:.6g}"


def component_parameters(comp: Component) -> list[Parameter]:
    """The sweepable fields of one component."""
    ctype = component_type(comp.type)
    if ctype.is_client:
        rate = comp.workload.rate_rps if comp.workload is not None else None
        return [Parameter(f"{comp.id}.rate_rps", comp.id, rate)] if rate is not None else []
    resolved = resolve(comp)
    out = [Parameter(f"{comp.id}.replicas", comp.id, resolved.replicas, integer=True),
           Parameter(f"{comp.id}.concurrency", comp.id, effective_concurrency(comp),
                     integer=True)]
    if ctype.caching:
        out.append(Parameter(f"{comp.id}.hit_ratio", comp.id, resolved.hit_ratio))
    if ctype.default_profile is not None or comp.profile is not None:
        out.append(Parameter(f"{comp.id}.profile", comp.id,
                             comp.profile or ctype.default_profile, choices=tuple(PROFILES)))
    return out


def link_parameters(link: Link) -> list[Parameter]:
    """The sweepable fields of one link."""
    owner = f"{link.source}->{link.target}"
    resolved = resolve_link(link)
    return [Parameter(f"{owner}.timeout_ms", owner, resolved.timeout_ms),
            Parameter(f"{owner}.latency_ms", owner, resolved.latency_ms)]


def design_parameters(doc: Document, first: str | None = None) -> list[Parameter]:
    """Every sweepable field of ``doc``: ``first``'s (a component id or link key) first,
    then the other components', the links' and the run's length."""
    params: list[Parameter] = []
    for comp in doc.components:
        params += component_parameters(comp)
    for link in doc.links:
        params += link_parameters(link)
    params.append(Parameter(DURATION_KEY, "simulation", doc.simulation.duration_s))
    if first is not None:
        params.sort(key=lambda p: p.owner != first)  # stable: the design's order otherwise
    return params
