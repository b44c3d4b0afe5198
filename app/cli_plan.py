"""``main.py plan FILE --target-rps R --p99-ms L [--apply OUT.sdsim]``: the capacity planner.

Prints the plan as a plain-text table (component, replicas now, replicas
planned, predicted and simulated p99) and the end-to-end line; ``--apply``
writes the planned design to a new file (atomically, by the canonical
writer). Exit codes: 0 the target is met; 1 it is not (the table and the
reason are printed, nothing is applied); 2 invalid input; 130 interrupted
(nothing written). The planner itself: :mod:`app.analysis.planner`.
"""

from __future__ import annotations

import argparse
import math
import os
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final, TextIO

if TYPE_CHECKING:
    from app.analysis.planner import Plan
    from app.stop_signals import StopSignals

EXIT_NOT_MET: Final = 1
# Repeated from app.analysis.planner (MAX_TARGET_RPS, MAX_TARGET_P99_MS) so that
# building the parser does not import the analysis; a test holds them equal.
MAX_TARGET_RPS: Final = 1e9
MAX_TARGET_P99_MS: Final = 1e9
MAX_SEED: Final = 2**64 - 1


def _bounded(name: str, unit: str, most: float) -> Any:
    """An argparse type: a finite number above 0 and at most ``most``."""
    def parse(text: str) -> float:
        try:
            value = float(text.replace("_", "").replace(",", ""))
        except ValueError:
            raise argparse.ArgumentTypeError(f"{name} {text!r} is not a number") from None
        if not (math.isfinite(value) and 0.0 < value <= most):
            raise argparse.ArgumentTypeError(
                f"{name} {text!r} must be a number above 0 and at most {most:g} {unit}")
        return value
    return parse


def _seed(text: str) -> int:
    """An argparse type: a run seed, a whole number 0 .. 2**64 - 1 (as the format's)."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"--seed {text!r} is not a whole number") from None
    if not 0 <= value <= MAX_SEED:
        raise argparse.ArgumentTypeError(f"--seed {text!r} must lie in 0 .. 2**64 - 1")
    return value


def add_plan_parser(sub: Any) -> None:
    """The ``plan`` subcommand's arguments."""
    plan = sub.add_parser(
        "plan", help="find the fewest replicas per tier for a load and a p99 target")
    plan.add_argument("file", type=Path, help="the .sdsim design")
    plan.add_argument("--target-rps", required=True,
                      type=_bounded("--target-rps", "req/s", MAX_TARGET_RPS),
                      help="total offered client rate to plan for (req/s); every client's "
                           "workload is scaled by one factor")
    plan.add_argument("--p99-ms", type=_bounded("--p99-ms", "ms", MAX_TARGET_P99_MS),
                      help="end-to-end p99 latency target in ms (default: the design's "
                           "end-to-end latency_p99_ms alert rule)")
    plan.add_argument("--apply", type=Path, metavar="OUT.sdsim",
                      help="write the planned design to this new file")
    plan.add_argument("--seed", type=_seed, help="seed of the confirming simulation "
                                               "(default: the design's)")
    plan.add_argument("--duration", type=_bounded("--duration", "s", 1e9),
                      help="simulated seconds of each confirming run (default: the "
                           "design's, at most 60)")
    plan.add_argument("--no-simulate", action="store_true",
                      help="the analytic answer only, not confirmed by simulation")


def _check_out(out: Path, design: Path) -> None:
    """Refuse an ``--apply`` target that cannot take the new design, before any work."""
    from app.cli import CliError

    if out.resolve() == design.resolve() or (out.exists() and out.samefile(design)):
        raise CliError(f"{out}: --apply must name a new file, not the design itself")
    if out.is_dir():
        raise CliError(f"{out}: is a folder; --apply needs a file name")
    folder = out.resolve().parent
    if not folder.is_dir():
        raise CliError(f"{out}: the folder {folder} does not exist")
    if not os.access(folder, os.W_OK):
        raise CliError(f"{out}: the folder {folder} is not writable")


def cmd_plan(args: argparse.Namespace, out: TextIO, err: TextIO, stop: StopSignals) -> int:
    """``plan FILE``: plan, print the table, apply when asked and the target is met."""
    from app.analysis.planner import (
        PlanCancelled,
        apply_plan,
        p99_target_from_alerts,
        plan_capacity,
    )
    from app.cli import EXIT_INTERRUPTED, EXIT_OK, CliError, _load, _runnable
    from app.cli_checks import DEFAULT_MAX_REQUESTS, DEFAULT_MAX_WORK
    from app.model.fileformat import save

    doc = _load(args.file)
    checks = argparse.Namespace(duration=None, warmup=None, max_requests=DEFAULT_MAX_REQUESTS,
                                max_work=DEFAULT_MAX_WORK, allow_outside_trace=False)
    _runnable(doc, args.file, checks)
    if args.apply is not None:
        _check_out(args.apply, args.file)
    target_ms = args.p99_ms if args.p99_ms is not None else p99_target_from_alerts(doc)
    if target_ms is None:
        raise CliError(f"{args.file}: give --p99-ms (the design has no end-to-end "
                       f"latency_p99_ms alert rule to take the target from)")
    seed = args.seed if args.seed is not None else doc.simulation.seed
    started = time.perf_counter()
    try:
        with stop.deferred():
            plan = plan_capacity(doc, target_rps=args.target_rps, p99_ms=target_ms,
                                 base_dir=args.file.resolve().parent, seeds=(seed,),
                                 confirm=not args.no_simulate, confirm_duration_s=args.duration,
                                 cancelled=lambda: stop.requested)
    except PlanCancelled:
        print("interrupted; nothing was written", file=err)
        return EXIT_INTERRUPTED
    except ValueError as exc:
        raise CliError(f"{args.file}: {exc}") from None
    elapsed = time.perf_counter() - started
    for line in format_plan(plan):
        print(line, file=out)
    print(f"Planned in {elapsed:.1f} s ({plan.evaluations} analytic evaluation"
          f"{'s' if plan.evaluations != 1 else ''}, "
          f"{plan.iterations} simulation round{'s' if plan.iterations != 1 else ''}).", file=out)
    if not plan.met:
        if args.apply is not None:
            print(f"error: the target is not met; {args.apply} was not written", file=err)
        return EXIT_NOT_MET
    if args.apply is not None:
        try:
            save(apply_plan(doc, plan), args.apply)
        except OSError as exc:
            raise CliError(f"{args.apply}: cannot write: {exc.strerror or exc}") from None
        print(f"Wrote {args.apply}", file=out)
    return EXIT_OK


def _ms(value: float | None, *, confirmed: bool = True) -> str:
    if not confirmed:
        return "-"
    return "unbounded" if value is None else f"{value:,.1f}"


def format_plan(plan: Plan) -> list[str]:
    """The plan as plain-text lines: a table, the end-to-end line, the verdict and notes."""
    header = ("component", "replicas now", "replicas planned", "predicted p99 ms",
              "simulated p99 ms")
    rows = [(c.component, str(c.replicas_now),
             str(c.replicas_planned) + (" *" if c.changed else ""),
             _ms(c.predicted_p99_ms), _ms(c.simulated_p99_ms, confirmed=plan.confirmed))
            for c in plan.components]
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(header)]

    def line(cells: tuple[str, ...]) -> str:
        first = cells[0].ljust(widths[0])
        rest = "  ".join(cell.rjust(w) for cell, w in zip(cells[1:], widths[1:], strict=True))
        return f"{first}  {rest}"

    lines = [line(header), line(tuple("-" * w for w in widths)), *(line(r) for r in rows)]
    sim = (f"simulated {_ms(plan.simulated_p99_ms)} ms "
           f"({plan.confirm_duration_s:g} s, seed{'s' if len(plan.seeds) > 1 else ''} "
           f"{', '.join(str(s) for s in plan.seeds)})" if plan.confirmed else "not simulated")
    lines.append(f"end to end at {plan.target_rps:,.6g} req/s (workloads x{plan.load_factor:.4g}):"
                 f" p99 predicted {_ms(plan.predicted_p99_ms)} ms, {sim};"
                 f" target {plan.target_p99_ms:g} ms")
    verdict = "target met" if plan.met else "target NOT met"
    lines.append(f"{verdict}; * = replicas added")
    lines.extend(f"note: {note}" for note in plan.notes)
    return lines
