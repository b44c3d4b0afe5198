"""Checks on a design's alert rules (``$.alerts``), used by :func:`app.model.validation.validate`.

Every problem names its JSON path (``$.alerts[2].metric``) and is an error:
a rule the engine could not evaluate as written is refused, not skipped.
Caps (:data:`~app.model.alerts.MAX_ALERT_RULES`,
:data:`~app.model.alerts.MAX_TRACKED_ALERTS`) keep the per-window work of
the evaluator bounded whatever the file says.
"""

from __future__ import annotations

from app.model.alerts import (
    ALL_COMPONENTS,
    COMPONENT_METRICS,
    END_TO_END,
    MAX_ALERT_FOR_S,
    MAX_ALERT_NAME_LENGTH,
    MAX_ALERT_RULES,
    MAX_TRACKED_ALERTS,
    OPS,
    SEVERITIES,
    AlertRule,
    AlertTargets,
    metrics_for,
)
from app.model.document import Document
from app.model.errors import Problem
from app.model.resilience import parse_link_key
from app.model.value_checks import Checker, describe, suggest


def check_alerts(doc: Document, problems: list[Problem]) -> None:
    """The design's ``alerts`` (nothing to check when it has none: the defaults are sound)."""
    ck = Checker(problems)
    if doc.alerts is None:
        return
    if not isinstance(doc.alerts, list):
        ck.fail("$.alerts", f"must be a list of rules, got {describe(doc.alerts)}")
        return
    rules = doc.alerts
    if len(rules) > MAX_ALERT_RULES:
        ck.fail("$.alerts", f"has {len(rules):,} rules; at most {MAX_ALERT_RULES:,} are "
                            "supported")
        rules = rules[:MAX_ALERT_RULES]
    targets = AlertTargets(doc)
    tracked = 0
    for index, rule in enumerate(rules):
        path = f"$.alerts[{index}]"
        if not isinstance(rule, AlertRule):
            ck.fail(path, f"must be an alert rule, got {describe(rule)}")
            continue
        tracked += _check_rule(ck, path, rule, targets)
    if tracked > MAX_TRACKED_ALERTS:
        ck.fail("$.alerts", f"track {tracked:,} alerts (each rule once per component it "
                            f"covers); at most {MAX_TRACKED_ALERTS:,}: name component types "
                            'or ids instead of "*"')


def _check_rule(ck: Checker, path: str, rule: AlertRule, targets: AlertTargets) -> int:
    """Check one rule; returns how many alerts it tracks (0 when its target is bad)."""
    if ck.text(f"{path}.name", rule.name, MAX_ALERT_NAME_LENGTH) and not rule.name.strip():
        ck.fail(f"{path}.name", 'must not be empty: name the rule, e.g. "High latency"')
    op_ok = ck.choice(f"{path}.op", rule.op, OPS, "comparison")
    ck.choice(f"{path}.severity", rule.severity, SEVERITIES, "severity")
    threshold_ok = ck.number(f"{path}.threshold", rule.threshold)
    ck.number(f"{path}.for_s", rule.for_s, minimum=0.0, limit=MAX_ALERT_FOR_S)
    if rule.clear_threshold is not None and ck.number(f"{path}.clear_threshold",
                                                      rule.clear_threshold) and (
            op_ok and threshold_ok):
        _check_clear_side(ck, f"{path}.clear_threshold", rule)
    kind = _check_component(ck, f"{path}.component", rule.component, targets)
    if kind is None:
        ck.choice(f"{path}.metric", rule.metric, COMPONENT_METRICS, "metric")
        return 0
    _check_metric(ck, f"{path}.metric", rule, kind)
    return len(targets.expand(rule.component))


def _check_clear_side(ck: Checker, path: str, rule: AlertRule) -> None:
    """A clear threshold lies on the safe side of the threshold (hysteresis, not a gap)."""
    assert rule.clear_threshold is not None
    if rule.op in (">", ">=") and rule.clear_threshold > rule.threshold:
        ck.fail(path, f"must be at most threshold ({rule.threshold:g}) for a rule that fires "
                      f"above it, got {describe(rule.clear_threshold)}")
    elif rule.op in ("<", "<=") and rule.clear_threshold < rule.threshold:
        ck.fail(path, f"must be at least threshold ({rule.threshold:g}) for a rule that fires "
                      f"below it, got {describe(rule.clear_threshold)}")


def _check_component(ck: Checker, path: str, component: object,
                     targets: AlertTargets) -> str | None:
    """What the rule's ``component`` names, or ``None`` after reporting why it names nothing."""
    if not ck.text(path, component):
        return None
    assert isinstance(component, str)
    kind = targets.kind(component)
    if kind == "client":
        ck.fail(path, f"{describe(component)} is a client: clients have no per-window metrics "
                      f'of their own; watch "{END_TO_END}" for what the clients see')
        return None
    if kind is not None:
        return kind
    if parse_link_key(component) is not None:
        hint = "" if ck.full else suggest(component, targets.links)
        ck.fail(path, f"no link {describe(component)} in the design{hint}")
        return None
    names = [*targets.serving, *targets.by_type]
    hint = "" if ck.full else suggest(component, names)
    ck.fail(path, f"no component or component type {describe(component)}{hint}: name a "
                  f'component id, a type, "{ALL_COMPONENTS}", a link "a->b" or "{END_TO_END}"')
    return None


def _check_metric(ck: Checker, path: str, rule: AlertRule, kind: str) -> None:
    allowed = metrics_for(kind)
    metric = rule.metric
    if isinstance(metric, str) and metric not in allowed and (
            metric in COMPONENT_METRICS or metric in metrics_for("link")):
        what = {"link": "a link", "end_to_end": "end to end"}.get(kind, "a component")
        ck.fail(path, f"{describe(metric)} is not measured for {what} (one of: "
                      + ", ".join(allowed) + ")")
        return
    ck.choice(path, metric, allowed, "metric")

