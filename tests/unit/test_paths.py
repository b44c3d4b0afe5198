from __future__ import annotations

from pathlib import Path

import pytest

from app import paths


def test_data_dir_honours_env(isolated_data_dir: Path) -> None:
    assert paths.data_dir() == isolated_data_dir
    assert paths.log_dir() == isolated_data_dir / "logs"
    assert paths.config_dir().is_dir()


def test_without_env_uses_platformdirs(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("SDSIM_DATA_DIR")
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    assert paths.data_dir() == tmp_path / "xdg" / "sdsim"
