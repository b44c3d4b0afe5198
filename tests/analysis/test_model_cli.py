"""``main.py simulate`` writes the analytic model beside the simulated figures in summary.json."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _no_constants(name: str) -> float:
    raise AssertionError(f"summary.json holds {name}")


def test_simulate_writes_the_analytic_model(tmp_path: Path) -> None:
    out = tmp_path / "results"
    design = ROOT / "resources" / "templates" / "three_tier_web_app.sdsim"
    proc = subprocess.run(
        [sys.executable, str(ROOT / "main.py"), "simulate", str(design), "--duration", "15",
         "--warmup", "3", "--out", str(out), "--quiet"],
        capture_output=True, text=True, timeout=240, check=False,
    )
    assert proc.returncode == 0, proc.stderr
    summary = json.loads((out / "summary.json").read_text(), parse_constant=_no_constants)
    analytic = summary["analytic"]
    assert set(analytic) >= {"components", "end_to_end", "saturation_rps", "bottleneck"}
    assert set(analytic["components"]) == set(summary["components"])
    web = analytic["components"]["web"]
    assert web["arrival_rps"] == pytest.approx(800.0)
    assert web["exact"] is False and any("approximate" in n for n in web["notes"])
    # The analytic figure sits beside the simulated one, and close to it at this load.
    simulated = summary["components"]["web"]
    assert simulated["utilization"] == pytest.approx(web["utilization"], abs=0.02)
    e2e = analytic["end_to_end"]
    assert e2e["offered_rps"] == pytest.approx(800.0)
    assert summary["end_to_end"]["latency_ms"]["mean"] == pytest.approx(
        e2e["mean_latency_ms"], rel=0.05)
    assert analytic["saturation_rps"] > 800.0
    assert analytic["bottleneck"] in summary["components"]
