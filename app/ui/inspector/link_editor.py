"""Inspector page for one link: latency, bandwidth, probability, weight, timeout, retries, mode."""

from __future__ import annotations

from PySide6.QtWidgets import QVBoxLayout, QWidget

from app.model.document import LINK_MODES, Component, Document, Link
from app.ui.document import EditorDocument, LinkKey
from app.ui.inspector.fields import FieldSpec, Value
from app.ui.inspector.form import RecordForm
from app.ui.inspector.records import get_path, with_path
from app.ui.inspector.resilience import (
    LINK_SWITCHABLES,
    edit_problem,
    placeholders,
    sections_of,
    switched,
)
from app.ui.plain_text import MarkupLabel

SECTIONS: tuple[tuple[str, tuple[FieldSpec, ...]], ...] = (
    ("Link", (
        FieldSpec(("latency_ms",), "Latency", unit="ms", tip="One way; added each way."),
        FieldSpec(("bandwidth_mbps",), "Bandwidth", unit="Mbps",
                  tip="Empty: unlimited (no transmission time)."),
        FieldSpec(("probability",), "Probability", tip="Chance the call is made (0–1)."),
        FieldSpec(("weight",), "Weight", tip="Share of traffic for weighted balancing."),
        FieldSpec(("timeout_ms",), "Timeout", unit="ms", tip="Empty: wait for ever."),
        FieldSpec(("retries",), "Retries", "int", tip="Attempts after a failure or timeout."),
        FieldSpec(("mode",), "Mode", "choice", choices=tuple((m, m) for m in LINK_MODES),
                  tip="sync waits for the answer; async returns at once (queues)."),
    )),
    *sections_of(LINK_SWITCHABLES),
)
#: Switchable sections (backoff, circuit breaker) by title.
_SWITCHABLE = {s.title: s for s in LINK_SWITCHABLES}

_EFFECTIVE = {
    "latency_ms": "0", "bandwidth_mbps": "unlimited", "probability": "1", "weight": "1",
    "timeout_ms": "none", "retries": "0", "mode": "sync",
}


def link_field_problem(link: Link, spec: FieldSpec, value: Value) -> str | None:
    """The model validator's verdict on ``value`` for this link field (``None``: fine)."""
    ends = [Component(id=link.source, type="api_server"),
            Component(id=link.target, type="api_server")]
    return edit_problem(Document(components=ends, links=[link]),
                        Document(components=ends, links=[with_path(link, spec.path, value)]),
                        f"$.links[0].{spec.name}")


class LinkEditor(QWidget):
    """Edits the selected link; each finished field edit is one undo step."""

    def __init__(self, document: EditorDocument, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("linkEditor")
        self._document = document
        self._key: LinkKey | None = None
        self._title = MarkupLabel(parent=self)
        self._title.setObjectName("inspectorTitle")
        self._title.setWordWrap(True)
        self.form = RecordForm(SECTIONS, self._check, self, switchable=_SWITCHABLE)
        self.form.field_committed.connect(self._on_committed)
        self.form.section_toggled.connect(self._on_toggled)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 8)
        layout.addWidget(self._title)
        layout.addWidget(self.form)
        layout.addStretch(1)
        document.link_changed.connect(self._on_changed)

    @property
    def link_key(self) -> LinkKey | None:
        """The link shown."""
        return self._key

    def show_link(self, key: LinkKey | None) -> None:
        """Show (and edit) this link."""
        self._key = key
        self.refresh()

    def _on_changed(self, key: LinkKey) -> None:
        if key == self._key:
            self.refresh()

    def _current(self) -> Link | None:
        return self._document.find_link(self._key) if self._key is not None else None

    def _check(self, spec: FieldSpec, value: Value) -> str | None:
        link = self._current()
        return link_field_problem(link, spec, value) if link is not None else None

    def _on_committed(self, spec: FieldSpec, value: Value) -> None:
        link = self._current()
        if link is None:
            return
        new = with_path(link, spec.path, value)
        self._document.edit_link(
            new, f"Change {spec.label.lower()} of {link.source} → {link.target}")
        self.refresh()

    def _on_toggled(self, title: str, on: bool) -> None:
        link = self._current()
        if link is None:
            return
        verb = "Add" if on else "Remove"
        self._document.edit_link(switched(link, _SWITCHABLE[title], on),
                                 f"{verb} {title.lower()} on {link.source} → {link.target}")
        self.refresh()

    def refresh(self) -> None:
        """Reload every field from the model."""
        link = self._current()
        if link is None:
            return
        model = self._document.model
        source = model.component(link.source).display_name
        target = model.component(link.target).display_name
        self._title.set_markup(
            "<b>{source} → {target}</b><br>Call order: position {position} of {count} "
            "from {source}", source=source, target=target,
            position=model.outgoing(link.source).index(link) + 1,
            count=len(model.outgoing(link.source)))
        for spec in SECTIONS[0][1]:
            self.form.set_value(spec.name, get_path(link, spec.path), _EFFECTIVE[spec.name])
        for section in LINK_SWITCHABLES:
            self.form.set_section_checked(section.title,
                                          getattr(link, section.attr) is not None)
            shown = placeholders(link, section)
            for spec in section.specs:
                self.form.set_value(spec.name, get_path(link, spec.path),
                                    shown.get(spec.name, ""))
        self.form.set_read_only(self._document.locked)
