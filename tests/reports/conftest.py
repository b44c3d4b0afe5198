"""Fixtures of the report tests: the GUI tests reuse the desktop tests' window."""

from tests.ui.conftest import window

__all__ = ["window"]
