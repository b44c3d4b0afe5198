"""Real file systems for tests: a small tmpfs (full disks) that can be remounted read-only.

Tests run as root here, and root ignores permission bits, so "read-only" and
"full" need real mounts; where mounting is not allowed the test skips, saying why.
"""

from __future__ import annotations

import contextlib
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest


@contextlib.contextmanager
def tmpfs(where: Path, size: str) -> Iterator[Path]:
    """Mount a tmpfs of ``size`` (e.g. ``"64k"``) at the new folder ``where``."""
    where.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "sdsim-test",
                              str(where)], capture_output=True, text=True, check=False)
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here ({mounted.stderr.strip()[:200]}); needs root")
    try:
        yield where
    finally:
        subprocess.run(["umount", "-l", str(where)], check=False)


def remount_read_only(where: Path) -> None:
    """Make a :func:`tmpfs` read-only, as a read-only file system is."""
    subprocess.run(["mount", "-o", "remount,ro", str(where)], check=True)
