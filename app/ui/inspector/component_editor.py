"""Inspector page for one component: every field of the record, effective values greyed."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

from PySide6.QtCore import QSize, Qt
from PySide6.QtWidgets import QHBoxLayout, QVBoxLayout, QWidget

from app.model.catalog import COMPONENT_TYPES
from app.model.document import (
    DISTRIBUTIONS,
    FANOUT_MODES,
    ROUTING_ALGORITHMS,
    WORKLOAD_PATTERNS,
    Component,
    Document,
    Routing,
    ServiceTime,
    Workload,
)
from app.model.profiles import PROFILES
from app.model.resolve import ResolvedComponent, resolve
from app.ui.analysis.figures import prediction_line, prediction_notes
from app.ui.document import EditorDocument
from app.ui.icons import component_icon
from app.ui.inspector.fields import FieldSpec, Value
from app.ui.inspector.form import RecordForm
from app.ui.inspector.records import get_path, with_path, with_service_distribution
from app.ui.inspector.resilience import (
    COMPONENT_SWITCHABLES,
    edit_problem,
    placeholders,
    sections_of,
    switched,
)
from app.ui.plain_text import MarkupLabel, PlainLabel, plain_tooltip


def _pairs(values: tuple[str, ...]) -> tuple[tuple[str, str], ...]:
    return tuple((v, v.replace("_", " ")) for v in values)


GENERAL = "Component"
HARDWARE = "Hardware (per replica)"
SERVICE = "Service time"
WORKLOAD = "Workload"

SECTIONS: tuple[tuple[str, tuple[FieldSpec, ...]], ...] = (
    (GENERAL, (
        FieldSpec(("name",), "Name", "text", tip="Shown on the canvas; empty shows the id."),
        FieldSpec(("type",), "Type", "choice", optional=False,
                  choices=tuple((t.key, t.label) for t in COMPONENT_TYPES.values())),
        FieldSpec(("profile",), "Profile", "choice",
                  choices=tuple((p.key, p.label) for p in PROFILES.values()),
                  tip="Hardware profile: headline throughput and latency per replica."),
        FieldSpec(("replicas",), "Replicas", "int", tip="Identical copies behind this box."),
        FieldSpec(("concurrency",), "Concurrency", "int", tip="Parallel workers per replica."),
        FieldSpec(("queue_capacity",), "Queue capacity", "queue",
                  tip='Waiting room per replica; "unbounded" for no limit.'),
        FieldSpec(("blocking",), "Blocking", "bool",
                  tip="Whether a worker stays busy while downstream calls run."),
        FieldSpec(("hit_ratio",), "Hit ratio", tip="Share of requests served without a "
                  "downstream call (0–1)."),
        FieldSpec(("routing", "algorithm"), "Routing", "choice",
                  choices=_pairs(ROUTING_ALGORITHMS)),
        FieldSpec(("fanout",), "Fan-out", "choice", choices=_pairs(FANOUT_MODES)),
        FieldSpec(("payload_kb",), "Payload", unit="KB"),
        FieldSpec(("zone",), "Zone", "text",
                  tip="Availability zone, e.g. eu-west-1a: a zone outage fault takes down "
                      "every component in it."),
    )),
    (HARDWARE, (
        FieldSpec(("specs", "cpu_cores"), "CPU cores"),
        FieldSpec(("specs", "cpu_ghz"), "Clock", unit="GHz"),
        FieldSpec(("specs", "memory_gb"), "Memory", unit="GB"),
        FieldSpec(("specs", "network_mbps"), "Network", unit="Mbps"),
    )),
    (SERVICE, (
        FieldSpec(("service_time", "distribution"), "Distribution", "choice",
                  choices=_pairs(DISTRIBUTIONS)),
        FieldSpec(("service_time", "mean_ms"), "Mean", unit="ms"),
        FieldSpec(("service_time", "std_ms"), "Std. deviation", unit="ms"),
        FieldSpec(("service_time", "shape"), "Shape"),
        FieldSpec(("service_time", "min_ms"), "Minimum", unit="ms"),
        FieldSpec(("service_time", "max_ms"), "Maximum", unit="ms"),
    )),
    (WORKLOAD, (
        FieldSpec(("workload", "pattern"), "Pattern", "choice", optional=False,
                  choices=_pairs(WORKLOAD_PATTERNS)),
        FieldSpec(("workload", "rate_rps"), "Rate", unit="req/s"),
        FieldSpec(("workload", "from_rps"), "From", unit="req/s"),
        FieldSpec(("workload", "to_rps"), "To", unit="req/s"),
        FieldSpec(("workload", "ramp_s"), "Ramp time", unit="s"),
        FieldSpec(("workload", "at_s"), "Step at", unit="s"),
        FieldSpec(("workload", "step_rps"), "Step to", unit="req/s"),
        FieldSpec(("workload", "spike_rps"), "Spike rate", unit="req/s"),
        FieldSpec(("workload", "spike_s"), "Spike length", unit="s"),
        FieldSpec(("workload", "period_s"), "Period", unit="s"),
        FieldSpec(("workload", "amplitude"), "Amplitude", tip="0–1 of the base rate."),
        FieldSpec(("workload", "trace_file"), "Trace CSV", "text",
                  tip="Timestamps in seconds, one per line; relative to the design's folder."),
    )),
    *sections_of(COMPONENT_SWITCHABLES),
)
#: Switchable sections by title.
_SWITCHABLE = {s.title: s for s in COMPONENT_SWITCHABLES}
#: The serving features a client cannot have (the model refuses them).
_NOT_ON_CLIENTS = ("failure", "error_rate", "rate_limit", "autoscaling", "health_check")

#: Service-time parameters that matter for each distribution (besides the mean).
DISTRIBUTION_FIELDS = {
    "constant": (), "exponential": (), "uniform": ("min_ms", "max_ms"),
    "normal": ("std_ms",), "lognormal": ("std_ms",), "gamma": ("shape",), "pareto": ("shape",),
}
#: Workload fields used by each pattern.
PATTERN_FIELDS = {
    "constant": ("rate_rps",), "poisson": ("rate_rps",),
    "ramp": ("from_rps", "to_rps", "ramp_s"), "step": ("rate_rps", "at_s", "step_rps"),
    "spike": ("rate_rps", "spike_rps", "spike_s", "period_s"),
    "diurnal": ("rate_rps", "amplitude", "period_s"), "trace": ("trace_file",),
}
_SERVER_FIELDS = ("profile", "replicas", "concurrency", "queue_capacity", "blocking",
                  "hit_ratio", "routing.algorithm", "fanout", "payload_kb")


def _num(value: float | None) -> str:
    return "" if value is None else f"{value:g}"


def apply_edit(component: Component, spec: FieldSpec, value: Value) -> Component:
    """``component`` with the field of ``spec`` set to ``value`` (a new record)."""
    name = spec.name
    if name == "type":
        assert isinstance(value, str)
        ctype = COMPONENT_TYPES[value]
        # A new type brings its own default profile; only clients carry a workload.
        workload = component.workload
        if ctype.is_client and workload is None:
            workload = Workload(pattern="poisson", rate_rps=100.0)
        elif not ctype.is_client:
            workload = None
        # Features the new type cannot have go, so the edit leaves the design valid.
        dropped: dict[str, Any] = {}
        if ctype.is_client:
            dropped = dict.fromkeys(_NOT_ON_CLIENTS)
        elif not ctype.balancer:
            dropped = {"health_check": None}
        return dataclasses.replace(component, type=value, profile=None, workload=workload,
                                   **dropped)
    if name == "routing.algorithm":
        return dataclasses.replace(
            component, routing=Routing(str(value)) if value is not None else None)
    if name == "service_time.distribution":
        rc = resolve(dataclasses.replace(component, service_time=None))
        return with_service_distribution(
            component, None if value is None else str(value), rc.service.distribution)
    if spec.path[0] == "service_time":
        rc = resolve(dataclasses.replace(component, service_time=None))
        return with_path(component, spec.path, value,
                         {"service_time": ServiceTime(distribution=rc.service.distribution)})
    if spec.path[0] == "workload":
        return with_path(component, spec.path, value, {"workload": Workload()})
    return with_path(component, spec.path, value)


def field_problem(component: Component, spec: FieldSpec, value: Value) -> str | None:
    """The model validator's verdict on ``value`` for this field (``None``: fine)."""
    candidate = apply_edit(component, spec, value)
    return edit_problem(Document(components=[component]), Document(components=[candidate]),
                        f"$.components[0].{spec.name}")


class ComponentEditor(QWidget):
    """Edits the selected component; each finished field edit is one undo step."""

    def __init__(self, document: EditorDocument, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("componentEditor")
        self._document = document
        self._component_id: str | None = None
        self._icon = PlainLabel(parent=self)
        self._title = MarkupLabel(parent=self)
        self._title.setObjectName("inspectorTitle")
        self._title.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        head = QHBoxLayout()
        head.addWidget(self._icon)
        head.addWidget(self._title, 1)
        hint = PlainLabel("Empty fields use the profile's or the type's value, shown in grey.",
                          self)
        hint.setWordWrap(True)
        hint.setEnabled(False)
        #: The analytic model's prediction for this component (before any run).
        self.prediction = PlainLabel(parent=self)
        self.prediction.setObjectName("inspectorPrediction")
        self.prediction.setWordWrap(True)
        self._predictions: Mapping[str, Mapping[str, Any]] | None = None
        self.form = RecordForm(SECTIONS, self._check, self, switchable=_SWITCHABLE)
        self.form.field_committed.connect(self._on_committed)
        self.form.section_toggled.connect(self._on_toggled)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 8)
        layout.addLayout(head)
        layout.addWidget(hint)
        layout.addWidget(self.prediction)
        layout.addWidget(self.form)
        layout.addStretch(1)
        document.component_changed.connect(self._on_changed)

    @property
    def component_id(self) -> str | None:
        """The component shown."""
        return self._component_id

    def show_component(self, component_id: str | None) -> None:
        """Show (and edit) this component."""
        self._component_id = component_id
        self.refresh()

    def set_predictions(self, predictions: Mapping[str, Mapping[str, Any]] | None) -> None:
        """The analytic model's components (``analytic["components"]``; ``None``: none)."""
        self._predictions = predictions
        self._refresh_prediction()

    def _refresh_prediction(self) -> None:
        cid = self._component_id
        comp = self._current()
        ctype = COMPONENT_TYPES.get(comp.type) if comp is not None else None
        if cid is None or (ctype is not None and ctype.is_client):
            self.prediction.setVisible(False)
            return
        self.prediction.setVisible(True)
        if self._predictions is None:
            self.prediction.setText("Predicted: — (the queueing model needs a valid design)")
            self.prediction.setToolTip("")
            return
        pred = self._predictions.get(cid)
        self.prediction.setText(prediction_line(pred))
        self.prediction.setToolTip(plain_tooltip(prediction_notes(pred)))

    def _on_changed(self, component_id: str) -> None:
        if component_id == self._component_id:
            self.refresh()

    def _current(self) -> Component | None:
        if self._component_id is None or not self._document.has_component(self._component_id):
            return None
        return self._document.model.component(self._component_id)

    def _check(self, spec: FieldSpec, value: Value) -> str | None:
        comp = self._current()
        return field_problem(comp, spec, value) if comp is not None else None

    def _on_committed(self, spec: FieldSpec, value: Value) -> None:
        comp = self._current()
        if comp is None:
            return
        new = apply_edit(comp, spec, value)
        self._document.edit_component(new, f"Change {spec.label.lower()} of {comp.display_name}")
        self.refresh()  # a refused edit (locked) shows the model's value again

    def _on_toggled(self, title: str, on: bool) -> None:
        comp = self._current()
        if comp is None:
            return
        verb = "Add" if on else "Remove"
        self._document.edit_component(
            switched(comp, _SWITCHABLE[title], on),
            f"{verb} {title.lower()} {'to' if on else 'from'} {comp.display_name}")
        self.refresh()

    def refresh(self) -> None:
        """Reload every field from the model."""
        comp = self._current()
        if comp is None:
            return
        ctype = COMPONENT_TYPES.get(comp.type)
        self._icon.setPixmap(component_icon(comp.type).pixmap(QSize(32, 32)))
        label = ctype.label if ctype else comp.type
        self._title.set_markup("<b>{name}</b><br>{label} · id <code>{id}</code>",
                               name=comp.display_name, label=label, id=comp.id)
        try:
            rc: ResolvedComponent | None = resolve(comp)
        except (KeyError, ValueError):  # an unknown profile: no effective values to show
            rc = None
        for title, specs in SECTIONS:
            section = _SWITCHABLE.get(title)
            shown: dict[str, str] = {}
            if section is not None:
                self.form.set_section_checked(title, getattr(comp, section.attr) is not None)
                shown = placeholders(comp, section)
            for spec in specs:
                effective = shown.get(spec.name, "") if section else self._effective(spec, comp, rc)
                self.form.set_value(spec.name, get_path(comp, spec.path), effective)
        self._update_visibility(comp, rc)
        self.form.set_read_only(self._document.locked)
        self._refresh_prediction()

    @staticmethod
    def _effective(spec: FieldSpec, comp: Component, rc: ResolvedComponent | None) -> str:
        if spec.name == "name":
            return comp.id
        if rc is None:
            return ""
        svc = rc.service
        simple = {
            "profile": rc.profile.label if rc.profile else "none",
            "replicas": str(rc.replicas),
            "concurrency": str(rc.concurrency),
            "queue_capacity": "unbounded" if rc.queue_capacity is None else str(rc.queue_capacity),
            "blocking": "yes" if rc.blocking else "no",
            "hit_ratio": _num(rc.hit_ratio),
            "routing.algorithm": rc.routing.replace("_", " "),
            "fanout": rc.fanout,
            "payload_kb": _num(rc.payload_kb),
            "specs.cpu_cores": _num(rc.specs.cpu_cores),
            "specs.cpu_ghz": _num(rc.specs.cpu_ghz),
            "specs.memory_gb": _num(rc.specs.memory_gb),
            "specs.network_mbps": _num(rc.specs.network_mbps),
            "service_time.distribution": svc.distribution,
            "service_time.mean_ms": _num(round(svc.mean_ms, 6)),
            "service_time.std_ms": _num(svc.mean_ms / 2),
            "service_time.shape": "3" if svc.distribution == "pareto" else "2",
            "service_time.min_ms": "0",
            "service_time.max_ms": _num(2 * svc.mean_ms),
            "zone": "none",
        }
        return simple.get(spec.name, "")

    def _update_visibility(self, comp: Component, rc: ResolvedComponent | None) -> None:
        ctype = COMPONENT_TYPES.get(comp.type)
        client = bool(ctype and ctype.is_client)
        for name in _SERVER_FIELDS:
            self.form.set_field_visible(name, not client)
        if not client:
            self.form.set_field_visible("hit_ratio", bool(ctype and ctype.caching))
            self.form.set_field_visible("routing.algorithm", bool(ctype and ctype.balancer))
        self.form.set_section_visible(HARDWARE, not client)
        self.form.set_section_visible(SERVICE, not client)
        self.form.set_section_visible(WORKLOAD, client)
        distribution = rc.service.distribution if rc else "exponential"
        shown = DISTRIBUTION_FIELDS.get(distribution, ())
        for param in ("std_ms", "shape", "min_ms", "max_ms"):
            self.form.set_field_visible(f"service_time.{param}", param in shown)
        pattern = comp.workload.pattern if comp.workload else "poisson"
        used = PATTERN_FIELDS.get(pattern, ())
        for spec in SECTIONS[3][1][1:]:
            self.form.set_field_visible(spec.name, spec.path[1] in used)
        for section in COMPONENT_SWITCHABLES:
            # A feature the type cannot have stays visible while set (from a file), so the
            # user can see the problem and switch it off.
            allowed = not client and (
                section.attr != "health_check" or bool(ctype and ctype.balancer))
            self.form.set_section_visible(
                section.title, allowed or getattr(comp, section.attr) is not None)
