""".sdsim version 2: version-1 files upgrade, bad versions and the reserved ids are refused.

``tests/data/v1/three_tier_v1.sdsim`` is the three-tier template exactly as
version 1 wrote it; it must keep opening as long as the app reads version 1.
"""

from __future__ import annotations

import io
import json
from itertools import pairwise
from pathlib import Path
from typing import Any

import pytest

from app.cli import main
from app.model import fileformat
from app.model.document import Component, Document, Link
from app.model.errors import DocumentError, Problem, UnsupportedFormatVersionError
from app.model.fileformat import FORMAT_VERSION, dumps, load, loads, save
from app.model.validation import validate
from app.resources import resource_path

V1_FILE = Path(__file__).resolve().parents[1] / "data" / "v1" / "three_tier_v1.sdsim"
V2_TEMPLATE = resource_path("templates", "three_tier_web_app.sdsim")


def _refusal(text: str) -> DocumentError:
    with pytest.raises(DocumentError) as info:
        loads(text)
    return info.value


def _file(version: Any = 2, ids: tuple[str, ...] = ("users", "web")) -> dict[str, Any]:
    """A small runnable design whose components have ``ids`` (the first is the client)."""
    comps: list[dict[str, Any]] = [
        {"id": ids[0], "type": "client", "workload": {"pattern": "poisson", "rate_rps": 10}}
    ]
    comps += [{"id": comp_id, "type": "web_server"} for comp_id in ids[1:]]
    links = [{"source": a, "target": b} for a, b in pairwise(ids)]
    return {"format": "sdsim", "version": version, "components": comps, "links": links}


def _cli_validate(tmp_path: Path, data: dict[str, Any]) -> tuple[int, str, str]:
    path = tmp_path / "design.sdsim"
    path.write_text(json.dumps(data), encoding="utf-8")
    out, err = io.StringIO(), io.StringIO()
    code = main(["validate", str(path)], out, err)
    return code, out.getvalue(), err.getvalue()


# -- version 1 upgrades ----------------------------------------------------------------------


def test_the_writer_writes_version_2() -> None:
    assert FORMAT_VERSION == 2
    assert json.loads(dumps(Document()))["version"] == 2


def test_the_v1_fixture_is_a_version_1_file() -> None:
    assert json.loads(V1_FILE.read_text(encoding="utf-8"))["version"] == 1


def test_a_v1_file_loads_as_the_same_document_as_its_v2_twin() -> None:
    assert load(V1_FILE) == load(V2_TEMPLATE)


def test_saving_a_v1_file_writes_version_2_canonically(tmp_path: Path) -> None:
    doc = load(V1_FILE)
    target = tmp_path / "upgraded.sdsim"
    save(doc, target)
    text = target.read_text(encoding="utf-8")
    assert json.loads(text)["version"] == 2
    assert text == V2_TEMPLATE.read_text(encoding="utf-8")  # byte for byte
    assert load(target) == doc
    assert dumps(load(target)) == text  # and stable from then on


def test_the_document_remembers_nothing_about_version_1() -> None:
    v1, v2 = load(V1_FILE), load(V2_TEMPLATE)
    assert vars(v1) == vars(v2)
    assert dumps(v1) == dumps(v2)


def test_a_v1_file_opens_in_the_cli(tmp_path: Path) -> None:
    out, err = io.StringIO(), io.StringIO()
    assert main(["validate", str(V1_FILE)], out, err) == 0
    assert "OK" in out.getvalue()
    assert err.getvalue() == ""


def test_a_reader_of_version_1_refuses_a_version_2_file_clearly(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """What the released (version-1) app does with what this one writes."""
    monkeypatch.setattr(fileformat, "FORMAT_VERSION", 1)
    monkeypatch.setattr(fileformat, "MIGRATIONS", {})
    with pytest.raises(UnsupportedFormatVersionError) as info:
        load(V2_TEMPLATE)
    assert "version 2 is newer than this app supports (1)" in str(info.value)


# -- version numbers -------------------------------------------------------------------------


def test_a_newer_version_names_itself_and_who_wrote_it() -> None:
    with pytest.raises(UnsupportedFormatVersionError) as info:
        loads(json.dumps(_file(version=3) | {"alerts": []}))
    assert info.value.version == 3
    assert info.value.problems == [Problem(
        "$.version",
        "version 3 is newer than this app supports (2): a newer System Design Simulator "
        "wrote this file; update System Design Simulator to open it",
    )]


@pytest.mark.parametrize(("raw", "message"), [
    ("true", "must be a whole number, got true"),
    ("1.5", "must be a whole number, got 1.5"),
    ('"2"', 'must be a whole number, got "2"'),
    ("[2]", "must be a whole number, got a list"),
    ("-1", "must be a format version, a whole number from 1 to 1,000 (this app writes 2), "
           "got -1"),
    ("0", "must be a format version, a whole number from 1 to 1,000 (this app writes 2), "
          "got 0"),
    (str(2**63), "must be a format version, a whole number from 1 to 1,000 (this app "
                 f"writes 2), got {2**63}"),
    (str(2**300), "must be a format version, a whole number from 1 to 1,000 (this app "
                  "writes 2), got a huge number"),
    ("null", "missing: the format version (this app writes 2)"),
], ids=["bool", "float", "string", "list", "negative", "zero", "2**63", "huge", "null"])
def test_impossible_versions_are_refused_clearly(raw: str, message: str) -> None:
    error = _refusal('{"format": "sdsim", "version": ' + raw + ', "components": []}')
    assert error.problems == [Problem("$.version", message)]
    assert not isinstance(error, UnsupportedFormatVersionError)


def test_a_five_thousand_digit_version_is_refused_not_parsed() -> None:
    error = _refusal('{"format": "sdsim", "version": ' + "9" * 5000 + "}")
    assert "not valid JSON" in str(error)


def test_a_whole_float_version_reads_as_that_version() -> None:
    assert loads(json.dumps(_file(version=2.0))) == loads(json.dumps(_file(version=2)))
    assert loads(json.dumps(_file(version=1.0))) == loads(json.dumps(_file(version=2)))


# -- reserved ids ----------------------------------------------------------------------------

RESERVED = [
    ("total", 'the id "total" is reserved (it names the totals in metrics.csv and '
              'summary.json): rename the component, e.g. to "total_1", and its links with it'),
    ("end_to_end", 'the id "end_to_end" is reserved (it names the end-to-end figures in '
                   'metrics.csv and summary.json): rename the component, e.g. to '
                   '"end_to_end_1", and its links with it'),
    ("a->b", 'must not contain "->" (summary.json names links "source->target"): rename the '
             'component, e.g. to "a_to_b", and its links with it'),
    ("->", 'must not contain "->" (summary.json names links "source->target"): rename the '
           'component, e.g. to "_to_", and its links with it'),
]


@pytest.mark.parametrize("version", [1, 2])
@pytest.mark.parametrize(("comp_id", "message"), RESERVED,
                         ids=[comp_id for comp_id, _ in RESERVED])
def test_reserved_ids_are_refused_in_any_version(version: int, comp_id: str,
                                                 message: str) -> None:
    error = _refusal(json.dumps(_file(version, ("users", comp_id))))
    # One problem, on the component: the links naming it are not blamed as well.
    assert error.problems == [Problem("$.components[1].id", message, "error", (comp_id,))]


def test_a_reserved_client_id_is_refused_too() -> None:
    error = _refusal(json.dumps(_file(1, ("total", "web"))))
    assert [problem.path for problem in error.problems] == ["$.components[0].id"]


@pytest.mark.parametrize("comp_id", ["totals", "subtotal", "Total", "end-to-end",
                                     "end_to_end_1", "a-b", "a>b", "a- >b", "<-"])
def test_ids_near_the_reserved_ones_are_fine(comp_id: str) -> None:
    doc = loads(json.dumps(_file(2, ("users", comp_id))))
    assert doc.components[1].id == comp_id
    assert loads(dumps(doc)) == doc


def test_documents_built_in_code_obey_the_same_rules() -> None:
    """validate() carries the rule, so dumps() and the GUI's checks hold to it too."""
    doc = Document(components=[Component(id="total", type="web_server"),
                               Component(id="x->y", type="database")],
                   links=[Link(source="total", target="x->y")])
    errors = [problem.path for problem in validate(doc) if problem.severity == "error"]
    assert errors == ["$.components[0].id", "$.components[1].id"]
    with pytest.raises(DocumentError, match="reserved"):
        dumps(doc)


# -- the CLI ---------------------------------------------------------------------------------


@pytest.mark.parametrize(("data", "words"), [
    (_file(version=3), "version 3 is newer than this app supports (2): a newer System Design "
                       "Simulator wrote this file"),
    (_file(version=1.5), "must be a whole number, got 1.5"),
    (_file(version=True), "must be a whole number, got true"),
    (_file(version="2"), 'must be a whole number, got "2"'),
    (_file(version=-1), "must be a format version"),
    (_file(version=10**30), "must be a format version"),
    (_file(1, ("users", "total")), 'the id "total" is reserved'),
    (_file(1, ("users", "end_to_end")), 'the id "end_to_end" is reserved'),
    (_file(2, ("users", "web->db")), 'must not contain "->"'),
], ids=["newer", "float", "bool", "string", "negative", "huge", "total", "end_to_end",
        "arrow"])
def test_the_cli_refuses_with_exit_2_and_an_error_line(
    tmp_path: Path, data: dict[str, Any], words: str
) -> None:
    code, out, err = _cli_validate(tmp_path, data)
    assert code == 2
    assert out == ""
    first = err.splitlines()[0]
    assert first.startswith("error: ")
    assert words in first
