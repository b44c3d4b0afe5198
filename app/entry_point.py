"""The one entry point of ``main.py``, ``python -m app``, ``sdsim`` and ``sdsim-gui``.

* no argument: the desktop app;
* an existing ``.sdsim`` file as the only argument: the desktop app with that
  file open (what a double-click in a file manager runs);
* a command (``simulate``, ``validate``, ``plan``, ``sweep``, ``replicate``,
  ``worker``, ``report``) or ``-h``/``--help``/``--version``:
  the headless CLI (:mod:`app.cli`), no Qt involved;
* ``--install-desktop-entry`` / ``--uninstall-desktop-entry``: the launcher, icon
  and ``.sdsim`` file type in the user's XDG folders (:mod:`app.desktop_entry`);
* anything else: ``unknown command`` with a suggestion, exit code 2.

GUI options (``--offline``, and Qt's own such as ``-platform offscreen``) may
accompany the GUI forms. Before Qt is loaded
the GUI forms check that a window can be opened at all
(:mod:`app.display_check`), so a machine without a display or without Qt's
system libraries gets one line and exit code 2, not Qt's abort dump.
"""

from __future__ import annotations

import contextlib
import difflib
import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

HEADLESS_COMMANDS = ("simulate", "validate", "plan", "sweep", "replicate", "worker", "report")
HEADLESS_OPTIONS = ("-h", "--help", "--version")
#: Desktop integration for pip installs (app.desktop_entry), Qt-free.
DESKTOP_OPTIONS = ("--install-desktop-entry", "--uninstall-desktop-entry")
#: Options the desktop app understands (see app.ui.application.run_gui).
GUI_OPTIONS = ("--offline",)
#: Qt's own command-line options (QApplication/QGuiApplication), passed on as before.
QT_VALUE_OPTIONS = ("-platform", "-platformpluginpath", "-platformtheme", "-plugin",
                    "-qwindowgeometry", "-qwindowicon", "-qwindowtitle", "-session", "-style",
                    "-stylesheet", "-display", "-geometry")
QT_FLAGS = ("-reverse", "-widgetcount", "-nograb", "-dograb", "-sync")
DESIGN_SUFFIX = ".sdsim"
EXIT_INVALID = 2
EXIT_INTERRUPTED = 130
EXIT_BROKEN_PIPE = 1


@dataclass(frozen=True, slots=True)
class Launch:
    """What the command line asks for: ``gui``, ``headless``, ``desktop`` (the desktop
    entry's install or removal) or ``error`` (with ``message``)."""

    mode: Literal["gui", "headless", "desktop", "error"]
    args: tuple[str, ...] = ()
    open_path: Path | None = None
    message: str = ""


def _shown(arg: str) -> str:
    """An argument as it may be printed: escaped (no terminal control codes), bounded."""
    text = repr(arg[:80] + ("…" if len(arg) > 80 else ""))
    return text


def _looks_like_path(arg: str) -> bool:
    if not arg:
        return False
    if arg.lower().endswith(DESIGN_SUFFIX) or "/" in arg or "\\" in arg:
        return True
    try:
        return Path(arg).exists()
    except (OSError, ValueError):  # a name too long for the system, say
        return False


def _path_problem(arg: str) -> str | None:
    """Why ``arg`` cannot be opened in the GUI, or None if it is an existing design file."""
    path = Path(arg)
    try:
        if not path.exists():
            return f"{_shown(arg)}: no such file"
        if path.is_dir():
            return f"{_shown(arg)}: is a folder, not a {DESIGN_SUFFIX} file"
        if not path.is_file():
            return f"{_shown(arg)}: not a regular file"
    except (OSError, ValueError) as exc:  # e.g. a name too long, a NUL byte
        return f"{_shown(arg)}: cannot be opened ({exc})"
    if path.suffix.lower() != DESIGN_SUFFIX:
        return (
            f"{_shown(arg)}: not a {DESIGN_SUFFIX} design; to check any file use "
            "`main.py validate FILE`"
        )
    return None


def _unknown(arg: str) -> str:
    choices = [*HEADLESS_COMMANDS, *HEADLESS_OPTIONS, *GUI_OPTIONS, *DESKTOP_OPTIONS]
    close = difflib.get_close_matches(arg.lower(), choices, n=1, cutoff=0.6)
    hint = f" (did you mean {close[0]!r}?)" if close else ""
    return (
        f"unknown command {_shown(arg)}{hint}; commands: {', '.join(HEADLESS_COMMANDS)} "
        f"(see --help), or a {DESIGN_SUFFIX} file to open in the desktop app"
    )


def _split_gui_options(argv: list[str]) -> tuple[tuple[str, ...], list[str], str | None]:
    """(GUI options with their values, the other arguments, a problem or None)."""
    options: list[str] = []
    rest: list[str] = []
    args = iter(argv)
    for arg in args:
        if arg in GUI_OPTIONS or arg in QT_FLAGS:
            options.append(arg)
        elif arg in QT_VALUE_OPTIONS:
            value = next(args, None)
            if value is None:
                return (), [], f"{arg} needs a value"
            options += [arg, value]
        else:
            rest.append(arg)
    return tuple(options), rest, None


def parse_launch(argv: list[str]) -> Launch:
    """Decide what ``argv`` (without the program name) asks for; never raises."""
    if argv and (argv[0] in HEADLESS_COMMANDS or argv[0] in HEADLESS_OPTIONS):
        return Launch("headless", tuple(argv))
    if argv and argv[0] in DESKTOP_OPTIONS:
        if len(argv) > 1:
            return Launch("error", message=f"{argv[0]} takes no arguments")
        return Launch("desktop", (argv[0],))
    options, rest, problem = _split_gui_options(argv)
    if problem is not None:
        return Launch("error", message=problem)
    if not rest:
        return Launch("gui", options)
    if len(rest) == 1 and not rest[0].startswith("-") and _looks_like_path(rest[0]):
        problem = _path_problem(rest[0])
        if problem is not None:
            return Launch("error", message=problem)
        return Launch("gui", options, open_path=Path(rest[0]))
    if len(rest) > 1 and all(_looks_like_path(arg) for arg in rest):
        return Launch("error", message="the desktop app opens one design at a time")
    return Launch("error", message=_unknown(rest[0]))


def _run_gui(launch: Launch) -> int:
    from app.display_check import display_problem

    # Qt's -platform and -display options win over the environment, as in Qt.
    environ = dict(os.environ)
    for option, variable in (("-platform", "QT_QPA_PLATFORM"), ("-display", "DISPLAY")):
        if option in launch.args:
            environ[variable] = launch.args[launch.args.index(option) + 1]
    problem = display_problem(environ)
    if problem is not None:
        print(f"error: {problem}", file=sys.stderr)
        return EXIT_INVALID
    problem = _folders_problem()
    if problem is not None:
        print(f"error: {problem}", file=sys.stderr)
        return EXIT_INVALID
    try:
        from app.ui.application import run_gui
    except ImportError as exc:  # a Qt library the import itself needs is missing
        print(f"error: cannot load Qt for the desktop app: {exc}", file=sys.stderr)
        return EXIT_INVALID
    return run_gui(list(launch.args), open_path=launch.open_path)


def _folders_problem() -> str | None:
    """One line when the data, settings or log folder cannot be made (a file where
    a folder belongs, a read-only parent): the GUI needs all three before it shows."""
    from app import paths

    for what, folder in (("data", paths.data_dir), ("settings", paths.config_dir),
                         ("log", paths.log_dir)):
        try:
            folder()
        except OSError as exc:
            where = exc.filename if isinstance(exc.filename, str) else "?"
            return (f"cannot use the {what} folder {_shown(where)}: "
                    f"{exc.strerror or exc}; set SDSIM_DATA_DIR to a folder you can write")
    return None


def _tolerant_streams() -> None:
    """Text a terminal cannot encode (an id in Chinese on an ASCII console) is escaped,
    not a UnicodeEncodeError."""
    for stream in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None:
            with contextlib.suppress(ValueError, OSError):
                reconfigure(errors="backslashreplace")


def main(argv: list[str] | None = None) -> int:
    """Run what the command line asks for; returns the process exit code."""
    args = sys.argv[1:] if argv is None else list(argv)
    _tolerant_streams()
    try:
        launch = parse_launch(args)
        if launch.mode == "error":
            print(f"error: {launch.message}", file=sys.stderr)
            return EXIT_INVALID
        if launch.mode == "headless":
            from app.cli import main as cli_main

            code = cli_main(list(launch.args))
            sys.stdout.flush()  # a closed pipe shows here, not at interpreter exit
            return code
        if launch.mode == "desktop":
            from app.desktop_entry import main as desktop_main

            return desktop_main(install_entry=launch.args[0] == DESKTOP_OPTIONS[0])
        return _run_gui(launch)
    except KeyboardInterrupt:  # Ctrl-C before a command installed its own handling
        print("interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except BrokenPipeError:  # `main.py simulate x | head`: the reader left; results are written
        with contextlib.suppress(OSError):
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())  # no second error at interpreter exit
        return EXIT_BROKEN_PIPE
