"""Fuzzing the .sdsim reader: any text gives a Document or a one-line DocumentError.

Three generators: the shipped templates with random edits, design-shaped JSON
with random values in every field, and random JSON-ish text. Each input runs
under a hang guard. A file that is read must also write back, resolve, and
give finite, non-negative service times. Bounded example counts keep the
whole module to seconds.
"""

from __future__ import annotations

import json
import math
import re
from typing import Any

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.engine.distributions import RandomStreams, service_draw
from app.model.catalog import COMPONENT_TYPES
from app.model.document import Document
from app.model.errors import DocumentError
from app.model.fileformat import dumps, loads
from app.model.json_reader import COMPONENT, LINK, SERVICE_TIME, SIMULATION, SPECS, WORKLOAD
from app.model.resolve import resolve
from app.resources import resource_path
from tests.unit.reader_guard import reader_guard

TEMPLATES = [path.read_text(encoding="utf-8") for path in
             sorted(resource_path("templates").glob("*.sdsim"))]
JSONISH = '{}[]":, 0123456789eE.-+\n\t\\/truefalsnNIy\x00\x1f\u00e9\ufeff\ud800'
EXTREME_LITERALS = ["NaN", "Infinity", "-Infinity", "1e308", "-1e308", "1e400", "5e-324",
                    "-0", "0", "1", "9" * 40, "9" * 5000, "[]", "{}", "null", "true", '""',
                    '"\\ud800"', '"x"', "[[[[[[[[]]]]]]]]", "0.5", "2", "1000000"]
_NUMBER = re.compile(r"-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?")

GUARDED = settings(max_examples=120, deadline=None, derandomize=True,
                   suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


def check_reader(data: str | bytes) -> Document | None:
    """Read ``data``; assert the outcome is a Document or a one-line DocumentError."""
    with reader_guard(10.0):
        try:
            doc = loads(data)
        except DocumentError as exc:
            message = str(exc)
            assert message.strip() and "\n" not in message and "\r" not in message
            assert exc.problems and exc.more >= 0
            return None
        # What is read writes back and reads again the same, and can be simulated
        # as stated: every server resolves to finite, non-negative service times.
        assert loads(dumps(doc)) == doc
        for comp in doc.components:
            if COMPONENT_TYPES[comp.type].is_client:
                continue
            service = resolve(comp).service
            assert math.isfinite(service.mean_ms) and service.mean_ms >= 0
            values = service_draw(service)(RandomStreams(1).generator(comp.id), 256)
            assert np.isfinite(values).all() and (values >= 0).all(), service
    return doc


@st.composite
def mutated_templates(draw: st.DrawFn) -> str:
    """A shipped template with a few random edits."""
    text = draw(st.sampled_from(TEMPLATES))
    for _ in range(draw(st.integers(1, 4))):
        start = draw(st.integers(0, len(text)))
        end = draw(st.integers(start, min(len(text), start + 60)))
        edit = draw(st.sampled_from(["delete", "insert", "repeat", "number", "literal"]))
        if edit == "delete":
            text = text[:start] + text[end:]
        elif edit == "insert":
            text = text[:start] + draw(st.text(st.sampled_from(JSONISH), max_size=30)) \
                + text[start:]
        elif edit == "repeat":
            text = text[:end] + text[start:end] * draw(st.integers(1, 200)) + text[end:]
        else:
            numbers = list(_NUMBER.finditer(text))
            if numbers:
                match = draw(st.sampled_from(numbers))
                literal = draw(st.sampled_from(EXTREME_LITERALS)) if edit == "literal" \
                    else repr(draw(st.floats(allow_nan=False, allow_infinity=False)))
                text = text[:match.start()] + literal + text[match.end():]
    return text


_extreme_numbers = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True),
    st.floats(min_value=0, max_value=10),
    st.integers(-10, 10),
    st.integers(min_value=-(2**80), max_value=2**80),
    st.sampled_from([0, 1, 1e-300, 1e308, 2**63, 0.5, 1.0000001]),
)
_values = st.one_of(_extreme_numbers, st.none(), st.booleans(),
                    st.text(max_size=8), st.sampled_from(["uniform", "normal", "pareto"]))


def _record(fields: dict[str, Any], nested: dict[str, st.SearchStrategy[Any]]
            ) -> st.SearchStrategy[dict[str, Any]]:
    keys = [*fields, "bogus"]
    return st.dictionaries(st.sampled_from(keys), _values, max_size=8).flatmap(
        lambda base: st.fixed_dictionaries({}, optional=dict(nested)).map(
            lambda extra: {**base, **extra}))


_service = _record(dict(SERVICE_TIME.fields), {
    "distribution": st.sampled_from(["constant", "exponential", "uniform", "normal",
                                     "lognormal", "gamma", "pareto", "weibull"]),
})
_component = _record(dict(COMPONENT.fields), {
    "id": st.sampled_from(["a", "b", "c", "users"]),
    "type": st.sampled_from([*sorted(COMPONENT_TYPES)[:6], "client", "web_servr"]),
    "specs": _record(dict(SPECS.fields), {}),
    "service_time": _service,
    "workload": _record(dict(WORKLOAD.fields), {}),
})
_link = _record(dict(LINK.fields), {"source": st.sampled_from(["a", "b", "users"]),
                                    "target": st.sampled_from(["a", "b", "c"])})


@st.composite
def design_shaped(draw: st.DrawFn) -> str:
    """A design's structure with random values in every field (types, ranges, extremes)."""
    doc: dict[str, Any] = {"format": "sdsim", "version": 1,
                           "components": draw(st.lists(_component, max_size=5)),
                           "links": draw(st.lists(_link, max_size=5))}
    if draw(st.booleans()):
        doc["simulation"] = draw(_record(dict(SIMULATION.fields), {}))
    return json.dumps(doc)


_json = st.recursive(
    st.none() | st.booleans() | _extreme_numbers | st.text(max_size=10),
    lambda children: st.lists(children, max_size=4)
    | st.dictionaries(st.text(max_size=6), children, max_size=4),
    max_leaves=30,
)


@GUARDED
@given(mutated_templates())
def test_mutated_templates_are_read_or_refused(text: str) -> None:
    check_reader(text)


@settings(GUARDED, max_examples=250)
@given(design_shaped())
def test_design_shaped_json_with_random_values_is_read_or_refused(text: str) -> None:
    check_reader(text)


@GUARDED
@given(st.text(st.sampled_from(JSONISH), max_size=200) | _json.map(json.dumps))
def test_random_json_ish_text_is_read_or_refused(text: str) -> None:
    check_reader(text)


@settings(GUARDED, max_examples=60)
@given(st.binary(max_size=300))
def test_random_bytes_are_read_or_refused(data: bytes) -> None:
    check_reader(data)


def test_the_templates_themselves_are_read() -> None:
    assert len(TEMPLATES) >= 5
    for text in TEMPLATES:
        assert check_reader(text) is not None
