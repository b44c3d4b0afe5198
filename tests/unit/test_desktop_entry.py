"""`sdsim --install-desktop-entry`: the launcher, icon and .sdsim type in the user's XDG
folders, with the real freedesktop tools where installed; and packaging/linux/ kept
equal to what the command writes."""

from __future__ import annotations

import shutil
import struct
import subprocess
from pathlib import Path

import pytest

from app import desktop_entry
from app.desktop_entry import DESKTOP_ID, ICON_SIZES, MIME_TYPE, Layout
from app.entry_point import main, parse_launch
from app.resources import resource_path

ROOT = Path(__file__).resolve().parents[2]
LINUX = ROOT / "packaging" / "linux"


def needs(tool: str) -> pytest.MarkDecorator:
    return pytest.mark.skipif(shutil.which(tool) is None,
                              reason=f"{tool} not installed (apt-get install "
                                     "desktop-file-utils shared-mime-info)")


@pytest.fixture
def xdg(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = tmp_path / "share"
    monkeypatch.setenv("XDG_DATA_HOME", str(root))
    return root


def exec_line(desktop_file: Path) -> str:
    return next(line for line in desktop_file.read_text().splitlines()
                if line.startswith("Exec="))


def test_install_writes_the_three_files_and_says_where(
        xdg: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--install-desktop-entry"]) == 0
    layout = Layout(xdg)
    out = capsys.readouterr().out
    for path in layout.files():
        assert path.is_file()
        assert f"installed {path}" in out
    assert layout.desktop_file.name == f"{DESKTOP_ID}.desktop"
    assert layout.icon_file.read_bytes() == resource_path("icons", "app.svg").read_bytes()
    assert "<glob pattern=\"*.sdsim\"/>" in layout.mime_file.read_text()
    text = layout.desktop_file.read_text()
    assert f"MimeType={MIME_TYPE};" in text
    assert f"Icon={DESKTOP_ID}" in text
    # Exec names this installation's launcher by absolute path (a venv's bin/ is not
    # on the desktop's PATH), with the file argument last.
    command = exec_line(layout.desktop_file).removeprefix("Exec=").removesuffix(" %f")
    assert Path(command).is_absolute() and Path(command).is_file()
    assert not list(xdg.rglob(".*.tmp"))


@needs("desktop-file-validate")
def test_installed_launcher_passes_desktop_file_validate_with_an_awkward_path(
        xdg: Path, tmp_path: Path) -> None:
    odd = tmp_path / 'my "apps" 100% $HOME' / "sdsim-gui"
    desktop_entry.install(exec_command=desktop_entry.exec_quote(str(odd)))
    result = subprocess.run(["desktop-file-validate", str(Layout(xdg).desktop_file)],
                            capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    assert exec_line(Layout(xdg).desktop_file) == (
        'Exec="' + str(tmp_path)
        + '/my \\\\"apps\\\\" 100%% \\\\$HOME/sdsim-gui" %f')


@needs("update-mime-database")
def test_the_mime_database_maps_sdsim_files_to_the_type(xdg: Path) -> None:
    outcome = desktop_entry.install()
    assert not [note for note in outcome.notes if "update-mime-database" in note]
    globs = (xdg / "mime" / "globs2").read_text()
    assert f"{MIME_TYPE}:*.sdsim" in globs
    assert MIME_TYPE in (xdg / "mime" / "subclasses").read_text()


@needs("update-desktop-database")
def test_the_desktop_database_opens_the_type_with_the_app(xdg: Path) -> None:
    desktop_entry.install()
    cache = (xdg / "applications" / "mimeinfo.cache").read_text()
    assert f"{MIME_TYPE}={DESKTOP_ID}.desktop;" in cache


def test_missing_tools_are_notes_not_failures(
        xdg: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    empty = tmp_path / "empty-bin"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    assert main(["--install-desktop-entry"]) == 0
    err = capsys.readouterr().err
    assert "note: update-mime-database not found: skipped" in err
    assert "note: update-desktop-database not found: skipped" in err
    assert all(path.is_file() for path in Layout(xdg).files())
    assert not (xdg / "mime" / "globs2").exists()


def test_uninstall_removes_only_our_files(
        xdg: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--install-desktop-entry"]) == 0
    other = xdg / "applications" / "someone-else.desktop"
    other.write_text("[Desktop Entry]\n")
    assert main(["--install-desktop-entry"]) == 0  # again: overwrites, no error
    capsys.readouterr()
    assert main(["--uninstall-desktop-entry"]) == 0
    out = capsys.readouterr().out
    for path in Layout(xdg).files():
        assert not path.exists()
        assert f"removed {path}" in out
    assert other.is_file()
    if shutil.which("update-mime-database"):
        assert MIME_TYPE not in (xdg / "mime" / "globs2").read_text()
    assert main(["--uninstall-desktop-entry"]) == 0
    assert "nothing to remove" in capsys.readouterr().out


def test_relative_xdg_data_home_is_ignored_as_the_spec_says(tmp_path: Path) -> None:
    env = {"XDG_DATA_HOME": "relative/share", "HOME": str(tmp_path)}
    assert desktop_entry.data_home(env) == tmp_path / ".local" / "share"
    assert desktop_entry.data_home({"HOME": str(tmp_path)}) == tmp_path / ".local" / "share"
    absolute = str(tmp_path / "xdg")
    assert desktop_entry.data_home({"XDG_DATA_HOME": absolute}) == Path(absolute)


def test_an_unwritable_folder_is_one_line_and_exit_1(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    blocker = tmp_path / "share"
    blocker.write_text("a file where the data folder belongs")
    monkeypatch.setenv("XDG_DATA_HOME", str(blocker))
    assert main(["--install-desktop-entry"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("error: cannot install the desktop entry: ")
    assert err.count("\n") == 1
    assert "Traceback" not in err


def test_the_options_take_no_arguments() -> None:
    launch = parse_launch(["--install-desktop-entry", "extra"])
    assert launch.mode == "error"
    assert launch.message == "--install-desktop-entry takes no arguments"
    assert parse_launch(["--uninstall-desktop-entry"]).mode == "desktop"
    assert "did you mean '--install-desktop-entry'" in parse_launch(
        ["--install-desktop-entri"]).message


@pytest.mark.parametrize(("argument", "quoted"), [
    ("/usr/bin/sdsim-gui", "/usr/bin/sdsim-gui"),
    ("/opt/my apps/sdsim", '"/opt/my apps/sdsim"'),
    ("/opt/100%/sdsim", "/opt/100%%/sdsim"),
    ('/a "b"/c', '"/a \\\\"b\\\\"/c"'),
    ("/a/$x", '"/a/\\\\$x"'),
])
def test_exec_quote_follows_the_desktop_entry_spec(argument: str, quoted: str) -> None:
    assert desktop_entry.exec_quote(argument) == quoted


def test_packaging_files_equal_what_the_command_writes() -> None:
    """packaging/linux/ is regenerated by packaging/linux/regenerate.py: a change to
    app/desktop_entry.py without regenerating fails here."""
    assert (LINUX / f"{DESKTOP_ID}.desktop").read_text() == desktop_entry.desktop_file_text()
    assert (LINUX / f"{DESKTOP_ID}.mime.xml").read_text() == desktop_entry.mime_xml_text()
    metainfo = (LINUX / f"{DESKTOP_ID}.metainfo.xml").read_text()
    assert f"<id>{DESKTOP_ID}</id>" in metainfo
    assert f"<launchable type=\"desktop-id\">{DESKTOP_ID}.desktop</launchable>" in metainfo
    assert f"<mediatype>{MIME_TYPE}</mediatype>" in metainfo


def test_hicolor_icons_have_every_usual_size() -> None:
    hicolor = LINUX / "icons" / "hicolor"
    assert (hicolor / "scalable" / "apps" / f"{DESKTOP_ID}.svg").read_bytes() == \
        resource_path("icons", "app.svg").read_bytes()
    assert ICON_SIZES == (16, 24, 32, 48, 64, 128, 256, 512)
    for size in ICON_SIZES:
        png = (hicolor / f"{size}x{size}" / "apps" / f"{DESKTOP_ID}.png").read_bytes()
        assert png[:8] == b"\x89PNG\r\n\x1a\n"
        width, height = struct.unpack(">II", png[16:24])  # the IHDR chunk
        assert (width, height) == (size, size)
