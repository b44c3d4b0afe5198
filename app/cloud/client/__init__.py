"""The desktop's client for the cloud sync server (docs/cloud.md), Qt-free.

``CloudClient`` speaks the server's HTTP API from one worker thread; every
failure is a ``CloudError`` (``Offline``, ``SignedOut``, ``Conflict``,
``RateLimited``...); ``credentials`` keeps the refresh token in the OS keyring; ``SyncEngine``
syncs a local account's projects and ``CloudSession`` wraps sign-in and syncs.
"""

from app.cloud.client.api import CloudClient
from app.cloud.client.credentials import RefreshTokenStore, keyring_available
from app.cloud.client.errors import (
    BadResponse,
    CloudError,
    Conflict,
    InvalidServerUrl,
    Offline,
    RateLimited,
    ResponseTooLarge,
    SignedOut,
    SignInCancelled,
)
from app.cloud.client.models import (
    Change,
    ChangesPage,
    CloudUser,
    ProjectDocument,
    ProjectInfo,
    Session,
    SessionInfo,
    Share,
    VersionInfo,
)
from app.cloud.client.session import CloudSession, SessionStatus
from app.cloud.client.sync import ConflictNote, SyncEngine, SyncReport
from app.cloud.client.urls import ServerUrl, validate_server_url

__all__ = [
    "BadResponse",
    "Change",
    "ChangesPage",
    "CloudClient",
    "CloudError",
    "CloudSession",
    "CloudUser",
    "Conflict",
    "ConflictNote",
    "InvalidServerUrl",
    "Offline",
    "ProjectDocument",
    "ProjectInfo",
    "RateLimited",
    "RefreshTokenStore",
    "ResponseTooLarge",
    "ServerUrl",
    "Session",
    "SessionInfo",
    "SessionStatus",
    "Share",
    "SignInCancelled",
    "SignedOut",
    "SyncEngine",
    "SyncReport",
    "VersionInfo",
    "keyring_available",
    "validate_server_url",
]
