"""Window-close hooks: what autoscaling, failure sweeps and alert rules see at a window's end."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from app.engine.snapshot import LinkMetrics, WindowMetrics


@dataclass(frozen=True, slots=True)
class WindowClose:
    """What a window-close hook sees: the window's figures, before they are frozen.

    Hooks (autoscaling, alert rules) run at every window's end on simulated
    time; events they emit land in this window's snapshot.
    """

    time_s: float
    length_s: float
    end_to_end: WindowMetrics
    components: dict[str, WindowMetrics]
    links: dict[str, LinkMetrics]
    warming_up: bool


WindowHook = Callable[[WindowClose], None]
