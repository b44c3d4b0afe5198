"""The desktop integration files (launcher, file type, icon) and their user-level install.

A wheel cannot put a ``.desktop`` file, an icon or a MIME type into the system's
folders, so ``sdsim --install-desktop-entry`` writes them into the user's XDG data
folder (``$XDG_DATA_HOME``, else ``~/.local/share``): the app then shows in the
desktop's launcher and ``.sdsim`` files open in it by double-click.
``--uninstall-desktop-entry`` removes exactly those files.

The texts are made here, once: ``packaging/linux/`` holds the same files for
bundles and distribution packages (a test keeps the two equal), and
``packaging/linux/regenerate.py`` rewrites them from this module.
No Qt here: installing a launcher must work on a machine without a display.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from app import APP_NAME
from app.resources import resource_path

#: Reverse-DNS application id: the .desktop file's name, the icon's name, the
#: AppStream id and what Wayland compositors match the window to
#: (``QGuiApplication.setDesktopFileName``).
DESKTOP_ID = "io.github.sdsim.SystemDesignSimulator"
#: The MIME type of a ``.sdsim`` design (a JSON document).
MIME_TYPE = "application/x-sdsim"
DESIGN_GLOB = "*.sdsim"
#: The command a ``pip install`` provides for the desktop app (no console window).
GUI_COMMAND = "sdsim-gui"
#: PNG sizes rendered into ``packaging/linux/icons/hicolor`` (the usual hicolor set).
ICON_SIZES = (16, 24, 32, 48, 64, 128, 256, 512)
#: The app icon, the one source every size is rendered from.
ICON_RESOURCE = ("icons", "app.svg")
#: Desktop database tools: run after a change when installed, skipped when not.
TOOL_TIMEOUT_S = 30.0


def desktop_file_text(exec_command: str = GUI_COMMAND) -> str:
    """The ``.desktop`` launcher; ``exec_command`` is already quoted for the Exec key."""
    return (
        "[Desktop Entry]\n"
        "Type=Application\n"
        f"Name={APP_NAME}\n"
        "GenericName=Architecture Simulator\n"
        "Comment=Design software systems on a canvas and simulate their traffic\n"
        f"Exec={exec_command} %f\n"
        f"Icon={DESKTOP_ID}\n"
        "Terminal=false\n"
        "Categories=Science;ComputerScience;\n"
        "Keywords=simulation;queueing;architecture;capacity;latency;load;\n"
        f"MimeType={MIME_TYPE};\n"
        # X11 docks match a window to its launcher by WM_CLASS, which Qt sets to the
        # application name.
        f"StartupWMClass={APP_NAME}\n"
    )


def mime_xml_text() -> str:
    """The shared-mime-info package that names ``.sdsim`` files (JSON underneath)."""
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<mime-info xmlns="http://www.freedesktop.org/standards/shared-mime-info">\n'
        f'  <mime-type type="{MIME_TYPE}">\n'
        "    <comment>System Design Simulator design</comment>\n"
        '    <sub-class-of type="application/json"/>\n'
        f'    <generic-icon name="{DESKTOP_ID}"/>\n'
        f'    <glob pattern="{DESIGN_GLOB}"/>\n'
        "  </mime-type>\n"
        "</mime-info>\n"
    )


def exec_quote(argument: str) -> str:
    """``argument`` as one argument of a desktop file's Exec key.

    The Desktop Entry spec: an argument with a reserved character goes in double
    quotes with ``"`` `` ` `` ``$`` ``\\`` backslash-escaped; then the whole value is
    escaped as a string (``\\`` doubled again) and ``%`` becomes ``%%``.
    """
    reserved = set(" \t\n\"'\\><~|&;$*?#()`")
    quoted = argument
    if any(char in reserved for char in argument):
        escaped = "".join("\\" + char if char in '"`$\\' else char for char in argument)
        quoted = f'"{escaped}"'
    return quoted.replace("\\", "\\\\").replace("%", "%%")


def default_exec_command() -> str:
    """How the launcher starts this installation of the app (quoted for Exec).

    A frozen bundle starts itself; a pip install its ``sdsim-gui`` script next to
    the interpreter (a venv's ``bin/`` is rarely on the desktop session's PATH);
    failing both, this interpreter with ``-m app``.
    """
    if getattr(sys, "frozen", False):
        return exec_quote(sys.executable)
    script = Path(sys.executable).parent / GUI_COMMAND
    if script.is_file():
        return exec_quote(str(script))
    found = shutil.which(GUI_COMMAND)
    if found:
        return exec_quote(found)
    return f"{exec_quote(sys.executable)} -m app"


def data_home(environ: Mapping[str, str] | None = None) -> Path:
    """``$XDG_DATA_HOME`` when it is an absolute path (the spec ignores others),
    else ``~/.local/share``."""
    env = os.environ if environ is None else environ
    value = env.get("XDG_DATA_HOME", "")
    if value and Path(value).is_absolute():
        return Path(value)
    home = env.get("HOME") or str(Path.home())
    return Path(home) / ".local" / "share"


@dataclass(frozen=True, slots=True)
class Layout:
    """Where each file goes under one XDG data folder."""

    root: Path

    @property
    def desktop_file(self) -> Path:
        return self.root / "applications" / f"{DESKTOP_ID}.desktop"

    @property
    def mime_file(self) -> Path:
        return self.root / "mime" / "packages" / f"{DESKTOP_ID}.xml"

    @property
    def icon_file(self) -> Path:
        return self.root / "icons" / "hicolor" / "scalable" / "apps" / f"{DESKTOP_ID}.svg"

    def files(self) -> tuple[Path, ...]:
        """Every file an install writes (and an uninstall removes)."""
        return (self.desktop_file, self.mime_file, self.icon_file)


Runner = Callable[[list[str]], "subprocess.CompletedProcess[bytes]"]


def _run_quietly(command: list[str]) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(command, capture_output=True, timeout=TOOL_TIMEOUT_S, check=False)


@dataclass(slots=True)
class Outcome:
    """What an install or uninstall did: files written or removed, tools run or not."""

    changed: list[Path] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def _refresh_databases(layout: Layout, outcome: Outcome, run: Runner) -> None:
    """Rebuild the user's MIME and desktop caches; a missing or failing tool is a note,
    never an error (the desktop rescans these folders on its own, later)."""
    commands = (
        ["update-mime-database", str(layout.root / "mime")],
        ["update-desktop-database", str(layout.root / "applications")],
        ["gtk-update-icon-cache", "--force", "--ignore-theme-index",
         str(layout.root / "icons" / "hicolor")],
    )
    for command in commands:
        tool = shutil.which(command[0])
        if tool is None:
            outcome.notes.append(f"{command[0]} not found: skipped (the desktop picks "
                                 "the change up at its next scan)")
            continue
        try:
            result = run([tool, *command[1:]])
        except (OSError, subprocess.SubprocessError) as exc:
            outcome.notes.append(f"{command[0]} could not run: {exc}")
            continue
        if result.returncode != 0:
            detail = result.stderr.decode(errors="replace").strip().splitlines()
            outcome.notes.append(f"{command[0]} exited with {result.returncode}"
                                 + (f": {detail[-1]}" if detail else ""))


def install(root: Path | None = None, *, exec_command: str | None = None,
            run: Runner = _run_quietly) -> Outcome:
    """Write the launcher, the MIME type and the icon under ``root`` (the XDG data
    folder by default); installing again overwrites them. Raises OSError when a
    file cannot be written."""
    layout = Layout(data_home() if root is None else root)
    outcome = Outcome()
    contents = {
        layout.desktop_file: desktop_file_text(exec_command or default_exec_command()).encode(),
        layout.mime_file: mime_xml_text().encode(),
        layout.icon_file: resource_path(*ICON_RESOURCE).read_bytes(),
    }
    for path, data in contents.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_name(f".{path.name}.tmp")
        temporary.write_bytes(data)
        temporary.replace(path)  # a desktop scanning the folder never sees half a file
        outcome.changed.append(path)
    _refresh_databases(layout, outcome, run)
    return outcome


def uninstall(root: Path | None = None, *, run: Runner = _run_quietly) -> Outcome:
    """Remove what :func:`install` wrote under ``root``; files already gone are fine."""
    layout = Layout(data_home() if root is None else root)
    outcome = Outcome()
    for path in layout.files():
        try:
            path.unlink()
        except FileNotFoundError:
            continue
        outcome.changed.append(path)
    if outcome.changed:
        _refresh_databases(layout, outcome, run)
    return outcome


def main(*, install_entry: bool) -> int:
    """``--install-desktop-entry`` (``install_entry``) or ``--uninstall-desktop-entry``:
    prints what changed; returns the exit code."""
    try:
        if install_entry:
            outcome = install()
            verb = "installed"
        else:
            outcome = uninstall()
            verb = "removed"
    except OSError as exc:
        where = exc.filename if isinstance(exc.filename, str) else "?"
        action = "install" if install_entry else "remove"
        print(f"error: cannot {action} the desktop entry: {where!r}: {exc.strerror or exc}",
              file=sys.stderr)
        return 1
    for path in outcome.changed:
        print(f"{verb} {path}")
    if not outcome.changed:
        print("nothing to remove: no desktop entry was installed here")
    for note in outcome.notes:
        print(f"note: {note}", file=sys.stderr)
    return 0
