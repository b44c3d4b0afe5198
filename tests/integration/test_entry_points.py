"""One entry point: main.py, python -m app and the sdsim scripts decide the same way.

No argument or a .sdsim file: the GUI (after checking a window can open at all);
a command: headless; anything else: one line and exit code 2, never the GUI,
never Qt's platform-plugin dump.
"""

from __future__ import annotations

import importlib
import importlib.util
import json
import os
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from app import display_check, entry_point
from app.entry_point import parse_launch
from app.logging_setup import LOG_FILE_NAME
from app.resources import resource_path

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE = resource_path("templates", "three_tier_web_app.sdsim")
QT_DUMP_MARKERS = ("qt.qpa", "platform plugin", "Aborted", "Traceback", "Reinstalling")


def _env(**changes: str | None) -> dict[str, str]:
    env = dict(os.environ, PYTHON_KEYRING_BACKEND="keyring.backends.fail.Keyring",
               PYTHONPATH=str(ROOT))
    for key, value in changes.items():
        if value is None:
            env.pop(key, None)
        else:
            env[key] = value
    return env


def _run(*args: str, env: dict[str, str] | None = None,
         timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "main.py", *args], cwd=ROOT, env=env or _env(),
                          capture_output=True, text=True, timeout=timeout, check=False)


def _one_error_line(proc: subprocess.CompletedProcess[str]) -> str:
    assert proc.returncode == 2, (proc.returncode, proc.stdout, proc.stderr)
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert lines[0].startswith("error: ")
    for marker in QT_DUMP_MARKERS:
        assert marker not in proc.stderr, proc.stderr
    return lines[0]


# -- what the command line asks for --------------------------------------------------------


def test_a_mistyped_command_is_unknown_with_a_suggestion(isolated_data_dir: Path) -> None:
    line = _one_error_line(_run("simulat", "x", env=_env(QT_QPA_PLATFORM="offscreen",
                                                         SDSIM_EXIT_AFTER_SHOWN="1")))
    assert "unknown command 'simulat'" in line and "did you mean 'simulate'" in line
    # The GUI never started: no log of a main window.
    log = isolated_data_dir / "logs" / LOG_FILE_NAME
    assert not log.exists() or "Main window shown" not in log.read_text(encoding="utf-8")


@pytest.mark.parametrize(("argv", "needle"), [
    (["valdate", "f.sdsim"], "did you mean 'validate'"),
    (["--ofline"], "did you mean '--offline'"),
    (["run"], "unknown command 'run'"),
    (["-x"], "unknown command '-x'"),
    ([""], "unknown command ''"),
    (["\x1b[31mred\x07"], "\\x1b[31mred\\x07"),
    (["a" * 10_000], "…"),
    (["--offline", "frobnicate"], "unknown command 'frobnicate'"),
])
def test_unknown_arguments_are_refused_without_the_gui(argv: list[str], needle: str) -> None:
    launch = parse_launch(argv)
    assert launch.mode == "error"
    assert needle in launch.message
    assert "\x1b" not in launch.message and "\x07" not in launch.message  # no terminal codes
    assert len(launch.message) < 400


def test_paths_that_cannot_be_opened_say_why(tmp_path: Path) -> None:
    other = tmp_path / "notes.txt"
    other.write_text("hello", encoding="utf-8")
    folder = tmp_path / "designs.sdsim"
    folder.mkdir()
    cases = {
        str(tmp_path / "missing.sdsim"): "no such file",
        str(folder): "is a folder",
        str(other): "not a .sdsim design",
    }
    for arg, needle in cases.items():
        launch = parse_launch([arg])
        assert launch.mode == "error" and needle in launch.message, (arg, launch)
    assert "one design at a time" in parse_launch([str(TEMPLATE), str(TEMPLATE)]).message


def test_a_design_file_opens_in_the_gui(tmp_path: Path) -> None:
    assert parse_launch([]) == entry_point.Launch("gui")
    launch = parse_launch([str(TEMPLATE)])
    assert launch.mode == "gui" and launch.open_path == TEMPLATE
    upper = tmp_path / "Design.SDSIM"
    upper.write_bytes(TEMPLATE.read_bytes())
    launch = parse_launch(["--offline", str(upper)])
    assert (launch.mode, launch.args, launch.open_path) == ("gui", ("--offline",), upper)


def test_commands_and_help_run_headless() -> None:
    for argv in (["simulate", "x"], ["validate", "y"], ["--help"], ["-h"], ["--version"]):
        assert parse_launch(argv).mode == "headless", argv


def test_sdsim_scripts_python_m_app_and_main_py_are_one_function() -> None:
    scripts = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    targets = {**scripts["scripts"], **scripts["gui-scripts"]}
    targets.pop("sdsim-server")  # the cloud server's own command, not the desktop's
    assert set(targets) >= {"sdsim", "sdsim-gui"}
    for target in targets.values():
        module, _, name = target.partition(":")
        assert getattr(importlib.import_module(module), name) is entry_point.main
    spec = importlib.util.spec_from_file_location("sdsim_main_script", ROOT / "main.py")
    assert spec is not None and spec.loader is not None
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    assert script.main is entry_point.main
    assert importlib.import_module("app.__main__").main is entry_point.main


def test_the_console_script_call_works_without_arguments() -> None:
    # What the generated `sdsim` script does: call main() with sys.argv set (the old
    # target, app.cli.main, required argv and raised TypeError).
    code = ("import sys; from app.entry_point import main; "
            f"sys.argv = ['sdsim', 'validate', {str(TEMPLATE)!r}]; sys.exit(main())")
    proc = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=_env(),
                          capture_output=True, text=True, timeout=60, check=False)
    assert proc.returncode == 0, proc.stderr
    assert "OK" in proc.stdout
    proc = subprocess.run([sys.executable, "-m", "app", "simulat"], cwd=ROOT, env=_env(),
                          capture_output=True, text=True, timeout=60, check=False)
    assert "did you mean 'simulate'" in _one_error_line(proc)


# -- no display ----------------------------------------------------------------------------


def test_no_display_is_one_line_naming_the_headless_command() -> None:
    env = _env(DISPLAY=None, WAYLAND_DISPLAY=None, QT_QPA_PLATFORM=None)
    line = _one_error_line(_run(env=env))
    assert "no display" in line and "main.py simulate FILE" in line
    # The same with a design to open, and with X11 asked for explicitly.
    assert "no display" in _one_error_line(_run(str(TEMPLATE), env=env))
    env_xcb = _env(DISPLAY=None, WAYLAND_DISPLAY=None, QT_QPA_PLATFORM="xcb")
    assert "DISPLAY is not set" in _one_error_line(_run(env=env_xcb))


def test_an_x_display_nobody_serves_is_one_line() -> None:
    if display_check.xcb_plugin() is None:
        pytest.skip("this PySide6 has no xcb plugin")
    env = _env(DISPLAY=":97531", WAYLAND_DISPLAY=None, QT_QPA_PLATFORM=None)
    line = _one_error_line(_run(env=env))
    # Either the libraries are missing here (named), or the X server is not there.
    assert "cannot connect to the X display ':97531'" in line or "missing" in line


@pytest.mark.parametrize(("environ", "expected"), [
    ({"QT_QPA_PLATFORM": "offscreen"}, None),
    ({"QT_QPA_PLATFORM": "minimal"}, None),
    ({"QT_QPA_PLATFORM": "vnc:size=800x600"}, None),
    ({}, "DISPLAY and WAYLAND_DISPLAY are not set"),
    ({"QT_QPA_PLATFORM": "wayland", "DISPLAY": ":0"}, "WAYLAND_DISPLAY is not set"),
    ({"QT_QPA_PLATFORM": "xcb;wayland", "WAYLAND_DISPLAY": "wayland-0"}, "DISPLAY is not set"),
    ({"WAYLAND_DISPLAY": "wayland-0"}, None),
])
def test_display_problem_follows_qt_platform_choice(environ: dict[str, str],
                                                    expected: str | None) -> None:
    problem = display_check.display_problem(environ, platform="linux")
    if expected is None:
        assert problem is None
    else:
        assert problem is not None and expected in problem and "simulate FILE" in problem
    assert display_check.display_problem({}, platform="win32") is None


def test_missing_system_libraries_are_named_with_the_install_command(tmp_path: Path) -> None:
    gcc = shutil.which("gcc") or shutil.which("cc")
    if gcc is None or sys.platform != "linux":
        pytest.skip("needs a C compiler on Linux to build a library with a missing dependency")
    # A real shared library that links to a library which is then removed: what a machine
    # without libxcb-cursor0 looks like to Qt's xcb plugin (a name no system has).
    (tmp_path / "gone.c").write_text("int gone(void) { return 1; }\n", encoding="utf-8")
    (tmp_path / "needs.c").write_text("int gone(void);\nint needs(void) { return gone(); }\n",
                                      encoding="utf-8")
    gone = "libsdsim-test-gone.so.1"
    subprocess.run([gcc, "-shared", "-fPIC", "-o", str(tmp_path / gone), f"-Wl,-soname,{gone}",
                    str(tmp_path / "gone.c")], check=True)
    subprocess.run([gcc, "-shared", "-fPIC", "-o", str(tmp_path / "libplugin.so"),
                    str(tmp_path / "needs.c"), "-Wl,--no-as-needed", str(tmp_path / gone)],
                   check=True)
    (tmp_path / gone).unlink()
    assert display_check.missing_libraries(tmp_path / "libplugin.so") == [gone]
    hint = display_check.install_hint(["libxcb-cursor.so.0", "libxcb-icccm.so.4"])
    assert "sudo apt-get install libxcb-cursor0 libxcb-icccm4" in hint
    assert "package manager" in display_check.install_hint([gone])


# -- the GUI opens the file it was given ---------------------------------------------------


def _gui_env() -> dict[str, str]:
    return _env(QT_QPA_PLATFORM="offscreen", SDSIM_EXIT_AFTER_SHOWN="1")


def test_a_design_path_reaches_the_main_window(isolated_data_dir: Path) -> None:
    proc = _run(str(TEMPLATE), env=_gui_env())
    assert proc.returncode == 0, proc.stderr
    log = (isolated_data_dir / "logs" / LOG_FILE_NAME).read_text(encoding="utf-8")
    assert "Main window shown" in log
    assert f"Opened {TEMPLATE} from the command line" in log


def test_a_broken_design_path_still_opens_the_app(isolated_data_dir: Path,
                                                  tmp_path: Path) -> None:
    broken = tmp_path / "broken.sdsim"
    broken.write_text('{"format": "sdsim", "version": 1,', encoding="utf-8")
    proc = _run(str(broken), env=_gui_env())
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr
    log = (isolated_data_dir / "logs" / LOG_FILE_NAME).read_text(encoding="utf-8")
    assert "Main window shown" in log and "Could not open" in log


def test_the_app_starts_on_a_real_x_server(isolated_data_dir: Path) -> None:
    xvfb_run = shutil.which("xvfb-run")
    plugin = display_check.xcb_plugin()
    if xvfb_run is None or plugin is None:
        pytest.skip("needs xvfb-run (apt-get install xvfb) and PySide6's xcb plugin")
    missing = display_check.missing_libraries(plugin)
    if missing:
        pytest.skip(f"system libraries missing for X11: {', '.join(missing)}")
    env = _gui_env()
    env.pop("QT_QPA_PLATFORM")
    proc = subprocess.run([xvfb_run, "-a", sys.executable, "main.py", str(TEMPLATE)], cwd=ROOT,
                          env=env, capture_output=True, text=True, timeout=120, check=False)
    assert proc.returncode == 0, proc.stderr
    log = (isolated_data_dir / "logs" / LOG_FILE_NAME).read_text(encoding="utf-8")
    assert "platform xcb" in log and "from the command line" in log


def test_a_reader_that_goes_away_is_not_a_traceback(tmp_path: Path) -> None:
    # `main.py simulate ... | head -0`: stdout is a pipe whose reader has left.
    read_end, write_end = os.pipe()
    os.close(read_end)
    try:
        proc = subprocess.run(
            [sys.executable, "main.py", "simulate", str(TEMPLATE), "--duration", "3",
             "--warmup", "1", "--out", str(tmp_path / "out")],
            cwd=ROOT, env=_env(), stdout=write_end, stderr=subprocess.PIPE, text=True,
            timeout=120, check=False)
    finally:
        os.close(write_end)
    assert proc.returncode == 1, proc.stderr
    assert proc.stderr == ""
    assert (tmp_path / "out" / "summary.json").is_file()  # the results were written first


def test_text_the_terminal_cannot_encode_is_escaped(tmp_path: Path) -> None:
    doc = json.loads(TEMPLATE.read_text(encoding="utf-8"))
    rename = {"web": "网页服务器"}
    for comp in doc["components"]:
        comp["id"] = rename.get(comp["id"], comp["id"])
    for link in doc["links"]:
        for end in ("source", "target"):
            link[end] = rename.get(link[end], link[end])
    design = tmp_path / "d.sdsim"
    design.write_text(json.dumps(doc), encoding="utf-8")
    proc = subprocess.run(
        [sys.executable, "main.py", "simulate", str(design), "--duration", "3", "--warmup", "1",
         "--out", str(tmp_path / "out")],
        cwd=ROOT, env=_env(PYTHONIOENCODING="ascii"), capture_output=True, text=True,
        timeout=120, check=False)
    assert proc.returncode == 0, proc.stderr
    assert "\\u7f51" in proc.stdout and "Traceback" not in proc.stderr


@pytest.mark.parametrize(("argv", "needle"), [
    (["simulate"], "required: file"),
    (["simulate", "x.sdsim", "--duration", "abc"], "'abc' is not a number"),
    (["simulate", "x.sdsim", "--seed", "-4"], "must be >= 0"),
    (["simulate", "x.sdsim", "--bogus"], "unrecognized arguments: --bogus"),
    (["validate"], "required: file"),
])
def test_usage_mistakes_are_one_line(argv: list[str], needle: str) -> None:
    line = _one_error_line(_run(*argv))
    assert needle in line and "--help" in line


def test_a_fifo_named_like_a_design_is_refused_without_opening_it(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe.sdsim"
    os.mkfifo(fifo)
    launch = parse_launch([str(fifo)])  # returns at once: a FIFO is never opened
    assert launch.mode == "error" and "not a regular file" in launch.message


def test_qt_options_still_reach_qt(isolated_data_dir: Path) -> None:
    launch = parse_launch(["-platform", "offscreen", "-reverse", str(TEMPLATE)])
    assert launch.mode == "gui" and launch.open_path == TEMPLATE
    assert launch.args == ("-platform", "offscreen", "-reverse")
    assert parse_launch(["-style"]).message == "-style needs a value"
    # -platform wins over the environment in the display check, as it does in Qt.
    env = _env(DISPLAY=None, WAYLAND_DISPLAY=None, QT_QPA_PLATFORM=None,
               SDSIM_EXIT_AFTER_SHOWN="1")
    proc = _run("-platform", "offscreen", env=env)
    assert proc.returncode == 0, proc.stderr
    assert "platform offscreen" in (isolated_data_dir / "logs" / LOG_FILE_NAME).read_text(
        encoding="utf-8")


def test_headless_commands_never_load_qt(tmp_path: Path) -> None:
    # A server without Qt's system libraries can still simulate.
    code = (
        "import sys; from app.entry_point import main; "
        f"rc = main(['simulate', {str(TEMPLATE)!r}, '--duration', '2', '--warmup', '1', "
        f"'--out', {str(tmp_path / 'out')!r}, '--quiet']); "
        "assert rc == 0, rc; "
        "assert not [m for m in sys.modules if m.startswith(('PySide6', 'shiboken6'))]"
    )
    proc = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=_env(),
                          capture_output=True, text=True, timeout=120, check=False)
    assert proc.returncode == 0, proc.stderr


@pytest.mark.parametrize("where", ["file", "under a file"])
def test_a_data_folder_that_cannot_be_made_is_one_line_before_qt(tmp_path: Path,
                                                                 where: str) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("x", encoding="utf-8")
    data = blocker if where == "file" else blocker / "sdsim"
    proc = _run("--offline", env=_env(SDSIM_DATA_DIR=str(data), QT_QPA_PLATFORM="offscreen"))
    assert proc.returncode == 2
    line = _one_error_line(proc)
    assert "data folder" in line and "SDSIM_DATA_DIR" in line
