"""Closing a window: counters and integrals become a WindowMetrics, and run totals grow.

Stations and clients keep cumulative counters and time integrals; a window's
figures are differences against the previous close (window-based: the
events that happened in the window). Latencies gathered during the window
are folded into the whole-run histogram and batch sums — only those of
requests that arrived after the warm-up (cohort-based), so the summary's
latencies exclude the warm-up exactly as PRODUCT.md §4 asks.
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import chain
from typing import Any

import numpy as np

from app.engine.links import LinkRuntime
from app.engine.messaging import BrokerStation
from app.engine.scheduling import AsyncLedger
from app.engine.snapshot import LinkMetrics, WindowMetrics
from app.engine.station import Station
from app.engine.stats import (
    BatchMeans,
    LatencyHistogram,
    bin_indices,
    many_window_percentiles,
    window_percentiles,
)
from app.engine.workloads import ClientNode

_COUNTERS = ("arrivals", "completed", "rejected", "failed", "timed_out")
_STATION_AREAS = ("queued_area", "serving_area", "busy_area", "insys_area")
_LATENCY_FIELDS = (
    "latency_mean_ms", "latency_p50_ms", "latency_p90_ms", "latency_p95_ms", "latency_p99_ms",
    "latency_max_ms",
)


class RunAccumulator:
    """Whole-run (post-warm-up) latency statistics and counters at the warm-up mark."""

    def __init__(self) -> None:
        self.histogram = LatencyHistogram()
        self.batches = BatchMeans()
        self.at_warmup: dict[str, float] = {}
        self.warmup_time = 0.0

    def fold(self, lat_ms: Latencies, starts: list[float], warmup_s: float,
             total: float | None = None, *, bins: np.ndarray | None = None,
             max_ms: float | None = None) -> None:
        """Add one window's latencies of requests that arrived after the warm-up.

        ``total`` is ``_latency_sum(lat_ms)`` when the caller has it already;
        ``bins`` and ``max_ms`` are the latencies' :func:`bin_indices` (a copy
        the histogram may keep) and their maximum, when a window close binned
        them with every other component's (:func:`take_window_latencies`).
        """
        # Latencies are listed in completion order, so look at every start.
        if warmup_s > 0.0 and starts and min(starts) < warmup_s:
            if isinstance(lat_ms, np.ndarray):
                lat_ms = lat_ms[np.asarray(starts, dtype=float) >= warmup_s]
            else:
                lat_ms = [x for x, t in zip(lat_ms, starts, strict=True) if t >= warmup_s]
            total = bins = None
        if bins is None or max_ms is None:
            self.histogram.add(lat_ms)
        else:
            self.histogram.add_bins(bins, max_ms)
        self.batches.add_window(len(lat_ms), _latency_sum(lat_ms) if total is None else total)


def _latency_sum(lat_ms: Latencies) -> float:
    """Sum of a window's latencies: Python's for a list, numpy's (pairwise) for an array.

    Which one matters to the last bit, and the mean of a window is this sum
    over the count exactly as ``ndarray.mean`` computes it.
    """
    # np.add.reduce is what ndarray.sum calls, without its Python-level wrappers.
    return float(sum(lat_ms)) if isinstance(lat_ms, list) else float(_add_reduce(lat_ms))


_add_reduce = np.add.reduce

#: A window's latencies in ms: a list when few (no numpy call), an array when many.
Latencies = list[float] | np.ndarray
_FEW = 32


def _latency_values(
    lat_ms: Latencies, total: float | None = None,
) -> tuple[float | None, float | None, float | None, float | None, float | None, float | None]:
    """The window's mean, p50, p90, p95, p99 and max latency; all ``None`` when empty.

    ``total`` is ``_latency_sum(lat_ms)`` when the caller has it already.
    """
    n = len(lat_ms)
    if n == 0:
        return (None, None, None, None, None, None)
    p50, p90, p95, p99, mx = window_percentiles(lat_ms)
    mean = (_latency_sum(lat_ms) if total is None else total) / n
    return (mean, p50, p90, p95, p99, mx)


def _latency_fields(lat_ms: Latencies) -> dict[str, Any]:
    """The window's latency figures by name; all ``None`` when nothing completed."""
    return dict(zip(_LATENCY_FIELDS, _latency_values(lat_ms), strict=True))


def _count_fields(d: dict[str, float], length: float) -> dict[str, Any]:
    """The window's event counts and throughput, from counter differences ``d``."""
    counts: dict[str, Any] = {name: int(d[name]) for name in _COUNTERS}
    counts["throughput_rps"] = d["completed"] / length if length > 0 else 0.0
    return counts


def _take_latencies(node: Station | ClientNode | LinkRuntime) -> tuple[Latencies, list[float]]:
    """The window's latencies (ms) and their requests' arrival times; clears the lists."""
    lat = _to_ms(node.lat)
    starts = node.lat_start
    node.lat = []
    node.lat_start = []
    return lat, starts


def _to_ms(lat_s: list[float]) -> Latencies:
    """Latencies in seconds as ms: a list when few (no numpy call), else an array."""
    if len(lat_s) < _FEW:
        return [x * 1000.0 for x in lat_s]
    lat = np.fromiter(lat_s, dtype=float, count=len(lat_s))
    lat *= 1000.0  # in place: the same products, one array fewer
    return lat


#: What closing a window takes from a node: its latencies (ms), their requests'
#: arrival times, their sum, (mean, p50, p90, p95, p99, max) — all ``None`` when
#: empty — and their histogram bins (``None`` when empty).
Figures = tuple[float | None, float | None, float | None, float | None, float | None,
                float | None]
Taken = tuple[Latencies, list[float], float, Figures, np.ndarray | None]

_NO_FIGURES: Figures = (None, None, None, None, None, None)


def take_window_latencies(nodes: Sequence[Station | ClientNode | LinkRuntime]) -> list[Taken]:
    """Every node's :data:`Taken` for the window; clears their lists.

    The same figures, to the bit, as :func:`_take_latencies` and
    :func:`_latency_values` node by node, for less: every node's latencies
    become numpy in one conversion, are binned for the run's histograms in
    one pass (:func:`~app.engine.stats.bin_indices`) and sorted a few rows
    at a time (:func:`~app.engine.stats.many_window_percentiles`). A design
    with hundreds of components closes hundreds of such windows a simulated
    second, and one conversion, sort and binning each was most of that cost
    (docs/benchmarks.md, "#14 engine", scaling). A window of fewer than
    ``_FEW`` latencies stays a list of Python floats, summed by Python, as
    :func:`_to_ms` gives it.
    """
    out: list[Taken | None] = [None] * len(nodes)
    taken: list[int] = []
    raw: list[list[float]] = []
    starts_of: list[list[float]] = []
    for i, node in enumerate(nodes):
        if node.lat:
            taken.append(i)
            raw.append(node.lat)
            starts_of.append(node.lat_start)
            node.lat = []
            node.lat_start = []
        else:
            out[i] = ([], node.lat_start, 0.0, _NO_FIGURES, None)
            node.lat_start = []
    if taken:
        lens = [len(r) for r in raw]
        flat = np.fromiter(chain.from_iterable(raw), dtype=float, count=sum(lens))
        flat *= 1000.0  # the same products as each node's own array
        bins = bin_indices(flat)
        views: list[np.ndarray] = []
        at = 0
        for n in lens:
            views.append(flat[at:at + n])
            at += n
        figures = many_window_percentiles(views).tolist()
        at = 0
        for i, view, starts, fig in zip(taken, views, starts_of, figures, strict=True):
            n = len(view)
            lat: Latencies
            if n < _FEW:
                lat = view.tolist()
                total = float(sum(lat))
            else:
                # The histogram keeps these until ~8,000 have gathered: its own
                # copy, so the window's arrays are not kept alive with them.
                lat = view
                total = float(_add_reduce(view))
            out[i] = (lat, starts, total, (total / n, fig[0], fig[1], fig[2], fig[3], fig[4]),
                      bins[at:at + n].copy())
            at += n
    return out  # type: ignore[return-value]  # every slot filled above


def close_windows(
    stations: Sequence[StationWindow], links: Sequence[LinkWindow], end: float, length: float,
    warmup_s: float,
) -> tuple[list[WindowMetrics], list[LinkMetrics]]:
    """Close the stations' and the links' windows: the same metrics as each one's ``close``.

    Idle windows answer from ``begin_close``; the others' latencies are taken
    together (:func:`take_window_latencies`) and then finished.
    """
    windows: list[StationWindow | LinkWindow] = [*stations, *links]
    out: list[Any] = []  # a window's metrics, or None until its latencies are taken
    busy: list[int] = []
    for w in windows:
        metrics = w.begin_close(end, length, warmup_s)
        if metrics is None:
            busy.append(len(out))
        out.append(metrics)
    if busy:
        taken = take_window_latencies([windows[i].node for i in busy])
        for i, t in zip(busy, taken, strict=True):
            out[i] = windows[i].finish_close(t, end, length, warmup_s)
    return out[:len(stations)], out[len(stations):]


class StationWindow:
    """Per-window metrics of one station, and its run accumulator.

    Closing a window is per station whatever its traffic, so it avoids dicts
    on its path: the cumulative figures are a tuple (:meth:`_figures`), and
    a station that did nothing since the last close (same counters, same
    running sums, nothing in it) reuses its last idle :class:`WindowMetrics`
    when its replicas and availability are unchanged. Every figure is
    computed with the same operations as :meth:`values` would give, so the
    results are the same to the bit.
    """

    def __init__(self, station: Station) -> None:
        self.station = station
        self.node: Station = station
        self.broker = station if isinstance(station, BrokerStation) else None
        self.run = RunAccumulator()
        rc = station.resolved
        #: The memory share of an empty station (in flight 0), as close() computes it.
        self._idle_memory = min(
            1.0, (rc.idle_memory_mb + 0.0 * rc.memory_per_request_mb) / rc.memory_capacity_mb)
        self._prev = self._figures(0.0)
        #: The figures of the last close while one is under way (begin_close to finish_close).
        self._closing = self._prev
        #: The last idle window's metrics (see the class docstring).
        self._idle: WindowMetrics | None = None

    def values(self, now: float) -> dict[str, float]:
        """Cumulative counters and time integrals at ``now``."""
        st = self.station
        vals = {name: float(getattr(st, name)) for name in _COUNTERS}
        vals["throttled"] = float(st.throttled)
        vals.update(st.areas(now))
        broker = self.broker
        vals["dropped"] = float(broker.dropped) if broker is not None else 0.0
        vals["backlog_area"] = broker.backlog_area(now) if broker is not None else 0.0
        return vals

    def _figures(self, now: float) -> tuple[Any, ...]:
        """The station's counters and running sums (not integrals: those need ``now``)."""
        st = self.station
        broker = self.broker
        return (st.arrivals, st.completed, st.rejected, st.failed, st.timed_out, st.throttled,
                st.queued, st.queued_s, st.serving, st.serving_s, st.busy, st.busy_s,
                st.insys, st.insys_s,
                broker.dropped if broker is not None else 0,
                broker.backlog_area(now) if broker is not None else 0.0,
                st.integrals.area(now), st.integrals.workers_area(now), now)

    def mark_warmup(self, now: float) -> None:
        """Remember the cumulative figures at the end of the warm-up."""
        self.run.at_warmup = self.values(now)
        self.run.warmup_time = now

    def close(self, end: float, length: float, warmup_s: float) -> WindowMetrics:
        """Metrics of the window ending at ``end``; folds latencies into the run."""
        idle = self.begin_close(end, length, warmup_s)
        if idle is not None:
            return idle
        return self.finish_close(take_window_latencies([self.station])[0], end, length, warmup_s)

    def begin_close(self, end: float, length: float, warmup_s: float) -> WindowMetrics | None:
        """The window's metrics if the station was idle in it, else ``None`` (see :meth:`close`)."""
        st = self.station
        prev = self._prev
        cur = self._figures(end)
        self._prev = cur
        self._closing = prev
        # cur[6], [8], [10], [12]: queued, serving, busy, in the system (see _figures).
        if (cur[:16] == prev[:16] and not st.lat and not cur[12] and not cur[6] and not cur[8]
                and not cur[10] and self.broker is None and length > 0):
            # Idle: nothing arrived, ended or waited. Every count difference and
            # busy integral is 0, so only availability and replicas can change.
            self.run.batches.add_window(0, 0.0)
            availability = (cur[16] - prev[16]) / length
            idle = self._idle
            if (idle is not None and idle.availability == availability
                    and idle.replicas == st.serving_count and idle.replicas_up == st.up_count):
                return idle
            workers = cur[17] - prev[17]
            idle = self._idle = WindowMetrics(
                0, 0, 0, 0, 0, 0.0, 0.0, None, None, None, None, None, None,
                0.0 / workers if workers > 0 else 0.0, self._idle_memory, 0.0, 0.0,
                availability, 0, 0.0, 0, 0, st.serving_count, st.up_count,
            )
            return idle
        return None

    def finish_close(self, taken: Taken, end: float, length: float,
                     warmup_s: float) -> WindowMetrics:
        """The metrics of a window :meth:`begin_close` found busy, with its latencies."""
        st = self.station
        prev = self._closing
        cur = self._prev
        (arrivals, completed, rejected, failed, timed_out, throttled,
         queued, queued_s, _serving, _serving_s, busy, busy_s, insys, insys_s,
         dropped, backlog_area, up_area, workers_area, _) = cur
        cap_up = up_area - prev[16]
        lat, starts, total, (mean, p50, p90, p95, p99, mx), bins = taken
        self.run.fold(lat, starts, warmup_s, total, bins=bins, max_ms=mx)
        # Each integral exactly as areas() computes it, differenced as values() were.
        p_end = prev[18]
        d_queued = (queued * end - queued_s) - (prev[6] * p_end - prev[7])
        d_busy = (busy * end - busy_s) - (prev[10] * p_end - prev[11])
        d_insys = (insys * end - insys_s) - (prev[12] * p_end - prev[13])
        d_workers = workers_area - prev[17]
        d_completed = completed - prev[1]
        d_failed = failed - prev[3]
        d_rejected = rejected - prev[2]
        rc = st.resolved
        in_flight = d_insys / length if length > 0 else 0.0
        memory = (rc.idle_memory_mb + in_flight * rc.memory_per_request_mb) / rc.memory_capacity_mb
        ended = d_completed + d_failed + d_rejected
        return WindowMetrics(
            arrivals - prev[0], d_completed, d_rejected, timed_out - prev[4], d_failed,
            d_completed / length if length > 0 else 0.0,
            (d_failed + d_rejected) / ended if ended else 0.0,
            mean, p50, p90, p95, p99, mx,
            d_busy / d_workers if d_workers > 0 else 0.0,
            min(1.0, memory),
            d_queued / length if length > 0 else 0.0,
            in_flight,
            cap_up / length if length > 0 else st.integrals.share,
            dropped - prev[14],
            (backlog_area - prev[15]) / length if length > 0 else 0.0,
            0,
            throttled - prev[5],
            st.serving_count,
            st.up_count,
        )


class ClientWindow:
    """Per-window end-to-end figures of one client."""

    def __init__(self, client: ClientNode) -> None:
        self.client = client
        self._prev: tuple[float, ...] = (0.0,) * (len(_COUNTERS) + 1)

    def values(self, now: float) -> dict[str, float]:
        """Cumulative counters and the in-flight integral at ``now``."""
        c = self.client
        vals = {name: float(getattr(c, name)) for name in _COUNTERS}
        vals["in_flight_area"] = c.in_flight_area(now)
        return vals

    def mark_warmup(self, now: float) -> None:
        """Remember the cumulative figures at the end of the warm-up."""
        self.at_warmup = self.values(now)

    def take_counts(self, end: float) -> tuple[float, ...]:
        """This window's differences of :meth:`values`, in its order, as a tuple.

        A tuple, not a dict: every client's are summed at every window close.
        The counters are whole numbers well below 2**53, so differencing them
        as ints and as floats gives the same numbers.
        """
        c = self.client
        cur = (c.arrivals, c.completed, c.rejected, c.failed, c.timed_out, c.in_flight_area(end))
        prev = self._prev
        self._prev = cur
        return (cur[0] - prev[0], cur[1] - prev[1], cur[2] - prev[2], cur[3] - prev[3],
                cur[4] - prev[4], cur[5] - prev[5])


def end_to_end_rates(completed: float, failed: float, async_failed: float) -> dict[str, Any]:
    """End-to-end ``error_rate`` and ``availability`` from counts of one period.

    Availability is successful responses / requests that ended (``None`` when
    none ended). The error rate adds the requests whose async work failed
    downstream to those whose reply failed, over the requests that ended,
    capped at 1 (a request that failed both ways counts twice; async failures
    can trail their requests' replies by a window).
    """
    ended = completed + failed
    if ended:
        error_rate = min(1.0, (failed + async_failed) / ended)
    else:
        error_rate = 1.0 if async_failed else 0.0
    return {
        "error_rate": error_rate,
        "availability": completed / ended if ended else None,
    }


class EndToEndWindow:
    """Combines every client's window into the end-to-end metrics."""

    def __init__(self, clients: list[ClientNode], ledger: AsyncLedger | None = None) -> None:
        self.windows = [ClientWindow(c) for c in clients]
        self.ledger = ledger if ledger is not None else AsyncLedger()
        self.run = RunAccumulator()
        self._prev_async_failed = 0

    def mark_warmup(self, now: float) -> None:
        """Remember the cumulative figures at the end of the warm-up."""
        total: dict[str, float] = {}
        for w in self.windows:
            w.mark_warmup(now)
            for k, v in w.at_warmup.items():
                total[k] = total.get(k, 0.0) + v
        total["async_failed"] = float(self.ledger.failed)
        self.run.at_warmup = total
        self.run.warmup_time = now

    def totals_now(self, now: float) -> dict[str, float]:
        """Cumulative counters over all clients at ``now``."""
        total: dict[str, float] = {}
        for w in self.windows:
            for k, v in w.values(now).items():
                total[k] = total.get(k, 0.0) + v
        total["async_failed"] = float(self.ledger.failed)
        return total

    def close(self, end: float, length: float, warmup_s: float) -> WindowMetrics:
        """End-to-end metrics of the window ending at ``end``."""
        arrivals = completed = rejected = failed = timed_out = in_flight_area = 0.0
        raw: list[list[float]] = []
        starts: list[float] = []
        for w in self.windows:
            # Summed in client order from 0.0, as floats: the same sums as ever.
            d_arr, d_done, d_rej, d_fail, d_to, d_area = w.take_counts(end)
            arrivals += d_arr
            completed += d_done
            rejected += d_rej
            failed += d_fail
            timed_out += d_to
            in_flight_area += d_area
            client = w.client
            if client.lat:
                raw.append(client.lat)
            starts.extend(client.lat_start)
            client.lat = []
            client.lat_start = []
        lat: Latencies
        if len(raw) > 1:  # every client's latencies in one array, converted once
            lat = np.fromiter(chain.from_iterable(raw), dtype=float, count=sum(map(len, raw)))
            lat *= 1000.0
        else:  # one client (or none): its own list or array, as a station's
            lat = _to_ms(raw[0]) if raw else []
        self.run.fold(lat, starts, warmup_s)
        async_failed = self.ledger.failed - self._prev_async_failed
        self._prev_async_failed = self.ledger.failed
        d = {"arrivals": arrivals, "completed": completed, "rejected": rejected,
             "failed": failed, "timed_out": timed_out}
        return WindowMetrics(
            **_count_fields(d, length),
            **end_to_end_rates(completed, failed, async_failed),
            in_flight=in_flight_area / length if length > 0 else 0.0,
            async_failed=async_failed,
            **_latency_fields(lat),
        )


_LINK_COUNTERS = ("calls", "failed", "timed_out", "retried", "short_circuited")


class LinkWindow:
    """Per-window figures of one link, and its run accumulator.

    Like :class:`StationWindow`, a link without calls since the last close
    reuses its last idle :class:`LinkMetrics` when its breaker and partition
    are unchanged.
    """

    def __init__(self, link: LinkRuntime) -> None:
        self.link = link
        self.node: LinkRuntime = link
        self.run = RunAccumulator()
        self._prev = self._counts()
        #: The counts of the last close while one is under way (begin_close to finish_close).
        self._closing = self._prev
        self._idle: LinkMetrics | None = None

    def values(self) -> dict[str, float]:
        """Cumulative counters now."""
        link = self.link
        return {name: float(getattr(link, name)) for name in _LINK_COUNTERS}

    def _counts(self) -> tuple[int, int, int, int, int]:
        link = self.link
        return (link.calls, link.failed, link.timed_out, link.retried, link.short_circuited)

    def mark_warmup(self, now: float) -> None:
        """Remember the cumulative figures at the end of the warm-up."""
        self.run.at_warmup = self.values()
        self.run.warmup_time = now

    def close(self, end: float, length: float, warmup_s: float) -> LinkMetrics:
        """Figures of the window ending at ``end``; folds latencies into the run.

        A link's run latencies are completion-based: those of the windows that
        end after the warm-up (a link keeps no start times, to cost less per call).
        """
        idle = self.begin_close(end, length, warmup_s)
        if idle is not None:
            return idle
        return self.finish_close(take_window_latencies([self.link])[0], end, length, warmup_s)

    def begin_close(self, end: float, length: float, warmup_s: float) -> LinkMetrics | None:
        """The window's metrics if no call was made in it, else ``None`` (see :meth:`close`)."""
        link = self.link
        prev = self._prev
        cur = self._counts()
        breaker = link.breaker
        state = None if breaker is None else breaker.state
        if cur == prev and not link.lat:
            if end > warmup_s + 1e-12:
                self.run.batches.add_window(0, 0.0)
            idle = self._idle
            if idle is None or idle.breaker != state or idle.partitioned != link.partitioned:
                idle = self._idle = LinkMetrics(breaker=state, partitioned=link.partitioned)
            return idle
        self._prev = cur
        self._closing = prev
        return None

    def finish_close(self, taken: Taken, end: float, length: float,
                     warmup_s: float) -> LinkMetrics:
        """The metrics of a window :meth:`begin_close` found busy, with its latencies."""
        link = self.link
        prev = self._closing
        cur = self._prev
        breaker = link.breaker
        lat, _, total, values, bins = taken
        if end > warmup_s + 1e-12:
            self.run.fold(lat, [], warmup_s, total, bins=bins, max_ms=values[5])
        calls = cur[0] - prev[0]
        return LinkMetrics(
            calls, cur[1] - prev[1], cur[2] - prev[2], cur[3] - prev[3], cur[4] - prev[4],
            calls / length if length > 0 else 0.0,
            *values,
            None if breaker is None else breaker.state,
            link.partitioned,
        )
