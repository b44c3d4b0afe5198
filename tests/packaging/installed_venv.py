"""Build the app's wheel and install it into a fresh venv outside the checkout, offline.

The dependencies are not downloaded or unpacked again: the fresh venv sees the
ones already installed in the running environment through a site folder of
symlinks. Only the distributions the wheel's own ``Requires-Dist`` pulls in
(followed to the bottom, markers evaluated) get a symlink, so a module the app
imports at run time but does not declare fails here as it would for a user; the
app itself, its scripts and its resources come from the wheel alone. This costs
a few seconds, where installing the dependency set from a local wheelhouse
unpacks ~600 MB (PySide6, SciPy, PyArrow) on every run, and a wheelhouse would
need the network once per machine.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import zipfile
from dataclasses import dataclass
from email.parser import HeaderParser
from importlib import metadata
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[2]
#: What the build reads from the checkout (setup.py maps resources/ into the package).
BUILD_INPUTS = ("pyproject.toml", "setup.py", "README.md", "app", "resources")
DEPS_PTH = "sdsim_test_dependencies.pth"


@dataclass(frozen=True)
class InstalledApp:
    """A venv holding the app installed from its wheel.

    Attributes:
        wheel: The built wheel.
        venv: The venv's folder.
        python: Its interpreter.
        site_packages: Where the wheel went (``app/`` is there).
        deps: The folder of symlinks to the dependencies.
    """

    wheel: Path
    venv: Path
    python: Path
    site_packages: Path
    deps: Path

    def script(self, name: str) -> Path:
        """A console script the wheel installed (``sdsim``, ``sdsim-gui``)."""
        return self.venv / "bin" / name


def build_wheel(work: Path) -> Path:
    """Build the wheel from a copy of the build inputs (no build/ or egg-info in the checkout).

    The build backend is the running environment's setuptools (the dev extra
    requires it), without build isolation, so nothing is downloaded.
    """
    source = work / "source"
    source.mkdir()
    for name in BUILD_INPUTS:
        path = ROOT / name
        if path.is_dir():
            shutil.copytree(path, source / name,
                            ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        else:
            shutil.copy2(path, source / name)
    out = work / "dist"
    _run([sys.executable, "-m", "pip", "wheel", str(source), "--no-deps",
          "--no-build-isolation", "--no-index", "--quiet", "--wheel-dir", str(out)], work)
    (wheel,) = out.glob("*.whl")
    return wheel


def install(wheel: Path, work: Path) -> InstalledApp:
    """A fresh venv (no pip) with ``wheel`` installed and its dependencies linked in."""
    venv = work / "venv"
    # sys._base_executable: the interpreter the current venv was made from.
    base = getattr(sys, "_base_executable", sys.executable)
    _run([base, "-m", "venv", "--without-pip", str(venv)], work)
    python = venv / "bin" / "python"
    _run([sys.executable, "-m", "pip", "--python", str(python), "install", "--no-deps",
          "--no-index", "--no-compile", "--quiet", str(wheel)], work)
    site_packages = Path(_run([str(python), "-I", "-c",
                               "import sysconfig; print(sysconfig.get_paths()['purelib'])"], work))
    deps = work / "deps"
    link_dependencies(wheel, deps)
    # addsitedir, not a bare path, so the dependencies' own .pth files still apply.
    (site_packages / DEPS_PTH).write_text(f"import site; site.addsitedir({str(deps)!r})\n",
                                          encoding="utf-8")
    return InstalledApp(wheel, venv, python, site_packages, deps)


def runtime_requirements(wheel: Path) -> list[Requirement]:
    """The wheel's ``Requires-Dist`` lines (extras included; :func:`closure` drops them)."""
    with zipfile.ZipFile(wheel) as archive:
        (name,) = [n for n in archive.namelist() if n.endswith(".dist-info/METADATA")]
        headers = HeaderParser().parsestr(archive.read(name).decode("utf-8"))
    return [Requirement(line) for line in headers.get_all("Requires-Dist") or []]


def closure(requirements: list[Requirement]) -> dict[str, metadata.Distribution]:
    """Every installed distribution the requirements need, by canonical name.

    Raises:
        metadata.PackageNotFoundError: A required distribution is not installed here.
    """
    found: dict[str, metadata.Distribution] = {}
    pending = list(requirements)
    while pending:
        requirement = pending.pop()
        if requirement.marker is not None and not requirement.marker.evaluate({"extra": ""}):
            continue  # an extra (dev, server) or another platform's dependency
        key = canonicalize_name(requirement.name)
        if key in found:
            continue
        dist = metadata.distribution(requirement.name)
        found[key] = dist
        pending.extend(Requirement(line) for line in dist.requires or [])
    return found


def link_dependencies(wheel: Path, deps: Path) -> list[str]:
    """Symlink, into ``deps``, the top-level files of the wheel's dependency closure.

    Returns:
        The canonical names of the distributions linked.
    """
    deps.mkdir()
    dists = closure(runtime_requirements(wheel))
    for dist in dists.values():
        site = Path(str(dist.locate_file("")))
        for entry in {Path(str(f)).parts[0] for f in dist.files or []}:
            # RECORD also lists scripts as ../../bin/...; those stay out.
            if entry in ("..", "__pycache__") or (deps / entry).exists():
                continue
            if (site / entry).exists():
                (deps / entry).symlink_to(site / entry)
    return sorted(dists)


def clean_env(data_dir: Path) -> dict[str, str]:
    """The environment a user's shell would give: nothing that points into the checkout."""
    env = {k: v for k, v in os.environ.items()
           if k not in ("PYTHONPATH", "PYTHONHOME", "PYTHONSTARTUP", "VIRTUAL_ENV")}
    env.update(SDSIM_DATA_DIR=str(data_dir), QT_QPA_PLATFORM="offscreen",
               PYTHON_KEYRING_BACKEND="keyring.backends.fail.Keyring")
    return env


def _run(command: list[str], cwd: Path) -> str:
    proc = subprocess.run(command, cwd=cwd, capture_output=True, text=True, timeout=300,
                          check=False)
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} failed ({proc.returncode}):\n"
                           f"{proc.stdout}\n{proc.stderr}")
    return proc.stdout.strip()
