"""Checks on a whole :class:`~app.model.document.Document`.

:func:`validate` applies the same value rules as the ``.sdsim`` reader (so a
document built in code or edited in the GUI is held to the same standard)
plus the checks that need the whole design: references between components,
duplicate links and the synchronous call graph.

Every problem has a severity (see :mod:`app.model.errors`): ``"error"``
problems make a document invalid and :func:`app.model.fileformat.loads`
refuses it; ``"incomplete"`` problems (no client yet, a call cycle, a
workload missing its pattern's fields...) leave a document that can be stored
and edited but not simulated. A run should refuse a document with any problem.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import fields

from app.model.alert_checks import check_alerts
from app.model.catalog import COMPONENT_TYPES
from app.model.dashboards import check_dashboards
from app.model.document import (
    DISTRIBUTIONS,
    FANOUT_MODES,
    ROUTING_ALGORITHMS,
    UNBOUNDED,
    WORKLOAD_PATTERNS,
    Component,
    Document,
    ServiceTime,
    SimulationSettings,
    Specs,
    Workload,
)
from app.model.errors import INCOMPLETE, Problem, in_document_order, is_full
from app.model.graph_checks import check_graph
from app.model.limits import (
    LINK_ARROW,
    MAX_CONCURRENCY,
    MAX_COORDINATE,
    MAX_CPU_CORES,
    MAX_CPU_GHZ,
    MAX_DESCRIPTION_LENGTH,
    MAX_MEMORY_GB,
    MAX_NAME_LENGTH,
    MAX_NETWORK_MBPS,
    MAX_PATH_LENGTH,
    MAX_PAYLOAD_KB,
    MAX_QUEUE_CAPACITY,
    MAX_REPLICAS,
    MAX_SEED,
    MAX_SERVICE_MS,
    MAX_WINDOWS,
    MIN_MEMORY_GB,
    RESERVED_IDS,
)
from app.model.profiles import PROFILES
from app.model.resilience_checks import check_chaos_and_faults, check_component_resilience
from app.model.resolve import effective_concurrency, service_basis
from app.model.service_time import MAX_STD_RATIO, service_problems
from app.model.value_checks import Checker, describe

#: Fields a workload pattern cannot run without.
REQUIRED_WORKLOAD_FIELDS: dict[str, tuple[str, ...]] = {
    "constant": ("rate_rps",),
    "poisson": ("rate_rps",),
    "ramp": ("from_rps", "to_rps", "ramp_s"),
    "step": ("rate_rps", "step_rps", "at_s"),
    "spike": ("rate_rps", "spike_rps", "spike_s", "period_s"),
    "diurnal": ("rate_rps", "amplitude", "period_s"),
    "trace": ("trace_file",),
}

# Lower bounds of the numeric workload fields: (minimum, strictly above).
_WORKLOAD_BOUNDS: dict[str, tuple[float | None, float | None]] = {
    "rate_rps": (0.0, None),
    "from_rps": (0.0, None),
    "to_rps": (0.0, None),
    "step_rps": (0.0, None),
    "spike_rps": (0.0, None),
    "at_s": (0.0, None),
    "ramp_s": (None, 0.0),
    "spike_s": (None, 0.0),
    "period_s": (None, 0.0),
}


def validate(doc: Document, into: list[Problem] | None = None) -> list[Problem]:
    """Every problem of ``doc``, in document order.

    Args:
        doc: The document to check; it is not modified.
        into: Where to collect the problems, e.g. a
            :class:`~app.model.errors.ProblemList` that keeps only the first
            ones of a huge document (and counts the rest in its ``more``).

    Returns:
        The problems found (empty when the document is valid and runnable),
        or those ``into`` kept.
    """
    problems: list[Problem] = [] if into is None else into
    ck = Checker(problems)
    ck.text("$.name", doc.name, MAX_NAME_LENGTH)
    if doc.description is not None:
        ck.text("$.description", doc.description, MAX_DESCRIPTION_LENGTH)
    for index, comp in enumerate(doc.components):
        _check_component(comp, f"$.components[{index}]", problems)
    check_graph(doc, problems)
    _check_simulation(doc.simulation, problems)
    check_chaos_and_faults(doc, problems)
    check_alerts(doc, problems)
    check_dashboards(doc, problems)
    return in_document_order(problems)


def problems_by_component(
    doc: Document, problems: Iterable[Problem] | None = None,
) -> dict[str, list[Problem]]:
    """:func:`validate`'s problems grouped by the ids of the components they concern.

    A problem about several components (a call cycle, a duplicate id) appears
    under each of them; problems about no component (no client at all, the
    simulation settings) appear under none. ``problems``: ``validate(doc)``
    when the caller has it already.
    """
    grouped: dict[str, list[Problem]] = {}
    for problem in validate(doc) if problems is None else problems:
        for component_id in problem.component_ids:
            grouped.setdefault(component_id, []).append(problem)
    return grouped


def _check_component(comp: Component, path: str, problems: list[Problem]) -> None:
    ids = (comp.id,) if isinstance(comp.id, str) and comp.id else ()
    own: list[Problem] = []
    ck = Checker(own, ids, hints=not is_full(problems))
    _check_fields(ck, comp, path)
    # What the engine samples is checked once the fields it derives from are sound.
    inputs = tuple(f"{path}.{name}" for name in _SERVICE_INPUTS)
    if not any(problem.path.startswith(inputs) for problem in own):
        check_effective_service(ck, comp, path)
    problems.extend(own)


def _check_id_is_free(ck: Checker, path: str, comp_id: object) -> None:
    """Refuse the ids the results use for something else (format version 2 on).

    A version-1 file may hold one: it is refused, not renamed, since the id is
    also how the user finds the component in exported metrics and scripts.
    """
    if comp_id in RESERVED_IDS:
        ck.fail(path, f"the id {describe(comp_id)} is reserved (it names the "
                      f"{'end-to-end figures' if comp_id == 'end_to_end' else 'totals'} in "
                      f"metrics.csv and summary.json): rename the component, e.g. to "
                      f"{describe(f'{comp_id}_1')}, and its links with it")
    elif isinstance(comp_id, str) and LINK_ARROW in comp_id:
        fixed = comp_id.replace(LINK_ARROW, "_to_")
        ck.fail(path, f'must not contain "{LINK_ARROW}" (summary.json names links '
                      f'"source{LINK_ARROW}target"): rename the component, e.g. to '
                      f"{describe(fixed)}, and its links with it")


#: Fields a component's effective service time and concurrency derive from.
_SERVICE_INPUTS = ("type", "profile", "specs", "concurrency", "service_time", "payload_kb")


def _check_fields(ck: Checker, comp: Component, path: str) -> None:
    if ck.identifier(f"{path}.id", comp.id):
        _check_id_is_free(ck, f"{path}.id", comp.id)
    is_client = False
    if ck.choice(f"{path}.type", comp.type, COMPONENT_TYPES, "component type"):
        is_client = COMPONENT_TYPES[comp.type].is_client
    if comp.name is not None:
        ck.text(f"{path}.name", comp.name, MAX_NAME_LENGTH)
    _check_position(ck, f"{path}.position", comp.position)
    if comp.profile is not None:
        ck.choice(f"{path}.profile", comp.profile, PROFILES, "profile")
    if comp.replicas is not None:
        ck.integer(f"{path}.replicas", comp.replicas, minimum=1, maximum=MAX_REPLICAS)
    if comp.specs is not None:
        _check_specs(ck, f"{path}.specs", comp.specs)
    if comp.concurrency is not None:
        ck.integer(f"{path}.concurrency", comp.concurrency, minimum=1, maximum=MAX_CONCURRENCY)
    if comp.queue_capacity is not None and comp.queue_capacity != UNBOUNDED:
        ck.integer(
            f"{path}.queue_capacity", comp.queue_capacity, minimum=0, maximum=MAX_QUEUE_CAPACITY
        )
    if comp.blocking is not None and not isinstance(comp.blocking, bool):
        ck.fail(f"{path}.blocking", f"must be true or false, got {describe(comp.blocking)}")
    if comp.service_time is not None:
        _check_service_time(ck, f"{path}.service_time", comp.service_time)
    if comp.hit_ratio is not None:
        ck.number(f"{path}.hit_ratio", comp.hit_ratio, minimum=0.0, maximum=1.0)
    if comp.routing is not None:
        ck.choice(
            f"{path}.routing.algorithm", comp.routing.algorithm, ROUTING_ALGORITHMS,
            "routing algorithm",
        )
    if comp.fanout is not None:
        ck.choice(f"{path}.fanout", comp.fanout, FANOUT_MODES, "fanout mode")
    if comp.payload_kb is not None:
        ck.number(f"{path}.payload_kb", comp.payload_kb, minimum=0.0, limit=MAX_PAYLOAD_KB)
    if comp.workload is not None:
        if comp.type in COMPONENT_TYPES and not is_client:
            ck.fail(f"{path}.workload", "only a client generates traffic: remove the workload "
                                        "or make the component a client")
        _check_workload(ck, f"{path}.workload", comp.workload)
    check_component_resilience(ck, comp, path)


def _check_position(ck: Checker, path: str, position: object) -> None:
    if not isinstance(position, tuple | list) or len(position) != 2:
        ck.fail(path, f"must be [x, y], got {describe(position)}")
        return
    for axis, value in enumerate(position):
        ck.number(f"{path}[{axis}]", value, minimum=-MAX_COORDINATE, maximum=MAX_COORDINATE)


#: (strictly above, at least, at most) of each hardware field.
_SPEC_RANGES: dict[str, tuple[float | None, float | None, float]] = {
    "cpu_cores": (0.0, None, MAX_CPU_CORES),
    "cpu_ghz": (0.0, None, MAX_CPU_GHZ),
    "memory_gb": (None, MIN_MEMORY_GB, MAX_MEMORY_GB),
    "network_mbps": (0.0, None, MAX_NETWORK_MBPS),
}


def _check_specs(ck: Checker, path: str, specs: Specs) -> None:
    for field in fields(Specs):
        value = getattr(specs, field.name)
        if value is not None:
            above, minimum, maximum = _SPEC_RANGES[field.name]
            ck.number(f"{path}.{field.name}", value, above=above, minimum=minimum,
                      limit=maximum)


def _check_service_time(ck: Checker, path: str, service: ServiceTime) -> None:
    ck.choice(f"{path}.distribution", service.distribution, DISTRIBUTIONS, "distribution")
    valid: dict[str, float] = {}
    for name in ("mean_ms", "std_ms", "min_ms", "max_ms"):
        value = getattr(service, name)
        maximum = MAX_SERVICE_MS * (MAX_STD_RATIO if name == "std_ms" else 1.0)
        if value is not None and ck.number(f"{path}.{name}", value, minimum=0.0,
                                           limit=maximum):
            valid[name] = value
    if service.shape is not None:
        if service.distribution == "pareto":
            # alpha <= 1 has no finite mean, so mean_ms would mean nothing.
            ck.number(f"{path}.shape", service.shape, above=1.0)
        else:
            ck.number(f"{path}.shape", service.shape, above=0.0)
    if "min_ms" in valid and "max_ms" in valid and valid["min_ms"] > valid["max_ms"]:
        ck.fail(f"{path}.max_ms", f"must be at least min_ms ({valid['min_ms']:g}), "
                                  f"got {valid['max_ms']:g}")


def check_effective_service(ck: Checker, comp: Component, path: str) -> None:
    """Refuse a service time or concurrency the engine could not simulate as stated.

    Derives the mean the engine will sample (given, from a uniform's bounds,
    or from the profile at this clock, plus transmission time) and applies
    each distribution's parameter rules (:func:`service_problems`). Assumes the
    component's own fields passed their checks.
    """
    if comp.type not in COMPONENT_TYPES or COMPONENT_TYPES[comp.type].is_client:
        return
    basis = service_basis(comp)
    if basis.mean_ms > MAX_SERVICE_MS:
        # Only a profile's latency scaled to a slow clock gets here (a given mean is capped).
        ck.fail(f"{path}.specs.cpu_ghz", f"gives a mean service time of {basis.mean_ms:.3g} ms "
                                         f"({basis.mean_source}); at most {MAX_SERVICE_MS:g}")
        return
    if basis.transmission_ms > MAX_SERVICE_MS:
        ck.fail(f"{path}.payload_kb", f"takes {basis.transmission_ms:.3g} ms to send over the "
                                      f"network card; at most {MAX_SERVICE_MS:g}")
        return
    for name, message in service_problems(basis.distribution, basis.given, basis.mean_ms,
                                          basis.mean_source):
        ck.fail(f"{path}.service_time.{name}", message)
    if comp.concurrency is None:
        workers = effective_concurrency(comp)
        if workers > MAX_CONCURRENCY:
            ck.fail(f"{path}.specs.cpu_cores", f"gives {workers:,} workers per replica; at most "
                                               f"{MAX_CONCURRENCY:,}")


def _check_workload(ck: Checker, path: str, workload: Workload) -> None:
    pattern_known = ck.choice(
        f"{path}.pattern", workload.pattern, WORKLOAD_PATTERNS, "workload pattern"
    )
    for name, (minimum, above) in _WORKLOAD_BOUNDS.items():
        value = getattr(workload, name)
        if value is not None:
            ck.number(f"{path}.{name}", value, minimum=minimum, above=above)
    if workload.amplitude is not None:
        ck.number(f"{path}.amplitude", workload.amplitude, minimum=0.0, maximum=1.0)
    if (
        workload.trace_file is not None
        and ck.text(f"{path}.trace_file", workload.trace_file, MAX_PATH_LENGTH)
        and not workload.trace_file.strip()
    ):
        ck.fail(f"{path}.trace_file", "must name a CSV file")
    if (
        isinstance(workload.spike_s, int | float)
        and isinstance(workload.period_s, int | float)
        and workload.spike_s > workload.period_s > 0
    ):
        ck.fail(f"{path}.spike_s", f"must not exceed period_s ({workload.period_s:g}), "
                                   f"got {workload.spike_s:g}")
    if pattern_known:
        for name in REQUIRED_WORKLOAD_FIELDS[workload.pattern]:
            if getattr(workload, name) is None:
                ck.problems.append(Problem(
                    f"{path}.{name}",
                    f'a "{workload.pattern}" workload needs {name}',
                    INCOMPLETE,
                    ck.component_ids,
                ))


def _check_simulation(sim: SimulationSettings, problems: list[Problem]) -> None:
    ck = Checker(problems)
    path = "$.simulation"
    duration_ok = ck.number(f"{path}.duration_s", sim.duration_s, above=0.0)
    warmup_ok = ck.number(f"{path}.warmup_s", sim.warmup_s, minimum=0.0)
    if warmup_ok and duration_ok and sim.warmup_s >= sim.duration_s:
        ck.fail(f"{path}.warmup_s", f"must be less than duration_s ({sim.duration_s:g}), "
                                    f"got {sim.warmup_s:g}")
    window_ok = ck.number(f"{path}.window_s", sim.window_s, above=0.0)
    if window_ok and duration_ok and sim.duration_s / sim.window_s > MAX_WINDOWS:
        ck.fail(f"{path}.window_s", f"gives more than {MAX_WINDOWS:,} metric windows over "
                                    f"{sim.duration_s:g} s: use a longer window")
    ck.integer(f"{path}.seed", sim.seed, minimum=0, maximum=MAX_SEED)
