"""``main.py sweep``, ``replicate`` and ``worker``: replications and parameter sweeps.

* ``sweep FILE --set KEY=VALUES [--set ...] --replications N --out DIR`` runs
  every point of the grid the ``--set`` axes span (see :mod:`app.sweeps.axes`)
  ``N`` times;
* ``replicate FILE -n N --out DIR`` runs the design ``N`` times (a sweep
  without axes; its ``--set KEY=VALUE`` only fix values);
* ``worker SCHEDULER_ADDR`` starts Dask workers that can run this app's jobs.

Both runners write ``DIR/points.csv`` and ``.parquet``, ``DIR/replications.csv``
and ``.parquet`` (:mod:`app.sweeps.table`) and ``DIR/failures.csv`` (one row
per failed replication; only the header when none failed), print one
progress line per finished point on stderr (a live line on a terminal) and a
table of the results on stdout.

Exit codes: 0 every replication finished; 1 some failed (the rest is
written); 2 invalid input, an unreachable scheduler or an output folder that
cannot take the results (one line on stderr, nothing run); 130 interrupted by
Ctrl-C or SIGTERM -- the finished replications are still written.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final, TextIO

if TYPE_CHECKING:
    from app.stop_signals import StopSignals
    from app.sweeps.axes import Axis
    from app.sweeps.executors import Executor
    from app.sweeps.jobs import Job
    from app.sweeps.sweep import Progress, SweepPlan, SweepResult

EXIT_FAILED: Final = 1
#: Seconds ``--scheduler`` waits to connect and for a first worker.
DEFAULT_CONNECT_TIMEOUT_S: Final = 10.0
#: The names a sweep writes into ``--out`` (removed first, so no stale result stays).
RESULT_NAMES: Final = ("points.csv", "points.parquet", "replications.csv",
                       "replications.parquet", "failures.csv")
#: Schemes a scheduler address may use (``tcp://`` and, across a network, ``tls://``).
SCHEMES: Final = ("tcp", "tls")


def _axis(text: str) -> Axis:
    """An argparse type: one ``--set`` axis (the message says what is wrong)."""
    from app.sweeps.axes import AxisError, parse_axis

    try:
        return parse_axis(text)
    except AxisError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _fixed(text: str) -> Axis:
    """An argparse type: a ``--set KEY=VALUE`` of ``replicate`` (one value only)."""
    axis = _axis(text)
    if len(axis.values) != 1:
        raise argparse.ArgumentTypeError(
            f"{axis.key!r}: replicate takes one value per key; use `main.py sweep` to "
            "sweep several")
    return axis


def _at_least_one(name: str) -> Any:
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{name} {text!r} is not a whole number") from None
        if value < 1:
            raise argparse.ArgumentTypeError(f"{name} {text!r} must be at least 1")
        return value
    return parse


def _timeout(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds") from None
    if not 0 < value <= 3600:
        raise argparse.ArgumentTypeError(f"{text!r} must be above 0 and at most 3600 s")
    return value


def _common(parser: argparse.ArgumentParser) -> None:
    """The options ``sweep`` and ``replicate`` share."""
    from app.cli import _positive_float
    from app.cli_checks import DEFAULT_MAX_REQUESTS, DEFAULT_MAX_WORK, budget_count
    from app.cli_plan import _seed

    parser.add_argument("--workers", type=_at_least_one("--workers"),
                        help="local worker processes (default: every usable core; 1 runs "
                             "in this process)")
    parser.add_argument("--scheduler", metavar="ADDR",
                        help="a Dask scheduler (tcp://host:8786 or tls://...) to run on "
                             "instead of local processes; start workers with "
                             "`main.py worker ADDR`")
    parser.add_argument("--connect-timeout", type=_timeout, default=DEFAULT_CONNECT_TIMEOUT_S,
                        metavar="S", help="seconds to wait for the scheduler and a first "
                                          f"worker (default {DEFAULT_CONNECT_TIMEOUT_S:g})")
    parser.add_argument("--seed", type=_seed,
                        help="base seed; replication k uses SeedSequence(seed, spawn_key=(k,)) "
                             "(default: the design's)")
    parser.add_argument("--duration", type=_positive_float, help="simulated seconds per run")
    parser.add_argument("--warmup", type=_positive_float,
                        help="seconds excluded from statistics")
    parser.add_argument("--out", type=Path, required=True, metavar="DIR",
                        help="folder for points.csv/.parquet, replications.csv/.parquet, "
                             "failures.csv")
    parser.add_argument("--quiet", action="store_true", help="no progress lines, no table")
    parser.add_argument("--max-requests", type=budget_count, default=DEFAULT_MAX_REQUESTS,
                        help="refuse points whose runs are expected to create more requests "
                             f"(default {DEFAULT_MAX_REQUESTS:,})")
    parser.add_argument("--max-work", type=budget_count, default=DEFAULT_MAX_WORK,
                        help="refuse points whose runs are expected to do more work, and "
                             f"stop a run that gets past it (default {DEFAULT_MAX_WORK:,})")


def add_sweep_parsers(sub: Any) -> None:
    """The ``sweep``, ``replicate`` and ``worker`` subcommands' arguments."""
    sweep = sub.add_parser("sweep", help="run a grid of parameter values, each point "
                                         "replicated, and write tidy tables with 95 %% CIs")
    sweep.add_argument("file", type=Path, help="the .sdsim design")
    sweep.add_argument("--set", dest="axes", action="append", type=_axis, default=[],
                       metavar="KEY=VALUES",
                       help="a swept field: users.rate_rps=100:2000:100 (a range that "
                            "includes its end), web.replicas=2,4,8 or db.profile=small; "
                            "several --set make a grid")
    sweep.add_argument("--replications", "-n", type=_at_least_one("--replications"), metavar="N",
                       default=5, help="replications per point (default 5)")
    _common(sweep)
    rep = sub.add_parser("replicate", help="run a design N times and print every headline "
                                           "metric with its 95 %% CI")
    rep.add_argument("file", type=Path, help="the .sdsim design")
    rep.add_argument("-n", "--replications", type=_at_least_one("-n"), required=True, metavar="N",
                     help="how many replications")
    rep.add_argument("--set", dest="axes", action="append", type=_fixed, default=[],
                     metavar="KEY=VALUE", help="fix a field for every replication "
                                               "(e.g. users.rate_rps=900)")
    _common(rep)
    worker = sub.add_parser(
        "worker", help="start Dask workers (with this app importable) for `--scheduler` runs")
    worker.add_argument("scheduler", metavar="SCHEDULER_ADDR",
                        help="the scheduler's address, tcp://host:8786 or tls://host:8786")
    worker.add_argument("--nworkers", type=_at_least_one("--nworkers"), default=1,
                        help="worker processes (default 1; one per core is usual)")
    worker.add_argument("--nthreads", type=_at_least_one("--nthreads"), default=1,
                        help="threads per process (default 1: a run holds the GIL)")
    worker.add_argument("--name", help="the worker's name (a suffix -i is added per process)")
    worker.add_argument("--tls-ca-file", metavar="PEM", help="CA certificates for tls://")
    worker.add_argument("--tls-cert", metavar="PEM", help="this worker's certificate")
    worker.add_argument("--tls-key", metavar="PEM", help="this worker's private key")
    worker.add_argument("--death-timeout", type=_timeout, metavar="S",
                        help="give up after this many seconds without the scheduler")


def scheduler_address(text: str) -> str:
    """``text`` as a scheduler address (``host:port`` means ``tcp://host:port``).

    Raises:
        CliError: not ``tcp://`` or ``tls://``, or no host or port.
    """
    from app.cli import CliError

    shown = repr(text[:80])
    scheme, sep, rest = text.strip().partition("://")
    if not sep:
        scheme, rest = "tcp", text.strip()
    host, colon, port = rest.rpartition(":")
    if scheme not in SCHEMES:
        raise CliError(f"scheduler {shown}: the address must start with tcp:// or tls://")
    if not colon or not host or not port.isdigit() or not 0 < int(port) < 65536 \
            or any(c.isspace() or c in "/?#@" for c in host):
        raise CliError(f"scheduler {shown}: expected tcp://HOST:PORT, e.g. tcp://10.0.0.5:8786")
    return f"{scheme}://{host}:{port}"


def _prepare_out(folder: Path) -> None:
    """Create ``folder``, remove a previous sweep's results, refuse one we cannot write."""
    from app.reports.output_folder import OutputError, describe_os_error

    try:
        if folder.exists() and not folder.is_dir():
            raise OutputError(f"{folder}: exists and is not a folder; choose another --out")
        folder.mkdir(parents=True, exist_ok=True)
        for name in RESULT_NAMES:
            path = folder / name
            if path.is_dir() and not path.is_symlink():
                raise OutputError(f"{path}: is a folder, so the results cannot be written "
                                  "under that name; remove it or choose another --out")
            path.unlink(missing_ok=True)
        fd, probe = tempfile.mkstemp(prefix=".sdsim-probe-", dir=folder)
        os.close(fd)
        Path(probe).unlink()
    except OSError as exc:
        raise OutputError(f"{folder}: cannot write the results here: "
                          f"{describe_os_error(exc)}") from None


def _plan(args: argparse.Namespace, axes: list[Axis], fixed: list[Axis]) -> SweepPlan:
    """Load and check the design and every point; the plan (CliError says what is wrong)."""
    from app.cli import CliError, _load, _runnable
    from app.cli_checks import run_settings
    from app.engine.overrides import apply_overrides
    from app.model.errors import DocumentError
    from app.sweeps.sweep import plan_sweep

    doc = _load(args.file)
    duration, warmup, problems = run_settings(doc, args)
    if problems:
        raise CliError(f"{args.file}: {problems[0]}")
    settings: dict[str, object] = {"simulation.duration_s": duration,
                                   "simulation.warmup_s": warmup}
    settings.update({a.key: a.values[0] for a in fixed})
    checks = argparse.Namespace(duration=None, warmup=None, max_requests=args.max_requests,
                                max_work=args.max_work, allow_outside_trace=False)
    base_dir = args.file.resolve().parent
    try:
        doc = apply_overrides(doc, settings)
        _runnable(doc, args.file, checks)
        plan = plan_sweep(doc, axes, args.replications, base_dir=base_dir, seed=args.seed,
                          max_work=args.max_work)
        # Each point must pass the checks simulate makes (its work budget above all:
        # the top of a rate range may ask for far more work than the design).
        for point in plan.points if axes else ():
            variant = apply_overrides(doc, dict(point.overrides))
            where = ", ".join(f"{k}={v}" for k, v in point.overrides)
            try:
                _runnable(variant, args.file, checks)
            except CliError as exc:
                raise CliError(f"point {where}: {exc}") from None
    except (DocumentError, ValueError) as exc:  # SweepError and OverrideError among them
        raise CliError(f"{args.file}: {' '.join(str(exc).split())}") from None
    return plan


def _executor(args: argparse.Namespace) -> Executor:
    """The executor asked for; a scheduler must answer and have a worker within the timeout."""
    from app.cli import CliError
    from app.sweeps.executors import DaskExecutor, make_executor

    if not args.scheduler:
        return make_executor(workers=args.workers)
    address = scheduler_address(args.scheduler)
    try:
        executor = DaskExecutor(address, timeout_s=args.connect_timeout)
    except Exception as exc:  # OSError, TimeoutError, Dask's own: all mean "not reachable"
        reason = " ".join(str(exc).split())[:200] or type(exc).__name__
        raise CliError(f"cannot reach the Dask scheduler at {address} within "
                       f"{args.connect_timeout:g} s: {reason}") from None
    try:
        executor.client.wait_for_workers(1, timeout=args.connect_timeout)
    except Exception:  # a TimeoutError; the client is no use without workers
        executor.close()
        raise CliError(f"the Dask scheduler at {address} has no workers (waited "
                       f"{args.connect_timeout:g} s); start some with `main.py worker "
                       f"{address}`") from None
    return executor


def _values(overrides: tuple[tuple[str, object], ...]) -> str:
    return ", ".join(f"{k}={v}" for k, v in overrides)


class _ProgressLines:
    """Progress on stderr: a live line on a terminal, else one line per finished point.

    (Plain replications, one point, get a line per replication.)
    """

    def __init__(self, plan: SweepPlan, stream: TextIO, enabled: bool) -> None:
        self.plan = plan
        self.stream = stream
        self.enabled = enabled
        self.tty = stream.isatty()
        self.started = time.perf_counter()
        self.finished: Counter[int] = Counter()
        self.failed: Counter[int] = Counter()
        self._width = 0
        self._failed_so_far = 0

    def __call__(self, progress: Progress, job: Job) -> None:
        self.finished[job.point] += 1
        # Progress counts failures: one more than last time means this job failed.
        job_failed = progress.failed > self._failed_so_far
        self._failed_so_far = progress.failed
        if job_failed:
            self.failed[job.point] += 1
        if not self.enabled:
            return
        point = self.plan.points[job.point]
        n_points, reps = len(self.plan.points), self.plan.replications
        runs = f"{progress.done + progress.failed}/{progress.total} runs"
        elapsed = f"{time.perf_counter() - self.started:,.1f} s"
        failed = f", {self.failed[job.point]} failed" if self.failed[job.point] else ""
        where = f" ({_values(point.overrides)})" if point.overrides else ""
        try:
            if self.tty:
                line = (f"[{runs}] point {job.point + 1}/{n_points}{where} replication "
                        f"{job.replication + 1}/{reps}{failed}  {elapsed}")
                self._width = max(self._width, len(line))
                self.stream.write("\r" + line.ljust(self._width))
            elif n_points == 1:
                status = "failed" if job_failed else "done"
                self.stream.write(f"replication {job.replication + 1}/{reps} {status} "
                                  f"({runs}, {elapsed})\n")
            elif self.finished[job.point] == reps:
                self.stream.write(f"point {job.point + 1}/{n_points}{where}: "
                                  f"{reps - self.failed[job.point]}/{reps} replications"
                                  f"{failed} ({runs}, {elapsed})\n")
            self.stream.flush()
        except OSError:  # progress that cannot be shown is no error
            pass

    def done(self) -> None:
        if self.enabled and self.tty and self._width:
            self.stream.write("\n")
            self.stream.flush()


def _run(plan: SweepPlan, executor: Executor, stop: StopSignals, progress: _ProgressLines
         ) -> SweepResult:
    """Run ``plan``; a stop signal cancels it, keeping what finished.

    Every signal during the run only cancels (never raises): the executors stop
    quickly (the pool's workers are ended, Dask's tasks cancelled, a run in this
    process stops at its next slice) and what finished must still be written.
    """
    from app.sweeps.sweep import run_sweep

    cancel = threading.Event()
    running = threading.Event()

    def watch() -> None:
        # Signal handlers run in the main thread between the executor's short
        # waits; they only note the request (deferred), this turns it into a cancel.
        while not running.wait(0.05):
            if stop.requested:
                cancel.set()
                return

    watcher = threading.Thread(target=watch, name="sweep-stop", daemon=True)
    with stop.deferred():
        watcher.start()
        try:
            return run_sweep(plan, executor, progress=progress, cancel=cancel)
        finally:
            running.set()
            watcher.join()
            progress.done()
            executor.close()


def _write(result: SweepResult, folder: Path) -> None:
    """The four tables and ``failures.csv`` (OutputError when the folder refuses them)."""
    from app.atomic_io import atomic_write_text
    from app.reports.output_folder import OutputError, describe_os_error
    from app.sweeps.seeds import replication_seed
    from app.sweeps.table import csv_text, write_tables

    keys = [a.key for a in result.plan.axes]
    cols: dict[str, list[Any]] = {name: [] for name in ("point", *keys, "replication", "seed",
                                                        "reason")}
    points = {p.index: p for p in result.plan.points}
    for (index, k), reason in sorted(result.failures.items()):
        cols["point"].append(index)
        for key in keys:
            cols[key].append(points[index].value(key))
        cols["replication"].append(k)
        cols["seed"].append(replication_seed(result.plan.seed, k))
        cols["reason"].append(reason)
    try:
        write_tables(result, folder)
        atomic_write_text(folder / "failures.csv", csv_text(cols))
    except OSError as exc:
        raise OutputError(f"{folder}: cannot write: {describe_os_error(exc)}") from None


def _num(value: float | None, digits: int = 1) -> str:
    return "-" if value is None else f"{value:,.{digits}f}"


def _with_ci(mean: float | None, half: float | None) -> str:
    if mean is None:
        return "-"
    return _num(mean) if half is None else f"{_num(mean)} ± {_num(half)}"


def _table(header: list[str], rows: list[list[str]], left: int) -> list[str]:
    """Plain-text columns; the first ``left`` ones aligned left, the rest right."""
    widths = [max(len(h), *(len(r[i]) for r in rows)) if rows else len(h)
              for i, h in enumerate(header)]

    def line(cells: list[str]) -> str:
        return "  ".join(c.ljust(w) if i < left else c.rjust(w)
                         for i, (c, w) in enumerate(zip(cells, widths, strict=True))).rstrip()

    return [line(header), line(["-" * w for w in widths]), *(line(r) for r in rows)]


def format_sweep(result: SweepResult) -> list[str]:
    """Each point's end-to-end mean and p99 latency with 95 % CI, and the analytic model's."""
    from app.engine.snapshot import END_TO_END

    keys = [a.key for a in result.plan.axes]
    header = [*keys, "n", "mean ms (95% CI)", "analytic mean", "p99 ms (95% CI)",
              "analytic p99", "throughput rps"]
    rows = []
    for point in result.plan.points:
        ests = result.estimates(point.index)
        analytic = result.plan.analytic.get(point.index, {})
        mean = ests.get(("latency_mean_ms", END_TO_END))
        p99 = ests.get(("latency_p99_ms", END_TO_END))
        rps = ests.get(("throughput_rps", END_TO_END))
        finished = sum(1 for k in result.runs if k[0] == point.index)
        rows.append([*(str(point.value(k)) for k in keys), str(finished),
                     _with_ci(mean.mean, mean.half_width) if mean else "-",
                     _num(analytic.get(("latency_mean_ms", END_TO_END))),
                     _with_ci(p99.mean, p99.half_width) if p99 else "-",
                     _num(analytic.get(("latency_p99_ms", END_TO_END))),
                     _with_ci(rps.mean, rps.half_width) if rps else "-"])
    return _table(header, rows, len(keys))


def format_replications(result: SweepResult) -> list[str]:
    """Every end-to-end headline metric over the replications: mean, 95 % CI, analytic."""
    from app.engine.snapshot import END_TO_END
    from app.sweeps.headline import END_TO_END_METRICS

    ests = result.estimates(0)
    analytic = result.plan.analytic.get(0, {})
    digits = {"error_rate": 5, "availability": 5}
    rows = []
    for metric in END_TO_END_METRICS:
        est = ests.get((metric, END_TO_END))
        d = digits.get(metric, 2)
        if est is None:
            rows.append([metric, "0", "-", "-", "-", _num(analytic.get((metric, END_TO_END)), d)])
            continue
        rows.append([metric, str(est.n), _num(est.mean, d), _num(est.ci_low, d),
                     _num(est.ci_high, d), _num(analytic.get((metric, END_TO_END)), d)])
    return _table(["end to end", "n", "mean", "ci95 low", "ci95 high", "analytic"], rows, 1)


def _report(result: SweepResult, args: argparse.Namespace, started: float, out: TextIO, *,
            err: TextIO, replicate: bool) -> int:
    """Print the table and the closing lines; the exit code."""
    from app.cli import EXIT_INTERRUPTED, EXIT_OK

    plan = result.plan
    if not args.quiet:
        lines = format_replications(result) if replicate else format_sweep(result)
        for line in lines:
            print(line, file=out)
        print(f"{len(result.runs)}/{plan.total_jobs} runs ({len(plan.points)} point"
              f"{'s' if len(plan.points) != 1 else ''} x {plan.replications} replications, "
              f"seed {plan.seed}) on {result.executor} in {time.perf_counter() - started:,.1f} s;"
              f" wrote points, replications and failures tables to {args.out}", file=out)
    if result.failures:
        (point, k), reason = min(result.failures.items())
        where = _values(plan.points[point].overrides)
        print(f"error: {len(result.failures)} run{'s' if len(result.failures) != 1 else ''} "
              f"failed (first: point {point + 1}{' ' + where if where else ''} replication "
              f"{k + 1}: {reason}); see {args.out / 'failures.csv'}", file=err)
    if result.cancelled:
        print(f"interrupted: {len(result.runs)} of {plan.total_jobs} runs finished; "
              "partial results written", file=err)
        return EXIT_INTERRUPTED
    return EXIT_FAILED if result.failures else EXIT_OK


def cmd_sweep(args: argparse.Namespace, out: TextIO, err: TextIO, stop: StopSignals) -> int:
    """``sweep FILE`` / ``replicate FILE``: plan, run, write the tables, print the table."""
    from app.cli import CliError

    replicate = args.command == "replicate"
    axes: list[Axis] = [] if replicate else list(args.axes)
    if not replicate and not axes:
        raise CliError("give at least one --set KEY=VALUES to sweep (or use `main.py "
                       "replicate` for replications of the design as it is)")
    plan = _plan(args, axes, list(args.axes) if replicate else [])
    _prepare_out(args.out)
    executor = _executor(args)
    started = time.perf_counter()
    progress = _ProgressLines(plan, err, enabled=not args.quiet)
    result = _run(plan, executor, stop, progress)
    with stop.deferred():  # writing is never cut half-way
        _write(result, args.out)
        return _report(result, args, started, out, err=err, replicate=replicate)


def cmd_worker(args: argparse.Namespace, err: TextIO) -> int:
    """``worker ADDR``: Dask's own worker (nannies and processes) with this app preloaded.

    Dask handles Ctrl-C and SIGTERM itself (the workers leave the scheduler
    cleanly). ``--preload app.sweeps.jobs`` makes every worker import the
    app at start, so a worker that cannot serve jobs fails at once, not on its
    first job.
    """
    from app.cli import EXIT_INTERRUPTED, EXIT_INVALID, EXIT_OK

    address = scheduler_address(args.scheduler)
    import click
    from distributed.cli.dask_worker import main as dask_worker

    argv = [address, "--nworkers", str(args.nworkers), "--nthreads", str(args.nthreads),
            "--preload", "app.sweeps.jobs", "--no-dashboard"]
    for flag, value in (("--name", args.name), ("--tls-ca-file", args.tls_ca_file),
                        ("--tls-cert", args.tls_cert), ("--tls-key", args.tls_key),
                        ("--death-timeout", args.death_timeout)):
        if value is not None:
            argv += [flag, str(value)]
    if address.startswith("tls://") and not (args.tls_cert and args.tls_key):
        print("error: a tls:// scheduler needs --tls-cert and --tls-key (and usually "
              "--tls-ca-file)", file=err)
        return EXIT_INVALID
    try:
        dask_worker.main(args=argv, prog_name="main.py worker", standalone_mode=False)
    except click.exceptions.Abort:
        return EXIT_INTERRUPTED
    except click.ClickException as exc:
        print(f"error: {exc.format_message()}", file=err)
        return EXIT_INVALID
    except SystemExit as exc:  # Dask exits 1 when the worker could not start
        return exc.code if isinstance(exc.code, int) else EXIT_INVALID
    except (OSError, ValueError) as exc:
        print(f"error: cannot start the worker: {' '.join(str(exc).split())}", file=err)
        return EXIT_INVALID
    return EXIT_OK


__all__ = ["EXIT_FAILED", "add_sweep_parsers", "cmd_sweep", "cmd_worker", "format_replications",
           "format_sweep", "scheduler_address"]
