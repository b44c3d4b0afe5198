"""Local accounts, projects and version history in SQLite (pure Python, no Qt).

Usage from a script::

    from app.storage import Store, errors

    with Store.open("designs.sqlite3") as store:
        store.accounts.register(email="ada@example.com", password="a long passphrase",
                                first_name="Ada", last_name="Lovelace", company="")
        session = store.accounts.login("ada@example.com", "a long passphrase")
        project = store.projects.create(session, "Shop", {"components": [], "links": []})
        store.projects.save(session, project.id, new_json_text, note="Add a cache")

See ``docs/storage.md`` for the schema and the security choices.
"""

from app.storage import errors
from app.storage.clock import Clock, ManualClock
from app.storage.documents import summarize_changes
from app.storage.passwords import PasswordStrength, check_password, password_strength
from app.storage.records import (
    ChangeSummary,
    CloudLinkInfo,
    Project,
    ProjectChange,
    ProjectInfo,
    RecoveryEntry,
    RemoteApplied,
    RunInfo,
    RunReplication,
    StoredRun,
    SyncConflict,
    SyncHead,
    TemplateInfo,
    UserProfile,
    UserSession,
    VersionInfo,
)
from app.storage.remember import KeyringStatus, keyring_status
from app.storage.store import Store, default_path
from app.storage.sync_store import SyncStore

__all__ = [
    "ChangeSummary",
    "Clock",
    "CloudLinkInfo",
    "KeyringStatus",
    "ManualClock",
    "PasswordStrength",
    "Project",
    "ProjectChange",
    "ProjectInfo",
    "RecoveryEntry",
    "RemoteApplied",
    "RunInfo",
    "RunReplication",
    "Store",
    "StoredRun",
    "SyncConflict",
    "SyncHead",
    "SyncStore",
    "TemplateInfo",
    "UserProfile",
    "UserSession",
    "VersionInfo",
    "check_password",
    "default_path",
    "errors",
    "keyring_status",
    "password_strength",
    "summarize_changes",
]
