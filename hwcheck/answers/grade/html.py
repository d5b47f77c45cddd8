"""The class report as one self-contained HTML file: no script, no server, no network.

Inline CSS and SVG only (a score histogram and a bar per claim), a Content-Security-Policy that
forbids every request, and every piece of text escaped (student ids and answers are untrusted).
"""

from __future__ import annotations

import html
from typing import Any

from hwcheck.answers.grade.report import answered, headline, score_text
from hwcheck.answers.grade.submissions import safe_text
from hwcheck.core.bins import BINS, bins  # the binning grade --plot shares

BAR = "#2b6cb0"  # histogram bars (the screenshot test looks for this colour)
SHARE = "#2f855a"

STYLE = """
body { font: 14px/1.4 system-ui, sans-serif; margin: 24px; color: #1a202c; }
h1 { font-size: 20px; } h2 { font-size: 16px; margin-top: 28px; }
table { border-collapse: collapse; margin-top: 8px; }
th, td { border-bottom: 1px solid #e2e8f0; padding: 3px 10px; text-align: left; vertical-align: top; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
.error { color: #c53030; }
svg text { font: 11px system-ui, sans-serif; fill: #2d3748; }
"""


def e(text: Any) -> str:
    """Escaped for HTML text and attributes, control characters shown as escapes."""
    return html.escape(safe_text(str(text), 400), quote=True)


def html_report(result, feedback: str | None = None, page: str | None = None) -> str:
    """``feedback``: the folder of ``--feedback``; each student links to their page there
    (a path relative to the report's own file ``page``)."""
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        (
            '<meta http-equiv="Content-Security-Policy" '
            "content=\"default-src 'none'; style-src 'unsafe-inline'\">"
        ),
        f"<title>Class report: {e(result.key)}</title>",
        f"<style>{STYLE}</style></head><body>",
        f"<h1>Class report: {e(result.key)}</h1>",
        f'<p id="headline">{e(headline(result))}</p>',
        "<h2>Scores</h2>",
        histogram([s["score"] for s in result.students if answered(s)], result.max),
        "<h2>Correct answers per claim</h2>",
        claim_bars(result.summary),
        "<h2>Students</h2>",
        students_table(result.students, _links(feedback, page, result.students)),
        "<h2>Per claim</h2>",
        summary_table(result.summary),
        notes(result.students),
        "</body></html>",
    ]
    return "\n".join(p for p in parts if p) + "\n"


def histogram(scores: list[float], top: float) -> str:
    counts = bins(scores, top)
    width, height, pad = 600, 220, 30
    bar_w = (width - 2 * pad) / BINS
    tallest = max(counts) or 1
    out = [
        (
            f'<svg id="histogram" width="{width}" height="{height + 40}" role="img" '
            f'aria-label="histogram of scores">'
        )
    ]
    for i, n in enumerate(counts):
        h = (height - pad) * n / tallest
        x, y = pad + i * bar_w, height - h
        lo, hi = top * i / BINS, top * (i + 1) / BINS
        out.append(
            f'<rect class="bar" x="{x:.1f}" y="{y:.1f}" width="{bar_w - 2:.1f}" height="{h:.1f}" '
            f'fill="{BAR}"><title>{e(score_text(lo, 4))}–{e(score_text(hi, 4))}: {n}</title></rect>'
        )
        if n:
            out.append(f'<text x="{x + bar_w / 2 - 4:.1f}" y="{y - 4:.1f}">{n}</text>')
        out.append(f'<text x="{x:.1f}" y="{height + 16}">{e(score_text(lo, 3))}</text>')
    out.append(f'<text x="{width - pad:.1f}" y="{height + 16}">{e(score_text(top, 3))}</text>')
    out.append(
        f'<line x1="{pad}" y1="{height}" x2="{width - pad}" y2="{height}" stroke="#4a5568"/>'
    )
    out.append("</svg>")
    return "".join(out)


def claim_bars(summary: list[dict[str, Any]]) -> str:
    row, label_w, bar_w = 18, 260, 300
    out = [f'<svg id="claims" width="{label_w + bar_w + 60}" height="{row * len(summary) + 4}" >']
    for i, c in enumerate(summary):
        y = i * row
        share = c["correct_share"]
        out.append(f'<text x="0" y="{y + 13}">{e(c["exercise"] + "." + c["key"])}</text>')
        out.append(f'<rect x="{label_w}" y="{y + 3}" width="{bar_w}" height="12" fill="#edf2f7"/>')
        out.append(
            f'<rect class="share" x="{label_w}" y="{y + 3}" width="{bar_w * share:.1f}" height="12" '
            f'fill="{SHARE}"/>'
        )
        out.append(f'<text x="{label_w + bar_w + 6}" y="{y + 13}">{100 * share:.0f}%</text>')
    out.append("</svg>")
    return "".join(out)


def _links(feedback: str | None, page: str | None, students) -> list[str] | None:
    """Each row's relative URL of its feedback page, named as ``--feedback`` names it
    (:func:`~hwcheck.answers.grade.feedback.page_names`); None: no links."""
    if not feedback:
        return None
    import os
    from pathlib import Path
    from urllib.parse import quote

    from hwcheck.answers.grade.feedback import page_names

    base = Path(page).resolve().parent if page else Path.cwd()
    folder = os.path.relpath(Path(feedback).resolve(), base)
    return [quote(Path(folder, f"{name}.html").as_posix()) for name in page_names(students)]


def students_table(students: list[dict[str, Any]], links: list[str] | None = None) -> str:
    rows = [
        (
            '<table id="students"><tr><th>student</th><th>score</th><th>max</th>'
            "<th>missing</th><th>not correct</th></tr>"
        )
    ]
    for i, s in enumerate(students):
        if s.get("error"):
            detail = f'<td colspan="2" class="error">not graded: {e(s["error"])}</td>'
        elif s.get("verdict") == "missing":
            detail = '<td colspan="2">no submission</td>'
        else:
            detail = f"<td>{e(', '.join(s['missing']))}</td><td>{e(', '.join(s['wrong']))}</td>"
        name = e(s["student"])
        if links is not None:
            name = f'<a href="{e(links[i])}">{name}</a>'
        rows.append(
            f'<tr><td>{name}</td><td class="num">{e(score_text(s["score"]))}</td>'
            f'<td class="num">{e(score_text(s["max"]))}</td>{detail}</tr>'
        )
    rows.append("</table>")
    return "\n".join(rows)


def summary_table(summary: list[dict[str, Any]]) -> str:
    from hwcheck.claims.verdict import describe_value

    rows = [
        (
            '<table id="summary"><tr><th>exercise</th><th>claim</th><th>correct</th>'
            "<th>most common wrong answers</th><th>mistakes</th></tr>"
        )
    ]
    for c in summary:
        wrong = "<br>".join(
            f"{e(describe_value(w['value']))} ×{w['count']}" for w in c["wrong_values"]
        )
        mistakes = "<br>".join(f"{e(m['name'] or m['id'])} ×{m['count']}" for m in c["mistakes"])
        rows.append(
            f"<tr><td>{e(c['exercise'])}</td><td>{e(c['key'])}</td>"
            f'<td class="num">{100 * c["correct_share"]:.0f}%</td><td>{wrong}</td><td>{mistakes}</td></tr>'
        )
    rows.append("</table>")
    return "\n".join(rows)


def notes(students: list[dict[str, Any]]) -> str:
    from hwcheck.answers.grade.report import other_variants

    items = [f"<li>{e(s['student'])}: {e(n)}</li>" for s in students for n in s.get("notes", ())]
    signals = "".join(f"<li>{e(line)}</li>" for line in other_variants(students))
    out = (
        "<h2>Notes (refused, changing no score)</h2><ul>" + "".join(items) + "</ul>"
        if items
        else ""
    )
    if signals:
        out += (
            f'<h2>Right for another student\'s variant</h2><ul id="other-variants">{signals}</ul>'
        )
    return out
