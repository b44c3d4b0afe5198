"""Hostile .sdsim files: each is read or refused with one line naming the problem.

Every case runs under a generous hang guard (``reader_guard``): a reader that
goes quadratic or loops fails the test instead of stalling the suite. Times
are measured in bench/reader.py, never asserted here.
"""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from app import cli
from app.model.errors import DocumentError, ProblemList, count_phrase
from app.model.fileformat import json_shape, load, loads
from app.model.limits import MAX_JSON_CONTAINERS, MAX_LISTED_PROBLEMS
from app.model.validation import validate
from tests.unit.reader_guard import ReaderHang, reader_guard

ROOT = Path(__file__).resolve().parents[2]
HEAD = '{"format": "sdsim", "version": 1, '


def test_the_hang_guard_stops_a_loop() -> None:
    with pytest.raises(ReaderHang), reader_guard(0.05):
        while True:
            pass


def design(server: dict[str, Any] | None = None, **top: Any) -> str:
    """A runnable two-component design, the server's fields overridden by ``server``."""
    doc: dict[str, Any] = {
        "format": "sdsim", "version": 1, "name": "hostile",
        "components": [
            {"id": "users", "type": "client",
             "workload": {"pattern": "poisson", "rate_rps": 10}},
            {"id": "web", "type": "web_server", **(server or {})},
        ],
        "links": [{"source": "users", "target": "web"}],
    }
    doc.update(top)
    return json.dumps(doc)


def with_literal(field: str, literal: str) -> str:
    """The design with ``"field": <literal>`` on the server, written verbatim."""
    return design({field: "@@"}).replace('"@@"', literal)


def refusal(data: str | bytes) -> DocumentError:
    with reader_guard(), pytest.raises(DocumentError) as caught:
        loads(data)
    message = str(caught.value)
    assert message and "\n" not in message and "\r" not in message
    return caught.value


WEB = "$.components[1]"

# (case id, file content, path of the first problem, words in its message)
REFUSED: list[tuple[str, str | bytes, str, str]] = [
    ("unterminated string full of escaped quotes",
     HEAD + '"name": "' + '\\"x' * 27_000, "$", "Unterminated string"),
    ("unterminated string at the end", design()[:-3], "$", "not valid JSON"),
    ("100,000 nested lists", "[" * 100_000, "$", "nested more than 64 levels"),
    ("nested objects", HEAD + '"name": ' + '{"a": ' * 5_000, "$", "nested more than 64"),
    ("deep nesting after an escaped backslash",
     HEAD + '"name": "x\\\\", "description": ' + "[" * 70 + "]" * 70 + "}", "$",
     "nested more than 64"),
    ("a million empty objects", "[" + "{}," * (MAX_JSON_CONTAINERS + 10) + "{}]", "$",
     "JSON objects and lists"),
    ("NaN literal", with_literal("hit_ratio", "NaN"), f"{WEB}.hit_ratio",
     "must be a finite number, got NaN"),
    ("Infinity literal", with_literal("payload_kb", "Infinity"), f"{WEB}.payload_kb",
     "must be a finite number, got Infinity"),
    ("-Infinity in a position", with_literal("position", "[-Infinity, 0]"),
     f"{WEB}.position[0]", "finite"),
    ("a position at 1e308", with_literal("position", "[1e308, 0]"), f"{WEB}.position[0]",
     "between -1e+07 and 1e+07"),
    ("1e400 overflows to infinity", with_literal("hit_ratio", "1e400"), f"{WEB}.hit_ratio",
     "finite"),
    ("integer of 5,000 digits", with_literal("replicas", "9" * 5_000), "$",
     "not valid JSON: a number has too many digits"),
    ("2**70 replicas", with_literal("replicas", str(2**70)), f"{WEB}.replicas", "at most"),
    ("NaN replicas", with_literal("replicas", "NaN"), f"{WEB}.replicas", "whole number"),
    ("cpu_cores 1e308", design({"specs": {"cpu_cores": 1e308}}), f"{WEB}.specs.cpu_cores",
     "at most 100000"),
    ("memory_gb 1e308", design({"specs": {"memory_gb": 1e308}}), f"{WEB}.specs.memory_gb",
     "at most 1.04858e+06"),
    ("cpu_ghz 1e-300 scales the profile past any limit",
     design({"specs": {"cpu_ghz": 1e-300}}), f"{WEB}.specs.cpu_ghz", "mean service time"),
    ("cores that give a million workers", design({"type": "batch_processor",
                                                  "specs": {"cpu_cores": 90_000}}),
     f"{WEB}.specs.cpu_cores", "workers per replica"),
    ("a terabyte over a slow card", design({"payload_kb": 1e6,
                                            "specs": {"network_mbps": 0.001}}),
     f"{WEB}.payload_kb", "to send"),
    ("mean_ms 1e308", design({"service_time": {"distribution": "exponential",
                                               "mean_ms": 1e308}}),
     f"{WEB}.service_time.mean_ms", "at most 1e+09"),
    ("uniform whose mean contradicts its bounds",
     design({"service_time": {"distribution": "uniform", "mean_ms": 1, "min_ms": 2,
                              "max_ms": 4}}),
     f"{WEB}.service_time.mean_ms", "has a mean of 3 ms, got 1"),
    ("uniform with min above the mean",
     design({"service_time": {"distribution": "uniform", "mean_ms": 1, "min_ms": 2}}),
     f"{WEB}.service_time.min_ms", "at most the mean (1 ms)"),
    ("uniform with min above the profile's mean",
     design({"service_time": {"distribution": "uniform", "min_ms": 5}}),
     f"{WEB}.service_time.min_ms", "web_server profile"),
    ("uniform max below the mean",
     design({"service_time": {"distribution": "uniform", "mean_ms": 5, "max_ms": 4}}),
     f"{WEB}.service_time.max_ms", "at least the mean"),
    ("uniform max over twice the mean",
     design({"service_time": {"distribution": "uniform", "mean_ms": 1, "max_ms": 4}}),
     f"{WEB}.service_time.max_ms", "below 0"),
    ("uniform min above max",
     design({"service_time": {"distribution": "uniform", "min_ms": 5, "max_ms": 1}}),
     f"{WEB}.service_time.max_ms", "at least min_ms"),
    ("normal std 1000 times the mean",
     design({"service_time": {"distribution": "normal", "mean_ms": 1, "std_ms": 1000}}),
     f"{WEB}.service_time.std_ms", "normal truncated at zero"),
    ("normal with mean 0 and a spread",
     design({"service_time": {"distribution": "normal", "mean_ms": 0, "std_ms": 3}}),
     f"{WEB}.service_time.std_ms", "at most 100 times"),
    ("lognormal std 1e308",
     design({"service_time": {"distribution": "lognormal", "mean_ms": 1, "std_ms": 1e308}}),
     f"{WEB}.service_time.std_ms", "at most 1e+11"),
    ("lognormal std 500 times the mean",
     design({"service_time": {"distribution": "lognormal", "mean_ms": 2, "std_ms": 1000}}),
     f"{WEB}.service_time.std_ms", "lognormal"),
    ("gamma shape 1e-9",
     design({"service_time": {"distribution": "gamma", "mean_ms": 1, "shape": 1e-9}}),
     f"{WEB}.service_time.shape", "at least 0.01"),
    ("gamma shape 1e300",
     design({"service_time": {"distribution": "gamma", "mean_ms": 1, "shape": 1e300}}),
     f"{WEB}.service_time.shape", "at most 1e+06"),
    ("pareto shape 1 (no finite mean)",
     design({"service_time": {"distribution": "pareto", "mean_ms": 1, "shape": 1}}),
     f"{WEB}.service_time.shape", "greater than 1"),
    ("negative std", design({"service_time": {"distribution": "normal", "mean_ms": 1,
                                              "std_ms": -1}}),
     f"{WEB}.service_time.std_ms", "at least 0"),
    ("invalid UTF-8", design().encode("utf-8").replace(b"hostile", b"host\xffile"), "$",
     "invalid UTF-8"),
    ("UTF-16 text", design().encode("utf-16"), "$", "NUL bytes"),
    ("NUL bytes", b"\x00" * 100, "$", "NUL bytes"),
    ("a byte-order mark mid-file", design().replace('"name"', '\ufeff"name"'), "$",
     "not valid JSON"),
    ("duplicate keys", design().replace('"type": "web_server"',
                                        '"type": "web_server", "type": "cache"'),
     f"{WEB}.type", "more than once"),
    ("empty file", "  \n\t ", "$", "empty"),
    ("a list at the top", "[1, 2, 3]", "$", "expected a JSON object"),
    ("unpaired surrogate", design({"name": "\ud800"}),
     f"{WEB}.name", "surrogate"),
    ("control character in an id", design().replace('"id": "web"', '"id": "w\\u0007b"'),
     "$.components[1].id", "control characters"),
    ("a 10 MB component name", design({"name": "n" * 10_000_000}), f"{WEB}.name",
     "too long (10,000,000 characters, at most 1,000)"),
    ("a 1 MB description", design(description="d" * 1_000_000), "$.description",
     "too long"),
    ("a 300-character id", design().replace('"id": "web"', '"id": "' + "w" * 300 + '"'),
     "$.components[1].id", "too long"),
    ("link latency 1e308", design(links=[{"source": "users", "target": "web",
                                          "latency_ms": 1e308}]),
     "$.links[0].latency_ms", "at most 1e+09"),
    ("link timeout 1e308", design(links=[{"source": "users", "target": "web",
                                          "timeout_ms": 1e308}]),
     "$.links[0].timeout_ms", "at most 1e+09"),
    ("a payload over a link of 1e-300 Mbps",
     design({"payload_kb": 100}, links=[{"source": "users", "target": "web",
                                         "bandwidth_mbps": 1e-300}]),
     "$.links[0].bandwidth_mbps", "to carry"),
    ("link weight 1e308", design(links=[{"source": "users", "target": "web",
                                         "weight": 1e308}]),
     "$.links[0].weight", "at most 1e+09"),
    ("a balancer whose links all weigh 0", json.dumps({
        "format": "sdsim", "version": 1,
        "components": [{"id": "users", "type": "client",
                        "workload": {"pattern": "poisson", "rate_rps": 10}},
                       {"id": "lb", "type": "load_balancer",
                        "routing": {"algorithm": "random"}},
                       {"id": "a", "type": "web_server"}, {"id": "b", "type": "web_server"}],
        "links": [{"source": "users", "target": "lb"},
                  {"source": "lb", "target": "a", "weight": 0},
                  {"source": "lb", "target": "b", "weight": 0}]}),
     "$.links[1].weight", "has weight 0"),
    ("version as a string", design(version="1"), "$.version", "whole number"),
    ("version 2**80", design(version=2**80), "$.version", "must be a format version"),
    ("version of 4,000 digits", design(version=10**4000), "$.version",
     "must be a format version, a whole number from 1 to 1,000 (this app writes 2), got a "
     "huge number"),
    ("version -5", design(version=-5), "$.version", "must be a format version"),
    ("not a design", json.dumps({"format": "docx"}), "$.format", 'must be "sdsim"'),
]


@pytest.mark.parametrize(("data", "path", "words"), [case[1:] for case in REFUSED],
                         ids=[case[0] for case in REFUSED])
def test_hostile_file_is_refused_with_one_line(data: str | bytes, path: str,
                                               words: str) -> None:
    error = refusal(data)
    first = error.problems[0]
    assert first.path == path, error
    assert words in first.message, error


READ: list[tuple[str, str | bytes]] = [
    ("brackets inside strings do not count as nesting",
     design(description="[" * 10_000 + '\\"{' * 1_000)),
    ("a byte-order mark at the start", "\ufeff" + design()),
    ("normal with std 0 (a constant)",
     design({"service_time": {"distribution": "normal", "mean_ms": 3, "std_ms": 0}})),
    ("normal with std 5 times the mean",
     design({"service_time": {"distribution": "normal", "mean_ms": 2, "std_ms": 10}})),
    ("uniform given by its bounds alone",
     design({"service_time": {"distribution": "uniform", "min_ms": 2, "max_ms": 4}})),
    ("uniform whose mean agrees with its bounds",
     design({"service_time": {"distribution": "uniform", "mean_ms": 3, "min_ms": 2,
                              "max_ms": 4}})),
]


@pytest.mark.parametrize("data", [case[1] for case in READ], ids=[case[0] for case in READ])
def test_awkward_but_valid_file_is_read(data: str | bytes) -> None:
    with reader_guard():
        doc = loads(data)
    assert [problem for problem in validate(doc) if problem.severity == "error"] == []


def test_shape_scan_sees_strings_and_escapes() -> None:
    assert json_shape('{"a": "[[[{{", "b": [[]]}').depth == 3
    assert json_shape('{"a": "\\\\", "b": [[]]}').depth == 3  # an escaped backslash
    assert json_shape('{"a": "\\"[[[", "b": []}').depth == 2  # an escaped quote
    assert json_shape('{"a": "[[[').depth == 1  # unterminated: the rest is the string
    assert json_shape("[{}, {}, [[]]]").containers == 5


# -- huge invalid files: the first problems and how many more ------------------------------

def _many_problems(components: int) -> str:
    comps = [{"id": f"c{i}", "type": "web_server", "replicas": -1, "bogus": 1}
             for i in range(components)]
    return json.dumps({"format": "sdsim", "version": 1, "components": comps})


def test_huge_invalid_file_lists_the_first_problems_and_counts_more() -> None:
    error = refusal(_many_problems(5_000))  # 10,000 problems
    assert len(error.problems) == MAX_LISTED_PROBLEMS
    # Reading alone fills the list (5,000 unknown keys); the range checks
    # (replicas) still run on the part read in full, so the first problems of
    # the file are listed, in order, and the rest are counted as a lower bound.
    half = MAX_LISTED_PROBLEMS // 2
    assert [p.path for p in error.problems[:4]] == [
        "$.components[0].replicas", "$.components[0].bogus",
        "$.components[1].replicas", "$.components[1].bogus"]
    assert error.problems[-1].path == f"$.components[{half - 1}].bogus"
    assert 5_000 - MAX_LISTED_PROBLEMS <= error.more < 10_000 - MAX_LISTED_PROBLEMS
    assert str(error).endswith(f"(and at least {len(error.problems) - 1 + error.more:,} more "
                               "problems)")


def test_a_few_problems_are_all_listed_exactly() -> None:
    error = refusal(_many_problems(2))
    assert error.more == 0
    assert len(error.problems) == 4
    assert str(error).endswith("(and 3 more problems)")


def test_dangling_links_to_many_components_stay_bounded() -> None:
    comps = [{"id": f"component-{i}", "type": "web_server"} for i in range(3_000)]
    links = [{"source": f"component-{i}", "target": f"componnt-{i}"} for i in range(3_000)]
    error = refusal(json.dumps({"format": "sdsim", "version": 1, "components": comps,
                                "links": links}))
    assert error.problems[0].message.startswith('no component has id "componnt-0"')
    assert error.more > 0


@pytest.mark.parametrize("key", ["k" * 1_000_000, "\u0007" * 100_000])
def test_a_megabyte_long_unknown_key_gives_a_bounded_message(key: str) -> None:
    error = refusal(design({key: 1}))
    assert error.problems[0].path.startswith(f"{WEB}[")
    assert len(str(error)) < 1_000  # bounded, whatever the key


def test_problem_list_counts_past_its_limit() -> None:
    problems = ProblemList(limit=2)
    problems.extend(DocumentError([]).problems * 5)
    assert len(problems) == 2 and problems.full and problems.more == 3


@pytest.mark.parametrize(("count", "at_least", "text"), [
    (1, False, "1 more problem"), (2, False, "2 more problems"),
    (1, True, "at least 1 more problem"), (12_345, True, "at least 12,345 more problems"),
])
def test_count_phrase_grammar(count: int, at_least: bool, text: str) -> None:
    assert count_phrase(count, at_least=at_least) == text


def test_document_error_caps_what_it_lists() -> None:
    error = DocumentError(DocumentError([]).problems * (MAX_LISTED_PROBLEMS + 5), more=7)
    assert len(error.problems) == MAX_LISTED_PROBLEMS
    assert error.more == 12
    assert error.unlisted(20) == f"and at least {MAX_LISTED_PROBLEMS - 20 + 12} more problems"


def test_a_long_call_cycle_is_named_in_a_short_message() -> None:
    n = 5_000
    comps = [{"id": "users", "type": "client", "workload": {"pattern": "poisson",
                                                            "rate_rps": 1}}]
    comps += [{"id": f"s{i}", "type": "web_server"} for i in range(n)]
    links = [{"source": "users", "target": "s0"}]
    links += [{"source": f"s{i}", "target": f"s{(i + 1) % n}"} for i in range(n)]
    with reader_guard():
        doc = loads(json.dumps({"format": "sdsim", "version": 1, "components": comps,
                                "links": links}))
        cycles = [p for p in validate(doc) if "cycle" in p.message]
    assert len(cycles) == 1
    assert f"({n} components)" in cycles[0].message
    assert len(cycles[0].message) < 300


# -- files that are not regular files -------------------------------------------------------

@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs here")
def test_a_fifo_is_refused_without_waiting_for_a_writer(tmp_path: Path) -> None:
    fifo = tmp_path / "design.sdsim"
    os.mkfifo(fifo)
    with reader_guard(), pytest.raises(DocumentError, match="not a regular file"):
        load(fifo)


@pytest.mark.skipif(not Path("/dev/zero").exists(), reason="no /dev/zero")
def test_dev_zero_is_refused() -> None:
    with reader_guard(), pytest.raises(DocumentError, match="not a regular file"):
        load("/dev/zero")


def test_a_path_with_a_nul_or_a_newline_is_refused_in_one_line(tmp_path: Path) -> None:
    with pytest.raises(DocumentError, match="cannot read"):
        load(str(tmp_path / "a\x00b.sdsim"))
    with pytest.raises(DocumentError) as caught:
        load(tmp_path / "no\nsuch.sdsim")
    assert "\n" not in str(caught.value) and "no such file" in str(caught.value).lower()


# -- the CLI: exit 2 and one line ------------------------------------------------------------

def _validate_in_process(path: Path) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with reader_guard():
        code = cli.main(["validate", str(path)], out, err)
    return code, out.getvalue(), err.getvalue()


@pytest.mark.parametrize(("data", "path", "words"), [case[1:] for case in REFUSED],
                         ids=[case[0] for case in REFUSED])
def test_cli_validate_refuses_with_exit_2_and_names_the_problem(tmp_path: Path, data: str | bytes,
                                                       path: str, words: str) -> None:
    file = tmp_path / "hostile.sdsim"
    if isinstance(data, str):
        file.write_bytes(data.encode("utf-8", "surrogatepass"))
    else:
        file.write_bytes(data)
    code, out, err = _validate_in_process(file)
    assert code == 2
    assert out == ""
    # One line per problem (validate lists up to 20), the first an "error:" line;
    # nothing from the file reaches the terminal as a control character.
    lines = err.splitlines()
    assert lines[0].startswith("error: "), err
    assert all(line.startswith("  ") for line in lines[1:]), err
    assert len(lines) <= 22, err
    assert not any((ch < " " and ch != "\n") or ch == "\x7f" for ch in err), err
    assert words in err


@pytest.mark.parametrize("case", ["uniform whose mean contradicts its bounds",
                                  "unterminated string full of escaped quotes"])
def test_main_py_validate_refuses_in_a_subprocess(tmp_path: Path, case: str) -> None:
    data = next(content for name, content, _, _ in REFUSED if name == case)
    file = tmp_path / "hostile.sdsim"
    file.write_text(data if isinstance(data, str) else data.decode(), encoding="utf-8")
    done = subprocess.run([sys.executable, str(ROOT / "main.py"), "validate", str(file)],
                          capture_output=True, text=True, timeout=60, cwd=ROOT, check=False)
    assert done.returncode == 2
    assert done.stdout == ""
    assert done.stderr.count("\n") == 1 and "Traceback" not in done.stderr
