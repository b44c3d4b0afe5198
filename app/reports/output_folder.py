"""The ``--out`` folder of a headless run: checked, and cleared of the previous results.

Before a run starts the folder is created if needed, refused (one line) if a
result name is taken by something that is not a file or the folder cannot be
written, and the previous run's results are **removed**: a folder never holds
one run's ``summary.json`` beside another run's ``metrics.csv``, and a run that
fails or is killed leaves no results rather than the last run's looking like
its own. Files are then written under temporary names and renamed into place
only when complete (see :mod:`app.atomic_io` and
:class:`app.reports.csv_writer.MetricsCsvWriter`).
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path

SUMMARY_NAME = "summary.json"
METRICS_NAME = "metrics.csv"
DESIGN_NAME = "design.sdsim"
RUN_NAME = "run.json"
#: ``simulate --report`` writes these beside the results.
REPORT_NAMES = ("report.pdf", "report.png")
RESULT_NAMES = (SUMMARY_NAME, METRICS_NAME, DESIGN_NAME, RUN_NAME, *REPORT_NAMES)
#: A file being streamed is named ``<final name>.partial`` until it is complete.
PARTIAL_SUFFIX = ".partial"


class OutputError(Exception):
    """The output folder cannot take the results: one line for the user."""


def describe_os_error(exc: OSError) -> str:
    """The reason of an OSError in a few words ("No space left on device")."""
    return exc.strerror or str(exc) or type(exc).__name__


def _leftovers(folder: Path) -> list[Path]:
    """Our own files a previous (or crashed) run may have left in ``folder``."""
    names = [*RESULT_NAMES, METRICS_NAME + PARTIAL_SUFFIX]
    found = [folder / name for name in names]
    # Temporary files of app.atomic_io.atomic_write_bytes: ".summary.json.<random>.tmp".
    with contextlib.suppress(OSError):
        for name in (SUMMARY_NAME, DESIGN_NAME, RUN_NAME):
            found.extend(folder.glob(f".{name}.*.tmp"))
    return found


def prepare_output_folder(folder: Path) -> None:
    """Make ``folder`` ready for a run's results; raises OutputError saying why not."""
    try:
        if folder.exists() and not folder.is_dir():
            raise OutputError(f"{folder}: exists and is not a folder; choose another --out")
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(
            f"{folder}: cannot create the output folder: {describe_os_error(exc)}"
        ) from None
    # Files first, so that even a refused run leaves no old results behind.
    taken: list[Path] = []
    for path in _leftovers(folder):
        try:
            if path.is_dir() and not path.is_symlink():
                taken.append(path)
            else:
                path.unlink(missing_ok=True)
        except OSError as exc:
            raise OutputError(
                f"{path}: cannot remove the previous run's results: {describe_os_error(exc)}"
            ) from None
    if taken:
        raise OutputError(
            f"{taken[0]}: is a folder, so the results cannot be written under that name; "
            "remove it or choose another --out"
        )
    _probe_writable(folder)


def _probe_writable(folder: Path) -> None:
    """Refuse a folder we cannot create files in (read-only, no permission) up front."""
    try:
        fd, name = tempfile.mkstemp(prefix=".sdsim-probe-", dir=folder)
    except OSError as exc:
        raise OutputError(
            f"{folder}: cannot write the results here: {describe_os_error(exc)}"
        ) from None
    os.close(fd)
    with contextlib.suppress(OSError):
        Path(name).unlink()
