"""The capacity planner's analytic search: the fewest replicas the model says meet a p99.

Three steps on the analytic model (:mod:`app.analysis.model`), each a few
milliseconds per evaluation:

1. **Stable**: every saturated tier (ρ ≥ 1) gets the fewest replicas that
   bring its ρ below 1, callees first (a blocking tier's holding time shrinks
   as its callees get replicas, so this repeats until nothing is saturated).
2. **Greedy**: while the predicted end-to-end p99 misses the target, try
   adding a step of replicas (one, or an eighth of the tier's replicas when it
   has many) to each tier below its cap, and to all of them at once (tiers
   called in parallel only gain together), and keep the step that cuts the
   predicted p99 most per replica added.
3. **Trim**: the greedy steps may overshoot; take replicas back one at a time
   while the prediction still meets the target (never below today's replicas).

Replicas are only ever added: the planner never removes capacity the design
already has (it may be there for availability, which the model does not see).
"""

from __future__ import annotations

import copy
import dataclasses
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Final

from app.analysis.evaluate import station_facts
from app.analysis.model import PreparedModel
from app.analysis.planner_tails import TailPrediction, predict_p99
from app.analysis.results import AnalyticResult
from app.model.limits import MAX_REPLICAS

#: A greedy step must cut the predicted p99 by this share of its gap to the target
#: (else a thousand more steps would not close it: the latency floor is reached).
MIN_STEP_GAIN: Final = 1e-3
#: Analytic evaluations one search may spend (each is one pass of the model).
MAX_EVALUATIONS: Final = 20_000


class PlanCancelled(Exception):  # noqa: N818 -- a stop the user asked for, not an error
    """The user cancelled the planner."""


@dataclass(frozen=True, slots=True)
class Evaluation:
    """The model at one set of replicas: its predictions and predicted p99s."""

    replicas: dict[str, int]
    result: AnalyticResult
    tails: TailPrediction

    def meets(self, target_ms: float) -> bool:
        """Whether the predicted end-to-end p99 is within ``target_ms``."""
        p99 = self.tails.end_to_end
        return p99 is not None and p99 <= target_ms and not any(
            p.saturated for p in self.result.components.values())


@dataclass(frozen=True, slots=True)
class SearchOutcome:
    """What the analytic search found: the last evaluation and why it stopped."""

    best: Evaluation
    met: bool
    evaluations: int
    notes: tuple[str, ...]


class Searcher:
    """Evaluates one design's model at any replicas, at one load, counting evaluations."""

    def __init__(self, model: PreparedModel, load_factor: float, caps: Mapping[str, int],
                 cancelled: Callable[[], bool] | None = None) -> None:
        self.model = model
        self.load_factor = load_factor
        self.caps = dict(caps)
        self.cancelled = cancelled
        self.evaluations = 0
        self._cache: dict[tuple[int, ...], Evaluation] = {}
        self._ids = sorted(caps)

    def evaluate(self, replicas: Mapping[str, int]) -> Evaluation:
        """The model with ``replicas`` (tier id -> count) at the planner's load."""
        key = tuple(replicas[cid] for cid in self._ids)
        found = self._cache.get(key)
        if found is not None:
            return found
        if self.cancelled is not None and self.cancelled():
            raise PlanCancelled
        self.evaluations += 1
        clone = copy.copy(self.model)
        stations = dict(self.model.stations)
        for cid, n in replicas.items():
            facts = stations[cid]
            if facts.rc.replicas != n:
                rc = dataclasses.replace(facts.rc, replicas=n)
                stations[cid] = station_facts(rc, self.model.calls[cid], facts.scv,
                                              facts.broker_fed, list(facts.notes))
        clone.stations = stations
        result = clone.at(self.load_factor, saturation=False)
        found = Evaluation(dict(replicas), result, predict_p99(clone, result))
        self._cache[key] = found
        return found


def tier_caps(model: PreparedModel) -> dict[str, int]:
    """The tiers the planner may scale (stations with traffic) and their most replicas.

    A tier's cap is its autoscaling ``max`` when it autoscales (the design's
    replicas must lie within that range), else the format's limit.
    """
    caps: dict[str, int] = {}
    for cid, facts in model.stations.items():
        rate = model.base_rates.get(cid, 0.0)
        if not rate > 0.0:
            continue
        scaling = facts.rc.autoscaling
        caps[cid] = max(facts.rc.replicas, scaling.max if scaling is not None else MAX_REPLICAS)
    return caps


def search(searcher: Searcher, start: Mapping[str, int], target_ms: float) -> SearchOutcome:
    """The fewest replicas (from ``start`` up) whose predicted p99 meets ``target_ms``."""
    notes: list[str] = []
    current = _stabilize(searcher, dict(start), notes)
    if any(p.saturated for p in current.result.components.values()):
        return SearchOutcome(current, False, searcher.evaluations, tuple(notes))
    stable = current
    while not current.meets(target_ms) and searcher.evaluations < MAX_EVALUATIONS:
        step = _best_step(searcher, current, target_ms)
        if step is None:
            # Unreachable: propose only what keeps every tier from saturating, and say
            # how low the p99 can go at best (the greedy's last state).
            notes.append(_floor_note(current, target_ms))
            return SearchOutcome(stable, False, searcher.evaluations, tuple(notes))
        current = step
    if not current.meets(target_ms):
        notes.append(f"the search stopped after {MAX_EVALUATIONS:,} evaluations of the model")
        return SearchOutcome(stable, False, searcher.evaluations, tuple(notes))
    current = _trim(searcher, current, start, target_ms)
    return SearchOutcome(current, True, searcher.evaluations, tuple(notes))


def _stabilize(searcher: Searcher, replicas: dict[str, int], notes: list[str]) -> Evaluation:
    """Replicas that bring every saturated tier below ρ = 1, callees first.

    A blocking caller of a saturated callee looks saturated too (its workers
    wait on the callee's queue), so each round sizes only the saturated tiers
    whose callees are not, then evaluates again: the callers' holding times
    shrink once their callees have replicas.
    """
    current = searcher.evaluate(replicas)
    capped: set[str] = set()
    calls = searcher.model.calls
    for _ in range(len(searcher.caps) + 2):  # each round settles at least one level
        comps = current.result.components
        saturated = {cid for cid, p in comps.items() if p.saturated}
        changed = False
        for cid in saturated:
            pred = comps[cid]
            if cid not in searcher.caps:
                continue
            if pred.arrival_rps is None:
                notes.append(f"{cid}: unbounded traffic (an async cycle that never dies "
                             f"out): no number of replicas serves it")
                return current
            if pred.holding_ms is None or any(
                    c.waits and c.target in saturated for c in calls.get(cid, ())):
                continue  # its callees are saturated: sized first, then this tier
            per_replica = pred.servers / max(pred.replicas, 1)
            need = math.floor(pred.arrival_rps * pred.holding_ms / 1000.0 / per_replica) + 1
            cap = searcher.caps[cid]
            if need > cap and cid not in capped:
                capped.add(cid)
                notes.append(f"{cid}: needs {need:,} replicas not to saturate, more than "
                             f"its cap of {cap:,}")
            if min(need, cap) > replicas[cid]:
                replicas[cid] = min(need, cap)
                changed = True
        if not changed:
            return current
        current = searcher.evaluate(replicas)
    return current


def _best_step(searcher: Searcher, current: Evaluation, target_ms: float) -> Evaluation | None:
    """The one tier's step of replicas that cuts the predicted p99 most per replica.

    ``None`` when no step cuts it by at least :data:`MIN_STEP_GAIN` of the gap to
    the target: the queues are already negligible and the floor is reached.
    """
    now = current.tails.end_to_end
    least = MIN_STEP_GAIN * (now - target_ms) if now is not None else 0.0
    steps: list[dict[str, int]] = []
    joint = dict(current.replicas)
    for cid, cap in searcher.caps.items():
        have = current.replicas[cid]
        if have < cap:
            trial = dict(current.replicas)
            trial[cid] = joint[cid] = min(cap, have + max(1, have // 8))
            steps.append(trial)
    if len(steps) > 1:  # tiers in parallel (a fan-out's slowest call) only gain together
        steps.append(joint)
    best: Evaluation | None = None
    best_gain = 0.0
    for trial in steps:
        found = searcher.evaluate(trial)
        p99 = found.tails.end_to_end
        if p99 is None:
            continue
        added = sum(trial.values()) - sum(current.replicas.values())
        gain = ((now - p99) if now is not None else math.inf) / added
        if gain > best_gain * (1.0 + 1e-12) and (now is None or now - p99 > least):
            best, best_gain = found, gain
    return best


def _trim(searcher: Searcher, current: Evaluation, start: Mapping[str, int],
           target_ms: float) -> Evaluation:
    """Take back replicas while the prediction still meets the target.

    Per tier, the fewest replicas (not below today's) that still meet it, by
    bisection (more replicas never raise the predicted p99); repeated until no
    tier gives any back, since freeing one tier's slack can leave none for another.
    """
    changed = True
    while changed:
        changed = False
        for cid in searcher.caps:
            lo, hi = start[cid], current.replicas[cid]  # hi meets; find the least that does
            best = current
            while lo < hi:
                mid = (lo + hi) // 2
                trial = dict(current.replicas)
                trial[cid] = mid
                found = searcher.evaluate(trial)
                if found.meets(target_ms):
                    hi, best = mid, found
                else:
                    lo = mid + 1
            if best is not current:
                current, changed = best, True
    return current


def _floor_note(best: Evaluation, target_ms: float) -> str:
    """Why more replicas cannot reach the target: the floor and the slowest tier."""
    p99 = best.tails.end_to_end
    shown = f"{p99:,.1f} ms" if p99 is not None else "unbounded"
    own = {cid: v for cid, v in best.tails.components.items() if v is not None}
    slowest = max(own, key=lambda cid: own[cid], default=None)
    where = (f"; the slowest tier is {slowest} (p99 {own[slowest]:,.1f} ms of its own)"
             if slowest is not None else "")
    return (f"unreachable: with any number of replicas the predicted p99 stays at about "
            f"{shown}, over the {target_ms:g} ms target — service times and link latencies "
            f"set that floor (or tiers are at their cap){where}; the plan only keeps every "
            f"tier from saturating")
