"""Hostile designs and trace files: refused by ``simulate`` and ``validate`` with exit 2
and one line naming the cause and the flag, in bounded time and memory.
"""

from __future__ import annotations

import io
import itertools
import json
import os
import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from app.cli import main
from app.engine.budget import check_run_budget, estimate_work
from app.model.fileformat import load

ROOT = Path(__file__).resolve().parents[2]

Doc = dict[str, Any]


def _cli(*args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(args), out, err)
    return code, out.getvalue(), err.getvalue()


def _design(rate: float = 1.0, pattern: str = "constant", duration: float = 10.0,
            **workload: object) -> Doc:
    return {
        "format": "sdsim", "version": 1, "name": "hostile",
        "components": [{"id": "users", "type": "client",
                        "workload": {"pattern": pattern, "rate_rps": rate, **workload}}],
        "links": [],
        "simulation": {"duration_s": duration, "warmup_s": 0, "seed": 1, "window_s": 1},
    }


def _station(cid: str, **fields: object) -> Doc:
    return {"id": cid, "type": "api_server", "concurrency": 100,
            "service_time": {"distribution": "constant", "mean_ms": 0.1}, **fields}


def _chain(d: Doc, ids: list[str], **link: object) -> Doc:
    d["components"] += [_station(cid) for cid in ids]
    d["links"].append({"source": "users", "target": ids[0]})
    d["links"] += [{"source": a, "target": b, **link} for a, b in itertools.pairwise(ids)]
    return d


def _one_station(d: Doc) -> Doc:
    return _chain(d, ["s"])


def dag_25_layers() -> Doc:
    d = _design(1.0)
    previous = ["users"]
    for layer in range(25):
        current = [f"n{layer}_{i}" for i in range(2)]
        d["components"] += [_station(c) for c in current]
        d["links"] += [{"source": p, "target": c} for p in previous for c in current]
        previous = current
    return d


def fan_out_past_float_range() -> Doc:
    d = _design(1.0)
    previous = ["users"]
    for layer in range(1100):  # 2**1100 visits: more than a float holds
        current = [f"n{layer}_{i}" for i in range(2)]
        d["components"] += [_station(c) for c in current]
        d["links"] += [{"source": p, "target": c} for p in previous for c in current]
        previous = current
    return d


def rate_past_float_range() -> Doc:
    return _one_station(_design(1e308, "poisson", 60))


def wide_parallel_fanout() -> Doc:
    d = _design(100.0, duration=60)
    mid = [f"m{i}" for i in range(300)]
    leaves = [f"l{i}" for i in range(300)]
    d["components"] += [_station("hub", fanout="parallel")]
    d["components"] += [_station(c, fanout="parallel") for c in mid]
    d["components"] += [_station(c) for c in leaves]
    d["links"].append({"source": "users", "target": "hub"})
    d["links"] += [{"source": "hub", "target": m} for m in mid]
    d["links"] += [{"source": m, "target": leaf} for m in mid for leaf in leaves]
    return d


def retries_times_timeouts() -> Doc:
    return _chain(_design(1.0), [f"s{i}" for i in range(5)], retries=100, timeout_ms=1)


def _async_ring(ids: list[str], **link: object) -> Doc:
    d = _chain(_design(1.0), [ids[0]])
    d["components"] += [_station(c) for c in ids[1:]]
    ring = [*ids, ids[0]]
    d["links"] += [{"source": a, "target": b, "mode": "async", **link}
                   for a, b in itertools.pairwise(ring)]
    return d


def async_cycle_of_two() -> Doc:
    return _async_ring(["a", "b"])


def async_cycle_through_a_missing_cache() -> Doc:
    d = _async_ring(["a", "b", "c"])
    d["components"][2] = {"id": "b", "type": "cache", "profile": "redis", "hit_ratio": 0.0}
    return d


def async_cycle_that_multiplies() -> Doc:
    d = _chain(_design(1.0), ["a"])
    d["components"] += [_station("b"), _station("c")]
    d["links"] += [{"source": "a", "target": "b", "mode": "async", "probability": 0.7},
                   {"source": "a", "target": "c", "mode": "async", "probability": 0.7},
                   {"source": "b", "target": "a", "mode": "async"},
                   {"source": "c", "target": "a", "mode": "async"}]
    return d


def long_async_ring() -> Doc:
    return _async_ring([f"r{i}" for i in range(500)])


def step_to_huge_within_the_run() -> Doc:
    return _one_station(_design(1.0, "step", 60, step_rps=1e12, at_s=30))


def ramp_to_huge() -> Doc:
    return _one_station(_design(None, "ramp", 60, from_rps=0, to_rps=1e12, ramp_s=30))


def spike_of_huge() -> Doc:
    return _one_station(_design(1.0, "spike", 60, spike_rps=1e12, spike_s=1, period_s=10))


def spike_with_a_tiny_period() -> Doc:
    # Few requests (1e9 x 1e-4 of the time), but thinning at 1e9 req/s: the
    # arrival candidates are the work.
    return _one_station(_design(1.0, "spike", 10, spike_rps=1e9, spike_s=1e-9,
                                period_s=1e-5))


def tiny_window() -> Doc:
    d = _one_station(_design(1.0, duration=60))
    d["simulation"]["window_s"] = 0.00006  # exactly 1,000,000 windows
    return d


def replicas_200_million() -> Doc:
    d = _chain(_design(1.0), ["s0"])
    d["components"] += [_station(f"s{i}", replicas=10_000) for i in range(1, 19_999)]
    return d


def poisson_huge() -> Doc:
    return _one_station(_design(1e9, "poisson"))


HOSTILE_DESIGNS: dict[str, tuple[Callable[[], Doc], tuple[str, ...], str | None]] = {
    # case: (design, words the line must hold, flag it must name)
    "25-layer DAG fan-out": (dag_25_layers, ("station visits", "per request"), "--max-work"),
    "wide parallel fan-out": (wide_parallel_fanout, ("station visits",), "--max-work"),
    "fan-out past the float range": (fan_out_past_float_range,
                                     ("an unbounded number of station visits",), "--max-work"),
    "rate x duration past the float range": (rate_past_float_range,
                                             ("an unbounded number of requests",),
                                             "--max-requests"),
    "retries x timeouts": (retries_times_timeouts, ("station visits", "retry"), "--max-work"),
    "async cycle": (async_cycle_of_two, ("async cycle a -> b -> a", "forever"), None),
    "async cycle through a cache": (async_cycle_through_a_missing_cache, ("async cycle",),
                                    None),
    "async cycle that multiplies": (async_cycle_that_multiplies, ("async cycle",), None),
    "500-long async ring": (long_async_ring, ("async cycle", "r0 -> r1"), None),
    "step to 1e12 within the run": (step_to_huge_within_the_run, ("requests",),
                                    "--max-requests"),
    "ramp to 1e12": (ramp_to_huge, ("requests",), "--max-requests"),
    "spike of 1e12": (spike_of_huge, ("requests",), "--max-requests"),
    "spike with a tiny period": (spike_with_a_tiny_period, ("arrival candidates",),
                                 "--max-work"),
    "1,000,000 windows": (tiny_window, ("1,000,000 windows", "component-windows"),
                          "--max-work"),
    "200 million replicas": (replicas_200_million, ("199,980,001 replicas",), None),
    "poisson 1e9 req/s": (poisson_huge, ("requests",), "--max-requests"),
}


def _assert_one_line(err: str, words: tuple[str, ...], flag: str | None) -> str:
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    line = lines[0]
    assert line.startswith("error: "), line
    assert "Traceback" not in err
    for word in words:
        assert word in line, (word, line)
    if flag is not None:
        assert flag in line, line
    return line


@pytest.mark.parametrize("case", sorted(HOSTILE_DESIGNS))
def test_hostile_design_is_refused_by_simulate_and_validate(case: str, tmp_path: Path) -> None:
    build, words, flag = HOSTILE_DESIGNS[case]
    path = tmp_path / "d.sdsim"
    path.write_text(json.dumps(build()), encoding="utf-8")
    out_dir = tmp_path / "out"
    code, _, err = _cli("simulate", str(path), "--quiet", "--out", str(out_dir))
    assert code == 2, (case, err)
    _assert_one_line(err, words, flag)
    assert not out_dir.exists()
    code, out, err = _cli("validate", str(path))
    assert code == 2, (case, out, err)
    _assert_listed(err, words, flag)


def _assert_listed(err: str, words: tuple[str, ...], flag: str | None) -> None:
    """``validate`` may list several problems (one line each); the cause is among them."""
    lines = err.strip().splitlines()
    assert lines[0].startswith("error: ") and "Traceback" not in err
    assert len(lines) == 1 or re.search(r": \d+ problems:$", lines[0]), err
    assert any(all(w in line for w in words) and (flag is None or flag in line)
               for line in lines), err


def test_raising_the_named_flag_lets_the_fan_out_through_validate(tmp_path: Path) -> None:
    path = tmp_path / "d.sdsim"
    path.write_text(json.dumps(dag_25_layers()), encoding="utf-8")
    assert _cli("validate", str(path), "--max-work", "1e9")[0] == 0
    assert _cli("validate", str(path), "--max-work", "1e9", "--duration", "20")[0] == 2


def test_a_long_duration_is_refused_for_its_windows_whatever_the_budget(tmp_path: Path) -> None:
    path = tmp_path / "d.sdsim"
    path.write_text(json.dumps(_one_station(_design(0.0001))), encoding="utf-8")
    code, _, err = _cli("simulate", str(path), "--duration", "1e7", "--max-work", "1e15",
                        "--quiet", "--out", str(tmp_path / "out"))
    assert code == 2
    _assert_one_line(err, ("10,000,000 metric windows", "window_s"), None)


def test_step_beyond_the_end_runs_in_bounded_time_with_its_real_count(tmp_path: Path) -> None:
    # The 1e12 req/s step is after the run's end: the run makes 60 requests, and
    # its generator must not draw candidates at 1e12 req/s (it used to hang).
    path = tmp_path / "d.sdsim"
    path.write_text(json.dumps(_one_station(_design(1.0, "step", 60, step_rps=1e12,
                                                     at_s=1000))), encoding="utf-8")
    out_dir = tmp_path / "out"
    code, _, err = _cli("simulate", str(path), "--quiet", "--out", str(out_dir))
    assert code == 0, err
    summary = json.loads((out_dir / "summary.json").read_text())
    assert abs(summary["end_to_end"]["requests"] - 60) <= 4 * 60**0.5


def test_a_finite_async_loop_runs_and_its_visits_match_the_estimate(tmp_path: Path) -> None:
    d = _async_ring(["a", "b"])
    d["links"][1]["probability"] = 0.5  # a -> b half the time: 2 visits of a per request
    d["components"][0]["workload"]["rate_rps"] = 200
    path = tmp_path / "d.sdsim"
    path.write_text(json.dumps(d), encoding="utf-8")
    out_dir = tmp_path / "out"
    assert _cli("simulate", str(path), "--quiet", "--out", str(out_dir))[0] == 0
    summary = json.loads((out_dir / "summary.json").read_text())
    arrivals = sum(c["arrivals"] for c in summary["components"].values())
    estimate = estimate_work(load(path), 10.0).visits
    assert estimate == pytest.approx(4000 + 2000, rel=1e-9)  # a = 2000 + b, b = a / 2
    assert abs(arrivals - estimate) <= 4 * estimate**0.5


# -- the run-time guard ------------------------------------------------------------------


def test_runtime_guard_stops_a_run_that_gets_past_its_budget(tmp_path: Path) -> None:
    """A Poisson run can make more visits than expected: with ``--max-work`` between the
    estimate and what the run really does, the up-front check passes and the guard stops
    the run, which ends with one line, exit 2 and its partial results."""
    path = tmp_path / "d.sdsim"
    d = _one_station(_design(50.0, "poisson", 4.0))
    for seed in range(1, 40):
        d["simulation"]["seed"] = seed
        path.write_text(json.dumps(d), encoding="utf-8")
        free = tmp_path / f"free{seed}"
        assert _cli("simulate", str(path), "--quiet", "--out", str(free))[0] == 0
        made = json.loads((free / "summary.json").read_text())["components"]["s"]["arrivals"]
        estimate = estimate_work(load(path), 4.0)
        if made > estimate.visits + 1:
            break
    else:
        pytest.fail("no seed made more visits than expected")
    budget = int(estimate.work) + 1
    assert not check_run_budget(load(path), 4.0, 0.0, tmp_path, max_work=budget)
    out_dir = tmp_path / "out"
    code, _, err = _cli("simulate", str(path), "--quiet", "--out", str(out_dir),
                        "--max-work", str(budget))
    assert code == 2, err
    line = _assert_one_line(err, ("stopped at t=", "work units", "partial results"),
                            "--max-work")
    assert "Traceback" not in line
    summary = json.loads((out_dir / "summary.json").read_text())
    assert 0 < summary["simulated_s"] <= 4.0
    assert (out_dir / "metrics.csv").read_text().startswith("time_s,")


# -- trace files ---------------------------------------------------------------------------


def _trace_design(tmp_path: Path, trace: str) -> Path:
    d = _one_station(_design(None, "trace", trace_file=trace))
    d["components"][0]["workload"].pop("rate_rps")
    folder = tmp_path / "design"
    folder.mkdir(exist_ok=True)
    path = folder / "d.sdsim"
    path.write_text(json.dumps(d), encoding="utf-8")
    return path


def _refused(path: Path, words: tuple[str, ...], *extra: str,
             flag: str | None = None) -> str:
    code, _, err = _cli("simulate", str(path), "--quiet", "--out",
                        str(path.parent / "out"), *extra)
    assert code == 2, err
    line = _assert_one_line(err, words, flag)
    code, _, err_v = _cli("validate", str(path), *extra)
    assert code == 2, err_v
    _assert_listed(err_v, words, flag)
    return line


def test_trace_latin1_names_the_line_not_the_text(tmp_path: Path) -> None:
    path = _trace_design(tmp_path, "t.csv")
    (path.parent / "t.csv").write_bytes("time\n0.5\n1,caf\xe9\n".encode("latin-1"))
    line = _refused(path, ("line 3", "not UTF-8"))
    assert "caf" not in line


def test_trace_binary_with_nul_bytes(tmp_path: Path) -> None:
    path = _trace_design(tmp_path, "t.csv")
    (path.parent / "t.csv").write_bytes(b"0.1\n\x00\x01\x02\xff\n")
    _refused(path, ("line 2", "NUL"))


def test_trace_markup_is_never_echoed(tmp_path: Path) -> None:
    path = _trace_design(tmp_path, "t.csv")
    (path.parent / "t.csv").write_text('0.1\n<img src="/etc/passwd">,1\n', encoding="utf-8")
    line = _refused(path, ("line 2", "timestamp"))
    assert "<" not in line and "passwd" not in line


def test_trace_negative_timestamp(tmp_path: Path) -> None:
    path = _trace_design(tmp_path, "t.csv")
    (path.parent / "t.csv").write_text("t\n0.1\n-5\n", encoding="utf-8")
    _refused(path, ("line 3", ">= 0"))


def test_trace_huge_file_is_refused_before_reading(tmp_path: Path) -> None:
    path = _trace_design(tmp_path, "t.csv")
    with (path.parent / "t.csv").open("wb") as handle:
        handle.truncate(200 * 1024 * 1024)  # sparse: costs no disk
    _refused(path, ("larger than 32 MB",))


def test_trace_that_is_a_folder(tmp_path: Path) -> None:
    path = _trace_design(tmp_path, "sub")
    (path.parent / "sub").mkdir()
    _refused(path, ("a folder",))


def test_trace_missing(tmp_path: Path) -> None:
    path = _trace_design(tmp_path, "nope.csv")
    _refused(path, ("cannot read trace file", "nope.csv"))


def test_trace_outside_the_folder_by_dotdot(tmp_path: Path) -> None:
    path = _trace_design(tmp_path, "../secret.csv")
    (tmp_path / "secret.csv").write_text("0.5\n", encoding="utf-8")
    _refused(path, ("outside the design's folder",), flag="--allow-outside-trace")
    # Allowed, it runs.
    assert _cli("simulate", str(path), "--quiet", "--out", str(tmp_path / "ok"),
                "--allow-outside-trace")[0] == 0


def test_trace_symlink_to_outside(tmp_path: Path) -> None:
    path = _trace_design(tmp_path, "link.csv")
    (tmp_path / "secret.csv").write_text("0.5\n", encoding="utf-8")
    (path.parent / "link.csv").symlink_to(tmp_path / "secret.csv")
    _refused(path, ("outside the design's folder",), flag="--allow-outside-trace")


def test_trace_symlink_inside_the_folder_is_fine(tmp_path: Path) -> None:
    path = _trace_design(tmp_path, "link.csv")
    (path.parent / "real.csv").write_text("time\n0.5\n1.5\n", encoding="utf-8")
    (path.parent / "link.csv").symlink_to(path.parent / "real.csv")
    assert _cli("validate", str(path))[0] == 0


@pytest.mark.skipif(not Path("/dev/zero").exists(), reason="no /dev/zero")
def test_trace_dev_zero(tmp_path: Path) -> None:
    path = _trace_design(tmp_path, "/dev/zero")
    _refused(path, ("outside the design's folder",), flag="--allow-outside-trace")
    _refused(path, ("a device", "regular"), "--allow-outside-trace")


def test_trace_path_with_control_characters_stays_one_line(tmp_path: Path) -> None:
    path = _trace_design(tmp_path, "a\nb\x1b[31m.csv")
    line = _refused(path, ("cannot read trace file", "a\\nb\\x1b"))
    assert "\x1b" not in line


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs here")
def test_trace_fifo_is_refused_without_hanging(tmp_path: Path) -> None:
    path = _trace_design(tmp_path, "pipe.csv")
    os.mkfifo(path.parent / "pipe.csv")
    for command in ("simulate", "validate"):
        proc = subprocess.run(
            [sys.executable, "main.py", command, str(path)], cwd=ROOT, capture_output=True,
            text=True, timeout=60, check=False,
        )
        assert proc.returncode == 2, proc.stderr
        _assert_one_line(proc.stderr, ("FIFO", "regular"), None)


# -- validate lists the problems -----------------------------------------------------------


def _many_problems(n: int) -> Doc:
    d = _one_station(_design(1.0))
    d["components"] += [_station(f"x{i}", replicas=-1) for i in range(n)]
    return d


def test_validate_lists_up_to_20_problems_then_how_many_more(tmp_path: Path) -> None:
    path = tmp_path / "d.sdsim"
    path.write_text(json.dumps(_many_problems(25)), encoding="utf-8")
    code, _, err = _cli("validate", str(path))
    assert code == 2
    lines = err.strip().splitlines()
    assert re.fullmatch(rf"error: {re.escape(str(path))}: (at least )?25 problems:", lines[0])
    listed = [line for line in lines[1:] if line.startswith("  $")]
    assert len(listed) == 20
    assert all("replicas" in line for line in listed)
    assert re.fullmatch(r"  and (at least )?5 more", lines[-1])
    assert len(lines) == 22
    code, _, err = _cli("simulate", str(path), "--quiet")
    assert code == 2
    line = _assert_one_line(err, ("replicas",), None)
    assert re.search(r"\(and (at least )?24 more problems\)$", line)


def test_validate_grammar_for_two_and_one_problem(tmp_path: Path) -> None:
    path = tmp_path / "d.sdsim"
    path.write_text(json.dumps(_many_problems(2)), encoding="utf-8")
    code, _, err = _cli("validate", str(path))
    lines = err.strip().splitlines()
    assert code == 2 and lines[0].endswith(": 2 problems:") and len(lines) == 3
    code, _, err = _cli("simulate", str(path), "--quiet")
    assert err.strip().endswith("(and 1 more problem)")
    path.write_text(json.dumps(_many_problems(1)), encoding="utf-8")
    code, _, err = _cli("validate", str(path))
    assert code == 2 and len(err.strip().splitlines()) == 1
    assert "problems" not in err


def test_validate_checks_the_run_settings_like_simulate(tmp_path: Path) -> None:
    path = tmp_path / "d.sdsim"
    path.write_text(json.dumps(_one_station(_design(1.0))), encoding="utf-8")
    code, _, err = _cli("validate", str(path), "--duration", "5", "--warmup", "9")
    assert code == 2
    _assert_one_line(err, ("--warmup (9 s) must be shorter",), None)
    assert _cli("validate", str(path), "--duration", "5", "--warmup", "1")[0] == 0
