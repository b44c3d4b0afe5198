"""Can the GUI start here? One line on what is missing, before Qt aborts with a dump.

Qt's answer to a missing display or a missing system library is a
``qFatal`` that prints a page about platform plugins and aborts the process.
This module asks the same questions first, without importing Qt, so the entry
point can say in one line what is missing and how to run headless instead.

It checks, on Linux only (Windows and macOS always have their platform):

* a display: ``DISPLAY`` or ``WAYLAND_DISPLAY`` unless ``QT_QPA_PLATFORM``
  names a platform that needs none (``offscreen``, ``minimal``, ``vnc``...);
* for the X11 (``xcb``) platform: the system libraries its plugin links to
  (``libxcb-cursor0`` and friends are not part of PySide6's wheel), found by
  loading the plugin and, when that fails, listing every "not found" library
  with ``ldd``;
* that the X server named by ``DISPLAY`` accepts a connection.
"""

from __future__ import annotations

import contextlib
import ctypes
import importlib.util
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path

#: Platforms that draw somewhere other than a desktop display.
HEADLESS_PLATFORMS = frozenset({"offscreen", "minimal", "minimalegl", "vnc", "linuxfb", "eglfs",
                                "vkkhrdisplay"})
HEADLESS_HINT = "run headless with `main.py simulate FILE` (or `main.py validate FILE`)"

#: Shared-library name -> the Debian/Ubuntu package that provides it: the libraries
#: Qt's xcb plugin (and the Qt libraries it loads) link to outside PySide6's wheel.
DEBIAN_PACKAGES: Mapping[str, str] = {
    "libxcb-cursor.so.0": "libxcb-cursor0",
    "libxcb-icccm.so.4": "libxcb-icccm4",
    "libxcb-keysyms.so.1": "libxcb-keysyms1",
    "libxcb-image.so.0": "libxcb-image0",
    "libxcb-randr.so.0": "libxcb-randr0",
    "libxcb-render-util.so.0": "libxcb-render-util0",
    "libxcb-render.so.0": "libxcb-render0",
    "libxcb-shape.so.0": "libxcb-shape0",
    "libxcb-shm.so.0": "libxcb-shm0",
    "libxcb-sync.so.1": "libxcb-sync1",
    "libxcb-util.so.1": "libxcb-util1",
    "libxcb-xfixes.so.0": "libxcb-xfixes0",
    "libxcb-xkb.so.1": "libxcb-xkb1",
    "libxcb.so.1": "libxcb1",
    "libxkbcommon-x11.so.0": "libxkbcommon-x11-0",
    "libxkbcommon.so.0": "libxkbcommon0",
    "libX11-xcb.so.1": "libx11-xcb1",
    "libX11.so.6": "libx11-6",
    "libEGL.so.1": "libegl1",
    "libGL.so.1": "libgl1",
    "libOpenGL.so.0": "libopengl0",
    "libfontconfig.so.1": "libfontconfig1",
    "libfreetype.so.6": "libfreetype6",
    "libdbus-1.so.3": "libdbus-1-3",
    "libglib-2.0.so.0": "libglib2.0-0",
}

_NOT_FOUND = re.compile(r"^\s*(\S+)\s+=>\s+not found\s*$", re.MULTILINE)
_DLOPEN_MISSING = re.compile(r"(\S+\.so[.\d]*): cannot open shared object file")


def _platforms(environ: Mapping[str, str]) -> list[str]:
    """The platform names ``QT_QPA_PLATFORM`` asks for, in order ("xcb;wayland", "vnc:size=...")."""
    value = environ.get("QT_QPA_PLATFORM", "").strip()
    return [part.split(":", 1)[0].strip().lower() for part in value.split(";") if part.strip()]


def xcb_plugin() -> Path | None:
    """PySide6's X11 platform plugin, found without importing Qt; None if not there."""
    spec = importlib.util.find_spec("PySide6")
    if spec is None or not spec.submodule_search_locations:
        return None
    for location in spec.submodule_search_locations:
        plugin = Path(location) / "Qt" / "plugins" / "platforms" / "libqxcb.so"
        if plugin.is_file():
            return plugin
    return None


def missing_libraries(library: Path) -> list[str]:
    """The shared libraries ``library`` needs that the system cannot find (empty if none).

    Loading it is the real test (and cheap when it works: Qt loads the same
    files moments later); only on failure ``ldd`` lists *all* missing ones,
    since the loader names just the first.
    """
    try:
        ctypes.CDLL(str(library))
    except OSError as exc:
        first = _DLOPEN_MISSING.findall(str(exc))
        return _ldd_not_found(library) or first or [str(exc)]
    return []


def _ldd_not_found(library: Path) -> list[str]:
    ldd = shutil.which("ldd")
    if ldd is None:
        return []
    try:
        proc = subprocess.run([ldd, str(library)], capture_output=True, text=True, timeout=20,
                              check=False)
    except (OSError, subprocess.SubprocessError):
        return []
    return list(dict.fromkeys(_NOT_FOUND.findall(proc.stdout)))


def install_hint(libraries: list[str]) -> str:
    """The apt-get command that installs ``libraries`` (those whose package we know)."""
    packages = sorted({DEBIAN_PACKAGES[name] for name in libraries if name in DEBIAN_PACKAGES})
    if not packages:
        return "install them with your system's package manager"
    return f"install them with `sudo apt-get install {' '.join(packages)}` (Debian/Ubuntu)"


def _x_server_refuses(display: str) -> bool:
    """True if the X server named ``display`` does not accept a connection (via libxcb)."""
    try:
        xcb = ctypes.CDLL("libxcb.so.1")
    except OSError:
        return False  # reported as a missing library instead
    xcb.xcb_connect.restype = ctypes.c_void_p
    xcb.xcb_connect.argtypes = [ctypes.c_char_p, ctypes.c_void_p]
    xcb.xcb_connection_has_error.argtypes = [ctypes.c_void_p]
    xcb.xcb_disconnect.argtypes = [ctypes.c_void_p]
    connection = xcb.xcb_connect(os.fsencode(display), None)
    try:
        return bool(xcb.xcb_connection_has_error(connection))
    finally:
        with contextlib.suppress(Exception):
            xcb.xcb_disconnect(connection)  # also frees the error object


def display_problem(
    environ: Mapping[str, str] | None = None, platform: str | None = None
) -> str | None:
    """One line saying why the GUI cannot start here, or None if it can.

    ``environ``/``platform`` default to this process's (tests pass their own).
    """
    env = os.environ if environ is None else environ
    if (platform or sys.platform) != "linux":
        return None
    wanted = _platforms(env)
    if wanted and wanted[0] in HEADLESS_PLATFORMS:
        return None
    display = env.get("DISPLAY", "")
    wayland = env.get("WAYLAND_DISPLAY", "")
    # Qt tries the first platform asked for; unasked, Wayland when there is one, else X11.
    first = wanted[0] if wanted else ("wayland" if wayland else "xcb")
    uses_xcb = first == "xcb"
    if (uses_xcb and not display) or (first.startswith("wayland") and not wayland):
        unset = "DISPLAY is" if wanted else "DISPLAY and WAYLAND_DISPLAY are"
        if first.startswith("wayland"):
            unset = "WAYLAND_DISPLAY is"
        return (
            f"no display: {unset} not set, so the desktop app cannot open a window; "
            f"{HEADLESS_HINT}"
        )
    if not uses_xcb:
        return None
    plugin = xcb_plugin()
    if plugin is not None:
        missing = missing_libraries(plugin)
        if missing:
            return (
                "cannot start the desktop app: Qt's X11 platform needs system libraries that "
                f"are missing: {', '.join(missing)}; {install_hint(missing)}, or {HEADLESS_HINT}"
            )
    if _x_server_refuses(display):
        return (
            f"no display: cannot connect to the X display {display!r} (not running, or access "
            f"refused); {HEADLESS_HINT}"
        )
    return None
