"""Typed records -> canonical ``.sdsim`` text.

Canonical means: keys in a fixed order (the records' field order), only the
fields that are given (not ``None``), ``queue_capacity`` unbounded as
``null``, positions as ``[x, y]`` on one line, 2-space indent, UTF-8 (no
``\\u`` escapes for non-ASCII text), a trailing newline, and whole numbers
written without ``.0``. Reading canonical text and writing it again gives the
same bytes.
"""

from __future__ import annotations

import json
import re
from dataclasses import fields, is_dataclass
from typing import Any, Final

from app.model.document import UNBOUNDED, Document

#: Largest magnitude written as a whole number; beyond it floats keep their exponent form.
_WHOLE_LIMIT: Final = 1e15
# json.dumps puts each item of a list on its own line; a position reads better on one.
# Raw newlines never occur inside a dumped string (they are escaped), so this
# only matches real two-number lists.
_SPLIT_PAIR: Final = re.compile(r"\[\n\s*(-?[0-9][0-9.eE+-]*),\n\s*(-?[0-9][0-9.eE+-]*)\n\s*\]")


def _number(value: float) -> float | int:
    if isinstance(value, float) and value.is_integer() and abs(value) < _WHOLE_LIMIT:
        return int(value)
    return value


def _value(name: str, value: Any) -> Any:
    if name == "queue_capacity" and value == UNBOUNDED:
        return None
    if is_dataclass(value) and not isinstance(value, type):
        return record_to_json(value)
    if isinstance(value, bool | str):
        return value
    if isinstance(value, int | float):
        return _number(value)
    if isinstance(value, tuple | list):
        return [_value(name, item) for item in value]
    return value


def record_to_json(record: Any) -> dict[str, Any]:
    """A record's given fields, in field order, as JSON-ready values."""
    out: dict[str, Any] = {}
    for field in fields(record):
        value = getattr(record, field.name)
        if value is not None:
            out[field.name] = _value(field.name, value)
    return out


def document_to_json(doc: Document, format_name: str, version: int) -> dict[str, Any]:
    """The whole document as an ordered, JSON-ready ``dict``."""
    out: dict[str, Any] = {"format": format_name, "version": version, "name": doc.name}
    if doc.description is not None:
        out["description"] = doc.description
    out["components"] = [record_to_json(comp) for comp in doc.components]
    out["links"] = [record_to_json(link) for link in doc.links]
    out["simulation"] = record_to_json(doc.simulation)
    # Version-2 keys, written only when used: a design without them reads as before.
    if doc.chaos is not None:
        out["chaos"] = record_to_json(doc.chaos)
    if doc.faults:
        out["faults"] = [record_to_json(fault) for fault in doc.faults]
    # None: no key (the default rules apply); [] is written, since it turns them off.
    if doc.alerts is not None:
        out["alerts"] = [record_to_json(rule) for rule in doc.alerts]
    if doc.dashboards:
        out["dashboards"] = [record_to_json(board) for board in doc.dashboards]
    return out


def canonical_text(data: dict[str, Any]) -> str:
    """``data`` as canonical ``.sdsim`` text (2-space indent, trailing newline)."""
    text = json.dumps(data, indent=2, ensure_ascii=False, allow_nan=False)
    return _SPLIT_PAIR.sub(r"[\1, \2]", text) + "\n"
