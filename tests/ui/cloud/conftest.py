"""The real cloud server for the GUI's cloud tests (SQLite, once per session and worker).

Started the way the server's own tests start it (``tests/support/cloud_server.py``);
only the SQLite backend runs here: the GUI's behaviour does not depend on the
server's database, and the server's own tests cover PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from pytestqt.qtbot import QtBot

from tests.support.cloud_server import CloudServer, running_server, smtp_mailbox
from tests.ui.cloud.harness import CloudWindow


@pytest.fixture(scope="session")
def ui_cloud_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[CloudServer]:
    """``sdsim-server`` on a free loopback port with a loopback SMTP server."""
    with smtp_mailbox() as box, running_server(
            "sqlite", tmp_path_factory.mktemp("ui-cloud"), box) as server:
        yield server


@pytest.fixture
def make_window(qtbot: QtBot) -> Iterator[Any]:
    """``make_window(store_path, **cloud_options)``: a main window with a cloud
    controller; every one made is closed at the end, the last first."""
    made: list[CloudWindow] = []

    def make(path: Path, **options: Any) -> CloudWindow:
        made.append(CloudWindow(qtbot, path, **options))
        return made[-1]

    yield make
    for harness in reversed(made):
        harness.close()
