"""``main.py report RUN_DIR_OR_FILE``: a PDF, a PNG, CSVs (and HTML) from a run or a sweep.

``RUN_DIR`` is a folder written by ``simulate --out`` (summary.json,
metrics.csv, and since reports exist design.sdsim and run.json) or by
``sweep --out`` (points.csv). A ``.sdsim`` file is run first, exactly as
``simulate`` runs it (into ``--out``, default ``./<file>-results``), then
reported. Without ``--pdf``/``--png``/``--csv``/``--html`` the report goes
into the folder as report.pdf and report.png. See docs/reports.md.

The renderer needs Qt: the platform is set to ``offscreen`` when there is no
display, so the command works on a server.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
from pathlib import Path
from typing import Any, TextIO

from app.reports.output_folder import METRICS_NAME, REPORT_NAMES, describe_os_error
from app.reports.run_folder import (
    POINTS_NAME,
    ReportInputError,
    RunReportInput,
    is_sweep_folder,
    load_run_folder,
    load_sweep_folder,
)

PAGE_SIZES = ("A4", "Letter")


def add_report_flags(parser: argparse.ArgumentParser) -> None:
    """``--page-size`` (shared by ``report`` and ``simulate --report``)."""
    parser.add_argument("--page-size", choices=PAGE_SIZES, default="A4",
                        help="paper size of the PDF and PNG (default A4)")


def add_report_parser(sub: Any) -> None:
    """The ``report`` subcommand."""
    rep = sub.add_parser("report", help="a PDF/PNG/CSV report of a run folder, a sweep "
                                        "folder or a .sdsim design (run first)")
    rep.add_argument("source", type=Path,
                     help="a folder from simulate --out or sweep --out, or a .sdsim design")
    rep.add_argument("--pdf", type=Path, help="write the multi-page PDF here")
    rep.add_argument("--png", type=Path, help="write the first page as a PNG here")
    rep.add_argument("--csv", type=Path, metavar="DIR",
                     help="write metrics.csv, summary.csv and links.csv into DIR")
    rep.add_argument("--html", type=Path, help="write an HTML report here")
    rep.add_argument("--out", type=Path,
                     help="for a .sdsim: the run's output folder (default ./<file>-results)")
    add_report_flags(rep)


def ensure_gui_application() -> Any:
    """A Qt application for painting (offscreen when there is no display)."""
    if not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")):
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtWidgets import QApplication

    # The canvas's scene is a QGraphicsScene, which needs the widgets' application.
    return QApplication.instance() or QApplication(["sdsim-report"])


def render_folder(folder: Path, *, pdf: Path | None, png: Path | None, csv_dir: Path | None,
                  html: Path | None, page_size: str) -> list[Path]:
    """Write the asked-for outputs of the report of ``folder``; returns the files written.

    Raises ReportInputError (one line) for a folder that is not a run's or a sweep's,
    OSError when an output cannot be written.
    """
    sweep = is_sweep_folder(folder)
    data = load_sweep_folder(folder) if sweep else load_run_folder(folder)
    written: list[Path] = []
    if csv_dir is not None:
        csv_dir.mkdir(parents=True, exist_ok=True)
        if sweep:
            _copy(folder / POINTS_NAME, csv_dir / POINTS_NAME, written)
        elif isinstance(data, RunReportInput):
            from app.reports.tables import write_table_csvs

            _copy(folder / METRICS_NAME, csv_dir / METRICS_NAME, written)
            written += write_table_csvs(data.summary, csv_dir)
    if html is not None:
        from app.reports.html_report import write_html

        write_html(data, html)
        written.append(html)
    if pdf is not None or png is not None:
        ensure_gui_application()
        from app.reports.render.report import lay_out, write_pdf, write_png

        pages = lay_out(data, page_size)
        for path, writer in ((pdf, write_pdf), (png, write_png)):
            if path is not None:
                path.parent.mkdir(parents=True, exist_ok=True)
                writer(pages, path)
                written.append(path)
    return written


def _copy(source: Path, target: Path, written: list[Path]) -> None:
    if source.is_file() and source.resolve() != target.resolve():
        shutil.copyfile(source, target)
    if target.is_file():
        written.append(target)


def cmd_report(args: argparse.Namespace, out: TextIO, err: TextIO, stop: Any) -> int:
    """``report SOURCE``: run a .sdsim first if given one, then write the report."""
    from app.cli import EXIT_INVALID, EXIT_OK, CliError, build_parser, cmd_simulate

    source: Path = args.source
    if not source.exists():
        raise CliError(f"{source}: no such file or folder")
    code = EXIT_OK
    if source.is_file():
        folder = args.out if args.out is not None else Path(f"{source.stem}-results")
        sim_args = build_parser().parse_args(["simulate", str(source), "--out", str(folder),
                                              "--quiet"])
        code = cmd_simulate(sim_args, out, err, stop)
        if code not in (EXIT_OK,) and not (folder / "summary.json").is_file():
            return code
    else:
        folder = source
    pdf, png = args.pdf, args.png
    if pdf is None and png is None and args.csv is None and args.html is None:
        pdf, png = (folder / name for name in REPORT_NAMES)
    try:
        written = render_folder(folder, pdf=pdf, png=png, csv_dir=args.csv, html=args.html,
                                page_size=args.page_size)
    except ReportInputError as exc:
        raise CliError(str(exc)) from None
    except OSError as exc:
        print(f"error: cannot write the report: {describe_os_error(exc)} "
              f"({exc.filename or ''})", file=err)
        return EXIT_INVALID
    print("Wrote " + ", ".join(str(p) for p in written), file=out)
    return code


def report_after_run(folder: Path, page_size: str, err: TextIO = sys.stderr) -> list[Path]:
    """``simulate --report``: report.pdf and report.png beside the results."""
    pdf, png = (folder / name for name in REPORT_NAMES)
    try:
        return render_folder(folder, pdf=pdf, png=png, csv_dir=None, html=None,
                             page_size=page_size)
    except (ReportInputError, OSError) as exc:
        print(f"error: cannot write the report: {exc}", file=err)
        return []
