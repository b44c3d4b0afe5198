"""Qt dialogs for local accounts and projects (the storage lives in :mod:`app.storage`).

Each dialog takes a :class:`~app.storage.Store` (and, once signed in, the
:class:`~app.storage.UserSession`) in its constructor:

- :class:`SignInDialog`: sign in, create an account, or work offline;
- :class:`ProfileDialog`: name, company, change password;
- :class:`ProjectBrowserDialog`: open, new (from a template), rename,
  duplicate, delete, import, export, history;
- :class:`VersionHistoryDialog`: list, preview, restore.
"""

from app.ui.accounts.new_project import NewProjectDialog
from app.ui.accounts.profile import ProfileDialog
from app.ui.accounts.project_browser import ProjectBrowserDialog
from app.ui.accounts.sign_in import SignInDialog
from app.ui.accounts.version_history import VersionHistoryDialog

__all__ = [
    "NewProjectDialog",
    "ProfileDialog",
    "ProjectBrowserDialog",
    "SignInDialog",
    "VersionHistoryDialog",
]
