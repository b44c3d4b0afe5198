"""A 500-component, 1,000-link design opens and repaints quickly (generous bounds here;
bench/gui_bench.py measures the real numbers for docs/benchmarks.md)."""

from __future__ import annotations

import importlib.util
import time
from pathlib import Path

from app.model import fileformat

BENCH = Path(__file__).resolve().parents[2] / "bench" / "gui_bench.py"


def _large_design():
    spec = importlib.util.spec_from_file_location("gui_bench", BENCH)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.large_design()


def test_large_design_opens_and_repaints_fast(window, tmp_path) -> None:
    doc = _large_design()
    assert (len(doc.components), len(doc.links)) == (500, 1000)
    path = tmp_path / "large.sdsim"
    fileformat.save(doc, path)
    start = time.perf_counter()
    window.load_file(path)
    window.view.viewport().repaint()
    opened = time.perf_counter() - start
    assert len(window.scene.node_items()) == 500 and len(window.scene.link_items()) == 1000
    repaints = []
    for _ in range(5):
        window.scene.update()
        t = time.perf_counter()
        window.view.viewport().repaint()
        repaints.append(time.perf_counter() - t)
    assert opened < 3.0, f"opening took {opened:.2f} s"
    assert sorted(repaints)[2] < 0.100, f"full-view repaint took {sorted(repaints)[2]:.3f} s"
