#!/usr/bin/env python3
"""Rewrite the generated files of ``packaging/linux/`` from the app's own sources.

* ``<id>.desktop`` and ``<id>.mime.xml`` from :mod:`app.desktop_entry` (the same
  texts ``sdsim --install-desktop-entry`` writes; a unit test keeps them equal);
* ``icons/hicolor/<n>x<n>/apps/<id>.png`` for every size in ``ICON_SIZES``, and
  ``icons/hicolor/scalable/apps/<id>.svg``, from ``resources/icons/app.svg``.
  The PNGs are drawn with Qt's QSvgRenderer, so no Inkscape or rsvg is needed.

Run from the repository root: ``python packaging/linux/regenerate.py``.
The AppStream metainfo is written by hand (it holds prose and releases).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent.parent))  # the checkout's app, not an installed one
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import Qt  # noqa: E402
from PySide6.QtGui import QGuiApplication, QImage, QPainter  # noqa: E402
from PySide6.QtSvg import QSvgRenderer  # noqa: E402

from app.desktop_entry import (  # noqa: E402
    DESKTOP_ID,
    ICON_RESOURCE,
    ICON_SIZES,
    desktop_file_text,
    mime_xml_text,
)
from app.resources import resource_path  # noqa: E402


def render_png(svg: Path, size: int, out: Path) -> None:
    """Draw ``svg`` into a transparent ``size``-pixel square PNG at ``out``."""
    renderer = QSvgRenderer(str(svg))
    if not renderer.isValid():
        raise SystemExit(f"{svg}: not a valid SVG")
    image = QImage(size, size, QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    renderer.render(painter)
    painter.end()
    out.parent.mkdir(parents=True, exist_ok=True)
    if not image.save(str(out)):  # PNG, from the suffix
        raise SystemExit(f"{out}: could not be written")


def main() -> int:
    """Write every generated file; print each path."""
    _app = QGuiApplication(sys.argv[:1])  # QImage/QPainter need one
    (HERE / f"{DESKTOP_ID}.desktop").write_text(desktop_file_text())
    (HERE / f"{DESKTOP_ID}.mime.xml").write_text(mime_xml_text())
    svg = resource_path(*ICON_RESOURCE)
    hicolor = HERE / "icons" / "hicolor"
    scalable = hicolor / "scalable" / "apps" / f"{DESKTOP_ID}.svg"
    scalable.parent.mkdir(parents=True, exist_ok=True)
    scalable.write_bytes(svg.read_bytes())
    for size in ICON_SIZES:
        render_png(svg, size, hicolor / f"{size}x{size}" / "apps" / f"{DESKTOP_ID}.png")
    for path in sorted(p for p in HERE.rglob("*") if p.is_file()):
        print(path.relative_to(HERE))
    return 0


if __name__ == "__main__":
    sys.exit(main())
