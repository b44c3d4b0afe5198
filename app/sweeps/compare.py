"""What-if: the design against a variant (or a kept run), side by side, with significance.

A *variant* is the current design changed in one way the user names --
every client's load ×k, one more replica on a component, another profile
for a component, a scheduled fault -- built here as overrides (see
:mod:`app.engine.overrides`) or, for a fault, as a modified design text.
:func:`run_whatif` runs the design and the variant with the same N
replication seeds (common random numbers: the difference is the change's
effect, not the luck of the draw) through :func:`~app.sweeps.sweep.plan_sweep`
and :func:`~app.sweeps.sweep.run_sweep` on any executor.

:func:`compare` puts two sets of replications side by side: for every
headline figure both measured, each side's mean and 95 % CI, the difference
B − A with its 95 % CI and Welch's t-test at 5 %. Welch's test treats the
two sides as independent samples with unequal variances: it ignores the
pairing that common random numbers give (a paired test would be sharper),
so it is conservative for a variant and exact in kind for a kept run, whose
seeds may differ. Its p-value comes from the exact Student-t CDF at
``floor(df)`` degrees of freedom (:func:`app.engine.stats.t_two_sided_p`),
without scipy.
"""

from __future__ import annotations

import copy
import dataclasses
import math
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final, cast

from app.analysis.planner import scaled_workloads
from app.engine.replication import RunResult
from app.engine.snapshot import END_TO_END
from app.engine.stats import t_quantile_975, t_two_sided_p
from app.model.document import Document, Fault
from app.model.errors import DocumentError
from app.model.fileformat import dumps, loads
from app.model.resolve import resolve
from app.storage.records import RunReplication
from app.sweeps.axes import Axis, Value
from app.sweeps.estimates import Estimate, estimate
from app.sweeps.executors import Executor
from app.sweeps.headline import COMPONENT_METRICS, END_TO_END_METRICS, Figures, headline
from app.sweeps.sweep import Progress, SweepResult, plan_sweep, run_sweep

#: Significance level of the test (two-sided).
ALPHA: Final = 0.05
#: Variant kinds, as stored in a kept run's settings.
KINDS: Final = ("load", "replica", "profile", "fault")


class VariantError(ValueError):
    """The variant cannot be made for this design (the message says why)."""


@dataclass(frozen=True, slots=True)
class Variant:
    """The design changed in one way.

    Attributes:
        kind: One of :data:`KINDS`.
        label: What changed, for people (``"load ×2"``, ``"web: 3 → 4 replicas"``).
        overrides: ``(key, value)`` pairs set on the design.
        doc_text: The whole changed design, when overrides cannot say it (a fault).
    """

    kind: str
    label: str
    overrides: tuple[tuple[str, object], ...] = ()
    doc_text: str | None = None

    def settings(self) -> dict[str, Any]:
        """What the variant is, as JSON (kept with a run)."""
        return {"kind": self.kind, "label": self.label,
                "overrides": dict(self.overrides)}


def load_variant(doc: Document, factor: float) -> Variant:
    """Every client's request rates multiplied by ``factor`` (all rate fields of its pattern).

    Raises:
        VariantError: ``factor`` is not a positive number, the design has no
            client with a rate, or a client replays a trace (whose timestamps
            cannot be scaled).
    """
    if not (isinstance(factor, int | float) and math.isfinite(factor) and factor > 0):
        raise VariantError(f"the load factor must be a number above 0, not {factor!r}")
    try:
        scaled = scaled_workloads(doc, float(factor))  # the planner's one list of rate fields
    except ValueError as exc:
        raise VariantError(str(exc)) from None
    overrides: list[tuple[str, object]] = []
    for before, after in zip(doc.components, scaled.components, strict=True):
        if before.workload is None or after.workload is None:
            continue
        for f in dataclasses.fields(after.workload):
            old, new = getattr(before.workload, f.name), getattr(after.workload, f.name)
            if old != new:
                overrides.append((f"{before.id}.workload.{f.name}", new))
    if not overrides and factor != 1:
        raise VariantError("no client has a request rate to scale")
    return Variant("load", f"load ×{factor:g}", tuple(overrides))


def _serving(doc: Document, component_id: str) -> Any:
    try:
        comp = doc.component(component_id)
    except KeyError:
        raise VariantError(f"there is no component {component_id!r}") from None
    if comp.type == "client":
        raise VariantError(f"{comp.display_name} is a client: choose a component that serves "
                           "requests")
    return comp


def replica_variant(doc: Document, component_id: str, extra: int = 1) -> Variant:
    """``component_id`` with ``extra`` more replicas than it has now."""
    comp = _serving(doc, component_id)
    now = resolve(comp).replicas
    return Variant("replica", f"{comp.display_name}: {now} → {now + extra} replicas",
                   ((f"{comp.id}.replicas", now + extra),))


def profile_variant(doc: Document, component_id: str, profile_key: str) -> Variant:
    """``component_id`` with the profile ``profile_key`` (see :mod:`app.model.profiles`)."""
    from app.model.profiles import PROFILES

    comp = _serving(doc, component_id)
    if profile_key not in PROFILES:
        raise VariantError(f"there is no profile {profile_key!r}")
    current = resolve(comp).profile
    if current is not None and current.key == profile_key:
        raise VariantError(f"{comp.display_name} already has the profile "
                           f"{PROFILES[profile_key].label}")
    return Variant("profile", f"{comp.display_name}: profile {PROFILES[profile_key].label}",
                   ((f"{comp.id}.profile", profile_key),))


def default_fault(doc: Document, component_id: str, kind: str = "crash") -> Fault:
    """A fault on ``component_id`` over the middle third of the measured time.

    ``kind``: ``crash`` (every replica), ``slowdown`` (×2) or ``error_rate`` (10 %).
    """
    comp = _serving(doc, component_id)
    sim = doc.simulation
    third = max(sim.duration_s - sim.warmup_s, 0.0) / 3.0
    at = sim.warmup_s + third
    if kind not in ("crash", "slowdown", "error_rate"):
        raise VariantError(f"a fault on a component is crash, slowdown or error_rate, "
                           f"not {kind!r}")
    return Fault(kind=kind, target=comp.id, at_s=round(at, 6), duration_s=round(third, 6),
                 factor=2.0 if kind == "slowdown" else None,
                 rate=0.1 if kind == "error_rate" else None)


def fault_variant(doc: Document, fault: Fault) -> Variant:
    """The design with ``fault`` added to its scheduled faults.

    Raises:
        VariantError: The design with the fault is refused (the message says why).
    """
    changed = copy.deepcopy(doc)
    changed.faults.append(fault)
    try:
        text = dumps(changed)  # validates the design with the fault
        loads(text)
    except (DocumentError, ValueError) as exc:
        raise VariantError(f"the fault is refused: {exc}") from None
    what = {"crash": "crash", "slowdown": f"slowdown ×{fault.factor or 0:g}",
            "error_rate": f"{(fault.rate or 0) * 100:g} % errors"}.get(fault.kind, fault.kind)
    span = "to the end" if fault.duration_s is None else f"for {fault.duration_s:g} s"
    return Variant("fault", f"{fault.target}: {what} at {fault.at_s:g} s {span}", (), text)


# -- statistics ------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class ComparisonRow:
    """One headline figure on both sides.

    Attributes:
        metric: The metric's name (``latency_p99_ms``...).
        component: A component id or ``end_to_end``.
        a: Side A across its replications (the current design).
        b: Side B (the variant or the kept run).
        difference: ``mean B − mean A`` (``None`` without both means).
        diff_low: Lower end of the difference's 95 % CI (Welch), ``None`` without.
        diff_high: Upper end.
        relative: ``difference / |mean A|`` (``None`` when A's mean is 0 or missing).
        p_value: Welch's two-sided p-value (``None`` below two values a side).
        significant: ``p_value < ALPHA``.
    """

    metric: str
    component: str
    a: Estimate
    b: Estimate
    difference: float | None
    diff_low: float | None
    diff_high: float | None
    relative: float | None
    p_value: float | None
    significant: bool


@dataclass(frozen=True, slots=True)
class Welch:
    """Welch's unequal-variance t statistic for ``mean B − mean A``."""

    difference: float
    se: float
    df: float
    t: float
    p_value: float
    ci_low: float
    ci_high: float


def welch(a: Sequence[float], b: Sequence[float]) -> Welch | None:
    """Welch's test of ``mean(b) − mean(a)``; ``None`` below two values on a side.

    Degrees of freedom by Welch-Satterthwaite; the p-value and the CI's t
    quantile use ``floor(df)`` (conservative). Two constant samples: the
    difference is exact (p = 0 when they differ, 1 when equal).
    """
    na, nb = len(a), len(b)
    if na < 2 or nb < 2:
        return None
    ma, mb = math.fsum(a) / na, math.fsum(b) / nb
    va = math.fsum((x - ma) ** 2 for x in a) / (na - 1)
    vb = math.fsum((x - mb) ** 2 for x in b) / (nb - 1)
    qa, qb = va / na, vb / nb
    se = math.sqrt(qa + qb)
    diff = mb - ma
    if se == 0.0 or se <= 1e-12 * max(abs(ma), abs(mb)):
        return Welch(diff, 0.0, math.inf, math.copysign(math.inf, diff) if diff else 0.0,
                     0.0 if diff else 1.0, diff, diff)
    df = (qa + qb) ** 2 / (qa**2 / (na - 1) + qb**2 / (nb - 1))
    t = diff / se
    half = t_quantile_975(max(1, math.floor(df))) * se
    return Welch(diff, se, df, t, t_two_sided_p(t, df), diff - half, diff + half)


def _values(reps: Sequence[Figures], name: tuple[str, str]) -> list[float]:
    out = []
    for figs in reps:
        v = figs.get(name)
        if v is not None and math.isfinite(v):
            out.append(float(v))
    return out


def compare(a: Sequence[Figures], b: Sequence[Figures]) -> list[ComparisonRow]:
    """Every headline figure present on both sides, A (current) against B (other).

    ``a`` and ``b`` are the headline figures of each replication
    (:func:`~app.sweeps.headline.headline` of its summary). Rows: end to end
    first, then components by id, metrics in the headline order.
    """
    names = {n for figs in a for n in figs} & {n for figs in b for n in figs}
    rows = []
    for name in sorted(names, key=_order):
        xs, ys = _values(a, name), _values(b, name)
        if not xs and not ys:
            continue
        ea, eb = estimate(figs.get(name) for figs in a), estimate(figs.get(name) for figs in b)
        test = welch(xs, ys)
        diff = None if ea.mean is None or eb.mean is None else eb.mean - ea.mean
        relative = None if diff is None or not ea.mean else diff / abs(ea.mean)
        rows.append(ComparisonRow(
            name[0], name[1], ea, eb, diff,
            None if test is None else test.ci_low, None if test is None else test.ci_high,
            relative, None if test is None else test.p_value,
            test is not None and test.p_value < ALPHA))
    return rows


def _order(name: tuple[str, str]) -> tuple[int, str, int]:
    metric, component = name
    metrics = END_TO_END_METRICS if component == END_TO_END else COMPONENT_METRICS
    rank = metrics.index(metric) if metric in metrics else len(metrics)
    return (0 if component == END_TO_END else 1, component, rank)


# -- running -------------------------------------------------------------------------------

@dataclass
class WhatIf:
    """Both sides of a what-if and their comparison.

    Attributes:
        variant: What side B changed (``None`` when B is a kept run).
        current: Side A, the design as it is.
        other: Side B's replications (``None`` when B is a kept run).
        rows: The comparison (empty until both sides have results).
        cancelled: The user cancelled before every replication finished.
    """

    variant: Variant | None
    current: SweepResult
    other: SweepResult | None
    rows: list[ComparisonRow]
    cancelled: bool

    @property
    def failures(self) -> list[str]:
        """One line per failed replication, side by side."""
        out = [f"current, replication {k}: {why}" for (_, k), why in
               sorted(self.current.failures.items())]
        if self.other is not None:
            out += [f"variant, replication {k}: {why}" for (_, k), why in
                    sorted(self.other.failures.items())]
        return out


#: ``progress(done, total)``: replications finished (or failed) over all, both sides.
WhatIfProgress = Callable[[int, int], None]


def _side(doc: Document | str, replications: int, executor: Executor, *,
          overrides: Sequence[tuple[str, object]] = (), base_dir: Path | None, seed: int,
          keep_windows: bool, offset: int, total: int, progress: WhatIfProgress | None,
          cancel: threading.Event) -> SweepResult:
    # One point: the overrides, as single-valued axes (values a JSON design can hold).
    axes = [Axis(key, (cast(Value, value),)) for key, value in overrides]
    plan = plan_sweep(doc, axes, replications, base_dir=base_dir, seed=seed,
                      keep_windows=keep_windows)

    def report(p: Progress, _job: object) -> None:
        if progress is not None:
            progress(offset + p.done + p.failed, total)

    return run_sweep(plan, executor, progress=report, cancel=cancel)


def run_whatif(doc: Document, variant: Variant, replications: int, executor: Executor, *,
               base_dir: Path | None = None, seed: int | None = None,
               keep_windows: bool = True, progress: WhatIfProgress | None = None,
               cancel: threading.Event | None = None) -> WhatIf:
    """Run ``doc`` and ``variant`` with the same ``replications`` seeds and compare them.

    ``keep_windows``: the current side keeps every window, so it can be kept
    with the project (:func:`replication_records`). Raises
    :class:`~app.sweeps.sweep.SweepError` when an override is refused.
    """
    stop = cancel if cancel is not None else threading.Event()
    base = doc.simulation.seed if seed is None else seed
    total = 2 * replications
    current = _side(doc, replications, executor, base_dir=base_dir, seed=base,
                    keep_windows=keep_windows, offset=0, total=total, progress=progress,
                    cancel=stop)
    other: SweepResult | None = None
    if not current.cancelled:
        other = _side(variant.doc_text or doc, replications, executor,
                      overrides=variant.overrides, base_dir=base_dir, seed=base,
                      keep_windows=False, offset=replications, total=total,
                      progress=progress, cancel=stop)
    cancelled = current.cancelled or other is None or other.cancelled
    rows = [] if other is None else compare(current.figures(0), other.figures(0))
    return WhatIf(variant, current, other, rows, cancelled)


def run_against_kept(doc: Document, kept: Sequence[RunReplication], seed: int,
                     executor: Executor, *, base_dir: Path | None = None,
                     keep_windows: bool = True, progress: WhatIfProgress | None = None,
                     cancel: threading.Event | None = None) -> WhatIf:
    """Run ``doc`` with a kept run's seed and number of replications, and compare.

    Side B is the kept run's replications as stored (its design may differ
    from today's: that is the point).
    """
    stop = cancel if cancel is not None else threading.Event()
    n = len(kept)
    current = _side(doc, n, executor, base_dir=base_dir, seed=seed, keep_windows=keep_windows,
                    offset=0, total=n, progress=progress, cancel=stop)
    rows = compare(current.figures(0), kept_figures(kept))
    return WhatIf(None, current, None, rows if current.runs else [], current.cancelled)


# -- kept runs -----------------------------------------------------------------------------

def window_series(run: RunResult) -> dict[str, Any]:
    """The per-window headline series of ``run``: ``times`` and, per component, metric -> values.

    End to end the :data:`END_TO_END_METRICS`, per component the
    :data:`COMPONENT_METRICS`; ``warmup_windows`` counts the leading windows
    inside the warm-up.
    """
    snaps = run.snapshots()
    out: dict[str, Any] = {"times": [s.time_s for s in snaps],
                           "warmup_windows": sum(1 for s in snaps if s.warming_up)}
    if not snaps:
        return out
    out[END_TO_END] = {m: [s.end_to_end.as_dict()[m] for s in snaps] for m in END_TO_END_METRICS}
    for cid in snaps[-1].components:
        out[cid] = {m: [s.components[cid].as_dict()[m] if cid in s.components else None
                        for s in snaps] for m in COMPONENT_METRICS}
    return out


def replication_records(result: SweepResult, point: int = 0) -> list[RunReplication]:
    """``point``'s finished replications, in order, as records to keep with a project."""
    keys = sorted(k for k in result.runs if k[0] == point)
    return [RunReplication(result.runs[k].seed, result.runs[k].summary,
                           window_series(result.runs[k])) for k in keys]


def kept_figures(kept: Sequence[RunReplication]) -> list[Figures]:
    """The headline figures of each replication of a kept run."""
    return [headline(rep.summary) for rep in kept]


def run_settings(doc: Document, replications: int, *,
                 compared_with: dict[str, Any] | None = None) -> dict[str, Any]:
    """What the current side ran, as kept with a run.

    ``compared_with`` says what the run was compared with: a variant's
    :meth:`Variant.settings`, or ``{"kind": "kept", "label": ..., "run_id": ...}``.
    """
    sim = doc.simulation
    out: dict[str, Any] = {"what": "current design", "replications": replications,
                           "duration_s": sim.duration_s, "warmup_s": sim.warmup_s,
                           "window_s": sim.window_s, "overrides": {}}
    if compared_with:
        out["compared_with"] = compared_with
    return out
