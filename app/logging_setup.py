"""Logging to a rotating file in the log directory (and stderr for warnings)."""

from __future__ import annotations

import logging
import logging.handlers
import sys

from app import paths

LOG_FILE_NAME = "sdsim.log"
_FORMAT = "%(asctime)s %(levelname)-7s %(name)s: %(message)s"


def configure_logging(level: int = logging.INFO) -> logging.Handler:
    """Attach a rotating file handler to the root logger (once) and return it.

    Calling it again re-targets the handler, so a test that changes
    ``SDSIM_DATA_DIR`` gets its own log file.
    """
    root = logging.getLogger()
    for handler in list(root.handlers):
        if getattr(handler, "_sdsim", False):
            root.removeHandler(handler)
            handler.close()
    file_handler = logging.handlers.RotatingFileHandler(
        paths.log_dir() / LOG_FILE_NAME, maxBytes=2_000_000, backupCount=5, encoding="utf-8"
    )
    file_handler.setFormatter(logging.Formatter(_FORMAT))
    file_handler._sdsim = True  # type: ignore[attr-defined]
    root.addHandler(file_handler)
    if not any(getattr(h, "_sdsim_stderr", False) for h in root.handlers):
        stderr = logging.StreamHandler(sys.stderr)
        stderr.setLevel(logging.WARNING)
        stderr.setFormatter(logging.Formatter("%(levelname)s: %(message)s"))
        stderr._sdsim_stderr = True  # type: ignore[attr-defined]
        root.addHandler(stderr)
    root.setLevel(level)
    return file_handler
