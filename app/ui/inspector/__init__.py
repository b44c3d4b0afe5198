"""The inspector: editors for the selected component, link, or the design itself."""

from app.ui.inspector.panel import InspectorPanel

__all__ = ["InspectorPanel"]
