"""The diagram editor: scene (watches the document), view, node and link items."""

from app.ui.canvas.scene import DiagramScene
from app.ui.canvas.view import DiagramView

__all__ = ["DiagramScene", "DiagramView"]
