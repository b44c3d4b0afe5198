"""Parsed ``.sdsim`` JSON (current version) -> typed records, collecting problems.

This layer checks JSON *types* and *keys* only: a field of the wrong type or
an unknown key is a problem at its JSON path, and the record is built without
it, so one bad component never hides the problems of the next. Ranges,
choices and references are left to :func:`app.model.validation.validate`,
which runs on the result (so a document built in code meets the same rules).

``null`` means "not given" for every optional field, except
``queue_capacity`` where it means unbounded.
"""

from __future__ import annotations

import json
import math
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from app.model.dashboards import Dashboard, DashboardChart
from app.model.document import (
    UNBOUNDED,
    AlertRule,
    Autoscaling,
    Backoff,
    Chaos,
    CircuitBreaker,
    Component,
    Document,
    FailureSpec,
    Fault,
    HealthCheck,
    Link,
    RateLimit,
    Routing,
    ServiceTime,
    SimulationSettings,
    Specs,
    Workload,
)
from app.model.errors import Problem, ProblemList
from app.model.value_checks import describe, is_number, suggest

#: Returned by a field converter when the value is unusable (a problem was recorded).
_SKIP: Any = object()

Converter = Callable[[object, str, list[Problem]], Any]


class JsonObject(dict[str, Any]):
    """A parsed JSON object that remembers keys the text gave more than once.

    ``json`` silently keeps the last of duplicate keys; a design file with
    ``"replicas"`` twice is ambiguous, so the reader refuses it.
    """

    duplicate_keys: tuple[str, ...] = ()

    @classmethod
    def from_pairs(cls, pairs: list[tuple[str, Any]]) -> JsonObject:
        """``object_pairs_hook`` for :func:`json.loads`."""
        obj = cls(pairs)
        if len(obj) != len(pairs):
            counts = Counter(key for key, _ in pairs)
            obj.duplicate_keys = tuple(key for key, n in counts.items() if n > 1)
        return obj


def _duplicate_key_problems(value: dict[str, Any], path: str) -> list[Problem]:
    duplicates: tuple[str, ...] = getattr(value, "duplicate_keys", ())
    return [Problem(key_path(path, key), "is given more than once: keep one")
            for key in duplicates]


def _number(value: object, path: str, problems: list[Problem]) -> Any:
    if not is_number(value):
        problems.append(Problem(path, f"must be a number, got {describe(value)}"))
        return _SKIP
    assert isinstance(value, int | float)
    try:
        number = float(value)
    except OverflowError:
        problems.append(Problem(path, "is too large a number"))
        return _SKIP
    if not math.isfinite(number):
        problems.append(Problem(path, f"must be a finite number, got {describe(value)}"))
        return _SKIP
    return number


def _integer(value: object, path: str, problems: list[Problem]) -> Any:
    if isinstance(value, float) and math.isfinite(value) and value.is_integer():
        return int(value)  # 4.0 from a tool that writes every number as a float
    if not isinstance(value, int) or isinstance(value, bool):
        problems.append(Problem(path, f"must be a whole number, got {describe(value)}"))
        return _SKIP
    return value


def _string(value: object, path: str, problems: list[Problem]) -> Any:
    if not isinstance(value, str):
        problems.append(Problem(path, f"must be a string, got {describe(value)}"))
        return _SKIP
    return value


def _boolean(value: object, path: str, problems: list[Problem]) -> Any:
    if not isinstance(value, bool):
        problems.append(Problem(path, f"must be true or false, got {describe(value)}"))
        return _SKIP
    return value


def _position(value: object, path: str, problems: list[Problem]) -> Any:
    if not isinstance(value, list) or len(value) != 2:
        problems.append(Problem(path, f"must be [x, y], got {describe(value)}"))
        return _SKIP
    x = _number(value[0], f"{path}[0]", problems)
    y = _number(value[1], f"{path}[1]", problems)
    return _SKIP if _SKIP in (x, y) else (x, y)


def _queue_capacity(value: object, path: str, problems: list[Problem]) -> Any:
    return UNBOUNDED if value is None else _integer(value, path, problems)


@dataclass(frozen=True)
class _Schema:
    """The keys of one JSON object, how each converts, and which are required."""

    record: type[Any]
    fields: Mapping[str, Converter]
    required: tuple[str, ...] = ()
    #: Keys whose ``null`` is a value, not "not given".
    null_is_value: frozenset[str] = field(default_factory=frozenset)
    #: Stand-ins for required keys that are missing or bad, so the record is
    #: still built (and links to a component with a bad type still resolve).
    stand_ins: Mapping[str, Any] = field(default_factory=dict)
    #: Hints for missing required keys, where :data:`_REQUIRED_HINTS` does not fit.
    hints: Mapping[str, str] = field(default_factory=dict)


def _nested(schema: _Schema) -> Converter:
    def convert(value: object, path: str, problems: list[Problem]) -> Any:
        return read_object(value, path, schema, problems)

    return convert


SPECS = _Schema(Specs, dict.fromkeys(("cpu_cores", "cpu_ghz", "memory_gb", "network_mbps"),
                                     _number))
SERVICE_TIME = _Schema(ServiceTime, {
    "distribution": _string,
    **dict.fromkeys(("mean_ms", "std_ms", "shape", "min_ms", "max_ms"), _number),
})
WORKLOAD = _Schema(Workload, {
    "pattern": _string,
    **dict.fromkeys(("rate_rps", "from_rps", "to_rps", "ramp_s", "step_rps", "at_s",
                     "spike_rps", "spike_s", "period_s", "amplitude"), _number),
    "trace_file": _string,
})
ROUTING = _Schema(Routing, {"algorithm": _string})
FAILURE = _Schema(FailureSpec, {"mtbf_s": _number, "mttr_s": _number},
                  required=("mtbf_s", "mttr_s"))
RATE_LIMIT = _Schema(RateLimit, {"rps": _number, "burst": _number}, required=("rps",))
AUTOSCALING = _Schema(Autoscaling, {
    "metric": _string, "target": _number, "min": _integer, "max": _integer,
    "cooldown_s": _number, "provision_s": _number,
}, required=("max",))
HEALTH_CHECK = _Schema(HealthCheck, {
    "interval_s": _number, "unhealthy_after": _integer, "healthy_after": _integer,
})
BACKOFF = _Schema(Backoff, {
    "base_ms": _number, "multiplier": _number, "max_ms": _number, "jitter": _string,
})
CIRCUIT_BREAKER = _Schema(CircuitBreaker, {
    "failure_rate": _number, "window": _integer, "min_calls": _integer, "open_s": _number,
    "half_open_calls": _integer,
})
CHAOS = _Schema(Chaos, {"level": _number, "mttr_s": _number}, required=("level",))
FAULT = _Schema(Fault, {
    "kind": _string, "target": _string, "at_s": _number, "duration_s": _number,
    "replicas": _integer, "factor": _number, "rate": _number, "add_ms": _number,
}, required=("kind", "target", "at_s"), hints={
    "target": 'what the fault hits: a component id, a link "a->b" or a zone',
})
def _strings(value: object, path: str, problems: list[Problem]) -> Any:
    if not isinstance(value, list):
        problems.append(Problem(path, f"must be a list [...], got {describe(value)}"))
        return _SKIP
    items = [_string(item, f"{path}[{i}]", problems) for i, item in enumerate(value)]
    return _SKIP if _SKIP in items else tuple(items)


def _records(schema: _Schema) -> Converter:
    """A list of ``schema`` objects, as a tuple (``_SKIP`` if any cannot be built)."""
    def convert(value: object, path: str, problems: list[Problem]) -> Any:
        if not isinstance(value, list):
            problems.append(Problem(path, f"must be a list [...], got {describe(value)}"))
            return _SKIP
        items = [read_object(item, f"{path}[{i}]", schema, problems)
                 for i, item in enumerate(value)]
        return _SKIP if _SKIP in items else tuple(items)

    return convert


DASHBOARD_CHART = _Schema(DashboardChart, {
    "title": _string, "metric": _string, "components": _strings, "row": _integer,
    "col": _integer, "row_span": _integer, "col_span": _integer,
}, required=("metric", "components", "row", "col"), hints={
    "metric": 'a per-window metric, e.g. "latency_p99_ms"',
    "components": 'a list of component ids or "end_to_end"',
    "row": "the chart's grid row, from 0", "col": "the chart's grid column, from 0",
})
DASHBOARD = _Schema(Dashboard, {"name": _string, "charts": _records(DASHBOARD_CHART)},
                    required=("name",), hints={"name": "the dashboard's name, e.g. \"Database\""})
COMPONENT = _Schema(
    Component,
    {
        "id": _string,
        "type": _string,
        "name": _string,
        "position": _position,
        "profile": _string,
        "replicas": _integer,
        "specs": _nested(SPECS),
        "concurrency": _integer,
        "queue_capacity": _queue_capacity,
        "blocking": _boolean,
        "service_time": _nested(SERVICE_TIME),
        "hit_ratio": _number,
        "routing": _nested(ROUTING),
        "fanout": _string,
        "payload_kb": _number,
        "workload": _nested(WORKLOAD),
        "zone": _string,
        "failure": _nested(FAILURE),
        "error_rate": _number,
        "rate_limit": _nested(RATE_LIMIT),
        "autoscaling": _nested(AUTOSCALING),
        "health_check": _nested(HEALTH_CHECK),
    },
    required=("id", "type"),
    null_is_value=frozenset({"queue_capacity"}),
    stand_ins={"type": ""},
)
LINK = _Schema(
    Link,
    {
        "source": _string,
        "target": _string,
        **dict.fromkeys(("latency_ms", "bandwidth_mbps", "probability", "weight",
                         "timeout_ms"), _number),
        "retries": _integer,
        "mode": _string,
        "backoff": _nested(BACKOFF),
        "circuit_breaker": _nested(CIRCUIT_BREAKER),
    },
    required=("source", "target"),
)
SIMULATION = _Schema(SimulationSettings, {
    "duration_s": _number, "warmup_s": _number, "seed": _integer, "window_s": _number,
})
ALERT = _Schema(AlertRule, {
    "name": _string, "metric": _string, "component": _string, "op": _string,
    "threshold": _number, "for_s": _number, "severity": _string, "clear_threshold": _number,
}, required=("name", "metric", "component", "op", "threshold", "for_s", "severity"), hints={
    "name": 'the rule\'s name, e.g. "High latency"',
    "metric": 'a metrics.csv metric name, e.g. "latency_p99_ms"',
    "component": 'what the rule watches: a component id or type, "*", a link "a->b" or '
                 '"end_to_end"',
    "op": 'the comparison: ">", ">=", "<" or "<="',
    "threshold": "the value the metric is compared with",
    "for_s": "how long the condition must hold before the alert fires, in seconds (0: at once)",
    "severity": 'one of "info", "warning", "high", "critical"',
})
#: Top-level keys; ``format``/``version`` are checked before the records are read.
TOP_LEVEL_KEYS = ("format", "version", "name", "description", "components", "links",
                  "simulation", "chaos", "faults", "alerts", "dashboards")

_REQUIRED_HINTS = {
    "id": 'a unique component id, e.g. "web"',
    "type": 'the component type, e.g. "web_server"',
    "source": "the id of the calling component",
    "target": "the id of the called component",
    "mtbf_s": "the mean time between failures, in seconds",
    "mttr_s": "the mean time to repair, in seconds",
    "rps": "the requests per second the bucket lets through",
    "max": "the most replicas the autoscaler may run",
    "level": "the share of time each replica is down, e.g. 0.01",
    "kind": "the fault kind, e.g. \"crash\"",
    "at_s": "when the fault starts, in seconds from the start of the run",
}


def unknown_key_problem(path: str, key: str, known: Mapping[str, object] | tuple[str, ...]
                        ) -> Problem:
    """The problem for a key the format does not define (a typo does not pass silently)."""
    hint_text = suggest(key, known) or " (known keys: " + ", ".join(known) + ")"
    return Problem(key_path(path, key), f"unknown key {describe(key)}{hint_text}")


def _report_unknown_keys(problems: list[Problem], path: str, keys: list[str],
                         known: Mapping[str, object] | tuple[str, ...]) -> None:
    for done, key in enumerate(keys):
        if isinstance(problems, ProblemList) and problems.full:
            problems.more += len(keys) - done  # an object may hold a million unknown keys
            return
        problems.append(unknown_key_problem(path, key, known))


#: Longest key written whole into a path (a file may use a megabyte-long key).
_KEY_SHOWN = 40


def key_path(path: str, key: str) -> str:
    """``path.key``, or ``path["odd key"]`` when the key is not a plain name.

    A key longer than 40 characters is cut (``path["abc..."]``): messages stay one
    short line.
    """
    if len(key) > _KEY_SHOWN:
        return f"{path}[{json.dumps(key[:_KEY_SHOWN - 3] + '...')}]"
    return f"{path}.{key}" if key.isidentifier() else f"{path}[{json.dumps(key)}]"


def read_object(value: object, path: str, schema: _Schema, problems: list[Problem]) -> Any:
    """Convert one JSON object to ``schema.record``; ``_SKIP`` if it cannot be built.

    Problems (wrong types, unknown keys, missing required keys) are appended
    to ``problems``. A record is still built when only optional fields are
    bad: they are left out, so later checks see the rest.
    """
    if not isinstance(value, dict):
        problems.append(Problem(path, f"must be an object {{...}}, got {describe(value)}"))
        return _SKIP
    problems.extend(_duplicate_key_problems(value, path))
    _report_unknown_keys(problems, path, [key for key in value if key not in schema.fields],
                         schema.fields)
    kwargs: dict[str, Any] = {}
    for key, raw in value.items():
        converter = schema.fields.get(key)
        if converter is None:
            continue
        if raw is None and key not in schema.null_is_value:
            continue  # null = not given
        converted = converter(raw, f"{path}.{key}", problems)
        if converted is not _SKIP:
            kwargs[key] = converted
    missing = False
    for key in schema.required:
        if key in kwargs:
            continue
        if value.get(key) is None:  # a bad value has already been reported
            hint = schema.hints.get(key) or _REQUIRED_HINTS[key]
            problems.append(Problem(f"{path}.{key}", f"missing: {hint}"))
        if key in schema.stand_ins:
            kwargs[key] = schema.stand_ins[key]
        else:
            missing = True
    if missing:
        return _SKIP
    return schema.record(**kwargs)


@dataclass
class ReadResult:
    """What :func:`read_document` made of a parsed file.

    Attributes:
        document: The records (items that could not be built are left out).
        problems: Type and key problems, with paths into the file (the first
            ones; ``problems.more`` counts the rest).
        component_rows: For each ``document.components[i]``, its index in the file.
        link_rows: For each ``document.links[i]``, its index in the file.
        fault_rows: For each ``document.faults[i]``, its index in the file.
        alert_rows: For each ``document.alerts[i]``, its index in the file.
    """

    document: Document
    problems: ProblemList
    component_rows: list[int]
    link_rows: list[int]
    fault_rows: list[int] = field(default_factory=list)
    alert_rows: list[int] = field(default_factory=list)


def _read_list(
    raw: dict[str, Any], key: str, schema: _Schema, problems: list[Problem]
) -> tuple[list[Any], list[int]]:
    items: list[Any] = []
    rows: list[int] = []
    value = raw.get(key)
    if value is None:
        return items, rows
    if not isinstance(value, list):
        problems.append(Problem(f"$.{key}", f"must be a list [...], got {describe(value)}"))
        return items, rows
    for row, item in enumerate(value):
        record = read_object(item, f"$.{key}[{row}]", schema, problems)
        if record is not _SKIP:
            items.append(record)
            rows.append(row)
    return items, rows


def read_document(raw: dict[str, Any]) -> ReadResult:
    """Build a :class:`Document` from a parsed current-version file.

    ``format`` and ``version`` must already have been checked. The problems
    are a :class:`ProblemList`: past its limit they are only counted.
    """
    problems = ProblemList()
    problems.extend(_duplicate_key_problems(raw, "$"))
    _report_unknown_keys(problems, "$", [key for key in raw if key not in TOP_LEVEL_KEYS],
                         TOP_LEVEL_KEYS)
    doc = Document()
    for key in ("name", "description"):
        if raw.get(key) is not None:
            text = _string(raw[key], f"$.{key}", problems)
            if text is not _SKIP:
                setattr(doc, key, text)
    doc.components, component_rows = _read_list(raw, "components", COMPONENT, problems)
    doc.links, link_rows = _read_list(raw, "links", LINK, problems)
    if raw.get("simulation") is not None:
        settings = read_object(raw["simulation"], "$.simulation", SIMULATION, problems)
        if settings is not _SKIP:
            doc.simulation = settings
    if raw.get("chaos") is not None:
        chaos = read_object(raw["chaos"], "$.chaos", CHAOS, problems)
        if chaos is not _SKIP:
            doc.chaos = chaos
    doc.faults, fault_rows = _read_list(raw, "faults", FAULT, problems)
    alert_rows: list[int] = []
    if raw.get("alerts") is not None:  # no key (or null): the default rules apply
        doc.alerts, alert_rows = _read_list(raw, "alerts", ALERT, problems)
    doc.dashboards, _rows = _read_list(raw, "dashboards", DASHBOARD, problems)
    return ReadResult(doc, problems, component_rows, link_rows, fault_rows, alert_rows)
