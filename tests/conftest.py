"""Fixtures that isolate every test from the user's real data, settings and keyring,
and the hooks that keep the suite sound when it runs in parallel (pytest-xdist)."""

from __future__ import annotations

import faulthandler
import gc
import json
import os
import signal
import sys
import threading
import time
import weakref
from collections.abc import Iterator
from pathlib import Path

import keyring
import pytest
from hypothesis import HealthCheck, settings

from tests.support.memory_keyring import MemoryKeyring

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
# Cheap bcrypt for every store and server the tests open (and their child
# processes): 4 rounds instead of 12. Tests of the production cost pass it
# explicitly or clear the variable (tests/unit/test_storage_passwords.py).
os.environ["SDSIM_BCRYPT_COST"] = "4"

# Hypothesis judges examples by wall-clock time by default (a 200 ms deadline, a
# "too slow" health check): on a busy shared machine that fails correct code.
# Hangs are caught per test by pytest-timeout instead.
settings.register_profile(
    "sdsim", deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.load_profile("sdsim")

# Seconds a test process may take to exit once pytest is done with it; past that
# it is stuck (a thread or a Qt object that will not go away): dump every
# thread's stack and exit non-zero rather than hold up the run for ever.
EXIT_GUARD_S = 120


# pytest-qt's waits (waitUntil, waitSignal, waitExposed...) give up after 5 s by
# default. They wait for something that must happen, so they return as soon as it
# does; their limit only turns a hang into a failure, and 5 s is too little for
# that on a loaded machine. Waits given an explicit timeout keep it.
QT_WAIT_GUARD_MS = 60_000


def pytest_configure(config: pytest.Config) -> None:
    """Let the processes that tests start be interrupted; make Qt waits hang guards."""
    if signal.getsignal(signal.SIGINT) == signal.SIG_IGN:
        # A background job of a non-interactive shell (`make test &`, some CI
        # runners) starts with Ctrl-C ignored, and every process it starts
        # inherits that: a test sending SIGINT to a real `simulate` would then
        # wait for ever. A handler (unlike "ignore") is reset by exec, so the
        # children get Python's usual KeyboardInterrupt again.
        signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        from pytestqt.qtbot import QtBot
    except ImportError:  # the core's tests also run without Qt installed
        return
    for name in ("waitActive", "waitCallback", "waitExposed", "waitSignal", "waitSignals",
                 "waitUntil"):
        defaults = getattr(QtBot, name).__kwdefaults__
        if defaults is not None and defaults.get("timeout") == 5000:
            defaults["timeout"] = QT_WAIT_GUARD_MS


#: Measured seconds of the tests that take at least one (tools/test_durations.py).
DURATIONS_FILE = Path(__file__).with_name("durations.json")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Run the longest tests first (a stable sort: the rest keep their order).

    With ``-n`` and ``--dist loadgroup`` each test is handed to whichever worker
    is free; long tests handed out first keep both workers busy to the end,
    instead of one worker finishing a long test alone after the other has run
    out of work (longest processing time first). First come the tests that
    spread many runs over a process pool (``run_pool``: the biggest batches of
    work), then the others by their measured time (``durations.json``), then the
    unmeasured slow ones. Every worker sorts the same collection the same way.
    """
    try:
        measured: dict[str, float] = json.loads(DURATIONS_FILE.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        measured = {}  # only the balance suffers

    def seconds(item: pytest.Item) -> float:
        # Tests of a parametrized session fixture (the cloud server per backend) keep
        # pytest's grouping: moved one by one they would start a server per switch.
        if "cloud_server" in getattr(item, "fixturenames", ()):
            return 0.0
        return measured.get(item.nodeid, 0.0)

    items.sort(key=lambda item: (
        "run_pool" not in getattr(item, "fixturenames", ()),
        -seconds(item),
        item.get_closest_marker("slow") is None,
    ))


def pytest_collection_finish(session: pytest.Session) -> None:
    """Freeze what collection imported: later full collections skip it.

    Every module of the app and its libraries (Qt, numpy, FastAPI, Dask...)
    is loaded by now and lives to the end; the cyclic collector's full passes
    (automatic, and the GUI tests' explicit ones) would walk those ~200,000
    objects again each time.
    """
    gc.collect()
    gc.freeze()


@pytest.hookimpl(trylast=True)
def pytest_unconfigure(config: pytest.Config) -> None:
    """Arm a watchdog for the process's exit: a hang after the tests fails loudly.

    It fires only if the process is still alive ``EXIT_GUARD_S`` seconds after
    pytest finished (xdist workers arm their own); a normal exit cancels it.
    """
    faulthandler.dump_traceback_later(EXIT_GUARD_S, exit=True, file=sys.__stderr__)


@pytest.fixture(autouse=True)
def isolated_data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Point SDSIM_DATA_DIR (data, config, logs) at a fresh temporary folder."""
    data = tmp_path / "sdsim-data"
    data.mkdir()
    monkeypatch.setenv("SDSIM_DATA_DIR", str(data))
    return data


@pytest.fixture(autouse=True)
def memory_keyring() -> Iterator[MemoryKeyring]:
    """Replace the OS keyring with an in-memory one for the test."""
    previous = keyring.get_keyring()
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    yield backend
    keyring.set_keyring(previous)


@pytest.fixture(autouse=True, scope="session")
def qt_test_mode(tmp_path_factory: pytest.TempPathFactory) -> None:
    """QStandardPaths test mode and QSettings under a temp dir, if Qt is available."""
    try:
        from PySide6.QtCore import QSettings, QStandardPaths
    except ImportError:  # the core's tests also run without Qt installed
        return
    QStandardPaths.setTestModeEnabled(True)
    settings_dir = str(tmp_path_factory.mktemp("qsettings"))
    for fmt in (QSettings.Format.NativeFormat, QSettings.Format.IniFormat):
        QSettings.setPath(fmt, QSettings.Scope.UserScope, settings_dir)
        QSettings.setPath(fmt, QSettings.Scope.SystemScope, settings_dir)


@pytest.fixture(autouse=True, scope="session")
def release_clipboard_at_end() -> Iterator[None]:
    """Tests never quit the app, so release our clipboard data as the app would on quit.

    Otherwise Qt destroys the Python-made QMimeData after the interpreter has
    finalised, and the test process segfaults on exit (seen as exit 139).
    """
    yield
    import sys

    if "app.ui.clipboard" in sys.modules:
        sys.modules["app.ui.clipboard"].release_clipboard()


@pytest.fixture(autouse=True)
def no_leaked_threads(request: pytest.FixtureRequest) -> Iterator[None]:
    """Fail a test that leaves a QThread (or a non-daemon Python thread) running."""
    started: weakref.WeakSet[object] = weakref.WeakSet()
    original_start = None
    try:
        from PySide6.QtCore import QThread

        original_start = QThread.start

        def tracking_start(self: QThread, *args: object) -> None:
            started.add(self)
            original_start(self, *args)  # type: ignore[misc]

        QThread.start = tracking_start  # type: ignore[method-assign]
    except ImportError:
        QThread = None  # type: ignore[assignment,misc]
    before = set(threading.enumerate())
    yield
    if QThread is not None and original_start is not None:
        QThread.start = original_start  # type: ignore[method-assign]
    deadline = time.monotonic() + 2.0
    while True:
        running_qt = [t for t in list(started) if t.isRunning()]  # type: ignore[attr-defined]
        new_py = [
            t for t in threading.enumerate()
            if t not in before and t.is_alive() and not t.daemon
        ]
        if not running_qt and not new_py:
            return
        if time.monotonic() > deadline:
            break
        time.sleep(0.02)
    names = [repr(t) for t in running_qt] + [t.name for t in new_py]
    pytest.fail(f"test left threads running: {', '.join(names)}")
