"""The headless CLI as a user runs it: bad input is refused with exit 2 and one line."""

from __future__ import annotations

import io
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from app.cli import main
from app.resources import resource_path

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE = resource_path("templates", "three_tier_web_app.sdsim")


def _valid() -> dict:
    return json.loads(TEMPLATE.read_text(encoding="utf-8"))


def _cli(*args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(args), out, err)
    return code, out.getvalue(), err.getvalue()


def _write(tmp_path: Path, content: str | bytes | dict, name: str = "d.sdsim") -> Path:
    path = tmp_path / name
    if isinstance(content, dict):
        content = json.dumps(content)
    if isinstance(content, str):
        content = content.encode("utf-8")
    path.write_bytes(content)
    return path


def _mutate(fn) -> dict:
    doc = _valid()
    fn(doc)
    return doc


def _cycle(d: dict) -> None:
    d["links"].append({"source": "db", "target": "web"})


BAD_FILES = {
    "malformed JSON": ('{"format": "sdsim", "version": 1,', "JSON"),
    "empty file": ("", "empty"),
    "top-level array": ("[1, 2, 3]", "object"),
    "binary bytes": (b"\x89PNG\r\n\x1a\n\x00\x00\xff\xfe", ""),
    "deep nesting": ("[" * 200_000 + "]" * 200_000, "nest"),
    "future version": (_mutate(lambda d: d.update(version=7)), "version"),
    "unknown type": (
        _mutate(lambda d: d["components"][1].update(type="load_balancr")), "load_balancr"),
    "dangling link": (
        _mutate(lambda d: d["links"].append({"source": "web", "target": "ghost"})), "ghost"),
    "negative number": (_mutate(lambda d: d["components"][2].update(replicas=-3)), "replicas"),
    "NaN": ('{"format": "sdsim", "version": 1, "components": [], "links": [],'
            ' "simulation": {"duration_s": NaN}}', "NaN"),
    "duplicate ids": (_mutate(lambda d: d["components"].append(dict(d["components"][2]))),
                      "web"),
    "probability > 1": (_mutate(lambda d: d["links"][1].update(probability=1.5)),
                        "probability"),
    "hit ratio < 0": (_mutate(lambda d: d["components"][2].update(
        type="cache", profile="redis", hit_ratio=-0.1)), "hit_ratio"),
    "sync call cycle": (_mutate(_cycle), "cycle"),
}


@pytest.mark.parametrize("case", sorted(BAD_FILES))
def test_bad_file_is_refused_with_one_line(case: str, tmp_path: Path) -> None:
    content, needle = BAD_FILES[case]
    path = _write(tmp_path, content)
    for command in ("validate", "simulate"):
        code, out, err = _cli(command, str(path), "--quiet") if command == "simulate" else _cli(
            command, str(path))
        assert code == 2, (case, command, out, err)
        lines = err.strip().splitlines()
        assert len(lines) == 1, (case, err)
        assert lines[0].startswith("error: ")
        assert "Traceback" not in err
        assert needle.lower() in lines[0].lower(), (case, lines[0])
    assert not (tmp_path / "d-results").exists()


def test_missing_file(tmp_path: Path) -> None:
    code, _, err = _cli("simulate", str(tmp_path / "nope.sdsim"))
    assert code == 2
    assert err.strip() == f"error: {tmp_path / 'nope.sdsim'}: no such file"


def test_load_over_the_budget_names_max_requests(tmp_path: Path) -> None:
    doc = _mutate(lambda d: d["components"][0]["workload"].update(rate_rps=5_000_000))
    path = _write(tmp_path, doc)
    code, _, err = _cli("simulate", str(path), "--duration", "60")
    assert code == 2
    assert "--max-requests" in err and "300,000,000" in err
    assert len(err.strip().splitlines()) == 1


def test_simulate_writes_summary_and_tidy_csv(tmp_path: Path) -> None:
    out_dir = tmp_path / "out"
    code, out, _ = _cli("simulate", str(TEMPLATE), "--duration", "12", "--warmup", "2",
                        "--seed", "5", "--out", str(out_dir))
    assert code == 0
    assert "End to end" in out and "component" in out
    summary = json.loads((out_dir / "summary.json").read_text())
    assert summary["simulated_s"] == 12 and summary["warmup_s"] == 2 and summary["seed"] == 5
    e2e = summary["end_to_end"]
    for key in ("requests", "completed", "failed", "error_rate", "throughput_rps"):
        assert key in e2e
    assert set(e2e["latency_ms"]) >= {"mean", "mean_ci95", "p50", "p90", "p95", "p99", "max"}
    # 800 req/s offered for 10 measured seconds.
    assert e2e["throughput_rps"] == pytest.approx(800, rel=0.05)
    web = summary["components"]["web"]
    for key in ("arrivals", "completed", "rejected", "timed_out", "failed", "utilization",
                "mean_queue_length", "throughput_rps", "latency_ms"):
        assert key in web
    lines = (out_dir / "metrics.csv").read_text().splitlines()
    assert lines[0] == "time_s,component,metric,value"
    components = {line.split(",")[1] for line in lines[1:]}
    assert components == {"end_to_end", "lb", "web", "app", "db"}
    times = sorted({float(line.split(",")[0]) for line in lines[1:]})
    assert times == [float(t) for t in range(1, 13)]


def test_same_file_and_seed_give_identical_summaries(tmp_path: Path) -> None:
    summaries = []
    for run in range(2):
        out_dir = tmp_path / f"run{run}"
        assert _cli("simulate", str(TEMPLATE), "--duration", "8", "--seed", "3",
                    "--out", str(out_dir), "--quiet")[0] == 0
        s = json.loads((out_dir / "summary.json").read_text())
        s.pop("wall_s")
        summaries.append(s)
        csv_text = (out_dir / "metrics.csv").read_text()
    assert summaries[0] == summaries[1]
    assert csv_text == (tmp_path / "run0" / "metrics.csv").read_text()
    other = tmp_path / "other"
    _cli("simulate", str(TEMPLATE), "--duration", "8", "--seed", "4", "--out", str(other),
         "--quiet")
    assert json.loads((other / "summary.json").read_text())["end_to_end"] != summaries[0][
        "end_to_end"]


def test_validate_ok(tmp_path: Path) -> None:
    code, out, _ = _cli("validate", str(TEMPLATE))
    assert code == 0
    assert "OK" in out and "5 components" in out


def test_real_entry_point_and_ctrl_c_keeps_partial_results(tmp_path: Path) -> None:
    doc = _mutate(lambda d: d["simulation"].update(duration_s=100_000))
    path = _write(tmp_path, doc)
    out_dir = tmp_path / "partial"
    proc = subprocess.Popen(
        [sys.executable, "main.py", "simulate", str(path), "--out", str(out_dir),
         "--max-requests", "100000000000", "--max-work", "1e13"],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env=dict(os.environ),
    )
    partial = out_dir / "metrics.csv.partial"
    try:
        # Interrupt only once the run is really running (windows are being
        # written); the limit is a hang guard, generous for a loaded machine.
        deadline = time.monotonic() + 120
        while not (partial.exists() and partial.stat().st_size > 20_000):
            assert proc.poll() is None, proc.communicate()[1]
            assert time.monotonic() < deadline, "the run never wrote 20 KB of windows"
            time.sleep(0.1)
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:  # never leave a run spinning for the rest of the suite
            proc.kill()
            proc.communicate()
    assert proc.returncode == 130, err
    assert "Traceback" not in err
    assert "interrupted" in err
    summary = json.loads((out_dir / "summary.json").read_text())
    assert summary["interrupted"] is True
    assert 0 < summary["simulated_s"] < 100_000
    assert (out_dir / "metrics.csv").read_text().startswith("time_s,component,metric,value")


def test_simulate_prints_failures_replicas_and_events(tmp_path: Path) -> None:
    template = resource_path("templates", "zone_outage.sdsim")
    code, out, _ = _cli("simulate", str(template), "--duration", "40", "--out",
                        str(tmp_path / "out"))
    assert code == 0
    summary = json.loads((tmp_path / "out" / "summary.json").read_text())
    crashes = summary["failures"]["crashes"]
    assert crashes == 3  # zone a's three replicas, once
    assert f"Failures: {crashes} crashes" in out
    assert "Replicas of web_b: 3 to " in out
    assert "zone_outage        a  (source fault)" in out
    # Alert state changes have their own timeline in the table.
    total = len([e for e in summary["events"] if not e["kind"].startswith("alert_")])
    assert f"Events ({total}; the first {min(12, total)}, all in summary.json):" in out
    assert summary["links"]["lb->web_a"]["calls"] > 0


def test_a_calm_run_prints_no_resilience_lines(tmp_path: Path) -> None:
    code, out, _ = _cli("simulate", str(TEMPLATE), "--duration", "3", "--warmup", "1",
                        "--out", str(tmp_path / "out"))
    assert code == 0 and "End to end" in out
    assert "Failures:" not in out and "Events (" not in out and "Replicas of" not in out
