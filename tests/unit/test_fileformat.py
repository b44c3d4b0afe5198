"""The .sdsim reader and writer (v2, v1 upgraded): refusals with paths, canonical round trip."""

from __future__ import annotations

import json
import math
import os
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.model import fileformat
from app.model.catalog import COMPONENT_TYPES
from app.model.document import (
    DISTRIBUTIONS,
    FANOUT_MODES,
    ROUTING_ALGORITHMS,
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
from app.model.errors import DocumentError, Problem, UnsupportedFormatVersionError
from app.model.fileformat import dumps, load, loads, save
from app.model.profiles import PROFILES

EXAMPLE = """{
  "format": "sdsim", "version": 1,
  "name": "Three-tier web app",
  "components": [
    {"id": "users", "type": "client", "name": "Users", "position": [0, 0],
     "workload": {"pattern": "poisson", "rate_rps": 800}},
    {"id": "lb", "type": "load_balancer", "profile": "nginx_lb",
     "routing": {"algorithm": "round_robin"}},
    {"id": "web", "type": "web_server", "profile": "web_server", "replicas": 3,
     "specs": {"cpu_cores": 4, "cpu_ghz": 2.4, "memory_gb": 8,
               "network_mbps": 1000},
     "concurrency": 30, "queue_capacity": 1000, "blocking": true,
     "service_time": {"distribution": "exponential", "mean_ms": 2.0}},
    {"id": "cache", "type": "cache", "profile": "redis", "hit_ratio": 0.8},
    {"id": "db", "type": "database", "profile": "postgresql"}
  ],
  "links": [
    {"source": "users", "target": "lb", "latency_ms": 20},
    {"source": "lb", "target": "web"},
    {"source": "web", "target": "cache"},
    {"source": "cache", "target": "db"}
  ],
  "simulation": {"duration_s": 60, "warmup_s": 5, "seed": 42}
}"""


def example() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(EXAMPLE)
    return data


def refusal(data: dict[str, Any] | str | bytes) -> DocumentError:
    text = json.dumps(data) if isinstance(data, dict) else data
    with pytest.raises(DocumentError) as info:
        loads(text)
    return info.value


# -- reading ---------------------------------------------------------------------------


def test_reads_the_product_example() -> None:
    doc = loads(EXAMPLE)
    assert doc.name == "Three-tier web app"
    assert [c.id for c in doc.components] == ["users", "lb", "web", "cache", "db"]
    web = doc.component("web")
    assert web.replicas == 3 and web.concurrency == 30 and web.blocking is True
    assert web.specs == Specs(4.0, 2.4, 8.0, 1000.0)
    assert web.service_time == ServiceTime("exponential", mean_ms=2.0)
    assert doc.component("users").workload == Workload("poisson", rate_rps=800.0)
    assert doc.component("lb").routing == Routing("round_robin")
    assert doc.component("lb").replicas is None  # not given stays distinct from given
    assert doc.links[0] == Link("users", "lb", latency_ms=20.0)
    assert doc.simulation == SimulationSettings(60.0, 5.0, 42, 1.0)


def test_queue_capacity_null_is_unbounded_and_absent_is_not_given() -> None:
    data = example()
    data["components"][2]["queue_capacity"] = None
    doc = loads(json.dumps(data))
    assert doc.component("web").queue_capacity == UNBOUNDED
    assert doc.component("db").queue_capacity is None
    assert '"queue_capacity": null' in dumps(doc)


def test_null_means_not_given_and_whole_floats_are_integers() -> None:
    data = example()
    data["components"][2].update(replicas=4.0, name=None, hit_ratio=None)
    web = loads(json.dumps(data)).component("web")
    assert web.replicas == 4 and isinstance(web.replicas, int)
    assert web.name is None and web.hit_ratio is None


def test_bytes_with_a_byte_order_mark_are_read() -> None:
    assert loads(b"\xef\xbb\xbf" + EXAMPLE.encode()).name == "Three-tier web app"


def test_an_incomplete_design_loads_but_does_not_validate() -> None:
    from app.model.validation import validate

    doc = loads('{"format": "sdsim", "version": 1}')
    assert doc.components == [] and doc.name == "Untitled"
    assert [p.severity for p in validate(doc)] == ["incomplete"]


# -- refusals -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", "the file is empty"),
        ("  \n\t ", "the file is empty"),
        ("[1, 2]", "expected a JSON object {...} at the top level, got a list"),
        ('"sdsim"', "at the top level, got"),
        ('{"format": "sdsim",\n "version": 1,,}', "not valid JSON: Expecting property name"
                                                  " enclosed in double quotes at line 2,"
                                                  " column 15"),
        ('{"a": 1} {"b": 2}', "not valid JSON: Extra data at line 1, column 10"),
        ("[" * 200_000 + "]" * 200_000, "nested more than 64 levels deep"),
        ('{"a": ' + "[" * 65 + "]" * 65 + "}", "nested more than 64 levels deep"),
        ('{"version": 1}', 'a .sdsim file starts with "format": "sdsim"'),
        ('{"format": "drawio", "version": 1}', 'must be "sdsim", got "drawio"'),
        ('{"format": "sdsim"}', "$.version: missing"),
        ('{"format": "sdsim", "version": "1"}', '$.version: must be a whole number, got "1"'),
        ('{"format": "sdsim", "version": true}', "$.version: must be a whole number, got true"),
        ('{"format": "sdsim", "version": 1, "x": ' + "9" * 5000 + "}", "not valid JSON"),
    ],
    ids=["empty", "blank", "array", "string", "syntax", "extra-data", "deep", "65-deep",
         "no-format", "other-format", "no-version", "version-string", "version-bool",
         "huge-integer"],
)
def test_refuses_broken_text_with_one_clear_line(text: str, expected: str) -> None:
    error = refusal(text)
    assert expected in str(error)
    assert "\n" not in str(error)


def test_deep_nesting_is_refused_as_bytes_too_without_recursion_error() -> None:
    error = refusal(b"{" * 200_000)
    assert "nested more than 64" in str(error)


def test_brackets_inside_strings_do_not_count_as_nesting() -> None:
    data = example()
    data["description"] = "[" * 500 + '\\"{' * 100
    assert loads(json.dumps(data)).description == data["description"]


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"\x89PNG\r\n\x1a\n\x00\x00", "not a text file: it contains NUL bytes"),
        (b'{"name": "caf\xe9"}', "not a text file: invalid UTF-8 at byte 13"),
    ],
)
def test_refuses_binary_bytes(data: bytes, expected: str) -> None:
    assert expected in str(refusal(data))


def test_refuses_oversized_input_before_parsing() -> None:
    too_big = b" " * (fileformat.MAX_FILE_BYTES + 1)
    assert "too large" in str(refusal(too_big))
    assert "too large" in str(refusal(too_big.decode()))


def test_refuses_too_many_components() -> None:
    text = '{"format": "sdsim", "version": 1, "components": [' + ",".join(["{}"] * 20_001) + "]}"
    error = refusal(text)
    assert error.problems == [
        Problem("$.components", "has 20,001 components; at most 20,000 are supported")
    ]


def test_future_version_is_unsupported() -> None:
    with pytest.raises(UnsupportedFormatVersionError) as info:
        loads('{"format": "sdsim", "version": 7, "whatever": []}')
    assert str(info.value).startswith(
        "$.version: version 7 is newer than this app supports (2): a newer System Design "
        "Simulator wrote this file"
    )
    assert info.value.version == 7


def test_older_version_without_a_migration_is_unsupported(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delitem(fileformat.MIGRATIONS, 1)
    with pytest.raises(UnsupportedFormatVersionError,
                       match=r"version 1 is not supported \(this app reads versions 2 to 2\)"):
        loads('{"format": "sdsim", "version": 1}')


def test_migrations_run_in_order_up_to_the_current_version(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A fake version 3 that calls links "edges": a v1 file goes 1 -> 2 -> 3."""
    ran: list[int] = []

    def v1_to_v2(raw: dict[str, Any]) -> dict[str, Any]:
        ran.append(raw["version"])
        raw["edges"] = raw.pop("links")  # what the fake v2 called them
        return raw

    def v2_to_v3(raw: dict[str, Any]) -> dict[str, Any]:
        ran.append(raw["version"])
        raw["links"] = raw.pop("edges")
        return raw

    monkeypatch.setattr(fileformat, "FORMAT_VERSION", 3)
    monkeypatch.setitem(fileformat.MIGRATIONS, 1, v1_to_v2)
    monkeypatch.setitem(fileformat.MIGRATIONS, 2, v2_to_v3)
    assert loads(EXAMPLE) == loads(EXAMPLE.replace('"version": 1', '"version": 3'))
    assert ran == [1, 2]


def test_a_failing_migration_is_a_clear_refusal(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(raw: dict[str, Any]) -> dict[str, Any]:
        return {"nodes": raw["nodes"]}

    monkeypatch.setitem(fileformat.MIGRATIONS, 1, broken)
    error = refusal('{"format": "sdsim", "version": 1}')
    assert "could not upgrade the file from version 1" in str(error)


FIELD_REFUSALS = [
    # (where, key, value, path, message)
    ("components", 0, "type", "web_sever", "$.components[0].type",
     'unknown component type "web_sever" (did you mean "web_server"?)'),
    ("components", 2, "profile", "postgres", "$.components[2].profile",
     'unknown profile "postgres" (did you mean "postgresql"?)'),
    ("components", 2, "replica", 3, "$.components[2].replica",
     'unknown key "replica" (did you mean "replicas"?)'),
    ("components", 2, "replicas", True, "$.components[2].replicas",
     "must be a whole number, got true"),
    ("components", 2, "replicas", 0, "$.components[2].replicas", "must be at least 1, got 0"),
    ("components", 2, "replicas", 2.5, "$.components[2].replicas",
     "must be a whole number, got 2.5"),
    ("components", 2, "concurrency", 0, "$.components[2].concurrency",
     "must be at least 1, got 0"),
    ("components", 2, "queue_capacity", -1, "$.components[2].queue_capacity",
     "must be at least 0, got -1"),
    ("components", 2, "queue_capacity", "unbounded", "$.components[2].queue_capacity",
     'must be a whole number, got "unbounded"'),
    ("components", 2, "blocking", "yes", "$.components[2].blocking",
     'must be true or false, got "yes"'),
    ("components", 3, "hit_ratio", 1.5, "$.components[3].hit_ratio",
     "must be between 0 and 1, got 1.5"),
    ("components", 3, "hit_ratio", False, "$.components[3].hit_ratio",
     "must be a number, got false"),
    ("components", 2, "payload_kb", -2, "$.components[2].payload_kb",
     "must be at least 0, got -2"),
    ("components", 2, "fanout", "paralel", "$.components[2].fanout",
     'unknown fanout mode "paralel" (did you mean "parallel"?)'),
    ("components", 1, "routing", {"algorithm": "round_robbin"},
     "$.components[1].routing.algorithm",
     'unknown routing algorithm "round_robbin" (did you mean "round_robin"?)'),
    ("components", 1, "routing", {"algo": "random"}, "$.components[1].routing.algo",
     'unknown key "algo" (did you mean "algorithm"?)'),
    ("components", 2, "service_time", {"distribution": "weibull", "mean_ms": 2},
     "$.components[2].service_time.distribution", 'unknown distribution "weibull"'),
    ("components", 2, "service_time", {"distribution": "constant", "mean_ms": -1},
     "$.components[2].service_time.mean_ms", "must be at least 0, got -1"),
    ("components", 2, "specs", {"cpu_cores": 0}, "$.components[2].specs.cpu_cores",
     "must be greater than 0, got 0"),
    ("components", 2, "specs", [4, 2.4], "$.components[2].specs",
     "must be an object {...}, got a list"),
    ("components", 2, "position", [1, 2, 3], "$.components[2].position",
     "must be [x, y], got a list"),
    ("components", 2, "position", [1, "2"], "$.components[2].position[1]",
     'must be a number, got "2"'),
    ("components", 0, "workload", {"pattern": "burst", "rate_rps": 5},
     "$.components[0].workload.pattern", 'unknown workload pattern "burst"'),
    ("components", 0, "workload", {"pattern": "poisson", "rate_rps": -5},
     "$.components[0].workload.rate_rps", "must be at least 0, got -5"),
    ("components", 0, "name", 12, "$.components[0].name", "must be a string, got 12"),
    ("components", 0, "id", "", "$.components[0].id", "must not be empty"),
    ("links", 0, "probability", 1.2, "$.links[0].probability",
     "must be between 0 and 1, got 1.2"),
    ("links", 0, "latency_ms", -1, "$.links[0].latency_ms", "must be at least 0, got -1"),
    ("links", 0, "mode", "asynchronous", "$.links[0].mode", 'unknown link mode "asynchronous"'),
    ("links", 0, "retries", -1, "$.links[0].retries", "must be at least 0, got -1"),
    ("links", 0, "target", "lbb", "$.links[0].target", 'no component has id "lbb"'),
    ("links", 1, "source", "lb", "$.links[1]", 'duplicate link "lb" -> "web"'),
    ("links", 1, "target", "lb", "$.links[1]", 'a component cannot call itself ("lb")'),
]


@pytest.mark.parametrize(
    ("where", "index", "key", "value", "path", "message"),
    FIELD_REFUSALS,
    ids=[f"{row[4]}={row[3]!r}" for row in FIELD_REFUSALS],
)
def test_refuses_bad_fields_with_their_path(
    where: str, index: int, key: str, value: object, path: str, message: str
) -> None:
    data = example()
    if where == "links" and (index, key) == (1, "source"):
        data["links"].append({"source": "lb", "target": "web"})  # the pair lb -> web twice
        index = 4
        path = "$.links[4]"
    data[where][index][key] = value
    error = refusal(data)
    # (an unusable id also leaves the links to that component dangling)
    assert len(error.problems) == (2 if key == "id" else 1), error.problems
    assert error.problems[0].path == path
    assert message in error.problems[0].message
    assert str(error).startswith(f"{error.problems[0].path}: ")


@pytest.mark.parametrize(
    ("literal", "shown"), [("NaN", "NaN"), ("Infinity", "Infinity"), ("-Infinity", "-Infinity"),
                           ("1e999", "Infinity")],
)
def test_refuses_non_finite_numbers_where_they_stand(literal: str, shown: str) -> None:
    text = EXAMPLE.replace('"hit_ratio": 0.8', f'"hit_ratio": {literal}')
    error = refusal(text)
    assert error.problems == [
        Problem("$.components[3].hit_ratio", f"must be a finite number, got {shown}")
    ]


def test_collects_every_problem_and_names_the_first() -> None:
    data = example()
    data["components"][1]["replica"] = 2
    data["components"][2]["replicas"] = 0
    data["components"][3]["hit_ratio"] = 2
    data["simulation"]["warmup_s"] = 90
    error = refusal(data)
    assert [p.path for p in error.problems] == [
        "$.components[1].replica",
        "$.components[2].replicas",
        "$.components[3].hit_ratio",
        "$.simulation.warmup_s",
    ]
    assert str(error) == (
        '$.components[1].replica: unknown key "replica" (did you mean "replicas"?) '
        "(and 3 more problems)"
    )


def test_paths_point_into_the_file_when_an_item_is_skipped() -> None:
    data = example()
    data["components"].insert(0, 5)
    data["components"][3]["replicas"] = 0  # "web", now fourth in the file
    data["links"].insert(0, {"target": "db"})
    data["links"][2]["latency_ms"] = -1  # "lb" -> "web", third in the file
    paths = [p.path for p in refusal(data).problems]
    assert paths == [
        "$.components[0]",
        "$.components[3].replicas",
        "$.links[0].source",
        "$.links[2].latency_ms",
    ]


def test_a_component_with_a_bad_type_keeps_its_links() -> None:
    data = example()
    data["components"][4]["type"] = 7
    error = refusal(data)
    assert error.problems == [
        Problem("$.components[4].type", "must be a string, got 7"),
    ]


def test_missing_required_keys_and_unknown_top_level_keys() -> None:
    data = example()
    del data["components"][1]["id"]
    del data["links"][0]["source"]
    data["author"] = "me"
    messages = [str(p) for p in refusal(data).problems]
    assert messages == [
        '$.components[1].id: missing: a unique component id, e.g. "web"',
        "$.links[0].source: missing: the id of the calling component",
        # the component without an id could not be kept, so links to it dangle
        '$.links[1].source: no component has id "lb"',
        '$.author: unknown key "author" (known keys: format, version, name, description, '
        "components, links, simulation, chaos, faults, alerts, dashboards)",
    ]


def test_duplicate_keys_are_refused() -> None:
    text = EXAMPLE.replace('"replicas": 3,', '"replicas": 3, "replicas": 4,')
    assert refusal(text).problems == [
        Problem("$.components[2].replicas", "is given more than once: keep one")
    ]


def test_duplicate_ids_and_unpaired_surrogates_are_refused() -> None:
    data = example()
    data["components"][4]["id"] = "cache"
    data["name"] = "\ud800"
    paths = [p.path for p in refusal(data).problems]
    assert "$.name" in paths and "$.components[4].id" in paths


def test_simulation_settings_are_checked() -> None:
    data = example()
    data["simulation"] = {"duration_s": 0, "warmup_s": -1, "seed": -3, "window_s": 0}
    messages = {p.path: p.message for p in refusal(data).problems}
    assert messages == {
        "$.simulation.duration_s": "must be greater than 0, got 0",
        "$.simulation.warmup_s": "must be at least 0, got -1",
        "$.simulation.window_s": "must be greater than 0, got 0",
        "$.simulation.seed": "must be at least 0, got -3",
    }


# -- files -------------------------------------------------------------------------------


def test_load_reports_unreadable_files(tmp_path: Path) -> None:
    with pytest.raises(DocumentError, match=r"cannot read nope\.sdsim"):
        load(tmp_path / "nope.sdsim")
    with pytest.raises(DocumentError, match="cannot read"):
        load(tmp_path)


def test_load_refuses_a_large_file_without_reading_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(fileformat, "MAX_FILE_BYTES", 100)
    path = tmp_path / "big.sdsim"
    path.write_bytes(b" " * 101)
    with pytest.raises(DocumentError, match="too large"):
        load(path)


def test_save_and_load_round_trip(tmp_path: Path) -> None:
    doc = loads(EXAMPLE)
    folder = tmp_path / "designs"
    folder.mkdir()
    path = folder / "design.sdsim"
    save(doc, path)
    assert path.read_bytes() == dumps(doc).encode("utf-8")
    assert load(path) == doc
    assert [p.name for p in folder.iterdir()] == ["design.sdsim"]  # no temp file left


def test_save_replaces_atomically_and_keeps_permissions(tmp_path: Path) -> None:
    path = tmp_path / "design.sdsim"
    path.write_text("old")
    path.chmod(0o600)
    save(loads(EXAMPLE), path)
    assert load(path).name == "Three-tier web app"
    if os.name == "posix":
        assert path.stat().st_mode & 0o777 == 0o600


def test_save_refuses_an_invalid_document_and_leaves_the_file(tmp_path: Path) -> None:
    folder = tmp_path / "designs"
    folder.mkdir()
    path = folder / "design.sdsim"
    path.write_text("old")
    doc = loads(EXAMPLE)
    doc.components[2].replicas = 0
    with pytest.raises(DocumentError, match=r"\$\.components\[2\]\.replicas"):
        save(doc, path)
    assert path.read_text() == "old"
    assert [p.name for p in folder.iterdir()] == ["design.sdsim"]


# -- canonical writing --------------------------------------------------------------------


def test_writer_is_canonical() -> None:
    text = dumps(loads(EXAMPLE))
    assert text.endswith("}\n") and not text.endswith("\n\n")
    assert list(json.loads(text)) == ["format", "version", "name", "components", "links",
                                      "simulation"]
    assert '"position": [0, 0]' in text
    assert '"mean_ms": 2,' not in text and '"mean_ms": 2\n' in text
    assert "null" not in text  # nothing unbounded, and "not given" is left out
    assert dumps(loads(text)) == text


def test_writer_keeps_text_readable() -> None:
    doc = loads(EXAMPLE)
    doc.description = "Café — 東京"
    text = dumps(doc)
    assert '"description": "Café — 東京"' in text
    assert text.index('"description"') < text.index('"components"')
    assert loads(text.encode("utf-8")).description == "Café — 東京"


# -- hypothesis: any valid document round-trips byte for byte --------------------------------

_text = st.text(st.characters(exclude_categories=("Cs",)), max_size=20)
_ident = st.text(st.characters(exclude_categories=("Cs", "Cc")), min_size=1, max_size=12).filter(
    lambda s: bool(s.strip())
)
_finite = st.floats(min_value=-1e7, max_value=1e7, allow_nan=False)  # MAX_COORDINATE
_positive = st.floats(min_value=1e-6, max_value=1e12, allow_nan=False)
_non_negative = st.floats(min_value=0, max_value=1e12, allow_nan=False)
_unit = st.floats(min_value=0, max_value=1, allow_nan=False)


def _opt(strategy: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.none() | strategy


def _between(low: float, high: float) -> st.SearchStrategy[float]:
    return st.floats(min_value=low, max_value=high, allow_nan=False)


# Within the format's limits, and slow clocks / thin pipes that keep the service
# time under MAX_SERVICE_MS.
_specs = st.builds(Specs, _opt(_between(1e-3, 1000)), _opt(_between(1e-3, 1000)),
                   _opt(_between(1e-3, 2**20)), _opt(_between(1, 1e9)))


@st.composite
def _service(draw: st.DrawFn) -> ServiceTime:
    """A service time whose parameters agree with each other (see service_time.py)."""
    dist = draw(st.sampled_from(DISTRIBUTIONS))
    mean = draw(_opt(_between(0, 1e6)))
    low = high = None
    if dist == "uniform" and draw(st.booleans()):
        low, high = draw(_between(0, 10)), draw(_between(10, 1e6))
        mean = None if mean is None else (low + high) / 2
    std = draw(_opt(_between(0, 100 * mean))) if mean is not None else None
    return ServiceTime(dist, mean_ms=mean, std_ms=std,
                       shape=draw(_opt(_between(1.5, 50))), min_ms=low, max_ms=high)
_workload = st.builds(
    Workload,
    st.sampled_from(["poisson", "constant", "ramp", "trace", "step", "diurnal"]),
    rate_rps=_opt(_non_negative),
    from_rps=_opt(_non_negative),
    to_rps=_opt(_non_negative),
    ramp_s=_opt(_positive),
    amplitude=_opt(_unit),
    period_s=_opt(_positive),
    trace_file=_opt(st.just("trace.csv")),
)


@st.composite
def _components(draw: st.DrawFn, ident: str) -> Component:
    ctype = draw(st.sampled_from(sorted(COMPONENT_TYPES)))
    return Component(
        id=ident,
        type=ctype,
        name=draw(_opt(_text)),
        position=(draw(_finite), draw(_finite)),
        profile=draw(_opt(st.sampled_from(sorted(PROFILES)))),
        replicas=draw(_opt(st.integers(1, 10_000))),
        specs=draw(_opt(_specs)),
        concurrency=draw(_opt(st.integers(1, 1000))),
        queue_capacity=draw(_opt(st.integers(0, 10**6) | st.just(UNBOUNDED))),
        blocking=draw(_opt(st.booleans())),
        service_time=draw(_opt(_service())),
        hit_ratio=draw(_opt(_unit)),
        routing=draw(_opt(st.builds(Routing, st.sampled_from(ROUTING_ALGORITHMS)))),
        fanout=draw(_opt(st.sampled_from(FANOUT_MODES))),
        payload_kb=draw(_opt(_between(0, 1000))),
        workload=draw(_opt(_workload)) if ctype == "client" else None,
    )


@st.composite
def documents(draw: st.DrawFn) -> Document:
    ids = draw(st.lists(_ident, min_size=0, max_size=6, unique=True))
    components = [draw(_components(i)) for i in ids]
    pairs = [(a, b) for a in ids for b in ids if a != b]
    chosen = draw(st.lists(st.sampled_from(pairs), unique=True, max_size=8)) if pairs else []
    links = [
        Link(
            a, b,
            latency_ms=draw(_opt(_between(0, 1e9))),
            bandwidth_mbps=draw(_opt(_between(1e-3, 1e9))),
            probability=draw(_opt(_unit)),
            weight=draw(_opt(_between(1e-3, 1e9))),  # a balancer needs a positive one
            timeout_ms=draw(_opt(_between(1e-6, 1e9))),
            retries=draw(_opt(st.integers(0, 100))),
            mode=draw(_opt(st.sampled_from(["sync", "async"]))),
        )
        for a, b in chosen
    ]
    duration = draw(st.floats(min_value=1, max_value=1e5))
    simulation = SimulationSettings(
        duration_s=duration,
        warmup_s=draw(st.floats(min_value=0, max_value=0.99)) * duration,
        seed=draw(st.integers(0, 2**64 - 1)),
        window_s=draw(st.floats(min_value=0.1, max_value=100)),
    )
    return Document(draw(_text), components, links, simulation, draw(_opt(_text)))


@settings(max_examples=50, deadline=None, database=None,
          suppress_health_check=[HealthCheck.too_slow])
@given(documents())
def test_any_valid_document_round_trips_byte_for_byte(doc: Document) -> None:
    text = dumps(doc)
    again = loads(text)
    assert again == doc
    assert dumps(again) == text
    assert loads(text.encode("utf-8")) == doc
    for comp in again.components:
        assert all(math.isfinite(v) for v in comp.position)


def test_odd_keys_are_quoted_in_paths_and_the_message_stays_on_one_line() -> None:
    data = example()
    data["components"][0]["bad\nkey"] = 1
    error = refusal(data)
    assert error.problems[0].path == '$.components[0]["bad\\nkey"]'
    assert "\n" not in str(error)
