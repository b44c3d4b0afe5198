"""How the analytic model's figures read in the GUI (results, inspector, Analysis dock).

Every function takes the JSON-shaped prediction of one component (an item of
``summary["analytic"]["components"]``, or ``AnalyticResult.to_summary()``),
so a figure reads the same before a run (inspector) and after it (results).
An approximate figure is prefixed with :data:`APPROX`; its tooltip says why.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Final

#: Prefix of a figure the model gives only approximately (its notes say why).
APPROX: Final = "≈ "
#: What a figure reads when the model has no finite answer (rho >= 1, unbounded queue).
SATURATED_TEXT: Final = "saturated"
NO_FIGURE: Final = "—"


def _prefix(pred: Mapping[str, Any]) -> str:
    return "" if pred.get("exact") else APPROX


def latency_text(pred: Mapping[str, Any] | None, key: str = "mean_latency_ms") -> str:
    """The predicted mean latency (ms) of one component, or ``saturated`` / ``—``."""
    if not pred:
        return NO_FIGURE
    value = pred.get(key)
    if value is None:
        return SATURATED_TEXT if pred.get("saturated") else NO_FIGURE
    return f"{_prefix(pred)}{value:,.2f}"


def utilization_text(pred: Mapping[str, Any] | None) -> str:
    """The predicted utilization (offered ρ when saturated, which the run cannot reach)."""
    if not pred:
        return NO_FIGURE
    value = pred.get("offered_utilization") if pred.get("saturated") else pred.get("utilization")
    if value is None:
        return SATURATED_TEXT if pred.get("saturated") else NO_FIGURE
    return f"{_prefix(pred)}{value:.1%}"


def prediction_notes(pred: Mapping[str, Any] | None) -> str:
    """Plain text: the queue model, exact or approximate, and each note (one a line)."""
    if not pred:
        return "No analytic figure for this component."
    model = pred.get("model") or "model"
    lines = [f"Analytic model: {model}, {'exact' if pred.get('exact') else 'approximate'}."]
    blocking = pred.get("blocking_probability")
    if blocking:
        lines.append(f"Requests refused by a full queue: {blocking:.2%}.")
    if pred.get("saturated"):
        lines.append("Saturated: the offered load is at or above capacity (ρ ≥ 1).")
    notes: Sequence[str] = pred.get("notes") or ()
    lines.extend(f"• {note}" for note in notes)
    return "\n".join(lines)


def prediction_line(pred: Mapping[str, Any] | None) -> str:
    """One line for the inspector: predicted ρ, mean latency and queue (or why none)."""
    if not pred:
        return "Predicted: — (no analytic figure for this component)"
    rho = pred.get("offered_utilization")
    rho_text = ("= " if pred.get("exact") else APPROX) + (
        NO_FIGURE if rho is None else f"{rho:.1%}")
    if pred.get("saturated"):
        return (f"Predicted: saturated, ρ {rho_text} (offered load at or above capacity)"
                + ("" if pred.get("mean_latency_ms") is None
                   else f"; mean latency {latency_text(pred)} ms with a full queue"))
    queue = pred.get("mean_queue")
    queue_text = "" if queue is None else f", mean queue {queue:,.2f}"
    return (f"Predicted: ρ {rho_text}, mean latency {latency_text(pred)} ms{queue_text}")


def outside_ci(analytic_ms: float | None, ci: Sequence[float | None] | None) -> bool:
    """Whether an analytic mean lies outside the run's 95 % confidence interval."""
    if analytic_ms is None or not ci or len(ci) != 2 or ci[0] is None or ci[1] is None:
        return False
    return not ci[0] <= analytic_ms <= ci[1]
