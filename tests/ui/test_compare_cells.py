"""The What-if table's text: numbers, units, differences and verdicts in words."""

from __future__ import annotations

from app.sweeps.compare import compare
from app.ui.compare.cells import cells, number


def test_numbers_keep_four_significant_digits() -> None:
    assert [number(v) for v in (9.99996, 14.2857, 0.077041, 1234.5, 0.0, None, float("nan"))] \
        == ["10.00", "14.29", "0.07704", "1,234", "0", "—", "—"]
    assert number(0.1234, 100.0) == "12.34"


def test_cells_of_a_significant_rise_and_of_no_change() -> None:
    a = [{("latency_p99_ms", "end_to_end"): v, ("utilization", "db"): 0.5}
         for v in (10.0, 11.0, 12.0)]
    b = [{("latency_p99_ms", "end_to_end"): v, ("utilization", "db"): 0.5}
         for v in (20.0, 21.0, 22.0)]
    latency, util = compare(a, b)
    figure, current, variant, diff, verdict = cells(latency)
    assert figure == "End to end · p99 latency (ms)"
    assert current == "11.00 ± 2.484" and variant == "21.00 ± 2.484"
    assert diff.startswith("+10.00 (+91 %) [") and verdict == "YES, higher (p < 0.001)"
    assert cells(util) == ("db · utilization (%)", "50.00 ± 0", "50.00 ± 0", "0 (+0 %)",
                           "no (p = 1.000)")
