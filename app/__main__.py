"""``python -m app``: the one entry point (see :mod:`app.entry_point`)."""

from __future__ import annotations

import sys

try:
    from app.entry_point import main
except KeyboardInterrupt:  # Ctrl-C while Python is still starting: no traceback
    sys.exit(130)

__all__ = ["main"]

if __name__ == "__main__":
    sys.exit(main())
