"""Reading and writing ``.sdsim`` files (format version 2; version 1 is upgraded on load).

``loads``/``load`` never let a bad file through and never crash on one: every
problem is collected with its JSON path and raised as one
:class:`~app.model.errors.DocumentError` (malformed JSON, wrong types,
unknown keys, values out of range, dangling links...). Only problems of
severity ``"error"`` refuse a file; an *incomplete* design (no client yet, a
call cycle) loads, so work in progress can be saved and reopened.

``dumps``/``save`` write canonical text (see :mod:`app.model.json_writer`):
``dumps(loads(dumps(doc))) == dumps(doc)`` byte for byte. They refuse a
document that ``loads`` would refuse, so a saved file always opens again.

The format is described for users in docs/file-format.md.
"""

from __future__ import annotations

import bisect
import json
import os
import re
import stat
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Final

from app.atomic_io import atomic_write_text
from app.model.alerts import MAX_ALERT_RULES
from app.model.document import Document
from app.model.errors import (
    ERROR,
    DocumentError,
    Problem,
    ProblemList,
    UnsupportedFormatVersionError,
    in_document_order,
)
from app.model.json_reader import JsonObject, ReadResult, read_document
from app.model.json_writer import canonical_text, document_to_json
from app.model.limits import (
    MAX_COMPONENTS,
    MAX_FAULTS,
    MAX_FILE_BYTES,
    MAX_FORMAT_VERSION,
    MAX_JSON_CONTAINERS,
    MAX_LINKS,
    MAX_NESTING_DEPTH,
)
from app.model.validation import validate
from app.model.value_checks import describe

FORMAT_NAME: Final = "sdsim"
FORMAT_VERSION: Final = 2
FILE_SUFFIX: Final = ".sdsim"

Migration = Callable[[dict[str, Any]], dict[str, Any]]


def _v1_to_v2(raw: dict[str, Any]) -> dict[str, Any]:
    """Version 1 -> 2: no key changed shape, so the data carries over as it is.

    What version 2 adds is a rule, not a rewrite: the component ids
    ``end_to_end`` and ``total`` are reserved and ids may not contain ``->``.
    A version-1 file that breaks it is refused by the checks every file goes
    through, naming the id to rename; it is not renamed here, since an id is
    also how the user knows the component in exported metrics and scripts.
    """
    return raw


#: The migration chain, oldest first: ``MIGRATIONS[v]`` turns a parsed
#: version-``v`` file into a version ``v + 1`` one (plain ``dict`` in, ``dict``
#: out; it need not set ``"version"``). To introduce version 3, register
#: ``MIGRATIONS[2]`` below and bump :data:`FORMAT_VERSION`. Files older than
#: the oldest registered migration are refused with
#: :class:`UnsupportedFormatVersionError`.
MIGRATIONS: dict[int, Migration] = {
    1: _v1_to_v2,
}

#: Per byte of UTF-8 JSON: +1 opens an object or list, -1 closes one, 0 anything else.
_BRACKET_STEP: Final = bytes(
    {ord("["): 1, ord("{"): 1, ord("]"): 255, ord("}"): 255}.get(b, 0) for b in range(256)
)
_QUOTE: Final = ord('"')
_SCAN_CHUNK: Final = 1 << 20
_FILE_ROW: Final = re.compile(r"^\$\.(components|links|faults|alerts)\[(\d+)\]")
_NON_FINITE: Final = {"NaN": float("nan"), "Infinity": float("inf"),
                      "-Infinity": float("-inf")}


def _refuse(message: str, path: str = "$") -> DocumentError:
    return DocumentError([Problem(path, message)])


@dataclass(frozen=True)
class JsonShape:
    """How many objects and lists JSON text opens, and how deep they nest."""

    containers: int
    depth: int


def json_shape(text: str) -> JsonShape:
    """Count and nesting depth of the objects and lists in JSON text, strings excluded.

    Run *before* the JSON parser, whose recursion a deeply nested file would
    exhaust and whose memory a file of a million ``{}`` would fill. Linear in
    the length of the text whatever it holds, in bounded extra memory: plain
    ``str.replace`` first, then numpy over 1 MB chunks (nothing can backtrack).

    Escapes go first: dropping ``\\\\`` pairs left to right, as JSON reads them,
    then escaped quotes, leaves only the quotes that open and close strings,
    so a byte lies inside a string when an odd number of quotes precede it.
    An unterminated string runs to the end of the text. For invalid JSON the
    answer may be off; that only changes which refusal the file gets, since
    the parser refuses it anyway.
    """
    import numpy as np  # here, not at the top: importing app.model stays cheap

    plain = text.replace("\\\\", "").replace('\\"', "")
    data = np.frombuffer(plain.encode("utf-8", "surrogatepass"), dtype=np.uint8)
    table = np.frombuffer(_BRACKET_STEP, dtype=np.int8)
    in_string = 0
    depth = deepest = containers = 0
    for start in range(0, len(data), _SCAN_CHUNK):
        chunk = data[start:start + _SCAN_CHUNK]
        quotes = np.cumsum(chunk == _QUOTE, dtype=np.int32)
        outside = ((quotes + in_string) & 1) == 0
        steps = np.where(outside, table[chunk], 0)
        levels = np.cumsum(steps, dtype=np.int32)
        deepest = max(deepest, depth + int(levels.max()))
        depth += int(levels[-1])
        containers += int(np.count_nonzero(steps == 1))
        in_string = (in_string + int(quotes[-1])) & 1
    return JsonShape(containers, deepest)


def _check_shape(text: str) -> None:
    """Refuse text nested too deep or holding too many objects and lists to parse safely."""
    shape = json_shape(text)
    if shape.depth > MAX_NESTING_DEPTH:
        raise _refuse(f"not a .sdsim document: nested more than {MAX_NESTING_DEPTH} levels deep")
    if shape.containers > MAX_JSON_CONTAINERS:
        raise _refuse(f"not a .sdsim document: it holds over {MAX_JSON_CONTAINERS:,} JSON "
                      "objects and lists (the largest design the format allows needs far "
                      "fewer)")


def _decode(data: str | bytes) -> str:
    if isinstance(data, str):
        if len(data) > MAX_FILE_BYTES:
            raise _refuse(f"the file is too large (over {MAX_FILE_BYTES // 2**20} MB)")
        text = data
    else:
        if len(data) > MAX_FILE_BYTES:
            raise _refuse(f"the file is too large ({len(data) / 2**20:.1f} MB; at most "
                          f"{MAX_FILE_BYTES // 2**20} MB)")
        if b"\x00" in data:
            raise _refuse("not a text file: it contains NUL bytes (a binary file? .sdsim "
                          "files are UTF-8 JSON)")
        try:
            text = bytes(data).decode("utf-8")
        except UnicodeDecodeError as exc:
            raise _refuse(f"not a text file: invalid UTF-8 at byte {exc.start} "
                          "(.sdsim files are UTF-8 JSON)") from None
    text = text.removeprefix("\ufeff")  # tolerate a byte-order mark from Windows editors
    if not text.strip():
        raise _refuse("the file is empty")
    return text


def _parse(data: str | bytes) -> dict[str, Any]:
    text = _decode(data)
    _check_shape(text)
    try:
        # NaN/Infinity literals become non-finite floats, refused where they stand
        # (with their path) by the field checks.
        value = json.loads(text, parse_constant=_NON_FINITE.__getitem__,
                           object_pairs_hook=JsonObject.from_pairs)
    except json.JSONDecodeError as exc:
        what = exc.msg.removesuffix(" at")  # "Unterminated string starting at"
        raise _refuse(f"not valid JSON: {what} at line {exc.lineno}, column {exc.colno}"
                      ) from None
    except ValueError as exc:  # an integer of 5,000 digits (Python's conversion limit)
        what = "a number has too many digits" if "digits" in str(exc) else str(exc)
        raise _refuse(f"not valid JSON: {what}") from None
    except RecursionError:  # the shape check makes this unreachable; kept as a net
        raise _refuse(f"not a .sdsim document: nested more than {MAX_NESTING_DEPTH} levels "
                      "deep") from None
    if not isinstance(value, dict):
        raise _refuse(f"not a .sdsim document: expected a JSON object {{...}} at the top "
                      f"level, got {describe(value)}")
    return value


def _check_format(raw: dict[str, Any]) -> int:
    if "format" not in raw:
        raise _refuse(f'missing: a .sdsim file starts with "format": "{FORMAT_NAME}"', "$.format")
    if raw["format"] != FORMAT_NAME:
        raise _refuse(f'must be "{FORMAT_NAME}", got {describe(raw["format"])}: this is not a '
                      "System Design Simulator file", "$.format")
    if raw.get("version") is None:
        raise _refuse(f"missing: the format version (this app writes {FORMAT_VERSION})",
                      "$.version")
    version = raw["version"]
    if isinstance(version, float) and version.is_integer():
        version = int(version)  # 2.0 is 2, as for every whole-number field
    if not isinstance(version, int) or isinstance(version, bool):
        raise _refuse(f"must be a whole number, got {describe(version)}", "$.version")
    if not 1 <= version <= MAX_FORMAT_VERSION:
        raise _refuse(f"must be a format version, a whole number from 1 to "
                      f"{MAX_FORMAT_VERSION:,} (this app writes {FORMAT_VERSION}), got "
                      f"{describe(version)}", "$.version")
    if version > FORMAT_VERSION:
        raise UnsupportedFormatVersionError(
            version,
            f"version {version} is newer than this app supports ({FORMAT_VERSION}): "
            f"a newer System Design Simulator wrote this file; update System Design "
            "Simulator to open it",
        )
    return version


def _upgrade(raw: dict[str, Any]) -> dict[str, Any]:
    """Check ``format`` and ``version`` and migrate an older file to the current version."""
    version = _check_format(raw)
    while version < FORMAT_VERSION:
        migrate = MIGRATIONS.get(version)
        if migrate is None:
            oldest = min([*MIGRATIONS, FORMAT_VERSION])
            raise UnsupportedFormatVersionError(
                version,
                f"version {describe(version)} is not supported (this app reads versions "
                f"{oldest} to {FORMAT_VERSION})",
            )
        try:
            raw = migrate(raw)
        except Exception as exc:  # a migration meets whatever an old file holds
            raise _refuse(f"could not upgrade the file from version {version}: {exc}") from exc
        version += 1
        raw["version"] = version
    return raw


def _check_counts(components: object, links: object, faults: object = None,
                  alerts: object = None) -> None:
    if isinstance(components, list) and len(components) > MAX_COMPONENTS:
        raise _refuse(f"has {len(components):,} components; at most {MAX_COMPONENTS:,} "
                      "are supported", "$.components")
    if isinstance(links, list) and len(links) > MAX_LINKS:
        raise _refuse(f"has {len(links):,} links; at most {MAX_LINKS:,} are supported",
                      "$.links")
    if isinstance(faults, list) and len(faults) > MAX_FAULTS:
        raise _refuse(f"has {len(faults):,} scheduled faults; at most {MAX_FAULTS:,} are "
                      "supported", "$.faults")
    if isinstance(alerts, list) and len(alerts) > MAX_ALERT_RULES:
        raise _refuse(f"has {len(alerts):,} alert rules; at most {MAX_ALERT_RULES:,} are "
                      "supported", "$.alerts")


def _path_in_file(path: str, result: ReadResult) -> str:
    """Map a path into ``result.document`` to the same item's path in the file."""
    match = _FILE_ROW.match(path)
    if match is None:
        return path
    rows = {"components": result.component_rows, "links": result.link_rows,
            "faults": result.fault_rows, "alerts": result.alert_rows}[match.group(1)]
    row = rows[int(match.group(2))]
    return f"$.{match.group(1)}[{row}]{path[match.end():]}"


def _prefixes(path: str) -> list[str]:
    cuts = [i for i, ch in enumerate(path) if ch in ".["]
    return [path[:i] for i in cuts[1:]] + [path]


def _fully_read_part(result: ReadResult) -> Document | None:
    """The part of the document the reader finished before its problem list filled.

    The reader goes through the components, the links, the faults, then the alerts, in
    file order; when the list fills at row ``r`` of one of them, the rows before ``r``
    have every reader problem listed, so their validation errors can be
    listed beside them without counting anything twice. ``None``: nothing
    (the list filled on the top-level keys).
    """
    doc = result.document
    if not result.problems.full:
        return doc
    match = _FILE_ROW.match(result.problems[-1].path)
    if match is None:
        return None
    row = int(match.group(2))
    if match.group(1) == "components":
        count = bisect.bisect_left(result.component_rows, row)
        return Document(name=doc.name, description=doc.description,
                        components=doc.components[:count])
    if match.group(1) == "links":
        count = bisect.bisect_left(result.link_rows, row)
        return Document(name=doc.name, description=doc.description, components=doc.components,
                        links=doc.links[:count])
    if match.group(1) == "alerts":
        count = bisect.bisect_left(result.alert_rows, row)
        return replace(doc, alerts=None if doc.alerts is None else doc.alerts[:count])
    count = bisect.bisect_left(result.fault_rows, row)
    return Document(name=doc.name, description=doc.description, components=doc.components,
                    links=doc.links, simulation=doc.simulation, chaos=doc.chaos,
                    faults=doc.faults[:count])


def _validation_errors(result: ReadResult) -> ProblemList:
    """Errors :func:`validate` finds, minus those the reader already reported.

    When the reader's list has room, they fill it and the rest are counted;
    when reading alone filled it, only the part read in full is validated
    (see :func:`_fully_read_part`: bounded work, and the listed problems are
    still the first ones of the file), and ``more`` is a lower bound.
    """
    reported = {problem.path for problem in result.problems}

    def admit(problem: Problem) -> Problem | None:
        if problem.severity != ERROR:
            return None
        path = _path_in_file(problem.path, result)
        if any(prefix in reported for prefix in _prefixes(path)):
            return None
        return replace(problem, path=path)

    free = result.problems.limit - len(result.problems)
    errors = ProblemList(free if free > 0 else result.problems.limit, admit)
    part = _fully_read_part(result)
    if part is not None:
        validate(part, errors)
    return errors


def loads(text: str | bytes) -> Document:
    """Read a document from ``.sdsim`` text.

    Args:
        text: The file's content, as ``str`` or as (UTF-8) ``bytes``.

    Returns:
        The document (it may still be *incomplete*: see :func:`validate`).

    Raises:
        UnsupportedFormatVersionError: The file's version is newer than
            :data:`FORMAT_VERSION`, or older than any migration reaches.
        DocumentError: Anything else wrong; ``.problems`` lists the problems
            with their JSON paths (the first 100 of a huge file, ``.more``
            counting at least the rest), ``str()`` names the first.
    """
    raw = _upgrade(_parse(text))
    _check_counts(raw.get("components"), raw.get("links"), raw.get("faults"), raw.get("alerts"))
    result = read_document(raw)
    errors = _validation_errors(result)
    if result.problems or errors:
        # DocumentError lists the first MAX_LISTED_PROBLEMS and counts the rest.
        raise DocumentError(in_document_order([*result.problems, *errors]),
                            result.problems.more + errors.more)
    return result.document


def load(path: str | os.PathLike[str]) -> Document:
    """Read a ``.sdsim`` file; see :func:`loads`.

    Raises:
        DocumentError: The file cannot be read (the ``OSError`` is chained),
            is not a regular file, is too large, or is not a valid document.
    """
    file = Path(path)
    try:
        # Non-blocking open: a FIFO must not hang the reader before it is refused.
        fd = os.open(file, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
        with os.fdopen(fd, "rb") as stream:
            info = os.fstat(fd)
            if not stat.S_ISREG(info.st_mode):
                raise _refuse(f"cannot read {file.name}: not a regular file (a "
                              "device, a pipe or a socket?)")
            if info.st_size > MAX_FILE_BYTES:
                raise _refuse(f"the file is too large (over {MAX_FILE_BYTES // 2**20} MB)")
            data = stream.read(MAX_FILE_BYTES + 1)
    except OSError as exc:
        raise _refuse(f"cannot read {file.name}: {exc.strerror or exc}") from exc
    except ValueError as exc:  # a path with a NUL character
        raise _refuse(f"cannot read {file.name}: {exc}") from exc
    return loads(data)


def dumps(doc: Document) -> str:
    """The document as canonical ``.sdsim`` text.

    Raises:
        DocumentError: ``doc`` has problems of severity ``"error"`` (which
            :func:`loads` would refuse); incomplete designs are written.
    """
    _check_counts(doc.components, doc.links, doc.faults, doc.alerts)
    errors = ProblemList(admit=lambda problem: problem if problem.severity == ERROR else None)
    validate(doc, errors)
    if errors:
        raise DocumentError(in_document_order(errors), errors.more)
    return canonical_text(document_to_json(doc, FORMAT_NAME, FORMAT_VERSION))


def save(doc: Document, path: str | os.PathLike[str]) -> None:
    """Write ``doc`` to ``path`` atomically.

    The text goes to a temporary file in the same folder, is flushed to disk,
    and replaces ``path`` in one step: a crash leaves the old file or the new
    one, never half of either. An existing file's permissions are kept.

    Raises:
        DocumentError: ``doc`` is invalid (nothing is written).
        OSError: The file cannot be written.
    """
    atomic_write_text(path, dumps(doc))


