"""Locating files under ``resources/`` (icons, templates, blocklists)."""

from __future__ import annotations

from pathlib import Path

RESOURCES_DIR = Path(__file__).resolve().parent.parent / "resources"


def resource_path(*parts: str) -> Path:
    """Absolute path of a file under ``resources/``."""
    return RESOURCES_DIR.joinpath(*parts)
