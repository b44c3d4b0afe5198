"""``summary.json``: the run as a whole, written atomically."""

from __future__ import annotations

import json
import math
import os
from typing import Any

from app.atomic_io import atomic_write_text


def _finite(value: Any) -> Any:
    """``value`` with every NaN or infinity replaced by None (JSON has neither)."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {key: _finite(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_finite(item) for item in value]
    return value


def summary_text(summary: dict[str, Any]) -> str:
    """The summary as indented JSON; a number that is not finite is written as null."""
    return json.dumps(_finite(summary), indent=2, allow_nan=False) + "\n"


def write_summary_json(summary: dict[str, Any], path: str | os.PathLike[str]) -> None:
    """Write the summary as indented JSON (NaN is never written: it becomes null)."""
    atomic_write_text(path, summary_text(summary))
