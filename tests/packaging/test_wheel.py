"""The wheel a user installs holds the resources, and the app works from it alone.

Built once per session and installed into a fresh venv in a temporary folder
(see :mod:`tests.packaging.installed_venv` for how its dependencies are
provided offline). Everything then runs with that venv's interpreter, from a
folder outside the checkout, with ``-I`` or through the installed scripts and
no PYTHONPATH, so a file missing from the wheel cannot be found in the checkout.
"""

from __future__ import annotations

import json
import subprocess
import time
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from app.logging_setup import LOG_FILE_NAME
from tests.packaging.installed_venv import (
    ROOT,
    InstalledApp,
    build_wheel,
    clean_env,
    install,
    link_dependencies,
    runtime_requirements,
)

# One worker builds and installs once for all of them (make test: --dist loadgroup).
pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("wheel")]

RESOURCES = ROOT / "resources"
SHIPPED = "app/_resources"


@pytest.fixture(scope="session")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[InstalledApp]:
    """The app's wheel installed into a fresh venv outside the checkout."""
    work = tmp_path_factory.mktemp("wheel")
    started = time.perf_counter()
    wheel = build_wheel(work)
    built = time.perf_counter()
    app = install(wheel, work)
    # Printed for the CI log (-s or a failure shows it): the cost of this fixture.
    print(f"wheel built in {built - started:.1f} s, installed in "
          f"{time.perf_counter() - built:.1f} s")
    yield app


@pytest.fixture
def outside(tmp_path: Path) -> Path:
    """A working folder away from the checkout, with its own data folder."""
    (tmp_path / "data").mkdir()
    return tmp_path


def _run(app: InstalledApp, args: list[str], cwd: Path,
         timeout: float = 180) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, cwd=cwd, env=clean_env(cwd / "data"), capture_output=True,
                          text=True, timeout=timeout, check=False)


def _checkout_files(folder: Path) -> set[str]:
    # What git would ship: dot files (.gitkeep) are not resources.
    return {p.relative_to(folder).as_posix() for p in folder.rglob("*")
            if p.is_file() and not any(part.startswith(".") for part in p.parts)
            and "__pycache__" not in p.parts}


def test_the_wheel_holds_every_file_under_resources(installed: InstalledApp) -> None:
    with zipfile.ZipFile(installed.wheel) as archive:
        names = archive.namelist()
    shipped = {n.removeprefix(SHIPPED + "/") for n in names if n.startswith(SHIPPED + "/")}
    assert shipped == _checkout_files(RESOURCES)
    # The ones the app cannot do without, named so that an empty resources/ fails too.
    assert "passwords/common-passwords.txt" in shipped
    assert "icons/web_server.svg" in shipped and "icons/actions/run.svg" in shipped
    assert len([n for n in shipped if n.startswith("templates/")]) >= 8
    # The user docs ship from resources/docs/ like the rest (the .gitkeep keeps it in git).
    assert (RESOURCES / "docs").is_dir()
    assert {n for n in shipped if n.startswith("docs/")} == {
        f"docs/{p}" for p in _checkout_files(RESOURCES / "docs")}
    # The migrations the project database needs at start-up are inside the package too.
    assert any(n.startswith("app/storage/migrations/versions/") for n in names)
    assert not any(n.startswith(("tests/", "resources/", "bench/")) for n in names)


def test_the_installed_app_reads_its_resources_from_the_venv(
    installed: InstalledApp, outside: Path,
) -> None:
    probe = (
        "import json, sys, app\n"
        "from app.resources import resource_path\n"
        "from app.model.templates import list_architecture_templates\n"
        "from app.storage.passwords import BLOCKLIST_PATH\n"
        "print(json.dumps({'app': app.__file__, 'root': str(resource_path()),\n"
        "    'templates': [str(t.path) for t in list_architecture_templates()],\n"
        "    'blocklist': BLOCKLIST_PATH.is_file(), 'path': sys.path}))\n"
    )
    proc = _run(installed, [str(installed.python), "-I", "-c", probe], outside)
    assert proc.returncode == 0, proc.stderr
    seen = json.loads(proc.stdout)
    site = installed.site_packages
    assert Path(seen["app"]).is_relative_to(site / "app")
    assert Path(seen["root"]) == site / SHIPPED
    assert seen["templates"] and all(Path(t).is_relative_to(site / SHIPPED / "templates")
                                     for t in seen["templates"])
    assert seen["blocklist"]
    assert not any(entry and Path(entry).resolve().is_relative_to(ROOT)
                   for entry in seen["path"])


def test_sdsim_simulate_runs_a_template_shipped_in_the_package(
    installed: InstalledApp, outside: Path,
) -> None:
    template = installed.site_packages / SHIPPED / "templates" / "three_tier_web_app.sdsim"
    out = outside / "run"
    proc = _run(installed, [str(installed.script("sdsim")), "simulate", str(template),
                            "--duration", "20", "--seed", "7", "--quiet", "--out", str(out)],
                outside)
    assert proc.returncode == 0, proc.stderr
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    design = json.loads(template.read_text(encoding="utf-8"))
    assert summary["seed"] == 7 and summary["simulated_s"] == 20
    # Every component but the clients (they make the traffic) has its figures.
    assert set(summary["components"]) == {c["id"] for c in design["components"]
                                          if c["type"] != "client"}
    assert summary["end_to_end"]["completed"] > 1000
    assert summary["end_to_end"]["error_rate"] == 0


def test_the_gui_starts_from_the_venv_and_lists_the_shipped_templates(
    installed: InstalledApp, outside: Path,
) -> None:
    script = (
        "import json, app\n"
        "from PySide6.QtWidgets import QApplication\n"
        "qapp = QApplication(['sdsim'])\n"
        "from app.ui.main_window import MainWindow\n"
        "from app.ui.template_gallery import TemplateGallery\n"
        "from app.resources import resource_path\n"
        "window = MainWindow()\n"
        "window.show()\n"
        "qapp.processEvents()\n"
        "gallery = TemplateGallery(window)\n"
        "print(json.dumps({'app': app.__file__, 'title': window.windowTitle(),\n"
        "    'keys': gallery.keys(), 'visible': window.isVisible(),\n"
        "    'icon': str(resource_path('icons', 'web_server.svg'))}))\n"
        "gallery.close()\n"
        "window.close()\n"
    )
    proc = _run(installed, [str(installed.python), "-I", "-c", script], outside)
    assert proc.returncode == 0, proc.stderr
    seen = json.loads(proc.stdout.splitlines()[-1])
    assert Path(seen["app"]).is_relative_to(installed.site_packages)
    assert seen["visible"] and seen["title"].startswith("System Design Simulator")
    shipped = sorted(p.stem for p in (RESOURCES / "templates").glob("*.sdsim"))
    assert sorted(seen["keys"][1:]) == shipped  # "blank" first, then every template
    assert Path(seen["icon"]).is_file()
    assert Path(seen["icon"]).is_relative_to(installed.site_packages)


def test_the_installed_gui_script_opens_a_shipped_template(
    installed: InstalledApp, outside: Path,
) -> None:
    template = installed.site_packages / SHIPPED / "templates" / "read_heavy_with_cache.sdsim"
    env_args = [str(installed.script("sdsim")), str(template)]
    proc = subprocess.run(env_args, cwd=outside,
                          env=dict(clean_env(outside / "data"), SDSIM_EXIT_AFTER_SHOWN="1"),
                          capture_output=True, text=True, timeout=180, check=False)
    assert proc.returncode == 0, proc.stderr
    log = (outside / "data" / "logs" / LOG_FILE_NAME).read_text(encoding="utf-8")
    assert "Main window shown" in log
    # The project database was created through the migrations shipped in the wheel.
    assert "Opened project database" in log


def test_an_undeclared_dependency_is_missing_in_the_venv(installed: InstalledApp) -> None:
    # The venv sees only what the wheel declares: the test tools (dev extra) stay out.
    linked = {p.name.lower() for p in installed.deps.iterdir()}
    assert "pyside6" in linked and "simpy" in linked and "numpy" in linked
    assert "pytest" not in linked and "hypothesis" not in linked
    assert any(r.name == "simpy" for r in runtime_requirements(installed.wheel))


def test_linking_refuses_a_dependency_that_is_not_installed(tmp_path: Path) -> None:
    # A wheel whose metadata requires something absent here: the fixture would
    # report it rather than build a venv the app cannot run in.
    wheel = tmp_path / "x-1-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w") as archive:
        archive.writestr("x-1.dist-info/METADATA",
                         "Metadata-Version: 2.1\nName: x\nVersion: 1\n"
                         "Requires-Dist: no-such-distribution-sdsim>=1\n")
    from importlib.metadata import PackageNotFoundError

    with pytest.raises(PackageNotFoundError):
        link_dependencies(wheel, tmp_path / "deps")
