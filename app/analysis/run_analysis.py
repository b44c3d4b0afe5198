"""The ``analysis`` block of ``summary.json``: anomalies, trends and forecasts of one run.

:class:`RunSeriesCollector` keeps, per measured window, only the metrics the
analysis reads (``COMPONENT_METRICS`` per component, ``END_TO_END_METRICS``
end to end), in a numpy buffer of bounded size: past ``max_cells`` values it
merges neighbouring windows pairwise (the mean of the two; NaN-aware), so a
run of any length costs at most ``max_cells`` floats, and an analysis window
is then ``2^k`` of the run's windows. Components past ``max_components`` are
left out (counted). Warm-up windows are skipped.

:func:`analyse_run` is the one entry point (the CLI feeds a collector as
the run streams; the GUI can pass its snapshots). Its result is JSON-safe
(no NaN or infinity), deterministic and capped: each list keeps at most
``max_items`` entries and says how many it left out.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from app.analysis.anomalies import (
    DEFAULT_IQR,
    DEFAULT_ZSCORE,
    IqrParams,
    ZScoreParams,
    rolling_iqr,
    rolling_zscore,
)
from app.analysis.forecasts import load_at_p99_target, time_to_saturation
from app.analysis.trends import SIGNIFICANCE, Trend, linear_trends

FloatArray = npt.NDArray[np.float64]

if TYPE_CHECKING:
    from app.engine.snapshot import Snapshot, WindowMetrics

END_TO_END = "end_to_end"  # the same key as app.engine.snapshot.END_TO_END (kept Qt- and
# engine-import free: the engine package pulls in SimPy on first use of its names)

#: Metrics read per component (the metrics.csv names). Anomalies and trends on the
#: signals an operator watches; memory only for its trend (its saturation forecast).
COMPONENT_METRICS: tuple[str, ...] = (
    "latency_p99_ms", "throughput_rps", "error_rate", "utilization", "queue_length",
    "memory_utilization")
END_TO_END_METRICS: tuple[str, ...] = ("latency_p99_ms", "throughput_rps", "error_rate")
#: Metrics the detectors scan (memory moves slowly by design: a trend, not a spike).
ANOMALY_METRICS = frozenset(
    {"latency_p99_ms", "throughput_rps", "error_rate", "utilization", "queue_length"})
#: Metrics the detectors judge on a log scale: a latency or a queue is right-skewed (a
#: per-window p99 at rho = 0.5 has skew 1.5), so on the raw scale its ordinary upper tail
#: crosses the fences; its log is near symmetric (skew 0.65), and a spike is a ratio anyway.
#: queue_length uses log(1 + x) (it is 0 on an idle component).
LOG_SCALE_METRICS = frozenset({"latency_p99_ms"})
LOG1P_SCALE_METRICS = frozenset({"queue_length"})
#: Fractions that saturate at 1.0: forecast when they get there at their trend.
SATURATING_METRICS: tuple[str, ...] = ("utilization", "memory_utilization")

MAX_CELLS = 4_000_000       # 32 MB of float64 at most, whatever the run's length
MAX_COMPONENTS = 1000
MAX_ITEMS = 200             # per list in summary.json
#: Saturation forecasts further than this multiple of the analysed span are dropped.
HORIZON_FACTOR = 10.0


class RunSeriesCollector:
    """Per-window metric series of one run, bounded in memory (see the module doc)."""

    def __init__(self, *, warmup_s: float = 0.0, max_cells: int = MAX_CELLS,
                 max_components: int = MAX_COMPONENTS) -> None:
        self.warmup_s = warmup_s
        self._max_cells = max_cells
        self._max_components = max_components
        self.keys: list[tuple[str, str]] = []
        self.components_left_out = 0
        self.window_s = 0.0
        self._ids: list[str] = []
        self._cap = 0
        self._buf = np.empty((0, 0))
        self._times: list[float] = []
        self._stride = 1  # run windows per stored column
        self._acc_sum = np.empty(0)
        self._acc_cnt = np.empty(0)
        self._acc_k = 0
        self._acc_time = 0.0

    def add(self, snap: Snapshot) -> None:
        """Take one window's figures (warm-up windows are ignored)."""
        if snap.warming_up or snap.time_s <= self.warmup_s + 1e-9:
            return
        if not self.keys:
            self._start(snap)
        row = self._row(snap)
        valid = ~np.isnan(row)
        self._acc_sum += np.where(valid, row, 0.0)
        self._acc_cnt += valid
        self._acc_k += 1
        self._acc_time = snap.time_s
        if self._acc_k < self._stride:
            return
        if len(self._times) == self._cap:
            # Full: merge neighbouring columns and double the stride; this group is then
            # half of the next column, so every column covers `stride` windows.
            self._merge()
        else:
            self._append_group()

    def _start(self, snap: Snapshot) -> None:
        ids = list(snap.components)
        self._ids = ids[: self._max_components]
        self.components_left_out = len(ids) - len(self._ids)
        self.keys = [(END_TO_END, m) for m in END_TO_END_METRICS]
        self.keys += [(cid, m) for cid in self._ids for m in COMPONENT_METRICS]
        self.window_s = snap.window_s
        self._cap = max(64, self._max_cells // len(self.keys))
        self._cap += self._cap % 2
        self._buf = np.full((len(self.keys), min(self._cap, 256)), np.nan)
        self._acc_sum = np.zeros(len(self.keys))
        self._acc_cnt = np.zeros(len(self.keys))

    def _row(self, snap: Snapshot) -> FloatArray:
        values: list[float | None] = [getattr(snap.end_to_end, m) for m in END_TO_END_METRICS]
        missing = (None,) * len(COMPONENT_METRICS)
        for cid in self._ids:
            wm: WindowMetrics | None = snap.components.get(cid)
            if wm is None:
                values.extend(missing)
            else:
                values.extend(getattr(wm, m) for m in COMPONENT_METRICS)
        row = np.array([np.nan if v is None else v for v in values], dtype=np.float64)
        row[~np.isfinite(row)] = np.nan  # never expected; would poison every sum after it
        return row

    def _merge(self) -> None:
        n = len(self._times)
        pair = np.stack((self._buf[:, 0:n:2], self._buf[:, 1:n:2]))
        count = np.count_nonzero(~np.isnan(pair), axis=0)
        merged = np.where(count > 0, np.nansum(pair, axis=0) / np.maximum(count, 1), np.nan)
        self._buf[:, : n // 2] = merged
        self._buf[:, n // 2:] = np.nan
        self._times = self._times[1::2]
        self._stride *= 2

    def _group_column(self) -> FloatArray:
        """The mean of the windows accumulated since the last column (NaN: none had a value)."""
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(self._acc_cnt > 0, self._acc_sum / self._acc_cnt, np.nan)

    def _append_group(self) -> None:
        n = len(self._times)
        if n == self._buf.shape[1]:  # grow the buffer (doubling, up to the cap)
            grown = np.full((len(self.keys), min(self._cap, 2 * n)), np.nan)
            grown[:, :n] = self._buf[:, :n]
            self._buf = grown
        self._buf[:, n] = self._group_column()
        self._times.append(self._acc_time)
        self._acc_sum[:] = 0.0
        self._acc_cnt[:] = 0.0
        self._acc_k = 0

    def series(self) -> tuple[FloatArray, FloatArray]:
        """(window end times, values of shape (len(keys), windows)) collected so far.

        A group of windows not yet complete (after a merge) is its own last column.
        The collector is not changed: it can be read during a run and fed on.
        """
        n = len(self._times)
        times = np.array(self._times, dtype=np.float64)
        values = self._buf[:, :n]
        if self._acc_k:
            times = np.append(times, self._acc_time)
            values = np.column_stack((values, self._group_column()))
        return times, values.copy()

    @property
    def component_ids(self) -> tuple[str, ...]:
        """The components analysed, in the snapshot's order."""
        return tuple(self._ids)

    @property
    def analysis_window_s(self) -> float:
        """The span one stored column covers (the run's window × the merge factor)."""
        return self.window_s * self._stride


def analyse_run(
    snapshots: Iterable[Snapshot] | RunSeriesCollector,
    *,
    warmup_s: float = 0.0,
    zscore: ZScoreParams = DEFAULT_ZSCORE,
    iqr: IqrParams = DEFAULT_IQR,
    p99_target_ms: float | None = None,
    offered_rps: float | None = None,
    p99_now_ms: float | None = None,
    mean_latency_ms_at: Callable[[float], float | None] | None = None,
    max_items: int = MAX_ITEMS,
) -> dict[str, Any]:
    """The ``analysis`` block of a run: ``{anomalies, trends, forecasts, ...}``.

    Args:
        snapshots: The run's windows, oldest first, or a collector fed as it ran.
        warmup_s: Windows ending by then are skipped (as are those flagged
            ``warming_up``); ignored for a collector (it has its own).
        zscore, iqr: Detector parameters.
        p99_target_ms: The end-to-end p99 target; with ``offered_rps``,
            ``p99_now_ms`` and ``mean_latency_ms_at`` it adds the p99 forecast.
        offered_rps: The run's offered rate (requests per measured second).
        p99_now_ms: The run's end-to-end p99 (the summary's).
        mean_latency_ms_at: The analytic end-to-end mean latency at a load factor.
        max_items: Entries kept per list; ``<list>_left_out`` counts the rest.
    """
    if isinstance(snapshots, RunSeriesCollector):
        col = snapshots
    else:
        col = RunSeriesCollector(warmup_s=warmup_s)
        for snap in snapshots:
            col.add(snap)
    times, values = col.series()
    order = {cid: i for i, cid in enumerate([END_TO_END, *col.component_ids])}
    metric_rank = {m: i for i, m in enumerate(COMPONENT_METRICS)}

    def sort_key(item: dict[str, Any]) -> tuple[int, int]:
        return order[item["component"]], metric_rank[item["metric"]]

    anomalies = _anomalies(col.keys, times, values, zscore, iqr)
    trends = linear_trends(times, values) if times.size else []
    span = float(times[-1] - times[0] + col.analysis_window_s) if times.size else 0.0
    trend_items: list[tuple[bool, float, dict[str, Any]]] = []
    forecasts: list[dict[str, Any]] = []
    for (cid, metric), trend in zip(col.keys, trends, strict=True):
        if trend.slope_per_s is None or trend.p_value is None:
            continue
        if cid != END_TO_END and not trend.significant:
            continue  # every end-to-end trend; a component's only when significant
        trend_items.append((not trend.significant, trend.p_value, {
            "component": cid, "metric": metric, "slope_per_s": _finite(trend.slope_per_s),
            "p_value": _finite(trend.p_value), "significant": trend.significant, "n": trend.n}))
        forecast = _forecast(cid, metric, trend, float(times[-1]), span)
        if forecast is not None:
            forecasts.append(forecast)
    p99 = _p99_forecast(p99_target_ms, offered_rps, p99_now_ms, mean_latency_ms_at)
    if p99 is not None:
        forecasts.insert(0, p99)
    trend_items.sort(key=lambda t: (t[0], t[1], sort_key(t[2])))
    kept_trends = sorted((t[2] for t in trend_items[:max_items]), key=sort_key)
    anomalies.sort(key=lambda a: (-abs(a["score"]), a["time_s"], sort_key(a), a["detector"]))
    kept_anomalies = sorted(anomalies[:max_items],
                            key=lambda a: (a["time_s"], sort_key(a), a["detector"]))
    return {
        "windows": int(times.size),
        "window_s": col.analysis_window_s,
        "span_s": span,
        "components_left_out": col.components_left_out,
        "parameters": {
            "zscore": {"window": zscore.window, "z_max": zscore.z_max,
                       "min_points": zscore.min_points},
            "iqr": {"window": iqr.window, "k": iqr.k, "min_points": iqr.min_points},
            "significance": SIGNIFICANCE,
        },
        "anomalies": kept_anomalies,
        "anomalies_left_out": len(anomalies) - len(kept_anomalies),
        "trends": kept_trends,
        "trends_left_out": len(trend_items) - len(kept_trends),
        "forecasts": forecasts[:max_items],
        "forecasts_left_out": max(0, len(forecasts) - max_items),
    }


def detection_scale(metric: str, x: FloatArray) -> FloatArray:
    """The series as the detectors see it: log for latency, log(1 + x) for queues, else as is
    (NaN stays NaN). Reported values stay on the metric's own scale."""
    if metric in LOG_SCALE_METRICS:
        return np.log(np.maximum(x, 1e-9))
    if metric in LOG1P_SCALE_METRICS:
        return np.log1p(np.maximum(x, 0.0))
    return x


def _anomalies(keys: list[tuple[str, str]], times: FloatArray,
               values: FloatArray, zscore: ZScoreParams,
               iqr: IqrParams) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for row, (cid, metric) in enumerate(keys):
        if metric not in ANOMALY_METRICS:
            continue
        x = values[row]
        finite = x[~np.isnan(x)]
        if finite.size == 0 or finite.min() == finite.max():
            continue  # constant: nothing can stand out
        y = detection_scale(metric, x)
        for detector, flags in (("zscore", rolling_zscore(y, zscore)),
                                ("iqr", rolling_iqr(y, iqr))):
            for i, score in zip(flags.index.tolist(), flags.score.tolist(), strict=True):
                out.append({"component": cid, "metric": metric, "time_s": float(times[i]),
                            "value": float(x[i]), "detector": detector, "score": score})
    return out


def _forecast(cid: str, metric: str, trend: Trend, end_s: float,
              span_s: float) -> dict[str, Any] | None:
    if cid == END_TO_END or trend.slope_per_s is None:
        return None
    if metric in SATURATING_METRICS:
        at_s = time_to_saturation(trend, end_s, horizon_s=HORIZON_FACTOR * span_s)
        if at_s is None:
            return None
        return {"component": cid, "metric": metric, "kind": "saturation", "level": 1.0,
                "at_s": at_s, "slope_per_s": trend.slope_per_s, "p_value": trend.p_value}
    if metric == "queue_length" and trend.significant and trend.slope_per_s > 0:
        start, end = trend.value_at(end_s - span_s), trend.value_at(end_s)
        assert start is not None and end is not None
        # A queue that grows without bound: the fitted line rose by at least one request
        # and at least its own starting level over the run (not a wobble on a flat queue).
        if end - start >= max(1.0, abs(start)):
            return {"component": cid, "metric": metric, "kind": "queue_growth",
                    "growth_per_s": trend.slope_per_s, "at_s": None,
                    "p_value": trend.p_value}
    return None


def _p99_forecast(target_ms: float | None, offered_rps: float | None,
                  p99_now_ms: float | None,
                  mean_at: Callable[[float], float | None] | None) -> dict[str, Any] | None:
    if target_ms is None or offered_rps is None or p99_now_ms is None or mean_at is None:
        return None
    found = load_at_p99_target(offered_rps, p99_now_ms, target_ms, mean_at)
    return {"component": END_TO_END, "metric": "latency_p99_ms", "kind": "p99_target",
            "target_ms": target_ms, "p99_now_ms": p99_now_ms, "offered_rps": offered_rps,
            "load_rps": None if found is None else found.load_rps,
            "load_factor": None if found is None else found.load_factor,
            "saturated": None if found is None else found.saturated,
            "already_exceeded": None if found is None else found.already_exceeded}


def offered_and_p99(summary: dict[str, Any]) -> tuple[float | None, float | None]:
    """(offered requests per measured second, end-to-end p99 in ms) of a run's summary:
    the ``offered_rps`` and ``p99_now_ms`` of :func:`analyse_run`'s p99 forecast."""
    e2e = summary.get("end_to_end") or {}
    measured = float(summary.get("simulated_s") or 0.0) - float(summary.get("warmup_s") or 0.0)
    requests = e2e.get("requests")
    offered = requests / measured if requests and measured > 0 else None
    p99 = (e2e.get("latency_ms") or {}).get("p99")
    return offered, (float(p99) if p99 is not None else None)


def _finite(v: float) -> float | None:
    return v if math.isfinite(v) else None
