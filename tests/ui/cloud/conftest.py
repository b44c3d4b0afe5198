"""The real cloud server for the GUI's cloud tests (SQLite, once per session and worker).

Started the way the server's own tests start it (``tests/support/cloud_server.py``);
only the SQLite backend runs here: the GUI's behaviour does not depend on the
server's database, and the server's own tests cover PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support.cloud_server import CloudServer, running_server, smtp_mailbox


@pytest.fixture(scope="session")
def ui_cloud_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[CloudServer]:
    """``sdsim-server`` on a free loopback port with a loopback SMTP server."""
    with smtp_mailbox() as box, running_server(
            "sqlite", tmp_path_factory.mktemp("ui-cloud"), box) as server:
        yield server
