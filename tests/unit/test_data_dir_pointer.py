"""The data folder chosen in Settings (app.paths): written down outside it, read at the next
start, ignored when unreadable, and always beaten by SDSIM_DATA_DIR."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from app import paths


@pytest.fixture
def platform_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """No SDSIM_DATA_DIR; the platform's folders under a temporary XDG home."""
    for var in ("XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_STATE_HOME"):
        monkeypatch.setenv(var, str(tmp_path / var.lower()))
    monkeypatch.delenv(paths.DATA_DIR_ENV)
    paths.data_dir_at_start.cache_clear()
    yield tmp_path
    paths.data_dir_at_start.cache_clear()


def test_a_chosen_folder_applies_from_the_next_start(platform_home: Path) -> None:
    default = paths.data_dir()
    chosen = platform_home / "mine"
    paths.choose_data_dir(chosen)
    assert paths.data_dir() == default  # not in this process
    paths.data_dir_at_start.cache_clear()
    assert paths.data_dir() == chosen.resolve() and chosen.is_dir()
    assert paths.log_dir() == chosen.resolve() / "logs"
    assert not paths.data_dir_pointer().is_relative_to(chosen)  # found before the folder is


@pytest.mark.parametrize("content", [b"", b"   \n", b"\xff\xfe not text", b"/tmp/a\0b"])
def test_an_unusable_pointer_means_the_default(platform_home: Path, content: bytes) -> None:
    default = paths.data_dir()
    pointer = paths.data_dir_pointer()
    pointer.parent.mkdir(parents=True, exist_ok=True)
    pointer.write_bytes(content)
    paths.data_dir_at_start.cache_clear()
    assert paths.chosen_data_dir() is None
    assert paths.data_dir() == default


def test_the_environment_wins(platform_home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    paths.choose_data_dir(platform_home / "mine")
    monkeypatch.setenv(paths.DATA_DIR_ENV, str(platform_home / "env"))
    paths.data_dir_at_start.cache_clear()
    assert paths.data_dir_from_env()
    assert paths.data_dir() == platform_home / "env"
