"""Entry point: no arguments opens the GUI; ``simulate``/``validate`` run headless."""

from __future__ import annotations

import sys

HEADLESS_COMMANDS = ("simulate", "validate")


def main(argv: list[str] | None = None) -> int:
    """Dispatch to the headless CLI or start the desktop application."""
    args = sys.argv[1:] if argv is None else argv
    if args and (args[0] in HEADLESS_COMMANDS or args[0] in ("-h", "--help", "--version")):
        from app.cli import main as cli_main

        return cli_main(args)
    from app.ui.application import run_gui

    return run_gui(args)


if __name__ == "__main__":
    sys.exit(main())
