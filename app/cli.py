"""The headless command line: ``simulate``, ``validate``, ``plan`` (:mod:`app.cli_plan`),
``sweep``, ``replicate`` and ``worker`` (:mod:`app.cli_sweep`), ``report`` (:mod:`app.cli_report`).

Exit codes: 0 success; 2 invalid input or an output folder that cannot take
the results (one line on stderr naming the problem, never a traceback); 130
interrupted by Ctrl-C or SIGTERM (during the run what was simulated so far is
still written; while the run is being built nothing is). How results are
written: :mod:`app.headless_run` and :mod:`app.reports.output_folder`.
"""

from __future__ import annotations

import argparse
import math
import sys
from pathlib import Path
from typing import Any, NoReturn, TextIO

from app import __version__
from app.cli_checks import (
    DEFAULT_MAX_REQUESTS,
    Problems,
    add_budget_flags,
    one_line,
    problem_list,
    run_problems,
    run_settings,
)
from app.cli_plan import add_plan_parser, cmd_plan
from app.cli_report import add_report_flags, add_report_parser
from app.cli_sweep import add_sweep_parsers, cmd_sweep, cmd_worker
from app.reports.output_folder import OutputError
from app.stop_signals import StopSignals

__all__ = ["DEFAULT_MAX_REQUESTS", "CliError", "build_parser", "main"]

EXIT_OK = 0
EXIT_INVALID = 2
EXIT_INTERRUPTED = 130


class CliError(Exception):
    """Invalid input: printed as one line, exit code 2.

    ``problems`` holds every problem found, for ``validate`` to list.
    """

    def __init__(self, message: str, problems: Problems | None = None) -> None:
        super().__init__(message)
        self.problems = problems


def _positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not math.isfinite(value) or value < 0:
        raise argparse.ArgumentTypeError(f"{text!r} must be a finite number >= 0")
    return value


def _count(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"{text!r} must be >= 0")
    return value


class _OneLineParser(argparse.ArgumentParser):
    """Usage mistakes are one line too ("error: ... (see main.py simulate --help)"), exit 2."""

    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_INVALID, f"error: {message} (see {self.prog} --help)\n")


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of ``main.py simulate|validate|plan|sweep|replicate|worker|report``."""
    parser = _OneLineParser(
        prog="main.py", description="System Design Simulator (headless commands)"
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    sim = sub.add_parser("simulate", help="run a design and write summary.json and metrics.csv")
    sim.add_argument("file", type=Path, help="the .sdsim design")
    sim.add_argument("--duration", type=_positive_float, help="simulated seconds")
    sim.add_argument("--warmup", type=_positive_float, help="seconds excluded from statistics")
    sim.add_argument("--seed", type=_count, help="random seed (same seed, same results)")
    sim.add_argument("--out", type=Path, help="output folder (default: ./<file>-results)")
    sim.add_argument("--quiet", action="store_true", help="no progress bar, no table")
    sim.add_argument("--report", action="store_true",
                     help="also write report.pdf and report.png into the output folder")
    add_report_flags(sim)
    add_budget_flags(sim)
    val = sub.add_parser(
        "validate", help="check a design without running it (every check simulate makes)"
    )
    val.add_argument("file", type=Path, help="the .sdsim design")
    val.add_argument("--duration", type=_positive_float, help="simulated seconds to check for")
    val.add_argument("--warmup", type=_positive_float, help="warm-up seconds to check for")
    add_budget_flags(val)
    add_plan_parser(sub)
    add_sweep_parsers(sub)
    add_report_parser(sub)
    return parser


def _load(path: Path) -> Any:
    from app.model.errors import DocumentError
    from app.model.fileformat import load

    if not path.exists():
        raise CliError(f"{path}: no such file")
    if path.is_dir():
        raise CliError(f"{path}: is a folder, not a .sdsim file")
    try:
        return load(path)
    except DocumentError as exc:
        found = Problems([" ".join(str(p).split()) for p in exc.problems],
                         exc.more)
        raise CliError(f"{path}: {exc}", found) from None
    except OSError as exc:
        raise CliError(f"{path}: cannot read: {exc.strerror or exc}") from None


def _runnable(doc: Any, path: Path, args: argparse.Namespace) -> None:
    """Refuse, in one line, what ``validate`` would list (see :mod:`app.cli_checks`)."""
    problems = run_problems(doc, path, args)
    if problems:
        raise CliError(f"{path}: {one_line(problems)}", problems)


def cmd_validate(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    """``validate FILE``: every check ``simulate`` makes; OK and a description, or the problems."""
    try:
        doc = _load(args.file)
        problems = run_problems(doc, args.file, args)
    except CliError as exc:
        if exc.problems is None:
            raise
        problems = exc.problems
    if problems:
        lines = problem_list(str(args.file), problems)
        print(f"error: {lines[0]}", file=err)
        for line in lines[1:]:
            print(line, file=err)
        return EXIT_INVALID
    n_comp, n_link = len(doc.components), len(doc.links)
    print(
        f"{args.file}: OK — {n_comp} component{'s' if n_comp != 1 else ''}, "
        f"{n_link} link{'s' if n_link != 1 else ''}",
        file=out,
    )
    return EXIT_OK


class _ProgressBar:
    """A one-line progress bar on a terminal; silent when not a TTY."""

    def __init__(self, stream: TextIO, enabled: bool) -> None:
        self.stream = stream
        self.enabled = enabled and stream.isatty()
        self._last = -1.0

    def update(self, fraction: float, text: str) -> None:
        if not self.enabled or (fraction - self._last < 0.005 and fraction < 1.0):
            return
        self._last = fraction
        width = 30
        filled = round(width * fraction)
        bar = "#" * filled + "-" * (width - filled)
        self.stream.write(f"\r[{bar}] {fraction * 100:5.1f}%  {text}")
        self.stream.flush()

    def done(self) -> None:
        if self.enabled:
            self.stream.write("\n")
            self.stream.flush()


def cmd_simulate(
    args: argparse.Namespace, out: TextIO, err: TextIO, stop: StopSignals | None = None
) -> int:
    """``simulate FILE``: run, stream metrics.csv, write summary.json, print a table."""
    from app.engine.simulation import Simulation
    from app.model.errors import DocumentError

    stop = stop or StopSignals()

    doc = _load(args.file)
    _runnable(doc, args.file, args)
    base_dir = args.file.resolve().parent
    duration, warmup, _ = run_settings(doc, args)
    try:
        sim = Simulation(
            doc, base_dir=base_dir, duration_s=duration, warmup_s=warmup, seed=args.seed,
            allow_outside_files=args.allow_outside_trace, max_work=args.max_work,
            live=False,  # no live actions on the command line
        )
    except (DocumentError, ValueError) as exc:  # WorkloadError, the engine's hard limits
        raise CliError(f"{args.file}: {exc}") from None
    out_dir: Path = args.out if args.out is not None else Path(f"{args.file.stem}-results")
    with stop.deferred():
        code = _run_and_report(sim, out_dir, stop, quiet=args.quiet, out=out, err=err,
                               source=args.file)
    if getattr(args, "report", False) and (out_dir / "summary.json").is_file():
        from app.cli_report import report_after_run

        written = report_after_run(out_dir, args.page_size, err)
        if not written:
            return EXIT_INVALID
        if not args.quiet:
            print("Wrote " + " and ".join(str(p) for p in written), file=out)
    return code


def _run_and_report(
    sim: Any, out_dir: Path, stop: StopSignals, *, quiet: bool, out: TextIO, err: TextIO,
    source: Path | None = None,
) -> int:
    """Run to the end or a stop signal, write the results, print the table."""
    from app.headless_run import run_to_folder
    from app.reports.summary_table import format_summary_table

    bar = _ProgressBar(err, not quiet)

    def progress(snap: Any) -> None:
        bar.update(sim.progress,
                   f"t={sim.now:,.0f}s  {snap.end_to_end.throughput_rps:,.0f} req/s")

    try:
        result = run_to_folder(sim, out_dir, stop, on_window=progress, source=source)
    finally:
        bar.done()
    if not quiet:
        print(format_summary_table(result.summary), file=out)
        print(f"Wrote {result.summary_path} and {result.metrics_path}", file=out)
    if sim.stop_reason is not None:  # a run-time guard: the design did more than allowed
        print(f"error: {sim.stop_reason}; partial results written", file=err)
        return EXIT_INVALID
    if result.interrupted:
        warmup = " (stopped during warm-up: no statistics yet)" if result.summary.get(
            "stopped_during_warmup") else ""
        print(f"interrupted at t={sim.now:g}s{warmup}; partial results written", file=err)
        return EXIT_INTERRUPTED
    return EXIT_OK


def main(
    argv: list[str] | None = None, out: TextIO | None = None, err: TextIO | None = None
) -> int:
    """Run a headless command (``argv`` defaults to ``sys.argv[1:]``); returns the exit code.

    Programs start at :func:`app.entry_point.main`, which calls this for commands.
    """
    out = out or sys.stdout
    err = err or sys.stderr
    args = build_parser().parse_args(sys.argv[1:] if argv is None else argv)
    try:
        if args.command == "worker":  # Dask's worker handles the signals itself
            return cmd_worker(args, err)
        with StopSignals() as stop:  # SIGTERM behaves like Ctrl-C
            if args.command == "validate":
                return cmd_validate(args, out, err)
            if args.command == "plan":
                return cmd_plan(args, out, err, stop)
            if args.command in ("sweep", "replicate"):
                return cmd_sweep(args, out, err, stop)
            if args.command == "report":
                from app.cli_report import cmd_report

                return cmd_report(args, out, err, stop)
            return cmd_simulate(args, out, err, stop)
    except (CliError, OutputError) as exc:
        print(f"error: {exc}", file=err)
        return EXIT_INVALID
    except KeyboardInterrupt:
        print("interrupted before the run started; nothing was written", file=err)
        return EXIT_INTERRUPTED
