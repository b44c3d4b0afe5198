"""Without a secure keyring, cloud sign-in is disabled and the reason is given."""

from __future__ import annotations

from pathlib import Path

import keyring
import keyring.backends.fail
from pytestqt.qtbot import QtBot

from app.ui.cloud.status import CloudState
from app.ui.plain_text import tooltip_text
from tests.support.cloud_server import unique_email
from tests.ui.cloud.harness import CloudWindow, shoot, shoot_menu


def test_keyring_missing_disables_cloud_sign_in_with_the_reason(
    qtbot: QtBot, tmp_path: Path
) -> None:
    keyring.set_keyring(keyring.backends.fail.Keyring())  # the autouse fixture restores it
    a = CloudWindow(qtbot, tmp_path / "a.sqlite3")
    a.sign_in_locally(unique_email("nokeyring"))
    for name in ("actionCloudSignIn", "actionCloudSync", "actionCloudSignOut"):
        action = a.action(name)
        assert not action.isEnabled()
        assert "no secure system keyring" in action.statusTip()
        assert "no secure system keyring" in tooltip_text(action.toolTip())
    assert a.cloud.status.state is CloudState.UNAVAILABLE
    assert a.cloud.button.text() == "Cloud: Unavailable"
    assert "never kept in a plain file" in tooltip_text(a.cloud.button.toolTip())
    assert a.cloud.show_sign_in() is None
    shoot(a.window.statusBar(), "cloud_status_unavailable")
    shoot_menu(a, "cloud_account_menu_no_keyring")
    a.close()
