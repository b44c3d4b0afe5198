"""The boundary of the storage API: every failure leaves it as a :class:`StorageError`.

The services validate what they can up front, with messages naming the field.
Whatever still goes wrong underneath (the SQLite driver, SQLAlchemy, the file
system, a value the driver cannot store, a document nested too deeply) is
turned here into the error family the GUI catches, with one plain sentence,
so a hostile database or file never reaches the user as a traceback.
:func:`guard_public_methods` applies the translation to every public method of
a service class, so a method added later is covered too.

Anything not recognised (a ``TypeError`` because an edited file holds a blob
where a date should be...) becomes a :class:`errors.DatabaseError` naming the
exception, and its traceback is logged: the user gets a sentence, the log
keeps what a developer needs.
"""

from __future__ import annotations

import errno
import functools
import inspect
import logging
import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import exc as sa_exc

from app.paths import UnsafeName
from app.storage import errors

log = logging.getLogger(__name__)

F = TypeVar("F", bound=Callable[..., Any])
C = TypeVar("C", bound=type)

#: The largest integer SQLite stores (signed 64 bits).
MAX_SQLITE_INT = 2**63 - 1

_OS_REASONS = {
    errno.EROFS: "the file system is read-only",
    errno.EACCES: "permission denied",
    errno.EPERM: "operation not permitted",
    errno.ENOSPC: "the disk is full",
    errno.EDQUOT: "the disk quota is exceeded",
    errno.ELOOP: "too many symbolic links",
    errno.ENAMETOOLONG: "the name is too long",
    errno.EISDIR: "it is a folder, not a file",
    errno.ENOTDIR: "it (or a folder above it) is a file, not a folder",
    errno.EEXIST: "something else is already there",
    errno.ENOENT: "it does not exist",
}


def describe_os_error(exc: OSError) -> str:
    """One sentence for an :class:`OSError`, naming the path when it has one."""
    reason = _OS_REASONS.get(exc.errno or 0) or (exc.strerror or type(exc).__name__).lower()
    where = f" {exc.filename}" if isinstance(exc.filename, (str, Path)) else ""
    return f"Cannot use{where}: {reason}."


def _driver_error(text: str, path: Path | None) -> errors.StorageError:
    from app.storage.db import translate_text  # db imports SQLAlchemy's engine: import late

    return translate_text(text, path)


def as_storage_error(exc: Exception, path: Path | None = None) -> errors.StorageError:
    """The :class:`StorageError` that explains ``exc`` (one plain sentence)."""
    if isinstance(exc, errors.StorageError):
        return exc
    if isinstance(exc, sa_exc.StatementError) and isinstance(exc.orig, Exception):
        # SQLAlchemy wraps both driver errors and errors binding a value.
        return as_storage_error(exc.orig, path)
    if isinstance(exc, sqlite3.Error):
        return _driver_error(str(exc), path)
    if isinstance(exc, sa_exc.SQLAlchemyError):
        return errors.DatabaseError(f"Database error: {str(exc)[:200]}")
    if isinstance(exc, RecursionError):
        return errors.InvalidDocument(
            "The project is nested too deeply (more levels than any design has).")
    if isinstance(exc, OverflowError):
        return errors.ValidationError(
            "number", f"A number is too large to store (the limit is {MAX_SQLITE_INT:,}).")
    if isinstance(exc, UnicodeError):
        return errors.ValidationError(
            "text", "The text contains characters that cannot be stored (unpaired surrogates).")
    if isinstance(exc, UnsafeName):
        return errors.FileProblem(str(exc))
    if isinstance(exc, OSError):
        return errors.FileProblem(describe_os_error(exc),
                                  Path(exc.filename) if isinstance(exc.filename, str) else None)
    if isinstance(exc, MemoryError):
        return errors.StorageError("Not enough memory for this operation.")
    # Anything else (a ValueError, or a TypeError from a column holding the wrong
    # type in an edited file) is still a storage failure for the user; the
    # traceback goes to the log, where a bug can be found.
    log.warning("Storage failure translated at the API boundary", exc_info=exc)
    return errors.DatabaseError(
        "The project database holds or was given something this version cannot handle "
        f"({type(exc).__name__}: {str(exc)[:200]}).")


def guarded(function: F) -> F:
    """``function`` with every failure raised as a :class:`StorageError` (see the module)."""

    @functools.wraps(function)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return function(*args, **kwargs)
        except errors.StorageError:
            raise
        except Exception as exc:
            raise as_storage_error(exc) from exc

    return wrapper  # type: ignore[return-value]


def guard_public_methods(cls: C) -> C:
    """Apply :func:`guarded` to every public method (and classmethod) of ``cls``."""
    for name, member in list(vars(cls).items()):
        if name.startswith("_"):
            continue
        if isinstance(member, classmethod):
            setattr(cls, name, classmethod(guarded(member.__func__)))
        elif isinstance(member, staticmethod):
            setattr(cls, name, staticmethod(guarded(member.__func__)))
        elif inspect.isfunction(member):
            setattr(cls, name, guarded(member))
    return cls
