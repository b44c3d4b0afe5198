"""The ceiling: bench/multitier.py's reference network as a bare heapq event loop.

What plain Python can do for this one topology with no engine at all: one
heap of ``(time, sequence, station, arrival time)`` tuples, a free-server
count and a FIFO deque per station, exponential variates drawn by numpy in
blocks and handed out through C (as the engine's samplers do), and one
running sum of latencies. No windows, no per-component metrics, no
generality: a reference for how far the engine is from Python's limit, not
a simulator. Same network, same distributions and the same outputs
(requests completed, mean end-to-end latency) as the other implementations.

    python bench/heapq_ceiling.py check [--requests N] [--seeds K]

``check`` runs the ceiling and our engine for ``K`` seeds each and compares
their mean latencies (Welch's t-test over the replications, and the 95 %
confidence interval of the difference): they must agree. The timing runs
go through bench/engine_vs_baselines.py (``--impls ours,simpy,ciw,ceiling``).
"""

from __future__ import annotations

import argparse
import math
import statistics
import sys
from collections import deque
from collections.abc import Callable
from heapq import heappop, heappush
from itertools import chain, count
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import multitier  # noqa: E402  (after the path set-up above)

BLOCK = 4096


def run_ceiling(requests: int, seed: int) -> tuple[int, float]:
    """Simulate ``requests / RATE`` seconds; return (completed, mean latency in ms)."""
    import numpy as np

    rng = np.random.default_rng(seed)

    def exponential(mean_s: float) -> Callable[[], float]:  # a C-level __next__
        return chain.from_iterable(
            iter(lambda: rng.exponential(mean_s, BLOCK).tolist(), None)).__next__

    def uniform() -> Callable[[], float]:
        return chain.from_iterable(iter(lambda: rng.random(BLOCK).tolist(), None)).__next__

    stations = list(multitier.STATIONS.values())  # lb, web, cache, db in order
    service = [exponential(ms / 1000.0) for _, ms in stations]
    free = [servers for servers, _ in stations]
    queues: list[deque[float]] = [deque() for _ in stations]
    gap = exponential(1.0 / multitier.RATE)
    coin = uniform()
    miss = multitier.MISS
    horizon = requests / multitier.RATE
    heap: list[tuple[float, int, int, float]] = []
    seq = count()
    heappush(heap, (gap(), next(seq), -1, 0.0))
    completed = 0
    total = 0.0
    while heap:
        t, _, st, t0 = heappop(heap)
        if t >= horizon:
            break
        if st < 0:  # a new request arrives at the load balancer
            heappush(heap, (t + gap(), next(seq), -1, 0.0))
            t0 = t
            nxt = 0
        else:  # a service ends at station ``st``: its server takes the next in line
            queue = queues[st]
            if queue:
                heappush(heap, (t + service[st](), next(seq), st, queue.popleft()))
            else:
                free[st] += 1
            if st == 2:
                nxt = 3 if coin() < miss else -1
            elif st == 3:
                nxt = -1
            else:
                nxt = st + 1
            if nxt < 0:
                completed += 1
                total += t - t0
                continue
        if free[nxt]:
            free[nxt] -= 1
            heappush(heap, (t + service[nxt](), next(seq), nxt, t0))
        else:
            queues[nxt].append(t0)
    return completed, 1000.0 * total / completed


def check(requests: int, seeds: int) -> bool:
    """Ceiling and engine agree on the mean latency over ``seeds`` replications."""
    from app.engine.stats import t_two_sided_p

    ours = [multitier.run_ours(requests, s)[1] for s in range(1, seeds + 1)]
    ceil = [run_ceiling(requests, s)[1] for s in range(1, seeds + 1)]
    m_o, m_c = statistics.fmean(ours), statistics.fmean(ceil)
    v_o, v_c = statistics.variance(ours) / seeds, statistics.variance(ceil) / seeds
    se = math.sqrt(v_o + v_c)
    df = (v_o + v_c) ** 2 / (v_o**2 / (seeds - 1) + v_c**2 / (seeds - 1))
    p = t_two_sided_p((m_o - m_c) / se, df)
    half = 1.96 * se
    print(f"ours    mean latency {m_o:.4f} ms (replications {', '.join(f'{x:.3f}' for x in ours)})")
    print(f"ceiling mean latency {m_c:.4f} ms (replications {', '.join(f'{x:.3f}' for x in ceil)})")
    print(f"difference {m_o - m_c:+.4f} ms, 95 % CI +-{half:.4f} ms, Welch p = {p:.3f}")
    agree = p > 0.01
    print("agree" if agree else "DISAGREE")
    return agree


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("mode", choices=("check",))
    parser.add_argument("--requests", type=int, default=50_000)
    parser.add_argument("--seeds", type=int, default=8)
    args = parser.parse_args()
    return 0 if check(args.requests, args.seeds) else 1


if __name__ == "__main__":
    sys.exit(main())
