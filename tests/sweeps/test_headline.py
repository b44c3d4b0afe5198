"""The headline figures of one run, by (metric, component), read from a real summary."""

from __future__ import annotations

from app.model.fileformat import dumps
from app.sweeps.headline import COMPONENT_METRICS, END_TO_END_METRICS, headline
from app.sweeps.jobs import Job, run_job
from tests.sweeps.conftest import tiny_doc


def test_every_headline_figure_comes_from_the_summary() -> None:
    summary = run_job(Job(0, 0, dumps(tiny_doc()), seed=3)).summary
    figures = headline(summary)
    assert set(figures) == ({(m, "end_to_end") for m in END_TO_END_METRICS}
                            | {(m, "q") for m in COMPONENT_METRICS})
    e2e, q = summary["end_to_end"], summary["components"]["q"]
    assert figures[("latency_mean_ms", "end_to_end")] == e2e["latency_ms"]["mean"]
    assert figures[("latency_p99_ms", "end_to_end")] == e2e["latency_ms"]["p99"]
    assert figures[("latency_p50_ms", "q")] == q["latency_ms"]["p50"]
    assert figures[("throughput_rps", "end_to_end")] == e2e["throughput_rps"]
    assert figures[("availability", "end_to_end")] == 1.0
    assert figures[("error_rate", "end_to_end")] == 0.0
    assert figures[("utilization", "q")] == q["utilization"]
    assert 0.0 < figures[("utilization", "q")] < 1.0  # type: ignore[operator]
    assert all(isinstance(v, float) for v in figures.values())


def test_a_figure_the_run_could_not_measure_is_none_not_zero() -> None:
    # At 0.01 requests per second, two simulated seconds see no request at all.
    summary = run_job(Job(0, 0, dumps(tiny_doc(rate_rps=0.01)), seed=3)).summary
    figures = headline(summary)
    assert summary["end_to_end"]["completed"] == 0
    assert figures[("latency_mean_ms", "end_to_end")] is None
    assert figures[("latency_p99_ms", "q")] is None


def test_odd_summaries_give_nones_not_errors() -> None:
    assert headline({}) == {(m, "end_to_end"): None for m in END_TO_END_METRICS}
    figures = headline({"end_to_end": {"latency_ms": {"mean": "12", "p99": None},
                                       "throughput_rps": 5}, "components": None})
    assert figures[("latency_mean_ms", "end_to_end")] is None  # text is not a number
    assert figures[("throughput_rps", "end_to_end")] == 5.0
    assert figures[("latency_p99_ms", "end_to_end")] is None
    assert figures[("error_rate", "end_to_end")] is None
    assert len(figures) == len(END_TO_END_METRICS)
