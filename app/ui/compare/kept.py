"""The runs kept with the open project, reached through the window's project session.

The session is read at each call, not copied when the dialog opens: signing
out, renewing an expired session or opening another project is seen at once.
Storage calls are short SQLite transactions, made on the GUI thread.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from app.storage import RunInfo, RunReplication, StoredRun

if TYPE_CHECKING:
    from app.ui.main_window import MainWindow
    from app.ui.project_session import ProjectSession

#: Why runs cannot be kept, shown beside the disabled Save button.
NOT_SIGNED_IN = "Sign in and open (or save) a project to keep runs with it."


class KeptRuns:
    """Save, list and load the open project's kept runs (``available`` says whether one is open)."""

    def __init__(self, accounts: ProjectSession | None) -> None:
        self._accounts = accounts

    @classmethod
    def of(cls, window: MainWindow) -> KeptRuns:
        """The kept runs of ``window``'s project session (none: never available)."""
        from app.ui.project_session import ProjectSession  # it imports the main window

        return cls(window.findChild(ProjectSession))

    def _where(self) -> tuple[Any, Any, str] | None:
        a = self._accounts
        if a is None or a.store is None or a.session is None or a.project is None:
            return None
        return a.store, a.session, a.project.id

    @property
    def available(self) -> bool:
        """Whether a project is open in a signed-in session."""
        return self._where() is not None

    @property
    def project_name(self) -> str:
        """The open project's name ("" without one)."""
        a = self._accounts
        return a.project.name if a is not None and a.project is not None else ""

    def list(self) -> list[RunInfo]:
        """The project's kept runs, newest first (none without a project)."""
        where = self._where()
        if where is None:
            return []
        store, session, project_id = where
        runs: list[RunInfo] = store.runs.list(session, project_id)
        return runs

    def load(self, run_id: str) -> StoredRun:
        """One kept run with its results (raises ``StorageError``)."""
        where = self._where()
        if where is None:
            from app.storage import errors

            raise errors.SessionExpired(NOT_SIGNED_IN)
        stored: StoredRun = where[0].runs.load(where[1], run_id)
        return stored

    def save(self, label: str, design: str, replications: Sequence[RunReplication], *,
             seed: int, settings: Mapping[str, Any]) -> RunInfo:
        """Keep a run with the open project (raises ``StorageError``)."""
        from app import __version__
        from app.storage import errors

        where = self._where()
        if where is None:
            raise errors.SessionExpired(NOT_SIGNED_IN)
        store, session, project_id = where
        info: RunInfo = store.runs.save(session, project_id, label, design, replications,
                                        seed=seed, settings=settings, app_version=__version__)
        return info

    def delete(self, run_id: str) -> None:
        """Delete a kept run (raises ``StorageError``)."""
        where = self._where()
        if where is None:
            from app.storage import errors

            raise errors.SessionExpired(NOT_SIGNED_IN)
        where[0].runs.delete(where[1], run_id)
