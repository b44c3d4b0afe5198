"""Golden check for engine speed work: same seed, same results, byte for byte.

Runs every shipped template (``resources/templates``), bench/multitier.py's
3-tier reference and that reference with issue #9's features on (chaos, a
breaker on every link, autoscaling on every tier), each for a fixed seed and
a short duration, and writes one JSON file per case holding the full summary
(``wall_s`` removed: it is the only wall-clock figure) and every window's
snapshot. ``record`` writes the files; ``check`` reruns and compares bytes.

    python bench/engine_golden.py record [DIR]   # before a change
    python bench/engine_golden.py check [DIR]    # after it: exit 1 on any difference

DIR defaults to bench/results/golden (not committed: regenerate from the base
revision). A speed change that keeps the random draws must keep every file
identical; one that changes a draw order must say why (docs/benchmarks.md).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

SEEDS = (1, 7)
TEMPLATE_DURATION_S = 20.0
REFERENCE_REQUESTS = 20_000


def _reference(features: bool) -> Any:
    import multitier

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
        c, ms = multitier.STATIONS[cid]
        return Component(id=cid, type=ctype, concurrency=c, queue_capacity=UNBOUNDED,
                         blocking=False, service_time=ServiceTime("exponential", mean_ms=ms),
                         hit_ratio=1 - multitier.MISS if ctype == "cache" else None)

    doc = Document(
        components=[Component(id="users", type="client",
                              workload=Workload("poisson", rate_rps=multitier.RATE)),
                    station("lb", "load_balancer"), station("web", "web_server"),
                    station("cache", "cache"), station("db", "database")],
        links=[Link("users", "lb"), Link("lb", "web"), Link("web", "cache"),
               Link("cache", "db")],
        simulation=SimulationSettings(duration_s=REFERENCE_REQUESTS / multitier.RATE,
                                      warmup_s=0.5, seed=1, window_s=0.5))
    if features:
        from app.model.document import Autoscaling, Chaos, CircuitBreaker
        doc.chaos = Chaos(level=0.05, mttr_s=0.2)
        for link in doc.links:
            link.circuit_breaker = CircuitBreaker()
        for comp in doc.components[1:]:
            comp.autoscaling = Autoscaling(max=4, cooldown_s=0.5, provision_s=0.2)
    return doc


def cases() -> dict[str, tuple[Any, float | None]]:
    """Case name -> (document, duration override)."""
    from app.model.fileformat import load

    out: dict[str, tuple[Any, float | None]] = {}
    for path in sorted((ROOT / "resources" / "templates").glob("*.sdsim")):
        doc = load(path)
        out[path.stem] = (doc, min(TEMPLATE_DURATION_S, doc.simulation.duration_s))
    out["reference"] = (_reference(False), None)
    out["reference_features"] = (_reference(True), None)
    return out


def run_case(doc: Any, duration: float | None, seed: int, live: bool) -> str:
    from app.engine import Simulation

    warm = None
    if duration is not None and doc.simulation.warmup_s >= duration:
        warm = duration / 4
    sim = Simulation(doc, duration_s=duration, warmup_s=warm, seed=seed, live=live,
                     base_dir=ROOT / "resources" / "templates")
    windows = []
    while not sim.finished:
        windows.append(sim.step_window().to_wire())
    summary = sim.summary()
    summary.pop("wall_s", None)
    return json.dumps({"summary": summary, "windows": windows}, sort_keys=True, default=repr,
                      indent=0)


def main() -> int:
    mode = sys.argv[1] if len(sys.argv) > 1 else "check"
    out_dir = Path(sys.argv[2]) if len(sys.argv) > 2 else ROOT / "bench" / "results" / "golden"
    out_dir.mkdir(parents=True, exist_ok=True)
    bad = 0
    for name, (doc, duration) in cases().items():
        for seed in SEEDS:
            for live in (False, True):
                text = run_case(doc, duration, seed, live)
                path = out_dir / f"{name}-s{seed}-{'live' if live else 'batch'}.json"
                if mode == "record":
                    path.write_text(text)
                    print(f"recorded {path.name} ({len(text)} bytes)")
                elif path.read_text() != text:
                    bad += 1
                    print(f"DIFFERENT {path.name}")
                else:
                    print(f"same      {path.name}")
    print("all identical" if mode == "check" and not bad else f"{bad} different")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
