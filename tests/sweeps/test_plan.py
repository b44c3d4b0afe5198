"""plan_sweep checks every point before any work; trace files travel inside the jobs."""

from __future__ import annotations

import shutil
import threading
from pathlib import Path

import pytest

from app.engine.replication import RunResult
from app.model import Document, Workload
from app.model.fileformat import dumps
from app.sweeps.axes import parse_axis
from app.sweeps.executors import PoolExecutor
from app.sweeps.jobs import Job
from app.sweeps.seeds import replication_seed
from app.sweeps.sweep import MAX_REPLICATIONS, SweepError, plan_sweep
from tests.sweeps.conftest import tiny_doc


def test_a_plan_has_every_job_with_its_seed_and_overrides() -> None:
    doc = tiny_doc(seed=11)
    plan = plan_sweep(doc, [parse_axis("users.rate_rps=20,40"), parse_axis("q.concurrency=1:2:1")],
                      3)
    assert plan.name == "queue" and plan.seed == 11 and plan.total_jobs == 12
    assert plan.doc_text == dumps(doc) and plan.files == ()
    jobs = plan.jobs()
    assert [j.key for j in jobs] == [(p, k) for p in range(4) for k in range(3)]
    assert {j.seed for j in jobs} == {replication_seed(11, k) for k in range(3)}
    # Common random numbers: replication k of every point draws the same seed.
    assert all(j.seed == replication_seed(11, j.replication) for j in jobs)
    assert jobs[4].overrides == (("users.rate_rps", 20), ("q.concurrency", 2))
    assert plan_sweep(doc, (), 2, seed=5).jobs()[1].seed == replication_seed(5, 1)


def test_each_point_has_its_analytic_figures() -> None:
    plan = plan_sweep(tiny_doc(), [parse_axis("users.rate_rps=40,100")], 2)
    # M/M/1 with 5 ms service: W = 1 / (mu - lambda), mu = 200 per second.
    for point, lam in ((0, 40.0), (1, 100.0)):
        figures = plan.analytic[point]
        assert figures[("latency_mean_ms", "end_to_end")] == pytest.approx(1000 / (200 - lam))
        assert figures[("utilization", "q")] == pytest.approx(lam / 200)
        assert figures[("throughput_rps", "end_to_end")] == pytest.approx(lam)


@pytest.mark.parametrize(("axis", "says"), [
    ("q.concurrency=1,-3", "point q.concurrency=-3: override 'q.concurrency'"),
    ("nosuch.rate_rps=1,2", "'nosuch.rate_rps'"),
    ("q.no_such_field=1", "'q.no_such_field'"),
    ("users.rate_rps=10,fast", "'users.rate_rps'"),
])
def test_a_refused_override_names_its_key_and_point(axis: str, says: str) -> None:
    with pytest.raises(SweepError) as caught:
        plan_sweep(tiny_doc(), [parse_axis(axis)], 2)
    message = str(caught.value)
    assert says in message and message.startswith("point ") and "\n" not in message


@pytest.mark.parametrize("replications", [0, -1, MAX_REPLICATIONS + 1])
def test_replications_out_of_range_are_refused(replications: int) -> None:
    with pytest.raises(SweepError, match=f"replications must be 1 to 1,000, not {replications}"):
        plan_sweep(tiny_doc(), (), replications)


def test_too_many_jobs_are_refused_before_any_work() -> None:
    axes = [parse_axis("users.rate_rps=1:1000:1"), parse_axis("q.concurrency=1:10:1")]
    with pytest.raises(SweepError, match="10,000 points x 11 replications is more than 100,000"):
        plan_sweep(tiny_doc(), axes, 11)
    with pytest.raises(SweepError, match="swept twice"):
        plan_sweep(tiny_doc(), [parse_axis("q.concurrency=1"), parse_axis("q.concurrency=2")])


def _trace_doc(name: str = "data/times.csv") -> Document:
    doc = tiny_doc(duration_s=5.0)
    doc.components[0].workload = Workload(pattern="trace", trace_file=name)
    return doc


def test_trace_files_travel_as_bytes_to_a_process_with_no_shared_folder(tmp_path: Path) -> None:
    folder = tmp_path / "design"
    (folder / "data").mkdir(parents=True)
    content = b"timestamp\n0.5\n1.5\n1.6\n3.2\n9.9\n"
    (folder / "data" / "times.csv").write_bytes(content)
    plan = plan_sweep(_trace_doc(), (), 2, base_dir=folder)
    assert plan.files == (("data/times.csv", content),)
    assert all(job.files == plan.files for job in plan.jobs())
    shutil.rmtree(folder)  # the worker must not need it

    results: dict[tuple[int, int], RunResult] = {}
    failures: dict[tuple[int, int], str] = {}
    pool = PoolExecutor(2)
    try:
        pool.run(plan.jobs(), lambda j, r: results.__setitem__(j.key, r),
                 lambda j, why: failures.__setitem__(j.key, why), threading.Event())
    finally:
        pool.close()
    assert failures == {}
    for result in results.values():
        # 9.9 s lies after the end of the 5 s run; the others arrive and complete.
        assert result.summary["end_to_end"]["completed"] == 4


def test_a_trace_file_that_cannot_be_read_is_named(tmp_path: Path) -> None:
    with pytest.raises(SweepError, match=r"users: trace file 'data/missing.csv'"):
        plan_sweep(_trace_doc("data/missing.csv"), (), 2, base_dir=tmp_path)
    outside = tmp_path / "elsewhere.csv"
    outside.write_bytes(b"0.5\n")
    (tmp_path / "design").mkdir()
    with pytest.raises(SweepError, match=r"users: trace file '\.\./elsewhere\.csv'"):
        plan_sweep(_trace_doc("../elsewhere.csv"), (), 2, base_dir=tmp_path / "design")


def test_a_job_pickles_with_its_files() -> None:
    import pickle

    job = Job(1, 2, "{}", seed=3, overrides=(("a.b", 1),), files=(("t.csv", b"1\n"),))
    assert pickle.loads(pickle.dumps(job)) == job and job.key == (1, 2)
