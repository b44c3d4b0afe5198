"""Designs several test files build: kept here so they stay one definition."""

from __future__ import annotations

from typing import Any


def broker_design(*, pattern: str, rate_rps: float, capacity: int, duration_s: float,
                  warmup_s: float, seed: int) -> dict[str, Any]:
    """Users -> a message queue holding up to ``capacity`` messages -> one consumer.

    The consumer (one worker, no waiting room, 10 ms a message) takes 100 msg/s,
    so an offered rate above that grows the broker's backlog until it is full,
    and from then on the broker drops messages.
    """
    return {
        "format": "sdsim", "version": 2, "name": "broker",
        "components": [
            {"id": "users", "type": "client",
             "workload": {"pattern": pattern, "rate_rps": rate_rps}},
            {"id": "mq", "type": "message_queue", "queue_capacity": capacity,
             "concurrency": 8, "service_time": {"distribution": "constant", "mean_ms": 0.1}},
            {"id": "worker", "type": "worker", "concurrency": 1, "queue_capacity": 0,
             "service_time": {"distribution": "constant", "mean_ms": 10}},
        ],
        "links": [{"source": "users", "target": "mq"},
                  {"source": "mq", "target": "worker", "mode": "async"}],
        "simulation": {"duration_s": duration_s, "warmup_s": warmup_s, "seed": seed},
    }
