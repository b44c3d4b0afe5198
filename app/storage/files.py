"""Reading and writing ``.sdsim`` files: atomic writes, careful reads."""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile
from pathlib import Path

from app.storage import errors
from app.storage.boundary import describe_os_error
from app.storage.documents import MAX_DOCUMENT_BYTES

SDSIM_SUFFIX = ".sdsim"


def write_atomic(path: Path, text: str) -> Path:
    """Write ``text`` (UTF-8) to ``path`` so that it is either all there or untouched.

    The text goes to a temporary file in the same folder, is flushed to disk,
    then renamed over ``path`` (an atomic replace on every platform).
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    temp = Path(temp_name)
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="\n") as out:
            out.write(text)
            out.flush()
            os.fsync(out.fileno())
        temp.replace(path)
    except BaseException:
        with contextlib.suppress(OSError):
            temp.unlink()
        raise
    return path


def read_text(path: Path) -> str:
    """The UTF-8 text of ``path`` (a BOM is ignored); clear errors for the UI.

    Only a regular file is read (a FIFO or device is refused, never waited
    on), and never more than :data:`MAX_DOCUMENT_BYTES`.
    """
    path = Path(path)
    try:
        descriptor = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except FileNotFoundError as exc:
        raise errors.NotFound(f"The file {path} does not exist.") from exc
    except OSError as exc:
        raise errors.FileProblem(describe_os_error(exc), path) from exc
    try:
        mode = os.fstat(descriptor).st_mode
        if not stat.S_ISREG(mode):
            kind = "a folder" if stat.S_ISDIR(mode) else "not a regular file"
            raise errors.InvalidDocument(f"{path.name} is {kind}, not a project file.")
        with os.fdopen(descriptor, "rb") as handle:
            descriptor = -1  # the file object owns it now
            data = handle.read(MAX_DOCUMENT_BYTES + 1)
    except OSError as exc:
        raise errors.FileProblem(describe_os_error(exc), path) from exc
    finally:
        if descriptor >= 0:
            os.close(descriptor)
    if len(data) > MAX_DOCUMENT_BYTES:
        raise errors.InvalidDocument(f"{path.name} is too large to be a project file.")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise errors.InvalidDocument(f"{path.name} is not a UTF-8 text file.") from exc
