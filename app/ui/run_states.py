"""The run controller's states, in a module of their own.

The main window reads them while it is built, before the run controller (and the
engine, numpy and pyqtgraph behind it) is imported: that comes after the first frame.
"""

from __future__ import annotations

IDLE, RUNNING, PAUSED = "idle", "running", "paused"
