"""One multi-tier topology, four implementations: ours, minimal SimPy, Ciw, a bare heapq loop.

client (Poisson) -> load balancer -> web -> cache (80 % hits) -> database.
Every station is an M/M/c FIFO queue with an unbounded waiting room; a
request visits LB, web and cache, and 20 % of them the database. In our
engine the stations are non-blocking (so the network is exactly the Jackson
network the other two implement).

Run as a script: ``python bench/multitier.py IMPL REQUESTS SEED`` prints one
JSON line: the implementation, requests completed, mean latency (ms),
in-process seconds to build and run, and the process's total wall time is
measured by the caller.
"""

from __future__ import annotations

import json
import sys
import time

RATE = 5000.0
STATIONS = {  # name: (servers, mean service ms)
    "lb": (25, 0.5),
    "web": (30, 2.0),
    "cache": (10, 0.1),
    "db": (15, 3.0),
}
MISS = 0.2


def run_ours(requests: int, seed: int) -> tuple[int, float]:
    from app.engine import Simulation
    from app.model import (
        UNBOUNDED,
        Component,
        Document,
        Link,
        ServiceTime,
        SimulationSettings,
        Workload,
    )

    def station(cid: str, ctype: str) -> Component:
        c, ms = STATIONS[cid]
        return Component(
            id=cid, type=ctype, concurrency=c, queue_capacity=UNBOUNDED, blocking=False,
            service_time=ServiceTime("exponential", mean_ms=ms),
            hit_ratio=1 - MISS if ctype == "cache" else None,
        )

    doc = Document(
        components=[
            Component(id="users", type="client", workload=Workload("poisson", rate_rps=RATE)),
            station("lb", "load_balancer"), station("web", "web_server"),
            station("cache", "cache"), station("db", "database"),
        ],
        links=[Link("users", "lb"), Link("lb", "web"), Link("web", "cache"),
               Link("cache", "db")],
        simulation=SimulationSettings(duration_s=requests / RATE, warmup_s=0, seed=seed),
    )
    s = Simulation(doc, live=False).run()  # a batch run, as the CLI makes
    return s["end_to_end"]["completed"], s["end_to_end"]["latency_ms"]["mean"]


def run_simpy(requests: int, seed: int) -> tuple[int, float]:
    """The minimal idiomatic SimPy model: a process per request, a Resource per station."""
    import random

    import simpy

    rng = random.Random(seed)
    env = simpy.Environment()
    res = {name: simpy.Resource(env, capacity=c) for name, (c, _) in STATIONS.items()}
    rates = {name: 1000.0 / ms for name, (_, ms) in STATIONS.items()}
    done: list[float] = []
    horizon = requests / RATE

    def visit(name: str):
        with res[name].request() as req:
            yield req
            yield env.timeout(rng.expovariate(rates[name]))

    def request():
        t0 = env.now
        yield from visit("lb")
        yield from visit("web")
        yield from visit("cache")
        if rng.random() < MISS:
            yield from visit("db")
        done.append(env.now - t0)

    def source():
        while True:
            yield env.timeout(rng.expovariate(RATE))
            env.process(request())

    env.process(source())
    env.run(until=horizon)
    return len(done), 1000.0 * sum(done) / len(done)


def run_ciw(requests: int, seed: int) -> tuple[int, float]:
    import ciw

    names = list(STATIONS)
    network = ciw.create_network(
        arrival_distributions=[ciw.dists.Exponential(RATE), None, None, None],
        service_distributions=[ciw.dists.Exponential(1000.0 / STATIONS[n][1]) for n in names],
        number_of_servers=[STATIONS[n][0] for n in names],
        routing=[
            [0.0, 1.0, 0.0, 0.0],
            [0.0, 0.0, 1.0, 0.0],
            [0.0, 0.0, 0.0, MISS],
            [0.0, 0.0, 0.0, 0.0],
        ],
    )
    ciw.seed(seed)
    sim = ciw.Simulation(network)
    sim.simulate_until_max_time(requests / RATE)
    # A request's latency: from its arrival at the first node until it leaves
    # the network (the record whose destination is -1: a cache hit or the db).
    arrived: dict[int, float] = {}
    finished: list[float] = []
    exits: list[tuple[int, float]] = []
    for rec in sim.get_all_records():
        if rec.node == 1:
            arrived[rec.id_number] = rec.arrival_date
        if rec.destination == -1:
            exits.append((rec.id_number, rec.exit_date))
    finished = [t - arrived[i] for i, t in exits if i in arrived]
    return len(finished), 1000.0 * sum(finished) / len(finished)


def run_ceiling(requests: int, seed: int) -> tuple[int, float]:
    """A bare heapq event loop for this network (bench/heapq_ceiling.py)."""
    from heapq_ceiling import run_ceiling as ceiling

    return ceiling(requests, seed)


IMPLS = {"ours": run_ours, "simpy": run_simpy, "ciw": run_ciw, "ceiling": run_ceiling}

if __name__ == "__main__":
    impl, n, seed = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    t0 = time.perf_counter()
    completed, mean_ms = IMPLS[impl](n, seed)
    print(json.dumps({"impl": impl, "completed": completed, "mean_ms": mean_ms,
                      "run_s": time.perf_counter() - t0}))
