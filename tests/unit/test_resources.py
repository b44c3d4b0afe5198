"""Where app.resources looks: the installed package first, a checkout second, nothing else."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from app.resources import resource_path, resources_root

ROOT = Path(__file__).resolve().parents[2]

PROBE = (
    "from app.resources import ResourcesNotFoundError, resources_root\n"
    "try:\n"
    "    print(resources_root())\n"
    "except ResourcesNotFoundError as exc:\n"
    "    print('missing:', exc)\n"
)


def test_in_the_checkout_the_resources_are_the_top_level_folder() -> None:
    assert resources_root() == ROOT / "resources"
    assert resource_path("templates", "three_tier_web_app.sdsim").is_file()


@pytest.fixture
def app_copy(tmp_path: Path) -> Path:
    """A copy of the ``app`` package alone, in a folder of its own (like site-packages)."""
    shutil.copytree(ROOT / "app", tmp_path / "app",
                    ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    return tmp_path


def _where(site: Path) -> str:
    # -I: neither the checkout nor PYTHONPATH; the copy is the only `app`.
    proc = subprocess.run([sys.executable, "-I", "-c", f"import sys; sys.path.insert(0, "
                           f"{str(site)!r})\n{PROBE}"], cwd=site, capture_output=True,
                          text=True, timeout=60, check=False)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout.strip()


def test_a_resources_folder_beside_an_installed_package_is_not_taken(app_copy: Path) -> None:
    (app_copy / "resources" / "templates").mkdir(parents=True)
    shown = _where(app_copy)
    assert shown.startswith("missing:")
    assert "_resources/" in shown and "Reinstall the app" in shown


def test_the_package_folder_wins_over_a_checkout_layout(app_copy: Path) -> None:
    (app_copy / "resources").mkdir()
    (app_copy / "pyproject.toml").write_text("", encoding="utf-8")
    assert _where(app_copy) == str(app_copy / "resources")  # a checkout
    (app_copy / "app" / "_resources").mkdir()
    assert _where(app_copy) == str(app_copy / "app" / "_resources")  # built into the package
