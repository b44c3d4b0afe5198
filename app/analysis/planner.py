"""Capacity planning: the fewest replicas per tier meeting a load and an end-to-end p99.

:func:`plan_capacity` scales every client's workload by one factor so that the
clients offer ``target_rps`` in total, searches the analytic model for the
fewest replicas whose predicted p99 meets the target
(:mod:`app.analysis.planner_search`, p99s from
:mod:`app.analysis.planner_tails`), then **confirms** the answer by simulating
the planned design at that load: if the simulated p99 misses, the tier with
the worst queueing tail gets more replicas and the run is repeated (a few
rounds at most). :func:`apply_plan` writes the plan into a new document.
Algorithm, approximation and limits: docs/analysis.md, "Capacity planning".

Example::

    plan = plan_capacity(doc, target_rps=2000, p99_ms=50)
    plan.met, plan.simulated_p99_ms, [(c.component, c.replicas_planned) for c in plan.components]
    apply_plan(doc, plan)        # a new Document with the planned replicas
"""

from __future__ import annotations

import copy
import dataclasses
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

from app.analysis.model import prepare
from app.analysis.planner_search import (
    Evaluation,
    PlanCancelled,
    Searcher,
    search,
    tier_caps,
)
from app.model.alerts import END_TO_END, effective_alerts
from app.model.document import Document
from app.model.limits import MAX_RATE_RPS, MAX_SERVICE_MS

if TYPE_CHECKING:
    from app.engine.commands import LiveAction

__all__ = ["ComponentPlan", "Plan", "PlanCancelled", "apply_plan", "p99_target_from_alerts",
           "plan_capacity", "scaled_workloads"]

#: Largest target the planner takes (req/s) and largest p99 target (ms).
MAX_TARGET_RPS: Final = MAX_RATE_RPS
MAX_TARGET_P99_MS: Final = MAX_SERVICE_MS
#: A confirming run simulates at most this long, and at most this many client
#: requests per seed (it is shortened to fit); shorter than the floor it is skipped.
CONFIRM_MAX_S: Final = 60.0
CONFIRM_MAX_REQUESTS: Final = 1_000_000
CONFIRM_MIN_S: Final = 2.0
#: Simulations that may add replicas after the analytic answer (each: one run per seed).
MAX_CONFIRM_ROUNDS: Final = 4
#: A round of added replicas must cut the simulated p99 by this share, or the
#: confirmation stops (something the model leaves out, a fault, dominates).
MIN_ROUND_GAIN: Final = 0.02
#: Work units a confirming run may spend before the engine's guard stops it.
CONFIRM_MAX_WORK: Final = 50_000_000
_RATE_FIELDS: Final = ("rate_rps", "from_rps", "to_rps", "step_rps", "spike_rps")

#: ``progress(fraction, text)``: how far the planner is (0..1) and what it does.
Progress = Callable[[float, str], None]


@dataclass(frozen=True, slots=True)
class ComponentPlan:
    """One scalable tier in a plan.

    Attributes:
        component: The component id.
        replicas_now: Its replicas in the design.
        replicas_planned: The replicas the plan gives it (never fewer than now).
        max_replicas: Its cap (autoscaling ``max``, else the format's limit).
        predicted_p99_ms: The model's p99 of its own latency (wait + service) at
            the planned replicas; ``None`` when unbounded (saturated).
        simulated_p99_ms: That p99 in the last confirming run; ``None`` without one.
    """

    component: str
    replicas_now: int
    replicas_planned: int
    max_replicas: int
    predicted_p99_ms: float | None
    simulated_p99_ms: float | None

    @property
    def changed(self) -> bool:
        """Whether the plan adds replicas to this tier."""
        return self.replicas_planned != self.replicas_now


@dataclass(frozen=True, slots=True)
class Plan:
    """A capacity plan: per tier replicas, end-to-end p99s, whether the target is met.

    Attributes:
        target_rps: Total offered client rate planned for (req/s).
        target_p99_ms: The end-to-end p99 target (ms).
        load_factor: What every client's workload was multiplied by.
        components: The tiers with traffic, in document order.
        predicted_p99_ms: The model's end-to-end p99 at the plan (``None``: unbounded).
        simulated_p99_ms: The worst end-to-end p99 over the last round's seeds
            (``None``: not confirmed by simulation).
        met: The target is met: by the simulation when there was one, else by the model.
        confirmed: A simulation checked the final plan.
        iterations: Confirming rounds simulated (each one run per seed).
        evaluations: Analytic evaluations the search spent.
        seeds: The seeds of the confirming runs.
        confirm_duration_s: Simulated seconds of each confirming run (0: none).
        notes: What limited the plan, in words.
    """

    target_rps: float
    target_p99_ms: float
    load_factor: float
    components: tuple[ComponentPlan, ...]
    predicted_p99_ms: float | None
    simulated_p99_ms: float | None
    met: bool
    confirmed: bool
    iterations: int
    evaluations: int
    seeds: tuple[int, ...]
    confirm_duration_s: float
    notes: tuple[str, ...]

    @property
    def replicas(self) -> dict[str, int]:
        """Component id -> planned replicas, for every tier whose replicas change."""
        return {c.component: c.replicas_planned for c in self.components if c.changed}


def p99_target_from_alerts(doc: Document) -> float | None:
    """The threshold of the design's end-to-end ``latency_p99_ms > x`` rule, if it has one."""
    for rule in effective_alerts(doc):
        if (rule.component == END_TO_END and rule.metric == "latency_p99_ms"
                and rule.op in (">", ">=") and math.isfinite(rule.threshold)
                and rule.threshold > 0):
            return float(rule.threshold)
    return None


def scaled_workloads(doc: Document, factor: float) -> Document:
    """A copy of ``doc`` with every client's rates multiplied by ``factor``.

    Raises:
        ValueError: A client replays a trace (its timestamps cannot be scaled)
            and ``factor`` is not 1.
    """
    out = copy.deepcopy(doc)
    if factor == 1.0:
        return out
    for comp in out.components:
        w = comp.workload
        if comp.type != "client" or w is None:
            continue
        if w.pattern == "trace":
            raise ValueError(f"client {comp.id!r} replays a trace, whose rate cannot be "
                             f"scaled to the target; plan for its own rate instead")
        changes: dict[str, Any] = {name: getattr(w, name) * factor for name in _RATE_FIELDS
                                   if getattr(w, name) is not None}
        if changes:
            comp.workload = dataclasses.replace(w, **changes)
    return out


def apply_plan(doc: Document, plan: Plan) -> Document:
    """A new document: ``doc`` with the plan's replicas (``doc`` is left as it is)."""
    return _with_replicas(doc, plan.replicas)


def _with_replicas(doc: Document, replicas: dict[str, int]) -> Document:
    out = copy.deepcopy(doc)
    for comp in out.components:
        if comp.id in replicas:
            comp.replicas = replicas[comp.id]
    return out


def _check_targets(target_rps: float, p99_ms: float) -> None:
    if not (math.isfinite(target_rps) and 0.0 < target_rps <= MAX_TARGET_RPS):
        raise ValueError(f"the target rate must be a number above 0 and at most "
                         f"{MAX_TARGET_RPS:g} req/s, got {target_rps!r}")
    if not (math.isfinite(p99_ms) and 0.0 < p99_ms <= MAX_TARGET_P99_MS):
        raise ValueError(f"the p99 target must be a number above 0 and at most "
                         f"{MAX_TARGET_P99_MS:g} ms, got {p99_ms!r}")


def plan_capacity(doc: Document, *, target_rps: float, p99_ms: float,
                  base_dir: Path | None = None, seeds: Sequence[int] = (1,),
                  confirm: bool = True, confirm_duration_s: float | None = None,
                  progress: Progress | None = None,
                  cancelled: Callable[[], bool] | None = None) -> Plan:
    """Plan the fewest replicas per tier for ``target_rps`` at an end-to-end p99 of ``p99_ms``.

    Args:
        doc: A valid design (its clients must offer some traffic).
        target_rps: Total offered client rate to plan for (req/s).
        p99_ms: End-to-end p99 latency target (ms).
        base_dir: The design's folder (trace workloads).
        seeds: Seeds of the confirming runs (the worst p99 over them counts).
        confirm: Confirm by simulation (``False``: the analytic answer only).
        confirm_duration_s: Simulated seconds per confirming run (default: the
            design's duration), capped by :data:`CONFIRM_MAX_S` and
            :data:`CONFIRM_MAX_REQUESTS`.
        progress: Told how far the planner is.
        cancelled: Polled between steps; when it returns True the planner
            raises :class:`PlanCancelled`.

    Raises:
        ValueError: A target out of range, a design without traffic, a trace
            workload that would need scaling.
        PlanCancelled: ``cancelled()`` returned True.
    """
    _check_targets(target_rps, p99_ms)
    if not seeds:
        raise ValueError("give at least one seed")
    tell = progress or (lambda _f, _t: None)
    tell(0.0, "analytic model")
    model = prepare(doc, base_dir=base_dir)
    if not model.total_client_rps > 0.0:
        raise ValueError("the design's clients offer no traffic: there is nothing to scale "
                         "to the target")
    factor = target_rps / model.total_client_rps
    scaled_workloads(doc, factor)  # refuses a trace that would need scaling, before any work
    caps = tier_caps(model)
    start = {cid: model.stations[cid].rc.replicas for cid in caps}
    searcher = Searcher(model, factor, caps, cancelled)
    outcome = search(searcher, start, p99_ms)
    notes = list(outcome.notes)
    varying = [cid for cid, pattern in model.patterns.items()
               if pattern not in ("poisson", "constant", "none")]
    if varying:
        notes.append(f"{', '.join(varying)}: the workload varies in time; the model plans for "
                     f"its mean rate, the confirming simulation sees its peaks")
    best = outcome.best
    tell(0.1, "analytic plan found" if outcome.met else "analytic search ended")
    sim: dict[str, Any] | None = None
    rounds, duration = 0, 0.0
    if confirm and outcome.met:
        duration = _confirm_duration(doc, target_rps, confirm_duration_s)
        if duration < CONFIRM_MIN_S:
            too_much = CONFIRM_MAX_REQUESTS / target_rps < CONFIRM_MIN_S
            notes.append(f"not simulated: {target_rps:g} req/s is too much load to confirm "
                         f"within {CONFIRM_MAX_REQUESTS:,} requests per run" if too_much else
                         f"not simulated: a confirming run of {duration:g} s is shorter than "
                         f"{CONFIRM_MIN_S:g} s")
            duration = 0.0
        else:
            confirmation = _Confirmation(doc, searcher, p99_ms, duration, base_dir,
                                         tuple(seeds), tell, cancelled)
            best, sim, rounds = confirmation.run(best, notes)
    tell(1.0, "done")
    sim_e2e = sim["end_to_end"] if sim is not None else None
    met = (sim_e2e is not None and sim_e2e <= p99_ms) if sim is not None else outcome.met
    components = tuple(
        ComponentPlan(cid, start[cid], best.replicas[cid], caps[cid],
                      best.tails.components.get(cid),
                      sim["components"].get(cid) if sim is not None else None)
        for cid in model.order_ids if cid in caps)
    if not met and not notes:
        notes.append("target not met")
    return Plan(target_rps, p99_ms, factor, components, best.tails.end_to_end, sim_e2e, met,
                sim is not None, rounds, searcher.evaluations, tuple(seeds), duration,
                tuple(notes))


def _confirm_duration(doc: Document, target_rps: float, asked: float | None) -> float:
    base = asked if asked is not None else doc.simulation.duration_s
    return min(base, CONFIRM_MAX_S, CONFIRM_MAX_REQUESTS / target_rps)


@dataclass(frozen=True, slots=True)
class _Confirmation:
    """What the confirming simulations need: the design, the load and how to run."""

    doc: Document
    searcher: Searcher
    target_ms: float
    duration_s: float
    base_dir: Path | None
    seeds: tuple[int, ...]
    tell: Progress
    cancelled: Callable[[], bool] | None

    def run(self, best: Evaluation, notes: list[str]) -> tuple[Evaluation, dict[str, Any], int]:
        """Simulate the plan; while it misses, add replicas to the worst tier (bounded rounds)."""
        caps = self.searcher.caps
        rounds = 0
        previous: float | None = None
        while True:
            rounds += 1
            sim = self.simulate(best.replicas, rounds)
            if sim["stopped"]:
                notes.append(f"a confirming run was stopped early: {sim['stopped']}")
                return best, sim, rounds
            p99 = sim["end_to_end"]
            if p99 is not None and p99 <= self.target_ms:
                return best, sim, rounds
            worst = self.worst_tier(best.replicas, sim)
            shown = f"p99 {p99:,.1f} ms" if p99 is not None else "no completions"
            stuck = (p99 is not None and previous is not None
                     and p99 >= (1.0 - MIN_ROUND_GAIN) * previous)
            if worst is None or rounds >= MAX_CONFIRM_ROUNDS or stuck:
                why = ("every tier is at its cap" if worst is None
                       else "more replicas did not lower it" if stuck
                       else f"{MAX_CONFIRM_ROUNDS} rounds of simulation")
                notes.append(f"simulated {shown} still misses {self.target_ms:g} ms "
                             f"({why})")
                left_out = _not_modelled(self.searcher)
                if left_out:
                    notes.append("the model leaves out what may dominate here: " + left_out)
                return best, sim, rounds
            previous = p99
            have = best.replicas[worst]
            more = dict(best.replicas)
            # Grow by the square root of the miss (at most double): a big miss the
            # model did not see (a workload's peaks) is rarely closed by one replica.
            grow = min(2.0, math.sqrt(p99 / self.target_ms)) if p99 is not None else 2.0
            more[worst] = min(caps[worst], max(have + 1, math.ceil(have * grow)))
            notes.append(f"simulation round {rounds}: {shown} over {self.target_ms:g} ms; "
                         f"{worst} {have} -> {more[worst]} replicas")
            best = self.searcher.evaluate(more)

    def worst_tier(self, replicas: dict[str, int], sim: dict[str, Any]) -> str | None:
        """The tier below its cap with the longest simulated queueing tail (p99 - mean service)."""
        worst, worst_tail = None, -math.inf
        for cid, have in replicas.items():
            if have >= self.searcher.caps[cid]:
                continue
            p99 = sim["components"].get(cid)
            service = self.searcher.model.stations[cid].service_ms
            tail = math.inf if p99 is None else p99 - service
            if tail > worst_tail:
                worst, worst_tail = cid, tail
        return worst

    def simulate(self, replicas: dict[str, int], round_no: int) -> dict[str, Any]:
        """Run the planned design at the target load once per seed; the worst p99s over seeds."""
        from app.engine.replication import run_replication

        planned = scaled_workloads(_with_replicas(self.doc, replicas),
                                   self.searcher.load_factor)
        settings = planned.simulation
        duration = self.duration_s
        planned.simulation = dataclasses.replace(
            settings, duration_s=duration, warmup_s=min(settings.warmup_s, 0.25 * duration),
            window_s=min(settings.window_s, duration / 4.0))
        e2e: float | None = -math.inf
        comps: dict[str, float | None] = {}
        stopped: str | None = None
        for i, seed in enumerate(self.seeds):
            self._check_cancel()
            done = (round_no - 1 + i / len(self.seeds)) / MAX_CONFIRM_ROUNDS
            self.tell(0.1 + 0.9 * done, f"simulating round {round_no}, seed {seed}")
            result = run_replication(planned, seed, base_dir=self.base_dir, keep_windows=False,
                                     max_work=CONFIRM_MAX_WORK,
                                     control=_CancelControl(self.cancelled))
            self._check_cancel()
            if result.stop_reason is not None:
                stopped = result.stop_reason
            summary = result.summary
            e2e = _worse(e2e, summary["end_to_end"]["latency_ms"].get("p99"))
            for cid, figures in summary["components"].items():
                comps[cid] = _worse(comps.get(cid, -math.inf), figures["latency_ms"].get("p99"))
        return {"end_to_end": e2e, "components": comps, "stopped": stopped}

    def _check_cancel(self) -> None:
        if self.cancelled is not None and self.cancelled():
            raise PlanCancelled


def _not_modelled(searcher: Searcher) -> str:
    """The design's features the analytic model leaves out, in one line (or "")."""
    found: dict[str, None] = {}
    for facts in searcher.model.stations.values():
        for note in facts.notes:
            if "not modelled" in note:
                found.setdefault(f"{facts.rc.id}: {note}", None)
    shown = list(found)[:4]
    more = len(found) - len(shown)
    return "; ".join(shown) + (f"; and {more} more" if more > 0 else "")


def _worse(a: float | None, b: float | None) -> float | None:
    """The larger p99 of two; ``None`` (no completions: unbounded) wins."""
    if a is None or b is None:
        return None
    return max(a, b)


class _CancelControl:
    """A :class:`~app.engine.control.RunControl` that stops the run when ``cancelled()`` says so.

    The confirming runs go as fast as they can, never pause and take no live
    actions; the driver polls :meth:`stop_requested` between slices, so a
    cancel stops a long run within one slice.
    """

    def __init__(self, cancelled: Callable[[], bool] | None) -> None:
        self._cancelled = cancelled

    def stop_requested(self) -> bool:
        """Whether the user cancelled the planner."""
        return self._cancelled is not None and self._cancelled()

    def paused(self) -> bool:
        """Never: the planner's runs do not pause."""
        return False

    def speed(self) -> tuple[float, int]:
        """As fast as possible, never changed."""
        return 0.0, 0

    def wait(self, timeout: float | None) -> None:
        """Nothing to wait for (the run is never paused or paced)."""

    def drain(self) -> list[LiveAction]:
        """No live actions."""
        return []
