"""Small checks on single values, shared by the reader and the validator.

Each check appends a :class:`~app.model.errors.Problem` with the value's JSON
path to a list and says whether the value passed, so callers collect every
problem instead of stopping at the first. ``bool`` is never a number here,
although Python says ``True == 1``.
"""

from __future__ import annotations

import difflib
import math
import re
from collections.abc import Collection, Iterable
from typing import Final

from app.model.errors import Problem, is_full
from app.model.limits import MAX_ID_LENGTH

#: Most character pairs a did-you-mean hint may compare (word length x all choices):
#: difflib is quadratic, and a file can ask for a hint per problem.
SUGGEST_BUDGET: Final = 20_000
_CONTROL: Final = re.compile(r"[\x00-\x1f\x7f]")


def describe(value: object) -> str:
    """A short, user-facing rendering of a (JSON) value for error messages."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        if math.isnan(value):
            return "NaN"
        if math.isinf(value):
            return "Infinity" if value > 0 else "-Infinity"
        if value.is_integer() and abs(value) < 1e15:
            return str(int(value))  # the file said -1, not -1.0
        return repr(value)
    if isinstance(value, int):
        text = str(value) if value.bit_length() < 200 else "a huge number"
        return text
    if isinstance(value, str):
        shown = value if len(value) <= 40 else value[:37] + "..."
        return '"' + shown.encode("unicode_escape").decode("ascii").replace('"', '\\"') + '"'
    if isinstance(value, list | tuple):
        return "a list"
    if isinstance(value, dict):
        return "an object"
    return type(value).__name__


def suggest(word: str, choices: Collection[str]) -> str:
    """`` (did you mean "x"?)`` for a close match among ``choices``, else ``""``.

    No hint when the comparison would cost more than :data:`SUGGEST_BUDGET`
    (a long word, thousands of component ids).
    """
    if len(word) * (len(choices) + sum(map(len, choices))) > SUGGEST_BUDGET:
        return ""
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    # describe() escapes: a suggested id may itself hold control characters.
    return f" (did you mean {describe(close[0])}?)" if close else ""


def is_number(value: object) -> bool:
    """True for an int or float that is not a bool."""
    return isinstance(value, int | float) and not isinstance(value, bool)


def is_storable_text(value: str) -> bool:
    """True when the string can be written as UTF-8 (no unpaired surrogates)."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


class Checker:
    """Collects problems found by range and type checks on plain values.

    Args:
        problems: The list problems are appended to (all with severity "error").
        component_ids: Components the reported problems are about.
        hints: False to leave out did-you-mean hints (problems only counted).
    """

    def __init__(
        self,
        problems: list[Problem],
        component_ids: tuple[str, ...] = (),
        hints: bool = True,
    ) -> None:
        self.problems = problems
        self.component_ids = component_ids
        self.hints = hints

    @property
    def full(self) -> bool:
        """True when problems are only counted now, so costly hints are skipped."""
        return not self.hints or is_full(self.problems)

    def fail(self, path: str, message: str) -> bool:
        """Record an error at ``path``; always returns False."""
        self.problems.append(Problem(path, message, "error", self.component_ids))
        return False

    def number(
        self,
        path: str,
        value: object,
        *,
        minimum: float | None = None,
        above: float | None = None,
        maximum: float | None = None,
        limit: float | None = None,
    ) -> bool:
        """A finite number, ``>= minimum``, ``> above`` and ``<= maximum`` when given.

        ``minimum`` and ``maximum`` together are a natural range ("between 0
        and 1"); ``limit`` is a cap of the format, reported on its own ("at
        most 1e+09") so a negative value still hears "at least 0".
        """
        if not is_number(value):
            return self.fail(path, f"must be a number, got {describe(value)}")
        assert isinstance(value, int | float)
        if isinstance(value, float) and not math.isfinite(value):
            return self.fail(path, f"must be a finite number, got {describe(value)}")
        if minimum is not None and maximum is not None and not minimum <= value <= maximum:
            return self.fail(
                path, f"must be between {minimum:g} and {maximum:g}, got {describe(value)}"
            )
        if minimum is not None and value < minimum:
            return self.fail(path, f"must be at least {minimum:g}, got {describe(value)}")
        if above is not None and value <= above:
            return self.fail(path, f"must be greater than {above:g}, got {describe(value)}")
        if maximum is not None and value > maximum:
            return self.fail(path, f"must be at most {maximum:g}, got {describe(value)}")
        if limit is not None and value > limit:
            return self.fail(path, f"must be at most {limit:g}, got {describe(value)}")
        return True

    def integer(
        self, path: str, value: object, *, minimum: int, maximum: int | None = None
    ) -> bool:
        """A whole number (an ``int``, not a bool) in ``[minimum, maximum]``."""
        if not isinstance(value, int) or isinstance(value, bool):
            return self.fail(path, f"must be a whole number, got {describe(value)}")
        if value < minimum:
            return self.fail(path, f"must be at least {minimum}, got {describe(value)}")
        if maximum is not None and value > maximum:
            return self.fail(path, f"must be at most {maximum:,}, got {describe(value)}")
        return True

    def choice(self, path: str, value: object, choices: Iterable[str], what: str) -> bool:
        """One of ``choices``; an unknown word gets a "did you mean" hint."""
        options = list(choices)
        if not isinstance(value, str):
            return self.fail(path, f"must be a {what} name, got {describe(value)}")
        if value not in options:
            hint = "" if self.full else (
                suggest(value, options) or " (one of: " + ", ".join(options) + ")")
            return self.fail(path, f"unknown {what} {describe(value)}{hint}")
        return True

    def text(self, path: str, value: object, max_length: int | None = None) -> bool:
        """A string that can be stored as UTF-8, of at most ``max_length`` characters."""
        if not isinstance(value, str):
            return self.fail(path, f"must be a string, got {describe(value)}")
        if max_length is not None and len(value) > max_length:
            return self.fail(path, f"is too long ({len(value):,} characters, at most "
                                   f"{max_length:,})")
        if not is_storable_text(value):
            return self.fail(path, "contains an unpaired surrogate character, which UTF-8 "
                                   "cannot store")
        return True

    def identifier(self, path: str, value: object) -> bool:
        """A component id: a non-empty string without control characters."""
        if not self.text(path, value):
            return False
        assert isinstance(value, str)
        if not value.strip():
            return self.fail(path, "must not be empty")
        if len(value) > MAX_ID_LENGTH:
            return self.fail(path, f"is too long ({len(value)} characters, at most "
                                   f"{MAX_ID_LENGTH})")
        if _CONTROL.search(value):
            return self.fail(path, "must not contain control characters")
        return True
