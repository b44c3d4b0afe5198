"""Running the real CLI in-process and reading PDFs with poppler's tools."""

from __future__ import annotations

import io
import shutil
import subprocess
from pathlib import Path

import pytest

from app.cli import main as cli_main
from app.resources import resource_path

TEMPLATES = resource_path("templates")
THREE_TIER = TEMPLATES / "three_tier_web_app.sdsim"


def cli(*args: str) -> tuple[int, str, str]:
    """Run ``main.py ARGS`` in this process; (exit code, stdout, stderr)."""
    out, err = io.StringIO(), io.StringIO()
    code = cli_main(list(args), out, err)
    return code, out.getvalue(), err.getvalue()


def poppler(tool: str, *args: str) -> str:
    """The output of a poppler tool (the test is skipped when poppler is not installed)."""
    if shutil.which(tool) is None:
        pytest.skip(f"{tool} (poppler-utils) is not installed")
    return subprocess.run([tool, *args], check=True, capture_output=True, text=True,
                          timeout=60).stdout


def pdf_text(path: Path) -> str:
    """The PDF's text as pdftotext reads it (what a reader can select and search)."""
    return poppler("pdftotext", "-layout", str(path), "-")


def pdf_pages(path: Path) -> int:
    """The PDF's page count."""
    for line in poppler("pdfinfo", str(path)).splitlines():
        if line.startswith("Pages:"):
            return int(line.split()[1])
    raise AssertionError("pdfinfo gave no page count")


def pdf_page_size(path: Path) -> tuple[float, float]:
    """The first page's size in points."""
    for line in poppler("pdfinfo", str(path)).splitlines():
        if line.startswith("Page size:"):
            parts = line.split()
            return float(parts[2]), float(parts[4])
    raise AssertionError("pdfinfo gave no page size")


def pdf_images(path: Path) -> list[list[str]]:
    """Rows of ``pdfimages -list`` (page, num, type, width, height, ...)."""
    lines = poppler("pdfimages", "-list", str(path)).splitlines()[2:]
    return [line.split() for line in lines if line.strip()]


def pdf_fonts(path: Path) -> list[str]:
    """Rows of ``pdffonts`` (name, type, encoding, emb, sub, uni, ...)."""
    return poppler("pdffonts", str(path)).splitlines()[2:]
