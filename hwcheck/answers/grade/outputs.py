"""What ``grade`` writes: the gradebook CSV (checking and writing files is hwcheck.render.files)."""

from __future__ import annotations

import csv
import io


def spreadsheet_safe(cell: str) -> str:
    """A cell a spreadsheet will not run as a formula (OWASP: prefix ``'`` to = + - @ tab CR)."""
    return "'" + cell if cell[:1] in ("=", "+", "-", "@", "\t", "\r") else cell


def scores_csv(result) -> str:
    """``student,score,max``: one row per student in input order (a gradebook import)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["student", "score", "max"])
    for s in result.students:
        writer.writerow([spreadsheet_safe(s["student"]), _number(s["score"]), _number(s["max"])])
    return buffer.getvalue()


def _number(x: float) -> str:
    return f"{x:.6f}".rstrip("0").rstrip(".") if isinstance(x, float) else str(x)
