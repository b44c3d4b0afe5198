"""A 500-component, 1,000-link design opens and repaints. How fast is a timing, not a
pass/fail test on a shared machine: bench/gui_bench.py measures it for docs/benchmarks.md."""

from __future__ import annotations

import importlib.util
from pathlib import Path

from app.model import fileformat

BENCH = Path(__file__).resolve().parents[2] / "bench" / "gui_bench.py"


def _large_design():
    spec = importlib.util.spec_from_file_location("gui_bench", BENCH)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.large_design()


def _samples(window) -> list[int]:
    viewport = window.view.viewport()
    viewport.repaint()
    image = viewport.grab().toImage()
    return [image.pixel(x, y) for x in range(0, image.width(), 5)
            for y in range(0, image.height(), 5)]


def test_large_design_opens_and_repaints(window, tmp_path) -> None:
    doc = _large_design()
    assert (len(doc.components), len(doc.links)) == (500, 1000)
    path = tmp_path / "large.sdsim"
    fileformat.save(doc, path)
    empty = _samples(window)
    window.load_file(path)
    assert not window.errors
    assert len(window.scene.node_items()) == 500 and len(window.scene.link_items()) == 1000
    window.view.fitInView(window.scene.itemsBoundingRect())
    window.scene.update()
    drawn = _samples(window)
    # The whole design is in view and drawn: much of the canvas differs from the empty one.
    changed = sum(a != b for a, b in zip(empty, drawn, strict=True))
    assert changed > 0.05 * len(drawn), f"{changed} of {len(drawn)} sampled pixels changed"
