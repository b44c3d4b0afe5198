"""Cloud errors and waits said in words, for the sign-in dialog and the status bar.

Server text reaches here already cleaned by the client (control characters
removed, length capped); the widgets that show it are plain-text ones.
"""

from __future__ import annotations

import logging

from app.cloud.client import CloudError, InvalidServerUrl, Offline, RateLimited, SignedOut

log = logging.getLogger(__name__)


def _unit(count: int, word: str) -> str:
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


def wait_in_words(seconds: int) -> str:
    """``"45 seconds"``, ``"15 minutes"``, ``"1 hour 5 minutes"`` (rounded up to minutes
    past a minute, so "try again in" is never too early)."""
    seconds = max(1, int(seconds))
    if seconds < 60:
        return _unit(seconds, "second")
    minutes = -(-seconds // 60)
    if minutes < 60:
        return _unit(minutes, "minute")
    hours, rest = divmod(minutes, 60)
    return _unit(hours, "hour") + (f" {_unit(rest, 'minute')}" if rest else "")


def error_text(exc: Exception, server_url: str = "", *, signing_in: bool = False) -> str:
    """One or two plain sentences for a failed cloud call (``signing_in``: in the dialog)."""
    if isinstance(exc, InvalidServerUrl):
        return exc.message
    if isinstance(exc, Offline):
        where = f"The server at {server_url}" if server_url else "The cloud server"
        if signing_in:
            return f"{where} could not be reached. Check the address and your connection."
        return (f"{where} could not be reached. Your work is saved on this computer and "
                "syncs when the server is back.")
    if isinstance(exc, RateLimited):
        wait = (f" Try again in {wait_in_words(exc.retry_after)}."
                if exc.retry_after else " Try again later.")
        return exc.message.rstrip() + wait
    if isinstance(exc, SignedOut):
        return "The cloud sign-in has ended. Sign in to the cloud again to keep syncing."
    if isinstance(exc, CloudError):
        return exc.message
    log.error("Cloud call failed unexpectedly", exc_info=exc)
    return f"Something unexpected went wrong ({type(exc).__name__}). See the log for details."
