"""The core (model, engine, storage) is importable without loading Qt."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_core_imports_load_no_qt() -> None:
    code = (
        "import sys\n"
        "import app.model, app.engine, app.storage\n"
        "import pkgutil, importlib\n"
        "for pkg in (app.model, app.engine, app.storage):\n"
        "    for m in pkgutil.walk_packages(pkg.__path__, pkg.__name__ + '.'):\n"
        "        if '.migrations' in m.name: continue\n"
        "        importlib.import_module(m.name)\n"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in "
        "('PySide6', 'shiboken6', 'pyqtgraph') or m.startswith('app.ui'))\n"
        "print(','.join(bad))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "", f"Qt loaded by the core: {out.stdout}"


def test_the_snapshot_module_loads_without_the_engine() -> None:
    # The GUI imports app.engine.snapshot at start-up; the package's names load lazily,
    # so SimPy and the simulation stay out until a run needs them.
    code = ("import sys, app.engine.snapshot, app.engine; "
            "print(sorted(m for m in ('simpy', 'app.engine.simulation') if m in sys.modules)); "
            "from app.engine import Simulation; "
            "print('app.engine.simulation' in sys.modules)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True, timeout=120)
    assert done.stdout.split("\n")[:2] == ["[]", "True"]
