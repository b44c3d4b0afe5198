"""Reading a ``trace`` workload's file: timestamps, safely.

A trace file comes with a design, and a design may come from anyone. So the
reader opens only regular files (a FIFO would block forever, ``/dev/zero``
would fill memory), never more than :data:`MAX_TRACE_BYTES`, decodes UTF-8
strictly, refuses a path that leaves the design's folder unless the caller
allows it (the GUI asks the user first), and never quotes the file's text in
a message: a problem names the line and what was expected there.
"""

from __future__ import annotations

import io
import math
import os
import stat
import warnings
import weakref
from array import array
from pathlib import Path
from typing import Final

import numpy as np

#: Largest trace file read, in bytes (about 2.5 million timestamps of 13 characters).
MAX_TRACE_BYTES: Final = 32 * 1024 * 1024
#: Longest first field taken for a number; no timestamp needs more.
_MAX_FIELD_CHARS: Final = 64
#: Longest path shown in a message.
_MAX_SHOWN_PATH: Final = 160
_UTF8_BOM: Final = b"\xef\xbb\xbf"
#: Bytes a one-column file of plain numbers is made of (see :func:`_one_column`).
_PLAIN_NUMBER_BYTES: Final = b"0123456789.eE+-\r\n"


class WorkloadError(ValueError):
    """A workload that cannot be generated (e.g. an unreadable trace file)."""


class TraceOutsideFolderError(WorkloadError):
    """The trace file lies outside the design's folder and the caller did not allow that.

    The GUI catches this one to ask the user, then retries with
    ``allow_outside=True``; the CLI names its ``--allow-outside-trace`` flag.
    """

    def __init__(self, message: str, path: Path) -> None:
        super().__init__(message)
        self.path = path


def shown_path(path: Path | str) -> str:
    """``path`` for a one-line message: control characters escaped, long paths shortened."""
    text = str(path)
    text = "".join(ch if ch.isprintable() else ascii(ch)[1:-1] for ch in text)
    if len(text) > _MAX_SHOWN_PATH:
        keep = _MAX_SHOWN_PATH // 2 - 2
        text = f"{text[:keep]}...{text[-keep:]}"
    return text


def trace_path(trace_file: str, base_dir: Path | None, *, allow_outside: bool = False) -> Path:
    """Where a trace file is: relative paths are relative to the design's folder.

    Raises:
        TraceOutsideFolderError: The path (after following symbolic links)
            leaves ``base_dir`` and ``allow_outside`` is false. With no
            ``base_dir`` (a design not saved yet, or the Python API) there is no
            folder to leave and the path is taken as given.
    """
    path = Path(trace_file)
    if base_dir is None:
        return path
    if not path.is_absolute():
        path = base_dir / path
    if not allow_outside:
        try:
            inside = path.resolve().is_relative_to(base_dir.resolve())
        except (OSError, RuntimeError, ValueError):  # a symlink loop, a bad name
            inside = False
        if not inside:
            raise TraceOutsideFolderError(
                f"trace file {shown_path(path)} is outside the design's folder; "
                "refused unless files outside it are allowed",
                path,
            )
    return path


def _kind(mode: int) -> str:
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISFIFO(mode):
        return "a FIFO (named pipe)"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a regular file"


_FileKey = tuple[int, int, int, int]
#: Timestamps of files read and still in use, by file identity: 20,000 clients
#: replaying one trace read it once and share one array.
_SHARED: weakref.WeakValueDictionary[_FileKey, array[float]] = weakref.WeakValueDictionary()


def _read_bytes(path: Path) -> tuple[bytes | array[float], _FileKey]:
    """The file's bytes (or its timestamps, when already read and still in use) and identity."""
    shown = shown_path(path)
    # O_NONBLOCK: opening a FIFO for reading would otherwise wait for a writer.
    flags = (
        os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0)
        | getattr(os, "O_BINARY", 0)
    )
    try:
        fd = os.open(path, flags)
    except OSError as exc:
        raise WorkloadError(f"cannot read trace file {shown}: {exc.strerror or exc}") from None
    try:
        info = os.fstat(fd)  # of what was opened: no race with a swapped file
        if not stat.S_ISREG(info.st_mode):
            raise WorkloadError(
                f"trace file {shown} is {_kind(info.st_mode)}: it must be a regular CSV file"
            )
        if info.st_size > MAX_TRACE_BYTES:
            raise WorkloadError(_too_big(shown))
        key = (info.st_dev, info.st_ino, info.st_size, info.st_mtime_ns)
        shared = _SHARED.get(key)
        if shared is not None:
            return shared, key
        chunks: list[bytes] = []
        size = 0
        while size <= MAX_TRACE_BYTES:  # the file may grow while it is read
            chunk = os.read(fd, min(1 << 20, MAX_TRACE_BYTES + 1 - size))
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
    except OSError as exc:
        raise WorkloadError(f"cannot read trace file {shown}: {exc.strerror or exc}") from None
    finally:
        os.close(fd)
    if size > MAX_TRACE_BYTES:
        raise WorkloadError(_too_big(shown))
    return b"".join(chunks), key


def _too_big(shown: str) -> str:
    return (
        f"trace file {shown} is larger than {MAX_TRACE_BYTES // (1024 * 1024)} MB: "
        "shorten the trace"
    )


def _text(data: bytes, shown: str) -> str:
    """The file as text: no NUL byte, strict UTF-8 (a BOM is dropped); errors name the line."""
    if data.startswith(_UTF8_BOM):
        data = data[len(_UTF8_BOM):]
    nul = data.find(b"\x00")
    if nul >= 0:
        lineno = data.count(b"\n", 0, nul) + 1
        raise WorkloadError(
            f"{shown}: line {lineno} holds a NUL byte: a trace must be a text CSV file"
        )
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        lineno = data.count(b"\n", 0, exc.start) + 1
        raise WorkloadError(
            f"{shown}: line {lineno} is not UTF-8 text: save the trace as UTF-8"
        ) from None


def _first_field(line: str) -> str:
    return line.split(",", 1)[0].strip().strip('"').strip()


def _one_column(body: str) -> np.ndarray | None:
    """A body of one plain number per line, parsed in C; ``None``: parse line by line.

    Only a fast path: anything unusual (a second column, quotes, spaces, a
    bad or negative number) returns ``None``, and the line loop then finds
    and names the line.
    """
    data = body.encode("ascii", "replace")
    if (
        data.translate(None, _PLAIN_NUMBER_BYTES)
        or not data.translate(None, b"\r\n.eE+-")  # no digit at all
        or data.count(b"\r") != data.count(b"\r\n")
    ):
        return None
    b = np.frombuffer(data, dtype=np.uint8)
    newline = b == 10
    content = ~newline & (b != 13)
    line_starts = int(content[0]) + int(np.count_nonzero(content[1:] & newline[:-1]))
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            values = np.fromstring(body, dtype=np.float64, sep=" ")
    except (ValueError, DeprecationWarning):
        return None
    # One number per line with content ("1-2" would parse as two), all >= 0 and finite.
    if len(values) != line_starts or not np.all(np.isfinite(values)) or np.any(values < 0):
        return None
    return values


def _line_by_line(text: str, shown: str, header: bool) -> array[float]:
    times: array[float] = array("d")
    append = times.append
    for lineno, line in enumerate(io.StringIO(text, newline="\n"), start=1):
        if lineno == 1 and header:
            continue
        field = _first_field(line)
        if not field:
            continue
        try:
            if len(field) > _MAX_FIELD_CHARS:
                raise ValueError
            value = float(field)
        except ValueError:
            raise WorkloadError(
                f"{shown}: line {lineno}: the first column must be a timestamp in seconds "
                "(a number)"
            ) from None
        if not (0.0 <= value < math.inf):
            raise WorkloadError(
                f"{shown}: line {lineno}: the timestamp must be a finite number of seconds >= 0"
            )
        append(value)
    return times


def _is_header(first_line: str) -> bool:
    field = _first_field(first_line)
    if not field:
        return False
    try:
        float(field[:_MAX_FIELD_CHARS + 1])
    except ValueError:
        return True
    return False


def read_trace_file(path: Path) -> array[float]:
    """Sorted timestamps (s) of a trace CSV: first column; a header and blank lines skipped.

    The array may be shared with other readers of the same file: do not modify it.

    Raises:
        WorkloadError: Not a regular file, too large, not UTF-8 text, or a line
            whose first column is not a timestamp (named by line number; the
            file's text is never quoted).
    """
    shown = shown_path(path)
    data, key = _read_bytes(path)
    if isinstance(data, array):
        return data
    text = _text(data, shown)
    del data
    first_end = text.find("\n")
    header = _is_header(text if first_end < 0 else text[:first_end])
    body = text[first_end + 1:] if header and first_end >= 0 else ("" if header else text)
    fast = _one_column(body)
    out: array[float] = array("d")
    if fast is None:
        times = _line_by_line(text, shown, header)
        if times:
            fast = np.frombuffer(times, dtype=np.float64).copy()
    if fast is not None:
        fast.sort(kind="stable")
        out.frombytes(fast.tobytes())
    _SHARED[key] = out
    return out
