"""The checks ``simulate`` runs before a run, shared with ``validate``.

``validate`` must say everything ``simulate`` would refuse: the reader's and
the validator's problems, the run settings, trace files and the work budget
(see :mod:`app.engine.budget`). Both commands call :func:`run_problems`;
``simulate`` prints the first problem in one line (:func:`one_line`),
``validate`` lists up to :data:`MAX_LISTED` (:func:`problem_list`).
"""

from __future__ import annotations

import argparse
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Final

if TYPE_CHECKING:
    from app.model.document import Document

#: Problems ``validate`` lists before "and at least N more".
MAX_LISTED: Final = 20
# The defaults live in app.engine.budget; repeated here so that building the
# parser (``--help``, ``--version``) does not import the engine. A test checks
# they agree.
DEFAULT_MAX_REQUESTS: Final = 50_000_000
DEFAULT_MAX_WORK: Final = 100_000_000


@dataclass
class Problems:
    """What stands in the way of a run: one line each, plus a count not listed."""

    lines: list[str] = field(default_factory=list)
    #: A lower bound on problems found but not listed (the reader stops early).
    more: int = 0

    @property
    def total(self) -> int:
        """Problems known (listed or not)."""
        return len(self.lines) + self.more

    def __bool__(self) -> bool:
        return self.total > 0


def _plural(n: int, word: str) -> str:
    return f"{n:,} {word}" if n == 1 else f"{n:,} {word}s"


def _line(text: object) -> str:
    # One problem, one line, whatever a message quotes.
    return " ".join(str(text).split())


def one_line(problems: Problems) -> str:
    """The first problem and how many more, for ``simulate``'s single line."""
    first = problems.lines[0] if problems.lines else "invalid design"
    rest = problems.total - 1
    if rest <= 0:
        return first
    at_least = "at least " if problems.more else ""
    return f"{first} (and {at_least}{_plural(rest, 'more problem')})"


def problem_list(name: str, problems: Problems) -> list[str]:
    """``validate``'s report: a count, then up to :data:`MAX_LISTED` problems, then the rest.

    One problem stays one line (``name: problem``).
    """
    if problems.total == 1 and problems.lines:
        return [f"{name}: {problems.lines[0]}"]
    at_least = "at least " if problems.more else ""
    out = [f"{name}: {at_least}{_plural(problems.total, 'problem')}:"]
    out.extend(f"  {line}" for line in problems.lines[:MAX_LISTED])
    hidden = problems.total - min(len(problems.lines), MAX_LISTED)
    if hidden > 0:
        out.append(f"  and {at_least}{hidden:,} more")
    return out


def budget_count(text: str) -> float:
    """An argparse type: a budget, a whole number >= 0 (``1e9`` and ``1_000`` welcome)."""
    try:
        value = float(text.replace("_", "").replace(",", ""))
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not math.isfinite(value) or value < 0:
        raise argparse.ArgumentTypeError(f"{text!r} must be a finite number >= 0")
    return value


def add_budget_flags(parser: argparse.ArgumentParser) -> None:
    """``--max-requests``, ``--max-work`` and ``--allow-outside-trace`` (simulate and validate)."""
    parser.add_argument(
        "--max-requests",
        type=budget_count,
        default=DEFAULT_MAX_REQUESTS,
        help=f"refuse runs expected to create more requests (default {DEFAULT_MAX_REQUESTS:,})",
    )
    parser.add_argument(
        "--max-work",
        type=budget_count,
        default=DEFAULT_MAX_WORK,
        help="refuse runs expected to do more work: station visits (fan-out and every retry "
             "counted), extra arrival draws, and 100 per component-window "
             f"(default {DEFAULT_MAX_WORK:,}); a run that gets past it is stopped",
    )
    parser.add_argument(
        "--allow-outside-trace",
        action="store_true",
        help="let a trace workload read a file outside the design's folder",
    )


def run_settings(doc: Document, args: argparse.Namespace) -> tuple[float, float, list[str]]:
    """The run's duration and warm-up (flags over the document) and their problems."""
    duration = args.duration if args.duration is not None else doc.simulation.duration_s
    warmup = args.warmup if args.warmup is not None else doc.simulation.warmup_s
    problems: list[str] = []
    if not duration > 0:
        problems.append("--duration must be greater than 0")
    elif warmup >= duration:
        problems.append(
            f"--warmup ({warmup:g} s) must be shorter than the duration ({duration:g} s)"
        )
    return duration, warmup, problems


def run_problems(doc: Document, path: Path, args: argparse.Namespace) -> Problems:
    """Everything ``simulate`` would refuse in a loaded ``doc``, in the order it checks."""
    from app.model.validation import validate

    found = [_line(problem) for problem in validate(doc)]
    if found:
        return Problems(found)
    duration, warmup, settings = run_settings(doc, args)
    if settings:
        return Problems(settings)
    from app.engine.budget import check_run_budget

    budget = check_run_budget(
        doc, duration, warmup, path.resolve().parent,
        max_requests=args.max_requests, max_work=args.max_work,
        allow_outside_files=args.allow_outside_trace,
    )
    lines = []
    for problem in budget:
        text = _line(problem.message)
        if problem.cause == "trace_outside":
            text += f" (pass {problem.flag} to allow it)"
        lines.append(text)
    return Problems(lines)
