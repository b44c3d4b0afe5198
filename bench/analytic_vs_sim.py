"""The analytic model against simulation on every template: the error table of docs/analysis.md.

Each template runs as designed (its own duration, warm-up and seed), or
scaled to a given peak utilization (``--peak``); for each station the analytic
mean latency and utilization are compared with the run's. Where the model
is exact the analytic figure should sit inside the run's 95 % CI; elsewhere
the error is what the approximations cost (or what the model leaves out:
faults, timeouts, retries, autoscaling).

    python bench/analytic_vs_sim.py [--peak 0.8] [template...]

Results go to bench/results/analytic_vs_sim[_peakP].json, a Markdown table to stdout.
"""

from __future__ import annotations

import argparse
import copy
import json
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from app.analysis.model import analyze  # noqa: E402
from app.engine import Simulation  # noqa: E402
from app.model import Document  # noqa: E402
from app.model.fileformat import load  # noqa: E402
from app.resources import resource_path  # noqa: E402

TEMPLATES = resource_path("templates")


def _rel(analytic: float | None, simulated: float | None) -> float | None:
    if analytic is None or simulated is None or simulated == 0:
        return None
    return (analytic - simulated) / simulated


def scaled(doc: Document, factor: float) -> Document:
    """``doc`` with every client's rates multiplied by ``factor`` (a copy)."""
    out = copy.deepcopy(doc)
    for comp in out.components:
        w = comp.workload
        if w is None:
            continue
        for name in ("rate_rps", "from_rps", "to_rps", "step_rps", "spike_rps"):
            value = getattr(w, name)
            if value is not None:
                setattr(w, name, value * factor)
    return out


def compare(path: Path, peak: float | None = None) -> dict[str, Any]:
    """One template: per-station analytic vs simulated figures.

    ``peak``: scale the load first so that the most utilized station is
    predicted at this utilization (the approximations show under load).
    """
    doc = load(path)
    factor = 1.0
    if peak is not None:
        sat = analyze(doc, base_dir=path.parent)
        if sat.saturation_rps is not None and sat.offered_rps > 0:
            factor = peak * sat.saturation_rps / sat.offered_rps
            doc = scaled(doc, factor)
    result = analyze(doc, base_dir=path.parent)
    summary = Simulation(doc, base_dir=path.parent).run()
    rows = []
    for cid, pred in result.components.items():
        sim = summary["components"][cid]
        lat = sim["latency_ms"]
        lo, hi = lat["mean_ci95"] if lat.get("mean_ci95") else (None, None)
        inside = (pred.mean_latency_ms is not None and lo is not None and hi is not None
                  and lo <= pred.mean_latency_ms <= hi)
        rows.append({
            "component": cid,
            "model": pred.model,
            "exact": pred.exact,
            "analytic_latency_ms": pred.mean_latency_ms,
            "simulated_latency_ms": lat["mean"],
            "ci95": [lo, hi],
            "inside_ci": inside,
            "latency_error": _rel(pred.mean_latency_ms, lat["mean"]),
            "analytic_utilization": pred.utilization,
            "simulated_utilization": sim["utilization"],
            "utilization_error": (None if pred.utilization is None or sim["utilization"] is None
                                  else pred.utilization - sim["utilization"]),
            "analytic_arrival_rps": pred.arrival_rps,
            "simulated_arrival_rps": sim["arrival_rate_rps"],
            "notes": list(pred.notes),
        })
    e2e = summary["end_to_end"]["latency_ms"]
    return {
        "template": path.stem,
        "load_factor": factor,
        "components": rows,
        "end_to_end": {
            "analytic_ms": result.end_to_end_ms,
            "simulated_ms": e2e["mean"],
            "ci95": e2e.get("mean_ci95"),
            "error": _rel(result.end_to_end_ms, e2e["mean"]),
        },
        "saturation_rps": result.saturation_rps,
        "bottleneck": result.bottleneck,
    }


def _pct(x: float | None) -> str:
    return "—" if x is None else f"{100 * x:+.1f} %"


def _num(x: float | None, digits: int = 2) -> str:
    return "—" if x is None else f"{x:.{digits}f}"


def markdown(results: list[dict[str, Any]]) -> str:
    """The table for docs/analysis.md."""
    lines = [
        "| template | component | model | exact | latency ms analytic / simulated | error "
        "| utilization analytic / simulated | error (points) |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for res in results:
        for row in res["components"]:
            util_err = row["utilization_error"]
            lines.append(
                f"| {res['template']} | {row['component']} | {row['model']} | "
                f"{'yes' if row['exact'] else 'no'} | "
                f"{_num(row['analytic_latency_ms'])} / {_num(row['simulated_latency_ms'])} | "
                f"{_pct(row['latency_error'])} | "
                f"{_num(row['analytic_utilization'], 3)} / "
                f"{_num(row['simulated_utilization'], 3)} | "
                f"{'—' if util_err is None else f'{100 * util_err:+.1f}'} |")
        e2e = res["end_to_end"]
        lines.append(
            f"| {res['template']} | **end to end** | | | {_num(e2e['analytic_ms'])} / "
            f"{_num(e2e['simulated_ms'])} | {_pct(e2e['error'])} | | |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("templates", nargs="*", help="template stems (default: all)")
    parser.add_argument("--peak", type=float, default=None,
                        help="scale each template so its busiest station is predicted at this "
                             "utilization (default: as designed)")
    args = parser.parse_args()
    paths = sorted(TEMPLATES.glob("*.sdsim"))
    if args.templates:
        paths = [p for p in paths if p.stem in args.templates]
    results = [compare(p, args.peak) for p in paths]
    name = "analytic_vs_sim" if args.peak is None else f"analytic_vs_sim_peak{args.peak:g}"
    out = ROOT / "bench" / "results" / f"{name}.json"
    out.write_text(json.dumps(results, indent=2) + "\n")
    print(markdown(results))


if __name__ == "__main__":
    main()
