"""One replication as a picklable unit of work: design text, seed, overrides in; a result out.

:func:`run_replication` needs nothing but its arguments: the design travels
as text, its trace files (if any) as bytes in ``files``, so a worker in
another process or on another machine needs no shared files. It runs the
design with the engine's one driver, as fast as possible, and returns a
:class:`RunResult`: the summary and every window's snapshot in wire form.

Example::

    result = run_replication(Path("shop.sdsim").read_text(), seed=7,
                             overrides={"users.rate_rps": 900})
    result.summary["end_to_end"]["latency_ms"]["p99"]
    result.series("throughput_rps")           # end to end, one value per window
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

from app.engine.control import RunControl
from app.engine.driver import RunDriver
from app.engine.overrides import apply_overrides
from app.engine.simulation import Simulation
from app.engine.snapshot import END_TO_END, Snapshot, WireSnapshot
from app.model.document import Document


@dataclass(frozen=True, slots=True)
class RunResult:
    """What one replication produced. Immutable by convention and picklable.

    Attributes:
        seed: The seed the run used.
        overrides: The overrides applied, as ``(key, value)`` pairs in order.
        summary: The ``summary.json`` structure (``wall_s`` is the only figure
            that differs between two runs of the same text and seed).
        windows: Every window's snapshot in wire form
            (:meth:`~app.engine.snapshot.Snapshot.to_wire`), oldest first.
        stop_reason: Why a run-time guard stopped the run early, else ``None``.
        stopped: Whether the run ended before its duration (a guard or a stop).
    """

    seed: int
    overrides: tuple[tuple[str, object], ...]
    summary: dict[str, Any]
    windows: tuple[WireSnapshot, ...]
    stop_reason: str | None
    stopped: bool

    def snapshots(self) -> list[Snapshot]:
        """The windows as :class:`~app.engine.snapshot.Snapshot` objects, oldest first."""
        return [Snapshot.from_wire(w) for w in self.windows]

    def times(self) -> list[float]:
        """Each window's end (simulated seconds)."""
        return [w[0] for w in self.windows]

    def series(self, metric: str, component: str = END_TO_END) -> list[float | None]:
        """One metric per window, for a component id or end to end.

        Raises:
            KeyError: No such metric, or no such component in the run.
        """
        out: list[float | None] = []
        for snap in self.snapshots():
            metrics = (snap.end_to_end if component == END_TO_END
                       else snap.components[component])
            out.append(metrics.as_dict()[metric])
        return out


def run_replication(
    doc_text: str | bytes | Document,
    seed: int,
    overrides: Mapping[str, object] | None = None,
    *,
    base_dir: Path | None = None,
    files: Mapping[str, bytes] | None = None,
    allow_outside_files: bool = False,
    max_work: float | None = None,
    control: RunControl | None = None,
    on_snapshot: Callable[[Snapshot], None] | None = None,
    before_wait: Callable[[], None] | None = None,
    keep_windows: bool = True,
    live: bool = False,
) -> RunResult:
    """Run the design in ``doc_text`` once with ``seed`` and ``overrides``.

    Args:
        doc_text: The design as ``.sdsim`` text (version 1 is upgraded), or a
            :class:`Document` in memory (the GUI's run; the run validates it).
        seed: The run's seed (it wins over the design's ``simulation.seed``).
        overrides: Key -> value (see :mod:`app.engine.overrides`), set before the
            design is validated, so the format's checks judge the new values.
        base_dir: Where relative trace files are found (the design's folder).
        files: Relative name -> content of files the design refers to (trace
            files): written to a private temporary folder used as ``base_dir``.
        allow_outside_files: A trace file may lie outside ``base_dir``.
        max_work: Work units after which a guard stops the run (see ``RunGuard``).
        control: A way to stop the run early (cancel), pause, pace it and send
            live actions; none: it runs to the end as fast as it can.
        on_snapshot: Called with each window's snapshot as it closes (the GUI's
            engine process streams them).
        before_wait: Called before the driver holds or sleeps (pause, pacing).
        keep_windows: Keep every window in the result (``False``: the caller
            streams them and ``windows`` is empty, so a long run keeps no history).
        live: Let live actions crash any component (the GUI's runs); batch runs
            leave it off and pay nothing per request for it.

    Raises:
        DocumentError: ``doc_text`` is not a valid design.
        ValueError: An override names nothing or sets a refused value
            (:class:`~app.engine.overrides.OverrideError`), ``files`` holds an
            unsafe name or comes with ``base_dir``, the run cannot be built.
    """
    pairs = tuple((overrides or {}).items())
    doc = apply_overrides(doc_text, dict(pairs))
    how = _How(allow_outside_files, max_work, control, on_snapshot, before_wait, keep_windows,
               live)
    if files is None:
        return _run(doc, seed, pairs, base_dir, how)
    if base_dir is not None:
        raise ValueError("give base_dir or files, not both")
    with tempfile.TemporaryDirectory(prefix="sdsim-replication-") as folder:
        root = Path(folder)
        for name, data in files.items():
            target = root.joinpath(*_safe_parts(name))
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
        return _run(doc, seed, pairs, root, how)


def _safe_parts(name: str) -> tuple[str, ...]:
    """The parts of a relative file name that stays inside its folder, else ValueError."""
    path = PurePosixPath(name.replace("\\", "/"))
    parts = path.parts
    if not parts or path.is_absolute() or any(p in ("", ".", "..") for p in parts) or (
            ":" in parts[0]):
        raise ValueError(f"file name {name!r} must be relative and stay inside its folder")
    return parts


@dataclass(frozen=True, slots=True)
class _How:
    """How to run a replication (the keyword arguments of :func:`run_replication`)."""

    allow_outside_files: bool
    max_work: float | None
    control: RunControl | None
    on_snapshot: Callable[[Snapshot], None] | None
    before_wait: Callable[[], None] | None
    keep_windows: bool
    live: bool


def _run(doc: Document, seed: int, pairs: tuple[tuple[str, object], ...], base_dir: Path | None,
         how: _How) -> RunResult:
    sim = Simulation(doc, base_dir=base_dir, seed=seed, allow_outside_files=how.allow_outside_files,
                     max_work=how.max_work, live=how.live)
    windows: list[WireSnapshot] = []
    stream = how.on_snapshot

    def on_snapshot(snap: Snapshot) -> None:
        if how.keep_windows:
            windows.append(snap.to_wire())
        if stream is not None:
            stream(snap)

    summary = RunDriver(sim, how.control, on_snapshot=on_snapshot,
                        before_wait=how.before_wait).run()
    return RunResult(seed=sim.seed, overrides=pairs, summary=summary, windows=tuple(windows),
                     stop_reason=sim.stop_reason, stopped=sim.stopped)
