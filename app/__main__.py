"""``python -m app``: the one entry point (see :mod:`app.entry_point`)."""

from __future__ import annotations

import sys

from app.entry_point import main

__all__ = ["main"]

if __name__ == "__main__":
    sys.exit(main())
