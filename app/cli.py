"""The headless command line: ``simulate`` and ``validate``."""

from __future__ import annotations

import argparse

from app import __version__


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of ``main.py simulate|validate``."""
    parser = argparse.ArgumentParser(prog="main.py", description="System Design Simulator")
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    parser.add_subparsers(dest="command")
    return parser


def main(argv: list[str]) -> int:
    """Run a headless command; returns the exit code."""
    args = build_parser().parse_args(argv)
    return 0 if args.command else 2
