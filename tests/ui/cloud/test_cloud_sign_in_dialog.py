"""The cloud sign-in dialog against the real server: errors in words, never blocking."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from pytestqt.qtbot import QtBot

from app.ui.cloud.status import CloudState
from app.ui.cloud.wording import wait_in_words
from tests.support.cloud_server import CloudServer, register, unique_email
from tests.ui.cloud.harness import CloudWindow, shoot

pytestmark = pytest.mark.xdist_group("ui_cloud")


@pytest.fixture
def signed_in_locally(qtbot: QtBot, tmp_path: Path) -> Iterator[CloudWindow]:
    harness = CloudWindow(qtbot, tmp_path / "a.sqlite3")
    harness.sign_in_locally(unique_email("dialog"))
    yield harness
    harness.close()


@pytest.fixture
def refused_url() -> str:
    """A loopback port nothing listens on."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}"


def _error(qtbot: QtBot, dialog: Any) -> str:
    qtbot.waitUntil(lambda: not dialog.is_busy and dialog.error.isVisible())
    return str(dialog.error.text())


def test_wrong_password_then_lockout_are_told_in_words(
    qtbot: QtBot, signed_in_locally: CloudWindow, ui_cloud_server: CloudServer
) -> None:
    a = signed_in_locally
    assert a.session is not None
    register(ui_cloud_server, a.session.email)
    dialog = a.open_cloud_sign_in()
    a.type_and_submit(dialog, ui_cloud_server.base_url, "Not the password 42!")
    assert dialog.is_busy or dialog.error.isVisible()  # the GUI thread did not wait
    wrong = _error(qtbot, dialog)
    assert "password" in wrong.lower()
    assert dialog.isVisible() and not a.cloud.signed_in
    shoot(dialog, "cloud_sign_in_wrong_password")
    for _ in range(5):  # the server locks the account after 5 failures
        dialog.error.clear_message()
        a.type_and_submit(dialog, ui_cloud_server.base_url, "Not the password 42!")
        text = _error(qtbot, dialog)
    assert "Try again in 15 minutes." in text, text
    shoot(dialog, "cloud_sign_in_locked")
    assert a.cloud.status.state is CloudState.NOT_LINKED


def test_a_bad_address_and_an_unreachable_server(
    qtbot: QtBot, signed_in_locally: CloudWindow, refused_url: str
) -> None:
    a = signed_in_locally
    dialog = a.open_cloud_sign_in()
    a.type_and_submit(dialog, "ftp://example.com")
    assert not dialog.is_busy  # refused before any network call
    assert "https://" in dialog.error.text()
    a.type_and_submit(dialog, "http://sync.example.com")
    assert "unencrypted" in dialog.error.text()
    a.type_and_submit(dialog, refused_url)
    text = _error(qtbot, dialog)
    assert "could not be reached" in text and refused_url in text
    shoot(dialog, "cloud_sign_in_offline")
    dialog.reject()
    qtbot.waitUntil(lambda: a.accounts.dialogs.current is None)
    assert a.cloud.status.state is CloudState.NOT_LINKED


@pytest.mark.parametrize(("seconds", "words"), [
    (1, "1 second"), (45, "45 seconds"), (60, "1 minute"), (61, "2 minutes"),
    (900, "15 minutes"), (3600, "1 hour"), (3900, "1 hour 5 minutes"), (7200, "2 hours"),
])
def test_waits_in_words(seconds: int, words: str) -> None:
    assert wait_in_words(seconds) == words
