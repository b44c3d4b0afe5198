"""``summary.json``: the run as a whole, written atomically."""

from __future__ import annotations

import json
import os
from typing import Any

from app.atomic_io import atomic_write_text


def write_summary_json(summary: dict[str, Any], path: str | os.PathLike[str]) -> None:
    """Write the summary as indented JSON (NaN is never written: CIs use null)."""
    atomic_write_text(path, json.dumps(summary, indent=2, allow_nan=False) + "\n")
