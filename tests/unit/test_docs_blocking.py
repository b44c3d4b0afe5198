"""The docs say what the engine does about blocking (caches hold their worker on a miss)."""

from __future__ import annotations

import re
from pathlib import Path

from app.engine.simulation import Simulation
from app.model import UNBOUNDED, Component, ServiceTime
from app.model.catalog import COMPONENT_TYPES
from tests.unit.engine_docs import client, design, server

DOCS = Path(__file__).resolve().parents[2] / "docs"


def _cache(blocking: bool | None) -> Component:
    return Component(id="cache", type="cache", concurrency=1, queue_capacity=UNBOUNDED,
                     hit_ratio=0.0, service_time=ServiceTime("constant", mean_ms=1.0),
                     blocking=blocking)


def _cache_utilization(blocking: bool | None) -> float:
    """A cache that always misses, in front of a 20 ms database, at 10 req/s."""
    doc = design([client(10.0, "constant"), _cache(blocking),
                  server("db", 20.0, 100, dist="constant")],
                 [("users", "cache"), ("cache", "db")], duration=60.0, warmup=5.0)
    summary = Simulation(doc).run()
    return float(summary["components"]["cache"]["utilization"])


def test_a_cache_keeps_its_worker_during_the_miss_unless_told_otherwise() -> None:
    # Blocking: 10 req/s x (1 ms own + 20 ms waiting for the db) = 21 % busy.
    assert abs(_cache_utilization(None) - 0.21) < 0.02
    assert abs(_cache_utilization(True) - 0.21) < 0.02
    # Non-blocking: only its own 1 ms per request, 1 %.
    assert abs(_cache_utilization(False) - 0.01) < 0.005


def test_the_type_table_in_file_format_matches_the_catalog() -> None:
    text = (DOCS / "file-format.md").read_text(encoding="utf-8")
    rows = re.findall(r"^\| `(\w+)` \| (?:`\w+`|—) \| (yes|no) \| [^|]+ \|$", text,
                      re.MULTILINE)
    assert {key for key, _ in rows} == set(COMPONENT_TYPES)
    for key, says in rows:
        assert (says == "yes") == COMPONENT_TYPES[key].blocking, key


def test_model_md_lists_caches_with_the_blocking_types() -> None:
    text = " ".join((DOCS / "model.md").read_text(encoding="utf-8").split())
    blocking = re.search(r"`blocking: true` \(([^)]*)\)", text)
    non_blocking = re.search(r"`blocking: false` \(([^)]*)\)", text)
    assert blocking is not None and non_blocking is not None
    assert "caches" in blocking.group(1)
    assert "caches" not in non_blocking.group(1) and "CDNs" in non_blocking.group(1)
