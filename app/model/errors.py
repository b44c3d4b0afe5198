"""Problems found in a document, and the exceptions that carry them.

A :class:`Problem` names one thing wrong with a design by its JSON path
(``$.components[2].replicas``), so the reader, the validator, the GUI's
per-node markers and the CLI all speak the same language.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, fields
from typing import Final, Literal

from app.model.document import (
    Component,
    Link,
    Routing,
    ServiceTime,
    SimulationSettings,
    Specs,
    Workload,
)

Severity = Literal["error", "incomplete"]

#: The document is inconsistent or out of range: it is refused on load.
ERROR: Final = "error"
#: The document is well formed and can be stored and edited, but cannot be
#: simulated as it stands (no client, a synchronous call cycle, a workload
#: missing the fields its pattern needs...). A run refuses it; loading does not.
INCOMPLETE: Final = "incomplete"


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a document.

    Attributes:
        path: JSON path of the offending value, e.g. ``$.components[2].replicas``
            (``$`` is the whole document).
        message: What is wrong and what was expected, in one sentence.
        severity: ``"error"`` (refused on load) or ``"incomplete"`` (stored and
            edited fine, but not runnable); see :data:`ERROR`, :data:`INCOMPLETE`.
        component_ids: Ids of the components the problem is about, for the
            GUI's per-node markers (empty when it is about no component).
    """

    path: str
    message: str
    severity: Severity = "error"
    component_ids: tuple[str, ...] = ()

    def __str__(self) -> str:
        return f"{self.path}: {self.message}"


class DocumentError(Exception):
    """A document could not be read or is invalid.

    Attributes:
        problems: Every problem found, in document order (never empty).
    """

    def __init__(self, problems: list[Problem]) -> None:
        if not problems:
            problems = [Problem("$", "invalid document")]
        self.problems: list[Problem] = list(problems)
        super().__init__(self._summary())

    def _summary(self) -> str:
        # One line, whatever a message quotes (a file name, an exception's text).
        first = " ".join(str(self.problems[0]).splitlines())
        more = len(self.problems) - 1
        if more == 1:
            return f"{first} (and 1 more problem)"
        if more > 1:
            return f"{first} (and {more} more problems)"
        return first

    def __str__(self) -> str:
        return self._summary()


class UnsupportedFormatVersionError(DocumentError):
    """The file's format version is newer (or older) than this app can read."""

    def __init__(self, version: int, message: str) -> None:
        self.version = version
        super().__init__([Problem("$.version", message)])


_TOP_LEVEL_ORDER: Final = (
    "format", "version", "name", "description", "components", "links", "simulation",
)


def _field_order() -> dict[str, int]:
    order: dict[str, int] = {}
    for record in (Component, Specs, ServiceTime, Routing, Workload, Link, SimulationSettings):
        for field in fields(record):
            order.setdefault(field.name, len(order))
    return order


# Nested keys sort in the order the writer puts them (unknown keys last).
_FIELD_ORDER: Final = _field_order()
_PATH_TOKEN: Final = re.compile(r"\.([^.\[]+)|\[(\d+)\]")


def _path_sort_key(path: str) -> tuple[tuple[int, int, str], ...]:
    tokens: list[tuple[int, int, str]] = []
    for match in _PATH_TOKEN.finditer(path):
        key, index = match.group(1), match.group(2)
        if index is not None:
            tokens.append((0, int(index), ""))
        elif not tokens and key in _TOP_LEVEL_ORDER:
            tokens.append((1, _TOP_LEVEL_ORDER.index(key), key))
        else:
            tokens.append((2, _FIELD_ORDER.get(key, len(_FIELD_ORDER)), key))
    return tuple(tokens)


def in_document_order(problems: list[Problem]) -> list[Problem]:
    """``problems`` sorted by where their paths point in a file (stable)."""
    return sorted(problems, key=lambda problem: _path_sort_key(problem.path))
