"""Completing a run's summary with the analytic model and the run's analysis: one place.

Both the CLI (:mod:`app.headless_run`) and the GUI's engine process
(:mod:`app.analysis.engine_run`) call :func:`complete_summary` at a run's end,
so ``summary.json`` and the GUI's results hold the same ``analytic`` and
``analysis`` blocks for the same design and seed.

The p99 forecast's target is the threshold of an end-to-end ``latency_p99_ms``
alert rule (``op`` ``>`` or ``>=``: a rule that fires when p99 goes *above*
a level); when several rules qualify, the lowest threshold wins (the first
target the design would break). Without such a rule there is no p99 forecast.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from app.analysis.model import PreparedModel, prepare, run_analytic_summary
from app.analysis.run_analysis import RunSeriesCollector, analyse_run, offered_and_p99
from app.model.alerts import END_TO_END, effective_alerts
from app.model.document import Document

#: The rule operators that state an upper bound on p99 (a target to stay under).
_UPPER_BOUND_OPS = frozenset({">", ">="})


def p99_target_ms(doc: Document) -> float | None:
    """The end-to-end p99 target of ``doc`` from its alert rules (defaults included).

    The lowest threshold of the rules on ``end_to_end`` ``latency_p99_ms`` with
    ``op`` ``>`` or ``>=``; ``None`` when there is none.
    """
    targets = [rule.threshold for rule in effective_alerts(doc)
               if rule.component == END_TO_END and rule.metric == "latency_p99_ms"
               and rule.op in _UPPER_BOUND_OPS]
    return min(targets) if targets else None


def complete_summary(
    summary: dict[str, Any],
    doc: Document,
    collector: RunSeriesCollector,
    *,
    base_dir: Path | None,
    duration_s: float,
    warmup_s: float,
) -> dict[str, Any]:
    """Add ``analytic`` and ``analysis`` to a finished run's ``summary`` (in place; returned).

    Args:
        summary: The engine's summary of the run.
        doc: The design that ran (after any overrides).
        collector: The run's per-window series, fed as it streamed.
        base_dir: The design's folder (trace workloads).
        duration_s, warmup_s: The run's settings: the analytic rates are averaged
            over the same measured period as the summary's.
    """
    summary["analytic"] = run_analytic_summary(doc, base_dir=base_dir, duration_s=duration_s,
                                               warmup_s=warmup_s)
    target = p99_target_ms(doc)
    offered, p99_now = offered_and_p99(summary)
    mean_at = None
    if target is not None and summary["analytic"] is not None:
        mean_at = _mean_latency_at(prepare(doc, base_dir=base_dir, duration_s=duration_s,
                                           warmup_s=warmup_s))
    summary["analysis"] = analyse_run(
        collector, p99_target_ms=target, offered_rps=offered, p99_now_ms=p99_now,
        mean_latency_ms_at=mean_at)
    return summary


def _mean_latency_at(model: PreparedModel) -> Callable[[float], float | None]:
    """The analytic end-to-end mean latency at a load factor (``None``: no finite answer)."""

    def mean_latency_ms_at(load_factor: float) -> float | None:
        try:
            return model.at(load_factor, saturation=False).end_to_end_ms
        except (ArithmeticError, ValueError):
            return None

    return mean_latency_ms_at
