"""Parameter overrides: ``"web.replicas" = 4`` set in a design before it is read.

An override's key is a *selector*, a dot, then a *field*:

* ``simulation.<field>``: the run settings (``simulation.duration_s``);
* ``<component id>.<field>``: one component; ``<type>.<field>``: every
  component of that type (an id wins over a type of the same name);
* ``<source>-><target>.<field>``: a link.

The field is a dotted path inside that object (``workload.rate_rps``), or a
single name found exactly once anywhere inside it (``rate_rps``). Overrides are
set in the design's JSON *before* it is read, so the file format's own checks
judge the new values; a problem they find is reported against the override's
key. Component ids may contain dots: the longest selector that matches wins.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from typing import Any

from app.model.document import Document
from app.model.errors import DocumentError
from app.model.fileformat import dumps, loads
from app.model.json_reader import key_path
from app.model.resolve import link_key

SETTINGS = "simulation"


class OverrideError(ValueError):
    """An override names nothing in the design, or sets a value the design refuses."""


def apply_overrides(doc_text: str | bytes | Document,
                    overrides: Mapping[str, object]) -> Document:
    """The design in ``doc_text`` with ``overrides`` set, read and validated.

    A :class:`Document` already in memory (the GUI's) is used as it is when
    there is nothing to override: no round trip through text.

    Raises:
        DocumentError: ``doc_text`` itself is not a valid design.
        OverrideError: An override's selector or field names nothing, or the
            design with the new value is refused (the message names the key).
    """
    doc = doc_text if isinstance(doc_text, Document) else loads(doc_text)
    if not overrides:
        return doc
    # The canonical text of what was read: a version-1 file is upgraded first.
    raw: dict[str, Any] = json.loads(dumps(doc))
    touched: list[tuple[str, str]] = []  # (override key, JSON path it set)
    for key, value in overrides.items():
        selector, field = _split(raw, key)
        for path, target in _targets(raw, selector):
            touched.append((key, _set(target, path, field, value, key)))
    try:
        text = json.dumps(raw, allow_nan=False)
    except (TypeError, ValueError) as exc:
        raise OverrideError(f"override values must be JSON numbers, strings, booleans, "
                            f"lists or objects: {exc}") from None
    try:
        return loads(text)
    except DocumentError as exc:
        for problem in exc.problems:
            for key, path in touched:
                if _related(problem.path, path):
                    raise OverrideError(f"override {key!r}: {problem.path}: "
                                        f"{problem.message}") from None
        raise


def _split(raw: dict[str, Any], key: str) -> tuple[str, str]:
    """``(selector, field)`` of ``key``: the longest selector in the design that it starts with.

    Component ids come first, then links, the settings and types.
    """
    components = [c for c in raw.get("components", []) if isinstance(c, dict)]
    ranked = [
        [str(c.get("id")) for c in components],
        [_link_key(lk) for lk in raw.get("links", []) if isinstance(lk, dict)],
        [SETTINGS],
        [str(c.get("type")) for c in components],
    ]
    for names in ranked:
        matches = [n for n in names if key.startswith(n + ".") and len(key) > len(n) + 1]
        if matches:
            selector = max(matches, key=len)
            return selector, key[len(selector) + 1:]
    raise OverrideError(f"override {key!r}: no component id, component type, link "
                        f"\"source->target\" or {SETTINGS!r} in the design starts it "
                        f"(expected <selector>.<field>)")


def _link_key(link: dict[str, Any]) -> str:
    return link_key(str(link.get("source")), str(link.get("target")))


def _targets(raw: dict[str, Any], selector: str) -> Iterator[tuple[str, dict[str, Any]]]:
    """``(JSON path, object)`` of everything ``selector`` selects (see :func:`_split`)."""
    components = raw.get("components", [])
    links = raw.get("links", [])
    by_id = [i for i, c in enumerate(components) if c.get("id") == selector]
    if by_id:
        for i in by_id:
            yield f"$.components[{i}]", components[i]
        return
    by_link = [i for i, lk in enumerate(links) if _link_key(lk) == selector]
    if by_link:
        for i in by_link:
            yield f"$.links[{i}]", links[i]
        return
    if selector == SETTINGS:
        yield "$.simulation", raw.setdefault(SETTINGS, {})
        return
    for i, c in enumerate(components):
        if c.get("type") == selector:
            yield f"$.components[{i}]", c


def _set(target: dict[str, Any], path: str, field: str, value: object, key: str) -> str:
    """Set ``field`` (a dotted path or a unique leaf name) in ``target``; returns its JSON path."""
    names = field.split(".")
    if any(not name for name in names):
        raise OverrideError(f"override {key!r}: the field {field!r} has an empty part")
    if len(names) == 1 and names[0] not in target:
        found = list(_leaves(target, names[0], path))
        if len(found) > 1:
            shown = ", ".join(where for where, _ in found)
            raise OverrideError(f"override {key!r}: {names[0]!r} is ambiguous at {path} "
                                f"({shown}); give its dotted path")
        if found:
            where, holder = found[0]
            holder[names[0]] = value
            return where
    node = target
    for name in names[:-1]:
        child = node.setdefault(name, {})
        path = key_path(path, name)
        if not isinstance(child, dict):
            raise OverrideError(f"override {key!r}: {path} is not an object")
        node = child
    node[names[-1]] = value
    return key_path(path, names[-1])


def _leaves(node: dict[str, Any], name: str, path: str) -> Iterator[tuple[str, dict[str, Any]]]:
    """``(JSON path, holder)`` of every key ``name`` nested in objects under ``node``."""
    for key, child in node.items():
        if isinstance(child, dict):
            child_path = key_path(path, key)
            if name in child:
                yield key_path(child_path, name), child
            yield from _leaves(child, name, child_path)


def _related(problem_path: str, set_path: str) -> bool:
    """Whether one path lies inside the other (a problem about what an override set)."""
    def inside(inner: str, outer: str) -> bool:
        return inner == outer or inner.startswith((outer + ".", outer + "["))

    return inside(problem_path, set_path) or inside(set_path, problem_path)
