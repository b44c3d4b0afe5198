"""An HTML report: the settings, the tables and the events, as one self-contained page.

Every text that comes from a design or a run (names, ids, alert rules, event
kinds) is escaped with :func:`html.escape`: a name such as ``<script>`` shows as
those characters, never as markup. No charts (the PDF has them); no scripts.
"""

from __future__ import annotations

import os
from html import escape
from typing import Any

from app import __version__
from app.atomic_io import atomic_write_text
from app.reports.run_folder import RunReportInput, SweepReportInput
from app.reports.tables import (
    Table,
    analytic_sentences,
    analytic_table,
    headline_table,
    links_table,
    overload_sentence,
    shown,
    status_sentence,
)

STYLE = """body{font-family:sans-serif;color:#1f2328;background:#fff;max-width:60em;margin:2em auto}
table{border-collapse:collapse;font-size:90%}td,th{padding:2px 8px;border-bottom:1px solid #ddd}
td.n,th.n{text-align:right}.warn{color:#b42318;font-weight:bold}.muted{color:#5b6169}"""


def _table(table: Table) -> str:
    head = "".join(f'<th class="{"" if i == 0 else "n"}">{escape(c.heading)}</th>'
                   for i, c in enumerate(table.columns))
    body = []
    for row in table.rows:
        cells = "".join(f'<td class="{"" if i == 0 else "n"}">{escape(shown(cell, column))}</td>'
                        for i, (cell, column) in enumerate(zip(row, table.columns, strict=True)))
        body.append(f"<tr>{cells}</tr>")
    return (f"<h2>{escape(table.title)}</h2>\n<table><thead><tr>{head}</tr></thead>"
            f"<tbody>{''.join(body)}</tbody></table>")


def _paragraphs(lines: list[str], css: str = "") -> str:
    cls = f' class="{css}"' if css else ""
    return "".join(f"<p{cls}>{escape(line)}</p>\n" for line in lines)


def html_text(data: RunReportInput | SweepReportInput) -> str:
    """The report as an HTML document (UTF-8, no external resources)."""
    if isinstance(data, SweepReportInput):
        title = f"Sweep report: {data.folder.name}"
        body = _paragraphs([f"Swept: {', '.join(data.axes)}; {len({r['point'] for r in data.rows})}"
                            " points. The charts are in the PDF report; the figures in "
                            "points.csv."])
    else:
        summary: dict[str, Any] = data.summary
        title = f"Report: {data.design_name or data.folder.name}"
        parts = [_paragraphs([status_sentence(summary),
                              f"Warm-up {summary.get('warmup_s')} s, seed {summary.get('seed')}"]),
                 _paragraphs([w for w in (overload_sentence(summary),) if w], "warn"),
                 _table(headline_table(summary))]
        analytic = analytic_table(summary)
        if analytic is not None:
            parts += [_table(analytic), _paragraphs(analytic_sentences(summary))]
        parts.append(_table(links_table(summary)))
        events = [e for e in summary.get("events") or []
                  if not str(e.get("kind")).startswith("alert")]
        if events:
            parts.append("<h2>Events</h2><ul>" + "".join(
                f"<li>{escape(str(e.get('time_s')))} s: {escape(str(e.get('kind')))} "
                f"{escape(str(e.get('target')))}</li>" for e in events[:200]) + "</ul>")
        alerts = summary.get("alerts") or []
        if alerts:
            parts.append("<h2>Alerts</h2><ul>" + "".join(
                f"<li>{escape(str(a.get('severity')))}: {escape(str(a.get('name')))} @ "
                f"{escape(str(a.get('component')))}, fired {escape(str(a.get('fired_at_s')))} s, "
                f"resolved {escape(str(a.get('resolved_at_s') or 'never'))}</li>"
                for a in alerts[:200]) + "</ul>")
        body = "\n".join(parts)
    return (f'<!DOCTYPE html>\n<html><head><meta charset="utf-8">'
            f"<title>{escape(title)}</title><style>{STYLE}</style></head><body>\n"
            f"<h1>{escape(title)}</h1>\n"
            f'<p class="muted">System Design Simulator {escape(__version__)}</p>\n'
            f"{body}\n</body></html>\n")


def write_html(data: RunReportInput | SweepReportInput, path: str | os.PathLike[str]) -> None:
    """Write :func:`html_text` atomically."""
    atomic_write_text(path, html_text(data))
