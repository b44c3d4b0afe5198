"""``main.py plan``: the table, ``--apply`` end to end, and hostile arguments in one line."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

import pytest

from app import cli_plan
from app.analysis import planner
from app.cli import main
from app.model.fileformat import load

ROOT = Path(__file__).resolve().parents[2]


def _design(rate: float = 100.0, replicas: int = 1, alerts: list[dict] | None = None) -> dict:
    """Users -> an exponential 10 ms server (M/M/1 per replica), a short run."""
    doc = {
        "format": "sdsim", "version": 2, "name": "plan me",
        "components": [
            {"id": "users", "type": "client",
             "workload": {"pattern": "poisson", "rate_rps": rate}},
            {"id": "api", "type": "microservice", "concurrency": 1, "blocking": False,
             "replicas": replicas, "queue_capacity": None,
             "service_time": {"distribution": "exponential", "mean_ms": 10}},
        ],
        "links": [{"source": "users", "target": "api"}],
        "simulation": {"duration_s": 15, "warmup_s": 2, "seed": 3},
    }
    if alerts is not None:
        doc["alerts"] = alerts
    return doc


def _write(tmp_path: Path, doc: dict, name: str = "d.sdsim") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(doc), encoding="utf-8")
    return path


def _cli(*args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(args), out, err)
    return code, out.getvalue(), err.getvalue()


def test_plan_apply_writes_a_design_that_meets_the_target(tmp_path: Path) -> None:
    # At the design's own rate (800 req/s), so the applied file runs at the planned load.
    design = _write(tmp_path, _design(800.0))
    out_file = tmp_path / "planned.sdsim"
    code, out, err = _cli("plan", str(design), "--target-rps", "800", "--p99-ms", "100",
                          "--apply", str(out_file))
    assert code == 0, err
    lines = out.splitlines()
    assert lines[0].split() == ["component", "replicas", "now", "replicas", "planned",
                                "predicted", "p99", "ms", "simulated", "p99", "ms"]
    # Closed form: fewest k with ln(100) / (100 - 800/k) s <= 100 ms is 15.
    row = next(line for line in lines if line.startswith("api"))
    assert row.split()[:4] == ["api", "1", "15", "*"]
    assert "target met" in out and f"Wrote {out_file}" in out
    assert "end to end at 800 req/s (workloads x1)" in out
    planned = load(out_file)  # the new file validates
    assert planned.components[1].replicas == 15
    assert load(design).components[1].replicas == 1  # the design itself is untouched
    # A run of the applied file meets the target.
    results = tmp_path / "results"
    code, _, err = _cli("simulate", str(out_file), "--out", str(results), "--quiet")
    assert code == 0, err
    summary = json.loads((results / "summary.json").read_text())
    assert 10.0 < summary["end_to_end"]["latency_ms"]["p99"] <= 100.0


def test_an_unreachable_target_exits_1_and_applies_nothing(tmp_path: Path) -> None:
    design = _write(tmp_path, _design())
    out_file = tmp_path / "planned.sdsim"
    code, out, err = _cli("plan", str(design), "--target-rps", "100", "--p99-ms", "30",
                          "--apply", str(out_file))
    assert code == cli_plan.EXIT_NOT_MET
    assert "target NOT met" in out and "note: unreachable" in out
    assert "not written" in err and not out_file.exists()


def test_the_target_defaults_to_the_end_to_end_p99_rule(tmp_path: Path) -> None:
    rule = {"name": "slow", "metric": "latency_p99_ms", "component": "end_to_end", "op": ">",
            "threshold": 120, "for_s": 30, "severity": "high"}
    design = _write(tmp_path, _design(alerts=[rule]))
    code, out, err = _cli("plan", str(design), "--target-rps", "500", "--no-simulate")
    assert code == 0, err
    assert "target 120 ms" in out and "not simulated" in out


@pytest.mark.parametrize(("args", "message"), [
    (["--target-rps", "-5", "--p99-ms", "10"], "--target-rps '-5' must be a number above 0"),
    (["--target-rps", "nan", "--p99-ms", "10"], "--target-rps 'nan' must be a number above 0"),
    (["--target-rps", "1e400", "--p99-ms", "10"], "at most 1e+09 req/s"),
    (["--target-rps", "abc", "--p99-ms", "10"], "--target-rps 'abc' is not a number"),
    (["--target-rps", "10", "--p99-ms", "0"], "--p99-ms '0' must be a number above 0"),
    (["--target-rps", "10", "--p99-ms", "inf"], "--p99-ms 'inf' must be a number above 0"),
    (["--p99-ms", "10"], "the following arguments are required: --target-rps"),
    (["--target-rps", "10"], "give --p99-ms"),
    (["--target-rps", "10", "--p99-ms", "10", "--seed", "-1"], "--seed '-1' must lie in"),
    (["--target-rps", "10", "--p99-ms", "10", "--seed", "2e3"], "not a whole number"),
    (["--target-rps", "10", "--p99-ms", "10", "--duration", "-3"], "--duration '-3' must be"),
])
def test_hostile_arguments_are_one_line(tmp_path: Path, args: list[str], message: str,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    design = _write(tmp_path, _design())
    try:
        code, out, err = _cli("plan", str(design), *args)
    except SystemExit as exc:  # argparse's usage errors: one line on stderr, exit 2
        captured = capsys.readouterr()
        code, out, err = int(exc.code or 0), captured.out, captured.err
    assert code == 2 and out == ""
    assert message in err and len(err.strip().splitlines()) == 1 and "Traceback" not in err


@pytest.mark.parametrize("where", ["same", "folder", "missing_folder"])
def test_bad_apply_targets_are_refused_before_planning(tmp_path: Path, where: str) -> None:
    design = _write(tmp_path, _design())
    target = {"same": design, "folder": tmp_path,
              "missing_folder": tmp_path / "nope" / "x.sdsim"}[where]
    code, out, err = _cli("plan", str(design), "--target-rps", "10", "--p99-ms", "100",
                          "--apply", str(target))
    assert code == 2 and out == "" and len(err.strip().splitlines()) == 1
    assert {"same": "not the design itself", "folder": "is a folder",
            "missing_folder": "does not exist"}[where] in err
    assert load(design).components[1].replicas == 1


def test_missing_and_invalid_designs(tmp_path: Path) -> None:
    code, _, err = _cli("plan", str(tmp_path / "none.sdsim"), "--target-rps", "1",
                        "--p99-ms", "1")
    assert code == 2 and "no such file" in err
    bad = _design()
    bad["components"][1]["replicas"] = 0
    code, _, err = _cli("plan", str(_write(tmp_path, bad)), "--target-rps", "1", "--p99-ms", "1")
    assert code == 2 and "replicas" in err and len(err.strip().splitlines()) == 1
    silent = _write(tmp_path, _design(0.0), "silent.sdsim")
    code, _, err = _cli("plan", str(silent), "--target-rps", "1", "--p99-ms", "100")
    assert code == 2 and "no traffic" in err


def test_too_much_load_or_too_short_a_run_is_not_simulated(tmp_path: Path) -> None:
    design = _write(tmp_path, _design())
    code, out, err = _cli("plan", str(design), "--target-rps", "600000", "--p99-ms", "1000")
    assert code == 0, err  # the model's answer, said to be unconfirmed
    assert "not simulated: 600000 req/s is too much load to confirm" in out
    assert "p99 predicted" in out and ", not simulated;" in out
    # Beyond every tier's cap (10,000 replicas of 10 ms each): unreachable.
    code, out, _ = _cli("plan", str(design), "--target-rps", "2e6", "--p99-ms", "100")
    assert code == 1 and "needs 20,001 replicas not to saturate, more than its cap of 10,000" in out
    code, out, err = _cli("plan", str(design), "--target-rps", "800", "--p99-ms", "100",
                          "--duration", "0.5")
    assert "not simulated: a confirming run of 0.5 s is shorter than 2 s" in out


def test_the_cli_limits_are_the_planners() -> None:
    assert cli_plan.MAX_TARGET_RPS == planner.MAX_TARGET_RPS
    assert cli_plan.MAX_TARGET_P99_MS == planner.MAX_TARGET_P99_MS


def test_main_py_plan_runs_as_a_program(tmp_path: Path) -> None:
    design = _write(tmp_path, _design())
    proc = subprocess.run(
        [sys.executable, str(ROOT / "main.py"), "plan", str(design), "--target-rps", "300",
         "--p99-ms", "100", "--duration", "5"],
        capture_output=True, text=True, timeout=120, check=False)
    assert proc.returncode == 0, proc.stderr
    assert "target met" in proc.stdout and "(5 s, seed 3)" in proc.stdout
