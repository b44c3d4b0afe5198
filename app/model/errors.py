"""Problems found in a document, and the exceptions that carry them.

A :class:`Problem` names one thing wrong with a design by its JSON path
(``$.components[2].replicas``), so the reader, the validator, the GUI's
per-node markers and the CLI all speak the same language.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, fields
from typing import Final, Literal

from app.model.document import (
    Autoscaling,
    Backoff,
    Chaos,
    CircuitBreaker,
    Component,
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
from app.model.limits import MAX_LISTED_PROBLEMS

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


class ProblemList(list[Problem]):
    """Problems found so far: keeps the first ``limit`` and only counts the rest.

    A huge broken file can hold hundreds of thousands of problems; nobody
    reads past the first screen, and collecting them all costs minutes. Checks
    that build costly messages (did-you-mean hints) skip the cost once
    :attr:`full` (see :func:`is_full`). Use :meth:`append` and :meth:`extend`
    only (``+=`` and ``insert`` bypass the limit).

    Args:
        limit: How many problems to keep.
        admit: Applied to each problem before it counts: returns the problem
            to keep (possibly changed) or ``None`` to drop it uncounted.

    Attributes:
        more: How many problems were counted but not kept.
    """

    def __init__(
        self,
        limit: int = MAX_LISTED_PROBLEMS,
        admit: Callable[[Problem], Problem | None] | None = None,
    ) -> None:
        super().__init__()
        self.limit = max(0, limit)
        self.admit = admit
        self.more = 0

    @property
    def full(self) -> bool:
        """True once ``limit`` problems are kept: later ones are only counted."""
        return len(self) >= self.limit

    def append(self, problem: Problem, /) -> None:
        """Keep ``problem`` (after :attr:`admit`), or count it when full."""
        if self.admit is not None:
            admitted = self.admit(problem)
            if admitted is None:
                return
            problem = admitted
        if len(self) < self.limit:
            super().append(problem)
        else:
            self.more += 1

    def extend(self, problems: Iterable[Problem], /) -> None:
        """:meth:`append` each problem."""
        for problem in problems:
            self.append(problem)


def is_full(problems: list[Problem]) -> bool:
    """True when ``problems`` is a :class:`ProblemList` that keeps no more problems."""
    return isinstance(problems, ProblemList) and problems.full


def count_phrase(count: int, *, at_least: bool = False) -> str:
    """``"1 more problem"``, ``"at least 5 more problems"``."""
    noun = "problem" if count == 1 else "problems"
    return f"{'at least ' if at_least else ''}{count:,} more {noun}"


class DocumentError(Exception):
    """A document could not be read or is invalid.

    Args:
        problems: The problems found, in document order; only the first
            :data:`~app.model.limits.MAX_LISTED_PROBLEMS` are kept.
        more: Problems found but not listed (a :class:`ProblemList`'s count).

    Attributes:
        problems: The listed problems, in document order (never empty).
        more: A lower bound on the problems not in ``problems``: a huge file
            is not searched for every last problem, so there may be more.
    """

    def __init__(self, problems: list[Problem], more: int = 0) -> None:
        if not problems:
            problems = [Problem("$", "invalid document")]
        self.problems: list[Problem] = list(problems[:MAX_LISTED_PROBLEMS])
        self.more: int = more + max(0, len(problems) - MAX_LISTED_PROBLEMS)
        super().__init__(self._summary())

    def unlisted(self, shown: int) -> str:
        """What follows the first ``shown`` problems, e.g. ``"and at least 3 more problems"``.

        Empty when there is nothing more. "At least" when :attr:`more` is not
        zero, since counting stopped short of the end of a huge file.
        """
        count = max(0, len(self.problems) - shown) + self.more
        if count == 0:
            return ""
        return "and " + count_phrase(count, at_least=self.more > 0)

    def _summary(self) -> str:
        # One line, whatever a message quotes (a file name, an exception's text).
        first = " ".join(str(self.problems[0]).splitlines())
        rest = self.unlisted(1)
        return f"{first} ({rest})" if rest else first

    def __str__(self) -> str:
        return self._summary()


class UnsupportedFormatVersionError(DocumentError):
    """The file's format version is newer (or older) than this app can read."""

    def __init__(self, version: int, message: str) -> None:
        self.version = version
        super().__init__([Problem("$.version", message)])


_TOP_LEVEL_ORDER: Final = (
    "format", "version", "name", "description", "components", "links", "simulation", "chaos",
    "faults",
)


def _field_order() -> dict[str, int]:
    order: dict[str, int] = {}
    for record in (Component, Specs, ServiceTime, Routing, Workload, FailureSpec, RateLimit,
                   Autoscaling, HealthCheck, Link, Backoff, CircuitBreaker, SimulationSettings,
                   Chaos, Fault):
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
