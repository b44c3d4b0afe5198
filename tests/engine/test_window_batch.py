"""Closing many windows at once (app/engine/window.py, #14 scaling).

A design with hundreds of components closed hundreds of windows a simulated
second, each with its own numpy conversion and sort. Windows now close
together; every figure must be what closing each window alone gives, to the
bit, in a real run with idle, lightly and heavily loaded components.
"""

from __future__ import annotations

import math

import numpy as np

from app.engine import Simulation
from app.engine.stats import bin_indices
from app.engine.window import (
    _latency_values,
    _take_latencies,
    close_windows,
    take_window_latencies,
)
from app.model import (
    UNBOUNDED,
    Component,
    Document,
    Link,
    ServiceTime,
    SimulationSettings,
    Workload,
)


def _design(seed: int = 5) -> Document:
    """Chains at 3, 20, 90 and 2,000 requests a second (windows of every size), one idle."""
    comps: list[Component] = []
    links: list[Link] = []
    for k, rate in enumerate((3.0, 20.0, 90.0, 2000.0)):
        comps.append(Component(id=f"c{k}", type="client",
                               workload=Workload("poisson", rate_rps=rate)))
        for name, ms in (("lb", 0.05), ("web", 0.4), ("db", 0.3)):
            comps.append(Component(id=f"{name}{k}", type="web_server", concurrency=4,
                                   queue_capacity=UNBOUNDED, blocking=False,
                                   service_time=ServiceTime("exponential", mean_ms=ms)))
        links += [Link(f"c{k}", f"lb{k}"), Link(f"lb{k}", f"web{k}"),
                  Link(f"web{k}", f"db{k}", probability=0.5)]
    comps.append(Component(id="idle", type="web_server", concurrency=1,
                           queue_capacity=UNBOUNDED, blocking=False,
                           service_time=ServiceTime("exponential", mean_ms=1.0)))
    return Document(components=comps, links=links,
                    simulation=SimulationSettings(duration_s=3.0, warmup_s=0.5, seed=seed))


def _twins() -> tuple[Simulation, Simulation]:
    a, b = Simulation(_design(), live=False), Simulation(_design(), live=False)
    for sim in (a, b):
        sim.env.run(until=1.0)
    return a, b


def test_taking_latencies_together_gives_each_node_its_own_figures() -> None:
    a, b = _twins()
    nodes_a = [*a.stations.values(), *a.links.values()]
    nodes_b = [*b.stations.values(), *b.links.values()]
    sizes = sorted(len(n.lat) for n in nodes_a)
    assert sizes[0] == 0 and any(0 < s < 32 for s in sizes) and sizes[-1] > 1000
    together = take_window_latencies(nodes_a)
    for node, (lat, starts, total, values, bins) in zip(nodes_b, together, strict=True):
        own_lat, own_starts = _take_latencies(node)
        assert type(lat) is type(own_lat)  # a list when few: summed by Python, as before
        assert list(lat) == list(own_lat) and list(starts) == list(own_starts)
        own = _latency_values(own_lat)
        assert values == own  # every figure to the bit (None for an empty window)
        if own[0] is not None:
            assert total / len(own_lat) == own[0]
            assert bins is not None
            assert bins.tolist() == bin_indices(np.asarray(own_lat, dtype=float)).tolist()
        else:
            assert bins is None
    assert all(len(n.lat) == 0 and len(n.lat_start) == 0 for n in nodes_a)
    # The histogram keeps each node's bins for many windows: they must be its
    # own array, or one node's would keep the whole window's (every node's) alive.
    kept = [bins for *_, bins in together if bins is not None]
    assert kept and all(b.base is None and b.flags.owndata for b in kept)


def test_closing_windows_together_gives_each_window_its_own_metrics() -> None:
    a, b = _twins()
    for end in (1.0, 2.0):
        if end > 1.0:
            for sim in (a, b):
                sim.env.run(until=end)
        stations, links = close_windows(list(a.station_windows.values()),
                                        list(a.link_windows.values()), end, 1.0, 0.5)
        alone = [w.close(end, 1.0, 0.5) for w in b.station_windows.values()]
        alone_links = [w.close(end, 1.0, 0.5) for w in b.link_windows.values()]
        assert stations == alone and links == alone_links
        assert any(m.latency_p99_ms is None for m in stations)  # the idle station
        assert all(m.latency_p99_ms is None or math.isfinite(m.latency_p99_ms) for m in stations)
    for wa, wb in zip(a.station_windows.values(), b.station_windows.values(), strict=True):
        assert wa.run.batches == wb.run.batches
        assert wa.run.histogram.counts.tolist() == wb.run.histogram.counts.tolist()
