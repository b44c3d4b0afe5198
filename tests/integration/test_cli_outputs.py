"""The CLI's outputs under hostile conditions: one line and exit 2, never a traceback,
never a truncated file under a final name, never the previous run's files passing
for this run's; stop signals write whole partial results; formula-safe CSV.

Read-only and full folders are real: tmpfs mounts (the tests run as root, who
ignores permission bits) or a file-size limit, skipped only where mounting is
not allowed.
"""

from __future__ import annotations

import contextlib
import csv
import io
import json
import resource
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from app.cli import main
from app.engine.snapshot import METRIC_NAMES, Snapshot, WindowMetrics
from app.reports.csv_writer import (
    MetricsCsvWriter,
    read_cell,
    read_metrics_csv,
    safe_cell,
    write_metrics_csv,
)
from app.reports.summary_json import write_summary_json
from app.reports.summary_table import format_summary_table
from app.resources import resource_path
from tests.support.designs import broker_design
from tests.support.mounts import remount_read_only, tmpfs

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE = resource_path("templates", "three_tier_web_app.sdsim")
# simulate --out also writes the design as run and run.json, for a later report (docs/reports.md).
RESULTS = ("summary.json", "metrics.csv", "design.sdsim", "run.json")


def _cli(*args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(args), out, err)
    return code, out.getvalue(), err.getvalue()


def _short_run(out: Path, *extra: str) -> tuple[int, str, str]:
    """A 3-second run of the template into ``out``."""
    return _cli("simulate", str(TEMPLATE), "--duration", "3", "--warmup", "1", "--out", str(out),
                *extra)


def _one_line(code: int, err: str, needle: str) -> str:
    assert code == 2, err
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("error: ") and "Traceback" not in err
    assert needle in lines[0], lines[0]
    return lines[0]


def _no_results(folder: Path) -> None:
    """Nothing under a final name, and no temporary file left either."""
    if folder.exists():
        assert sorted(p.name for p in folder.iterdir()) == [], list(folder.iterdir())


def _old_results(folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "summary.json").write_text('{"old": true}', encoding="utf-8")
    (folder / "metrics.csv").write_text("time_s,component,metric,value\n1,old,x,1\n",
                                        encoding="utf-8")


def _tmpfs(where: Path, size: str = "64k") -> contextlib.AbstractContextManager[Path]:
    return tmpfs(where, size)


_remount_read_only = remount_read_only


def _design(tmp_path: Path, **simulation: float) -> Path:
    doc = json.loads(TEMPLATE.read_text(encoding="utf-8"))
    doc["simulation"].update(simulation)
    path = tmp_path / "d.sdsim"
    path.write_text(json.dumps(doc), encoding="utf-8")
    return path


# -- the folder cannot take the results ----------------------------------------------------


def test_read_only_folder_is_one_line(tmp_path: Path) -> None:
    with _tmpfs(tmp_path / "ro") as mnt:
        _remount_read_only(mnt)
        code, _, err = _short_run(mnt / "out", "--quiet")
        _one_line(code, err, "Read-only file system")
        assert not (mnt / "out").exists()


def test_read_only_folder_holding_old_results_is_one_line(tmp_path: Path) -> None:
    with _tmpfs(tmp_path / "ro") as mnt:
        _old_results(mnt / "out")
        _remount_read_only(mnt)
        code, _, err = _short_run(mnt / "out", "--quiet")
        _one_line(code, err, "cannot remove the previous run's results")


def test_full_disk_leaves_no_truncated_and_no_old_results(tmp_path: Path) -> None:
    with _tmpfs(tmp_path / "full", size="64k") as mnt:
        out = mnt / "out"
        _old_results(out)
        code, _, err = _cli("simulate", str(TEMPLATE), "--duration", "300", "--out", str(out),
                            "--quiet")
        _one_line(code, err, "No space left on device")
        assert "metrics.csv" in err
        _no_results(out)


def test_file_size_limit_is_one_line_in_a_real_process(tmp_path: Path) -> None:
    # Works without mounting: RLIMIT_FSIZE makes writes fail with EFBIG part-way.
    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (40_000, 40_000))

    out = tmp_path / "out"
    proc = subprocess.run(
        [sys.executable, "main.py", "simulate", str(TEMPLATE), "--duration", "300", "--out",
         str(out), "--quiet"],
        cwd=ROOT, capture_output=True, text=True, timeout=120, preexec_fn=limit, check=False,
    )
    _one_line(proc.returncode, proc.stderr, "File too large")
    _no_results(out)


def test_summary_that_does_not_fit_takes_the_metrics_with_it(tmp_path: Path) -> None:
    # One window: metrics.csv (~2.4 kB) fits under the limit, summary.json (~3.7 kB) does not.
    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (3_000, 3_000))

    out = tmp_path / "out"
    proc = subprocess.run(
        [sys.executable, "main.py", "simulate", str(TEMPLATE), "--duration", "1", "--warmup",
         "0.5", "--out", str(out), "--quiet"],
        cwd=ROOT, capture_output=True, text=True, timeout=120, preexec_fn=limit, check=False,
    )
    line = _one_line(proc.returncode, proc.stderr, "File too large")
    assert "summary.json" in line
    _no_results(out)  # not a metrics.csv without its summary


def test_gui_export_to_a_full_disk_leaves_no_file(tmp_path: Path) -> None:
    snap = _snapshot(WindowMetrics(completed=3), {"web": WindowMetrics()})
    with _tmpfs(tmp_path / "full", size="16k") as mnt:
        with pytest.raises(OSError):
            write_metrics_csv([snap] * 2_000, mnt / "export.csv")
        _no_results(mnt)


@pytest.mark.parametrize("taken", ["metrics.csv", "summary.json", "metrics.csv.partial"])
def test_a_folder_named_like_a_result_is_one_line(tmp_path: Path, taken: str) -> None:
    out = tmp_path / "out"
    _old_results(out)
    (out / taken).unlink(missing_ok=True)
    (out / taken).mkdir()
    (out / taken / "keep.txt").write_text("mine", encoding="utf-8")
    code, _, err = _short_run(out, "--quiet")
    line = _one_line(code, err, "is a folder")
    assert taken in line
    assert (out / taken / "keep.txt").read_text(encoding="utf-8") == "mine"
    # The old results are gone even though this run was refused.
    assert not any((out / name).is_file() for name in RESULTS)


def test_out_that_is_a_file_or_below_a_file(tmp_path: Path) -> None:
    a_file = tmp_path / "taken"
    a_file.write_text("x", encoding="utf-8")
    code, _, err = _short_run(a_file)
    _one_line(code, err, "exists and is not a folder")
    code, _, err = _short_run(a_file / "sub")
    _one_line(code, err, "cannot create the output folder")
    assert a_file.read_text(encoding="utf-8") == "x"


def test_a_symlinked_result_name_is_replaced_not_written_through(tmp_path: Path) -> None:
    victim = tmp_path / "victim.txt"
    victim.write_text("precious", encoding="utf-8")
    out = tmp_path / "out"
    out.mkdir()
    (out / "metrics.csv").symlink_to(victim)
    (out / "metrics.csv.partial").symlink_to(victim)
    code, _, err = _short_run(out, "--quiet")
    assert code == 0, err
    assert victim.read_text(encoding="utf-8") == "precious"
    assert not (out / "metrics.csv").is_symlink()
    assert (out / "metrics.csv").read_text().startswith("time_s,component,metric,value")


def test_previous_results_never_pass_for_this_run(tmp_path: Path) -> None:
    out = tmp_path / "out"
    _old_results(out)
    (out / ".summary.json.abc123.tmp").write_text("stale temp", encoding="utf-8")
    code, _, err = _cli("simulate", str(TEMPLATE), "--duration", "4", "--warmup", "1",
                        "--out", str(out), "--quiet")
    assert code == 0, err
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert "old" not in summary and summary["simulated_s"] == 4
    components = {row[1] for row in read_metrics_csv(out / "metrics.csv")}
    assert "old" not in components
    assert sorted(p.name for p in out.iterdir()) == sorted(RESULTS)


# -- stop signals ------------------------------------------------------------------------


def _start(args: list[str]) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "main.py", *args], cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _wait_for_handler(pid: int, signum: int, timeout: float = 60) -> None:
    """Wait until the process catches ``signum`` (Linux: SigCgt in /proc/PID/status)."""
    status = Path(f"/proc/{pid}/status")
    if not status.exists():
        pytest.skip("needs /proc to see when the stop handler is installed")
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for line in status.read_text().splitlines():
            if line.startswith("SigCgt:") and int(line.split()[1], 16) >> (signum - 1) & 1:
                return
        time.sleep(0.005)
    raise AssertionError("the stop handler was never installed")


@pytest.mark.parametrize(("signum", "times"), [(signal.SIGTERM, 1), (signal.SIGINT, 2),
                                              (signal.SIGTERM, 3)])
def test_a_stop_during_the_run_writes_whole_partial_results(tmp_path: Path, signum: int,
                                                            times: int) -> None:
    path = _design(tmp_path, duration_s=100_000)
    out = tmp_path / "out"
    _old_results(out)
    proc = _start(["simulate", str(path), "--out", str(out), "--max-requests", str(10**11),
                   "--max-work", "1e13"])
    deadline = time.monotonic() + 60
    partial = out / "metrics.csv.partial"
    while time.monotonic() < deadline and not (partial.exists()
                                                and partial.stat().st_size > 20_000):
        time.sleep(0.05)
    for _ in range(times):  # an impatient user presses Ctrl-C again
        proc.send_signal(signum)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    assert "Traceback" not in err and "interrupted at t=" in err
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert summary["interrupted"] is True and 0 < summary["simulated_s"] < 100_000
    rows = list(read_metrics_csv(out / "metrics.csv"))
    per_window = len(METRIC_NAMES) * 5  # end to end + 4 components, whole windows only
    assert rows and len(rows) % per_window == 0
    if times == 1:  # the engine stopped at a slice: the last window ends where the run did
        assert max(row[0] for row in rows) == pytest.approx(summary["simulated_s"], rel=1e-5)
    assert sorted(p.name for p in out.iterdir()) == sorted(RESULTS)


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_a_stop_while_the_run_is_built_exits_130_cleanly(tmp_path: Path, signum: int) -> None:
    # 19,999 components in a chain take seconds to build (well after the handler is in).
    comps = [{"id": "c", "type": "client", "workload": {"pattern": "poisson", "rate_rps": 1}}]
    comps += [{"id": f"s{i}", "type": "api_server"} for i in range(19_999)]
    links = [{"source": "c", "target": "s0"}]
    links += [{"source": f"s{i}", "target": f"s{i + 1}"} for i in range(19_998)]
    path = tmp_path / "big.sdsim"
    path.write_text(json.dumps({"format": "sdsim", "version": 1, "name": "big",
                                "components": comps, "links": links,
                                "simulation": {"duration_s": 2, "warmup_s": 1}}),
                    encoding="utf-8")
    out = tmp_path / "out"
    proc = _start(["simulate", str(path), "--out", str(out), "--quiet"])
    _wait_for_handler(proc.pid, signal.SIGTERM)
    proc.send_signal(signum)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 130, err
    assert "Traceback" not in err
    assert err.strip().splitlines() == ["interrupted before the run started; nothing was written"]
    assert not out.exists()


# -- what goes into the files and the table ----------------------------------------------


FORMULA_IDS = {
    "web": '=HYPERLINK("http://evil.example","click")',
    "app": "+cmd|' /C calc'!A0",
    "db": "@SUM(1+1)*cmd|' /C calc'!A0",
    "lb": "-2+3",
}


def test_ids_from_a_design_cannot_run_as_spreadsheet_formulas(tmp_path: Path) -> None:
    doc = json.loads(TEMPLATE.read_text(encoding="utf-8"))
    for comp in doc["components"]:
        comp["id"] = FORMULA_IDS.get(comp["id"], comp["id"])
    for link in doc["links"]:
        for end in ("source", "target"):
            link[end] = FORMULA_IDS.get(link[end], link[end])
    path = tmp_path / "evil.sdsim"
    path.write_text(json.dumps(doc), encoding="utf-8")
    out = tmp_path / "out"
    code, _, err = _cli("simulate", str(path), "--duration", "3", "--warmup", "1", "--out",
                        str(out), "--quiet")
    assert code == 0, err
    with (out / "metrics.csv").open(newline="", encoding="utf-8") as handle:
        cells = [cell for row in csv.reader(handle) for cell in row[1:2]]
    assert not [c for c in cells if c[:1] in ("=", "+", "-", "@", "\t", "\r")]
    # Our own reader gives the exact ids back; summary.json keeps them as they are.
    ids = {row[1] for row in read_metrics_csv(out / "metrics.csv")}
    assert ids == {"end_to_end", *FORMULA_IDS.values()}
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert set(summary["components"]) == set(FORMULA_IDS.values())


@pytest.mark.parametrize("text", ["=1+1", "+1", "-1", "@A1", "\t=1", "\r=1", "'=1", "''x",
                                  "plain", "", "a=b"])
def test_safe_cells_are_reversible(text: str) -> None:
    cell = safe_cell(text)
    assert read_cell(cell) == text
    assert not cell.startswith(("=", "+", "-", "@", "\t", "\r"))


def _snapshot(e2e: WindowMetrics, components: dict[str, WindowMetrics]) -> Snapshot:
    return Snapshot.build(1.0, 1.0, 0.5, e2e, components)


def test_missing_latency_is_a_blank_cell_and_counts_stay_exact(tmp_path: Path) -> None:
    none = dict.fromkeys((n for n in METRIC_NAMES if n.startswith("latency")), None)
    e2e = WindowMetrics(arrivals=12_345_678, **none)  # type: ignore[arg-type]
    with MetricsCsvWriter(tmp_path / "m.csv") as writer:
        writer.write(_snapshot(e2e, {"web": WindowMetrics(latency_mean_ms=float("nan"))}))
    rows = {(c, m): v for _, c, m, v in read_metrics_csv(tmp_path / "m.csv")}
    assert rows[("end_to_end", "latency_p99_ms")] is None
    assert rows[("end_to_end", "arrivals")] == 12_345_678
    assert rows[("web", "latency_mean_ms")] is None
    text = (tmp_path / "m.csv").read_text(encoding="utf-8")
    assert "1,end_to_end,latency_mean_ms,\n" in text and "nan" not in text.lower()


def test_summary_json_never_holds_nan(tmp_path: Path) -> None:
    write_summary_json({"a": float("nan"), "b": [float("inf"), 1.5], "c": {"d": -float("inf")}},
                       tmp_path / "s.json")
    assert json.loads((tmp_path / "s.json").read_text()) == {"a": None, "b": [None, 1.5],
                                                             "c": {"d": None}}


def _real_summary(tmp_path: Path) -> dict:
    out = tmp_path / "real"
    assert _short_run(out, "--quiet")[0] == 0
    return json.loads((out / "summary.json").read_text(encoding="utf-8"))


def test_table_says_stopped_during_warmup_instead_of_zeros(tmp_path: Path) -> None:
    summary = _real_summary(tmp_path)
    summary["stopped_during_warmup"] = True
    text = format_summary_table(summary)
    assert "stopped during warm-up: no statistics yet" in text
    assert "latency" not in text and "0 completed" not in text


def test_table_shows_rejected_timed_out_and_dashes_for_no_latency(tmp_path: Path) -> None:
    summary = _real_summary(tmp_path)
    e2e = summary["end_to_end"]
    e2e.update(rejected=7, timed_out=11, failed=18)
    e2e["latency_ms"] = dict.fromkeys(e2e["latency_ms"], None)
    summary["components"]["web"]["latency_ms"] = dict.fromkeys(e2e["latency_ms"], None)
    summary["components"]["web"]["timed_out"] = 4242
    text = format_summary_table(summary)
    assert "18 failed, 7 rejected, 11 timed out" in text
    assert "mean — (n/a 95% CI)  p50 —" in text
    header = next(line for line in text.splitlines() if line.startswith("component"))
    assert "rejected" in header and "timed out" in header and "failed" in header
    web = next(line for line in text.splitlines() if line.startswith("web "))
    assert "4,242" in web and "—" in web


def test_table_shows_async_failures_and_a_full_brokers_dropped_messages(tmp_path: Path) -> None:
    # A broker with a 5-message backlog in front of a consumer that can take half
    # the load: messages are lost at the broker, and the end-to-end line says so.
    design = broker_design(pattern="poisson", rate_rps=200, capacity=5, duration_s=20,
                           warmup_s=2, seed=3)
    path = tmp_path / "broker.sdsim"
    path.write_text(json.dumps(design), encoding="utf-8")
    out = io.StringIO()
    code = main(["simulate", str(path), "--out", str(tmp_path / "o")], out, io.StringIO())
    assert code == 0
    summary = json.loads((tmp_path / "o" / "summary.json").read_text(encoding="utf-8"))
    dropped = summary["components"]["mq"]["dropped"]
    async_failed = summary["end_to_end"]["async_failed"]
    assert dropped > 1000 and async_failed >= dropped
    text = out.getvalue()
    assert f"{async_failed:,} failed in async work" in text
    header = next(line for line in text.splitlines() if line.startswith("component"))
    assert header.split()[-1] == "dropped"
    mq = next(line for line in text.splitlines() if line.startswith("mq "))
    assert mq.split()[-1] == f"{dropped:,}"
