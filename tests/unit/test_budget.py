"""The work budget, the workload generator it must agree with, the run-time guard and
the trace-file reader (see app/engine/budget.py, visits.py, run_guard.py, trace_files.py)."""

from __future__ import annotations

import math
import os
import threading
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app import cli_checks
from app.engine import Simulation, budget
from app.engine.budget import check_run_budget, estimate_work, window_count
from app.engine.run_guard import RunGuard
from app.engine.trace_files import MAX_TRACE_BYTES, WorkloadError, read_trace_file
from app.engine.visits import ENDLESS_AMPLIFICATION
from app.engine.workloads import RateEnvelope, expected_candidates, expected_requests
from app.model import Component, Link, Workload
from tests.unit.engine_docs import client, design, server

# -- requests: the estimate agrees with the generator ------------------------------------

PATTERNS = [
    ("constant", 200.0, {}),
    ("poisson", 200.0, {}),
    ("ramp", None, {"from_rps": 0, "to_rps": 400, "ramp_s": 6}),
    ("ramp", None, {"from_rps": 100, "to_rps": 300, "ramp_s": 50}),  # ends after the run
    ("step", 100.0, {"step_rps": 400, "at_s": 4}),
    ("step", 100.0, {"step_rps": 1e12, "at_s": 1000}),  # the step is after the end
    ("spike", 100.0, {"spike_rps": 1000, "spike_s": 1, "period_s": 3}),
    ("spike", 100.0, {"spike_rps": 1000, "spike_s": 0.001, "period_s": 0.01}),
    ("spike", 10.0, {"spike_rps": 2e4, "spike_s": 1e-7, "period_s": 1e-6}),  # merged
    ("diurnal", 200.0, {"amplitude": 0.9, "period_s": 7}),
]


@pytest.mark.parametrize(("pattern", "rate", "fields"), PATTERNS)
def test_expected_requests_match_what_the_generator_makes(
    pattern: str, rate: float | None, fields: dict[str, float]
) -> None:
    duration = 10.0
    users = client(rate or 0.0, pattern, **fields)
    if rate is None:
        users.workload.rate_rps = None  # type: ignore[union-attr]
    doc = design([users, server("s", 0.01, 50)], [("users", "s")], duration=duration, seed=3)
    sim = Simulation(doc)
    sim.run()
    made = sim.clients["users"].arrivals
    expected = expected_requests(users.workload, duration)  # type: ignore[arg-type]
    assert sim.clients["users"].expected_requests == expected
    # Poisson counts: 4 standard deviations is a generous but honest band.
    assert abs(made - expected) <= 4 * math.sqrt(expected) + 1, (made, expected)


def test_a_step_after_the_end_costs_no_candidates_at_its_rate() -> None:
    step = Workload("step", rate_rps=1.0, step_rps=1e12, at_s=1000)
    assert expected_requests(step, 60) == 60
    assert expected_candidates(step, 60) == 60  # not 1e12 x 60


def test_thinning_candidates_stay_close_to_the_requests() -> None:
    for pattern, rate, fields in PATTERNS:
        w = Workload(pattern, rate_rps=rate, **fields)  # type: ignore[arg-type]
        if pattern in ("constant", "poisson"):
            continue
        requests, candidates = expected_requests(w, 10.0), expected_candidates(w, 10.0)
        assert candidates >= requests * (1 - 1e-9)
        if fields.get("period_s", 1.0) >= 1e-3:  # not merged: the envelope is tight
            assert candidates <= 2.2 * requests + 1, (pattern, fields, requests, candidates)


@settings(max_examples=60, deadline=None)
@given(
    pattern=st.sampled_from(["ramp", "step", "spike", "diurnal"]),
    a=st.floats(0, 1e4), b=st.floats(0, 1e4), c=st.floats(1e-6, 1e3), d=st.floats(1e-6, 1e3),
    amp=st.floats(0, 1), stop=st.floats(1e-3, 1e5),
    probes=st.lists(st.floats(0, 1), min_size=3, max_size=6),
)
def test_the_envelope_bounds_the_rate_everywhere(
    pattern: str, a: float, b: float, c: float, d: float, amp: float, stop: float,
    probes: list[float],
) -> None:
    w = Workload(pattern, rate_rps=a, from_rps=a, to_rps=b, ramp_s=c, step_rps=b, at_s=c,
                 spike_rps=b, spike_s=min(c, d), period_s=d, amplitude=amp)
    env = RateEnvelope(w, stop)
    t, segments = 0.0, 0
    while t < stop:
        end, peak = env.segment(t)
        assert end > t
        end = min(end, stop)
        for q in probes:
            x = t + q * (end - t)
            # At a breakpoint itself, rounding may put a point on either side.
            if x < end - 1e-9 * max(1.0, end):
                assert env.rate(x) <= peak * (1 + 1e-9) + 1e-9, (pattern, t, end, x)
        t = end
        segments += 1
        assert segments <= 3 * RateEnvelope.MAX_SEGMENTS_PER_RUN + 64


# -- station visits ----------------------------------------------------------------------


def _visits(doc) -> int:  # type: ignore[no-untyped-def]
    sim = Simulation(doc)
    sim.run()
    return sum(s.arrivals for s in sim.stations.values())


def test_fan_out_visits_are_exact() -> None:
    comps = [client(100, "constant")] + [server(f"n{i}_{j}", 0.01) for i in range(3)
                                         for j in range(3)]
    links: list[tuple[str, str]] = [("users", f"n0_{j}") for j in range(3)]
    links += [(f"n{i}_{j}", f"n{i + 1}_{k}") for i in range(2) for j in range(3)
              for k in range(3)]
    doc = design(comps, links, duration=2)
    estimate = estimate_work(doc, 2.0)
    assert estimate.requests == 200
    assert estimate.visits == 200 * (3 + 9 + 27)
    assert _visits(doc) == estimate.visits


def test_balancer_shares_caches_and_probabilities() -> None:
    lb = Component(id="lb", type="load_balancer", profile="nginx_lb")
    cache = Component(id="cache", type="cache", profile="redis", hit_ratio=0.75)
    comps = [client(1000), lb, server("a", 0.01), server("b", 0.01), cache, server("db", 0.01)]
    links = [Link("users", "lb"), Link("lb", "a"), Link("lb", "b"), Link("a", "cache"),
             Link("cache", "db"), Link("b", "db", probability=0.2)]
    doc = design(comps, links, duration=10)
    est = estimate_work(doc, 10.0)
    # lb 10000; a, b 5000 each; cache 5000; db 5000 * 0.25 + 5000 * 0.2
    assert est.visits == pytest.approx(10000 + 5000 + 5000 + 5000 + 1250 + 1000)
    actual = _visits(doc)
    assert abs(actual - est.visits) <= 4 * math.sqrt(est.visits)


def test_retries_are_counted_as_the_worst_case() -> None:
    tight = server("s", 5.0, 1)
    tight.queue_capacity = 0  # rejects whenever busy: retries happen
    doc = design([client(300), tight], [Link("users", "s", retries=3)], duration=5)
    est = estimate_work(doc, 5.0)
    assert est.visits == 1500 * 4
    actual = _visits(doc)
    assert 1500 < actual <= est.visits


def test_async_cycles_finite_and_endless() -> None:
    def ring(n: int, probability: float | None, fields: dict[str, object] | None = None):  # type: ignore[no-untyped-def]
        ids = [f"r{i}" for i in range(n)]
        links = [Link("users", "r0")] + [
            Link(ids[i], ids[(i + 1) % n], mode="async",
                 probability=probability if i == n - 1 else None)
            for i in range(n)
        ]
        return design([client(10, "constant"), *[server(c, 0.01) for c in ids]], links)

    small = estimate_work(ring(2, 0.5), 10.0)
    assert small.visits == pytest.approx(100 * 2 * 2)  # two visits per pass, 2 passes
    assert not small.endless_cycle
    assert estimate_work(ring(2, None), 10.0).endless_cycle == ("r0", "r1", "r0")
    # Larger than the dense solver's limit: solved sparsely, same answers.
    assert estimate_work(ring(1000, 0.5), 10.0).visits == pytest.approx(100 * 1000 * 2)
    assert estimate_work(ring(1000, None), 10.0).endless_cycle[:2] == ("r0", "r1")
    near_one = estimate_work(ring(2, 1 - 1 / (10 * ENDLESS_AMPLIFICATION)), 10.0)
    assert near_one.endless_cycle  # too close to 1 to tell apart
    # Async calls are never retried (fire and forget): retries do not multiply a loop.
    retried = ring(2, 0.6)
    for link in retried.links[1:]:
        link.retries = 5
    assert estimate_work(retried, 10.0).visits == pytest.approx(100 * 2 / 0.4)


def test_check_run_budget_names_cause_and_flag() -> None:
    doc = design([client(1000), server("s")], [("users", "s")], duration=10)
    assert check_run_budget(doc, 10.0, 0.0, None) == []
    [problem] = check_run_budget(doc, 10.0, 0.0, None, max_requests=100)
    assert (problem.cause, problem.flag, problem.overridable) == (
        "requests", "--max-requests", True)
    [problem] = check_run_budget(doc, 10.0, 0.0, None, max_work=1000)
    assert (problem.cause, problem.flag) == ("visits", "--max-work")
    assert "10,000 station visits" in problem.message and "busiest: s" in problem.message
    [problem] = check_run_budget(doc, 10.0, 0.0, None, window_s=1e-5)
    assert (problem.cause, problem.flag) == ("windows", "--max-work")
    assert check_run_budget(doc, 10.0, 0.0, None, max_requests=None, max_work=None) == []
    big = design([client(1), server("s", replicas=10_000)] + [
        server(f"x{i}", replicas=10_000) for i in range(10)], [("users", "s")])
    [problem] = check_run_budget(big, 10.0, 0.0, None)
    assert (problem.cause, problem.flag, problem.overridable) == ("replicas", None, False)


def test_window_count_matches_the_engine() -> None:
    for duration, window in [(10, 1), (10, 3), (0.3, 0.1), (60, 0.00006), (1, 7)]:
        doc = design([client(1), server("s")], [("users", "s")], duration=duration)
        sim = Simulation(doc, window_s=window)
        n = 0
        while not sim.finished and n < 2_000_000:
            if window < 0.001:
                break
            sim.step_window()
            n += 1
        if window >= 0.001:
            assert n == window_count(duration, window), (duration, window)
    assert window_count(60, 0.00006) == 1_000_000


def test_cli_defaults_are_the_budget_defaults() -> None:
    assert cli_checks.DEFAULT_MAX_REQUESTS == budget.DEFAULT_MAX_REQUESTS
    assert cli_checks.DEFAULT_MAX_WORK == budget.DEFAULT_MAX_WORK


# -- the run-time guard ------------------------------------------------------------------


def test_guard_stops_a_run_past_max_work_and_keeps_its_results() -> None:
    doc = design([client(500, "constant"), server("s", 0.1)], [("users", "s")], duration=10)
    sim = Simulation(doc, max_work=3000)
    summary = sim.run()
    assert sim.stop_reason is not None and "--max-work" in sim.stop_reason
    assert sim.stopped and 0 < sim.now < 10
    visits = sim.stations["s"].arrivals
    # Checked between slices (1/8 of a window): it stops within a slice of the budget.
    assert 3000 - 2 * 100 < visits + 100 * int(sim.now) * 2 <= 3000 + 500 / 8 + 1
    assert summary["components"]["s"]["arrivals"] > 0


def test_guard_trips_on_visits_and_memory() -> None:
    doc = design([client(500, "constant"), server("s", 0.1)], [("users", "s")], duration=10)
    sim = Simulation(doc)
    assert sim.stop_reason is None
    sim.step_window()
    assert RunGuard(max_visits=1000).check(sim) is None
    sim.step_window()
    sim.step_window()
    reason = RunGuard(max_visits=1000).check(sim)
    assert reason is not None and "1,500 station visits" in reason
    hungry = RunGuard(memory_growth=1)
    ballast = bytearray(64 * 1024 * 1024)  # grows this process by 64 MB
    ballast[::4096] = b"\x01" * len(ballast[::4096])
    reason = hungry.check(sim)
    assert reason is not None and "memory" in reason
    del ballast


# -- trace files ---------------------------------------------------------------------------


def test_trace_reader_accepts_real_world_csv(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_bytes(b'\xef\xbb\xbftimestamp,user\r\n3.5,alice\r\n\r\n"1.25",bob\r\n  0  \r\n2')
    assert list(read_trace_file(path)) == [0.0, 1.25, 2.0, 3.5]
    path.write_bytes(b"")
    assert list(read_trace_file(path)) == []
    path.write_bytes(b"\n\n")
    assert list(read_trace_file(path)) == []
    path.write_bytes(b"t\n\n3\r\n1e1\n\n.5\n5.\n-0\n")  # the fast path's kind of file
    assert list(read_trace_file(path)) == [0.0, 0.5, 3.0, 5.0, 10.0]


@pytest.mark.parametrize(
    ("content", "needle"),
    [
        (b"1\nnan\n", "line 2: the timestamp must be a finite"),
        (b"1\ninf\n", "line 2: the timestamp must be a finite"),
        (b"1\n" + b"9" * 100 + b"x\n", "line 2: the first column must be a timestamp"),
        (b"1\n1-2\n", "line 2: the first column must be a timestamp"),
        (b"1\n1 2\n", "line 2: the first column must be a timestamp"),
        (b"1\n2\r3\n", "line 2: the first column must be a timestamp"),
        (b"1\n-0.5\n", "line 2: the timestamp must be a finite"),
        (b"1\n1e400\n", "line 2: the timestamp must be a finite"),
        (b"1\n2\nheader?\n", "line 3: the first column must be a timestamp"),
        (b"1\n\xff\xfe\n", "line 2 is not UTF-8"),
        (b"0.5\n1\x00\n", "line 2 holds a NUL byte"),
    ],
)
def test_trace_reader_names_the_line(tmp_path: Path, content: bytes, needle: str) -> None:
    path = tmp_path / "t.csv"
    path.write_bytes(content)
    with pytest.raises(WorkloadError, match=needle) as info:
        read_trace_file(path)
    assert "\n" not in str(info.value)


def test_trace_reader_refuses_a_file_that_grows_past_the_limit(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_bytes(b"1\n" * (MAX_TRACE_BYTES // 2 + 1))
    with pytest.raises(WorkloadError, match="larger than"):
        read_trace_file(path)


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs here")
def test_trace_reader_never_blocks_on_a_fifo(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe.csv"
    os.mkfifo(fifo)
    outcome: list[BaseException] = []

    def read() -> None:
        try:
            read_trace_file(fifo)
        except WorkloadError as exc:
            outcome.append(exc)

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    reader.join(30)
    if reader.is_alive():  # unblock it so the test process can end, then fail
        with fifo.open("wb"):
            pass
        pytest.fail("reading a FIFO blocked")
    assert outcome and "FIFO" in str(outcome[0])


def test_the_engine_itself_refuses_what_no_flag_lifts() -> None:
    """Whatever the caller checked, a run that cannot end or would exhaust memory is
    refused before it is built (the GUI's engine process reports a ValueError)."""
    ids = ["a", "b"]
    cycle = design([client(10), *[server(c) for c in ids]],
                   [Link("users", "a"), Link("a", "b", mode="async"),
                    Link("b", "a", mode="async")])
    with pytest.raises(ValueError, match="async cycle a -> b -> a"):
        Simulation(cycle)
    crowded = design([client(1), server("s", replicas=10_000)] + [
        server(f"x{i}", replicas=10_000) for i in range(10)], [("users", "s")])
    with pytest.raises(ValueError, match="110,000 replicas"):
        Simulation(crowded)
    simple = design([client(1), server("s")], [("users", "s")], duration=10)
    with pytest.raises(ValueError, match="metric windows"):
        Simulation(simple, duration_s=2e6, window_s=1)


def test_clients_replaying_one_trace_share_one_read(tmp_path: Path) -> None:
    (tmp_path / "t.csv").write_text("".join(f"{i / 100}\n" for i in range(1000)))
    users = [Component(id=f"u{i}", type="client",
                       workload=Workload("trace", trace_file="t.csv")) for i in range(300)]
    doc = design([*users, server("s", 0.01, 100)], [(u.id, "s") for u in users], duration=5)
    assert check_run_budget(doc, 5.0, 0.0, tmp_path) == []
    sim = Simulation(doc, base_dir=tmp_path)
    first = sim.clients["u0"]
    assert all(c.expected_requests == 500 for c in sim.clients.values())
    assert read_trace_file(tmp_path / "t.csv") is read_trace_file(tmp_path / "t.csv")
    sim.run()
    assert first.arrivals == 500 and sim.stations["s"].arrivals == 300 * 500


def test_what_all_traces_hold_is_bounded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(budget, "MAX_TRACE_TIMESTAMPS", 1500)  # the real one needs 160 MB
    for name in ("a.csv", "b.csv"):
        (tmp_path / name).write_text("".join(f"{i / 100}\n" for i in range(1000)))
    users = [Component(id=f"u{n}", type="client", workload=Workload("trace", trace_file=n))
             for n in ("a.csv", "a.csv", "b.csv")]
    doc = design([*users, server("s")], [(u.id, "s") for u in users], duration=5)
    [problem] = check_run_budget(doc, 5.0, 0.0, tmp_path)
    assert problem.cause == "trace" and "more than 1,500 timestamps" in problem.message


# -- engine events no request makes: health checks, crashes, breaker timers ---------------


def _checked_balancer(targets: int, interval_s: float = 0.001, duration: float = 100.0):
    from app.model.document import HealthCheck

    lb = Component(id="lb", type="load_balancer", health_check=HealthCheck(interval_s, 1, 1))
    servers = [server(f"s{i}") for i in range(targets)]
    return design([client(1), lb, *servers],
                  [("users", "lb")] + [("lb", s.id) for s in servers], duration=duration)


def test_estimate_counts_health_checks_per_target() -> None:
    doc = _checked_balancer(targets=4, interval_s=0.001)
    est = estimate_work(doc, 100.0)
    assert est.engine.total == pytest.approx(100.0 / 0.001 * 4)  # 400,000 target checks
    assert est.engine.busiest is not None and est.engine.busiest[:2] == ("health checks", "lb")
    assert est.work >= est.engine.total + est.visits
    problems = check_run_budget(doc, 100.0, 0.0, None, max_work=100_000)
    assert [p.cause for p in problems] == ["engine_events"]
    assert "400,000 health checks of lb" in problems[0].message
    assert "health_check.interval_s" in problems[0].message
    assert problems[0].flag == "--max-work" and problems[0].component_ids == ("lb",)
    assert check_run_budget(doc, 100.0, 0.0, None) == []  # within the default budget


def test_estimate_counts_crashes_and_repairs() -> None:
    from app.model.document import FailureSpec

    a = server("a", failure=FailureSpec(0.001, 0.001))
    a.replicas = 1000
    doc = design([client(1), a], [("users", "a")], duration=1000.0)
    # Two events per up/down cycle of 2 ms, per replica: 2 * 1000 * (1000 / 0.002 + 1).
    assert estimate_work(doc, 1000.0).engine.total == pytest.approx(1e9, rel=1e-5)
    problems = check_run_budget(doc, 1000.0, 0.0, None)
    assert [p.cause for p in problems] == ["engine_events"]
    assert "crashes and repairs of a" in problems[0].message


def test_chaos_counts_every_serving_replica_without_its_own_failure() -> None:
    from app.model.document import Chaos, FailureSpec

    a, b = server("a"), server("b", failure=FailureSpec(1000.0, 1000.0))
    a.replicas = 3
    doc = design([client(1), a, b], [("users", "a"), ("a", "b")], duration=100.0)
    doc.chaos = Chaos(level=0.5, mttr_s=0.5)  # mtbf 0.5 s: a 1 s cycle
    total = estimate_work(doc, 100.0).engine.total
    assert total == pytest.approx(3 * 2 * (100 + 1) + 1 * 2 * (100 / 2000 + 1))


def test_breaker_timers_are_bounded_by_the_calls() -> None:
    from app.model.document import CircuitBreaker

    link = Link("a", "b", circuit_breaker=CircuitBreaker(open_s=0.001))
    doc = design([client(10), server("a"), server("b")], [("users", "a"), link],
                 duration=100.0)
    est = estimate_work(doc, 100.0)
    # 100,001 openings by the clock, but b is called only about 1,000 times.
    assert est.engine.total == pytest.approx(2 * est.visits / 2, rel=0.01)
    assert est.engine.busiest is not None and est.engine.busiest[1] == "a->b"


def test_guard_stops_a_run_of_checks_inside_its_first_window() -> None:
    # Checks at the 1 ms floor on 20 targets for 10^6 s (one window = 1,000 s):
    # 21,000 engine work units a simulated second, no request to count.
    doc = _checked_balancer(targets=20, duration=1_000_000.0)
    doc.simulation.window_s = 1000.0
    sim = Simulation(doc, max_work=1_000_000)
    sim.step_window()
    assert sim.stopped and sim.stop_reason is not None
    assert "--max-work budget of 1,000,000" in sim.stop_reason
    # Stopped within a chunk of the budget: about 48 s in, far inside the 1,000 s window.
    assert 40.0 < sim.now < 100.0
    assert sim.engine_work() < 2_000_000


def test_stop_lands_inside_a_long_slice() -> None:
    doc = _checked_balancer(targets=20, duration=1_000_000.0)
    doc.simulation.window_s = 1000.0  # slices of 125 simulated seconds
    sim = Simulation(doc)
    calls: list[float] = []

    def stop_now() -> None:
        calls.append(sim.now)
        sim.request_stop()

    snap = sim.step_window(stop_now)
    assert sim.stopped and len(calls) == 1
    # The first chunk of ~200,000 work units is ~10 s of checks, not the 125 s slice.
    assert 1.0 < calls[0] < 20.0 and sim.now == calls[0]
    assert snap.time_s == pytest.approx(sim.now)


def test_normal_runs_are_one_chunk_per_slice() -> None:
    doc = design([client(100), server("a")], [("users", "a")], duration=4.0)
    sim = Simulation(doc)
    calls: list[float] = []
    while not sim.finished:
        sim.step_window(lambda: calls.append(sim.now))
    assert len(calls) == 4 * 7  # between the 8 slices of each 1 s window, no more
