"""``main.py report`` and ``simulate --report``: PDF pages, selectable text, fonts, images, CSVs,
hostile names, runs stopped early, overload and sweeps; every run is a real SimPy run."""

from __future__ import annotations

import csv
import dataclasses
import json
from pathlib import Path

import pytest
from PySide6.QtGui import QImage

from app.engine.simulation import Simulation
from app.headless_run import run_to_folder
from app.model.fileformat import dumps, load, save
from app.reports.run_folder import load_run_folder
from app.reports.tables import HEADLINE_COLUMNS, LINK_COLUMNS
from app.stop_signals import StopSignals
from tests.reports.helpers import (
    THREE_TIER,
    cli,
    pdf_fonts,
    pdf_images,
    pdf_page_size,
    pdf_pages,
    pdf_text,
)

pytestmark = pytest.mark.usefixtures("qapp")


def _flat(text: str) -> str:
    """pdftotext's layout text with runs of spaces squeezed (columns are spaced apart)."""
    return " ".join(text.split())


def test_simulate_report_writes_the_run_description_a_pdf_and_a_png(tmp_path: Path) -> None:
    out = tmp_path / "run"
    code, stdout, err = cli("simulate", str(THREE_TIER), "--duration", "20", "--warmup", "2",
                            "--seed", "7", "--out", str(out), "--report")
    assert code == 0, err
    run = json.loads((out / "run.json").read_text(encoding="utf-8"))
    assert run["format"] == "sdsim-run" and run["design_name"] == "Three-tier web app"
    assert run["settings"] == {"duration_s": 20.0, "warmup_s": 2.0, "seed": 7}
    assert run["source_file"] == str(THREE_TIER)
    # The design as run, canonical: the same text the original saves to.
    assert (out / "design.sdsim").read_text(encoding="utf-8") == dumps(load(THREE_TIER))
    assert "report.pdf" in stdout

    pdf = out / "report.pdf"
    assert pdf_pages(pdf) >= 2
    assert pdf_page_size(pdf) == pytest.approx((595, 842), abs=1)
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    text = _flat(pdf_text(pdf))
    assert "Three-tier web app" in text and "Results after the warm-up" in text
    assert "warm-up 2 s, seed 7" in text and "Finished: 20 s simulated" in text
    e2e = summary["end_to_end"]
    # The headline numbers are the summary's, as text a reader can select.
    assert f"{e2e['throughput_rps']:,.1f}" in text
    assert f"{e2e['latency_ms']['mean']:.2f}" in text and f"{e2e['latency_ms']['p99']:.2f}" in text
    for cid in summary["components"]:
        assert cid in text
    for title in ("Throughput", "End-to-end latency percentiles", "Error rate", "Utilisation",
                  "Queue length", "Simulation against queueing theory", "Links"):
        assert title in text, title
    assert f"Bottleneck (highest utilisation): {summary['analytic']['bottleneck']}" in text
    # The diagram is the one image; fonts are embedded.
    images = pdf_images(pdf)
    assert len(images) == 1 and images[0][0] == "1" and int(images[0][3]) > 500
    fonts = pdf_fonts(pdf)
    assert fonts and all(row.split()[-5] == "yes" for row in fonts)

    png = QImage(str(out / "report.png"))
    assert (png.width(), png.height()) == (910, 1287)  # A4 at 110 dpi
    # Not a blank page: the title and the diagram put dark ink on the paper.
    dark = sum(1 for y in range(0, png.height(), 7) for x in range(0, png.width(), 7)
               if png.pixelColor(x, y).lightness() < 100)
    assert dark > 100


def test_report_of_a_design_file_runs_it_and_writes_letter_pages_and_csvs(tmp_path: Path) -> None:
    design = tmp_path / "shop.sdsim"
    doc = load(THREE_TIER)
    save(dataclasses.replace(doc, simulation=dataclasses.replace(
        doc.simulation, duration_s=15.0, warmup_s=2.0)), design)
    out = tmp_path / "results"
    code, _, err = cli("report", str(design), "--out", str(out), "--pdf",
                       str(tmp_path / "r.pdf"), "--csv", str(tmp_path / "csv"),
                       "--html", str(tmp_path / "r.html"), "--page-size", "Letter")
    assert code == 0, err
    assert (out / "summary.json").is_file() and (out / "design.sdsim").is_file()
    assert pdf_page_size(tmp_path / "r.pdf") == pytest.approx((612, 792), abs=1)
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    with (tmp_path / "csv" / "summary.csv").open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert list(rows[0]) == [c.key for c in HEADLINE_COLUMNS]
    assert [r["component"] for r in rows] == ["end_to_end", *summary["components"]]
    assert float(rows[0]["throughput_rps"]) == pytest.approx(
        summary["end_to_end"]["throughput_rps"], rel=1e-5)
    lo, hi = summary["end_to_end"]["latency_ms"]["mean_ci95"]
    assert float(rows[0]["latency_mean_ci95_half_ms"]) == pytest.approx((hi - lo) / 2, rel=1e-5)
    assert rows[0]["utilization"] == ""  # end to end has no utilisation: empty, never 0
    with (tmp_path / "csv" / "links.csv").open(encoding="utf-8") as handle:
        links = list(csv.DictReader(handle))
    assert list(links[0]) == [c.key for c in LINK_COLUMNS]
    assert {r["link"] for r in links} == set(summary["links"])
    metrics = (tmp_path / "csv" / "metrics.csv").read_text(encoding="utf-8")
    assert metrics == (out / "metrics.csv").read_text(encoding="utf-8")
    assert "<table>" in (tmp_path / "r.html").read_text(encoding="utf-8")


HOSTILE = ("<b>bold</b> & <script>alert(1)</script> "
           "שלום עולם مرحبا " + "very long name " * 30)


def test_hostile_design_names_are_plain_text(tmp_path: Path) -> None:
    design = tmp_path / "hostile.sdsim"
    doc = load(THREE_TIER)
    save(dataclasses.replace(doc, name=HOSTILE, simulation=dataclasses.replace(
        doc.simulation, duration_s=8.0, warmup_s=1.0)), design)
    out = tmp_path / "run"
    code, _, err = cli("report", str(design), "--out", str(out), "--pdf",
                       str(tmp_path / "r.pdf"), "--png", str(tmp_path / "r.png"),
                       "--html", str(tmp_path / "r.html"))
    assert code == 0, err
    text = pdf_text(tmp_path / "r.pdf")
    # Markup is shown as the characters it is made of; right-to-left text survives.
    assert "<b>bold</b> & <script>alert(1)</script>" in text
    assert "שלום" in text or "םולש" in text  # logical or visual order, by poppler version
    # A very long name is cut with an ellipsis on the page, never wraps over the layout.
    assert "…" in text and "very long name " * 30 not in text
    html = (tmp_path / "r.html").read_text(encoding="utf-8")
    assert "<script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "&lt;b&gt;bold&lt;/b&gt;" in html
    assert not QImage(str(tmp_path / "r.png")).isNull()


def _stopped_run(tmp_path: Path, stop_after_windows: int, duration_s: float) -> Path:
    """A real run stopped after ``stop_after_windows`` windows (as the Stop button does)."""
    doc = load(THREE_TIER)
    sim = Simulation(doc, base_dir=THREE_TIER.parent, duration_s=duration_s, warmup_s=5.0,
                     seed=3, live=False)
    seen = []

    def on_window(_snap: object) -> None:
        seen.append(1)
        if len(seen) == stop_after_windows:
            sim.request_stop()

    out = tmp_path / f"stopped-{stop_after_windows}"
    with StopSignals() as stop, stop.deferred():
        result = run_to_folder(sim, out, stop, on_window=on_window, source=THREE_TIER)
    assert result.interrupted
    return out


def test_a_run_stopped_early_reports_what_was_simulated(tmp_path: Path) -> None:
    out = _stopped_run(tmp_path, stop_after_windows=12, duration_s=300.0)
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert 10 <= summary["simulated_s"] < 20
    code, _, err = cli("report", str(out), "--pdf", str(tmp_path / "r.pdf"))
    assert code == 0, err
    text = _flat(pdf_text(tmp_path / "r.pdf"))
    assert f"Stopped early at {summary['simulated_s']:g} s simulated" in text
    assert "300 s planned" in text
    assert "Results after the warm-up" in text


def test_a_run_stopped_in_its_warm_up_says_there_are_no_statistics(tmp_path: Path) -> None:
    out = _stopped_run(tmp_path, stop_after_windows=2, duration_s=60.0)
    code, _, err = cli("report", str(out), "--pdf", str(tmp_path / "r.pdf"), "--csv",
                       str(tmp_path / "csv"))
    assert code == 0, err
    text = _flat(pdf_text(tmp_path / "r.pdf"))
    assert "stopped during warm-up: no statistics yet" in text
    assert "No statistics: the warm-up was not over." in text
    assert "Results after the warm-up" not in text  # no table of zeros
    rows = (tmp_path / "csv" / "summary.csv").read_text(encoding="utf-8").splitlines()
    assert len(rows) == 1  # the header only


def test_an_overloaded_design_is_reported_as_overloaded(tmp_path: Path) -> None:
    doc = load(THREE_TIER)
    users = next(c for c in doc.components if c.id == "users")
    overloaded = dataclasses.replace(
        doc, simulation=dataclasses.replace(doc.simulation, duration_s=10.0, warmup_s=1.0),
        components=[dataclasses.replace(c, workload=dataclasses.replace(c.workload,
                                                                        rate_rps=6000.0))
                    if c is users and c.workload is not None else c for c in doc.components])
    design = tmp_path / "overload.sdsim"
    save(overloaded, design)
    code, _, err = cli("report", str(design), "--out", str(tmp_path / "run"), "--pdf",
                       str(tmp_path / "r.pdf"))
    assert code == 0, err
    summary = load_run_folder(tmp_path / "run").summary
    saturated = [cid for cid, m in summary["analytic"]["components"].items() if m["saturated"]]
    assert saturated
    text = _flat(pdf_text(tmp_path / "r.pdf"))
    assert "Overloaded: offered load exceeds capacity at " + ", ".join(saturated) in text
    assert "yes" in text  # the analytic table's saturated column


def test_a_sweep_folder_reports_latency_against_the_swept_parameter(tmp_path: Path) -> None:
    out = tmp_path / "sweep"
    code, _, err = cli("sweep", str(THREE_TIER), "--set", "users.rate_rps=200,400",
                       "-n", "2", "--workers", "1", "--duration", "6", "--warmup", "1",
                       "--out", str(out), "--quiet")
    assert code == 0, err
    code, _, err = cli("report", str(out))
    assert code == 0, err
    pdf = out / "report.pdf"
    text = _flat(pdf_text(pdf))
    assert "Parameter sweep report" in text
    assert "Mean latency against users.rate_rps" in text and "Points (end to end)" in text
    with (out / "points.csv").open(encoding="utf-8") as handle:
        means = [float(r["mean"]) for r in csv.DictReader(handle)
                 if r["component"] == "end_to_end" and r["metric"] == "latency_mean_ms"]
    assert len(means) == 2 and all(f"{m:.2f}" in text for m in means)
    assert (out / "report.png").is_file() and pdf_images(pdf) == []  # all vector


@pytest.mark.parametrize("make", ["empty", "missing", "bad-json"])
def test_what_is_not_a_run_gets_one_line(tmp_path: Path, make: str) -> None:
    target = tmp_path / "folder"
    if make != "missing":
        target.mkdir()
    if make == "bad-json":
        (target / "summary.json").write_text("{not json", encoding="utf-8")
    code, out, err = cli("report", str(target), "--pdf", str(tmp_path / "r.pdf"))
    assert code == 2 and out == ""
    assert err.startswith("error: ") and err.count("\n") == 1 and "Traceback" not in err
    assert not (tmp_path / "r.pdf").exists()


def test_the_report_command_needs_no_display(tmp_path: Path) -> None:
    """``main.py report`` in a fresh process without DISPLAY or QT_QPA_PLATFORM (a server)."""
    import os
    import subprocess
    import sys

    from app.entry_point import parse_launch

    assert parse_launch(["report", "run/"]).mode == "headless"
    out = tmp_path / "run"
    code, _, err = cli("simulate", str(THREE_TIER), "--duration", "5", "--warmup", "1",
                       "--out", str(out), "--quiet")
    assert code == 0, err
    env = {k: v for k, v in os.environ.items()
           if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")}
    root = Path(__file__).resolve().parents[2]
    proc = subprocess.run([sys.executable, "main.py", "report", str(out), "--png",
                           str(tmp_path / "r.png")], cwd=root, env=env, capture_output=True,
                          text=True, timeout=120, check=False)
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr
    assert not QImage(str(tmp_path / "r.png")).isNull()
    assert not (out / "report.pdf").exists()  # only what was asked for
