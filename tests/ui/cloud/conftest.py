"""The real cloud server for the GUI's cloud tests (SQLite, once per session and worker).

The server helpers come from ``tests/cloud/conftest.py`` (imported as a module,
so both suites start the server the same way); only the SQLite backend runs
here: the GUI's behaviour does not depend on the server's database, and the
server's own tests cover PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.cloud.conftest import CloudServer, Mailbox, free_port, running_server


@pytest.fixture(scope="session")
def ui_cloud_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[CloudServer]:
    """``sdsim-server`` on a free loopback port with a loopback SMTP server."""
    from aiosmtpd.controller import Controller

    box = Mailbox()
    controller = Controller(box, hostname="127.0.0.1", port=free_port())
    controller.start()
    box.port = controller.port  # type: ignore[attr-defined]
    try:
        with running_server("sqlite", tmp_path_factory.mktemp("ui-cloud"), box) as server:
            yield server
    finally:
        controller.stop()
