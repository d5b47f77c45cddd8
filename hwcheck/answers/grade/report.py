"""The class report as sections (table, markdown): scores per student, then the summary per claim."""

from __future__ import annotations

import statistics
from typing import Any

from hwcheck.answers.grade.submissions import safe_text
from hwcheck.core.numfmt import fmt
from hwcheck.core.result import Table, Text

LISTED = 6  # claim labels listed per cell before "+N more"


def _labels(labels: list[str]) -> str:
    if len(labels) <= LISTED:
        return ", ".join(labels)
    return f"{len(labels)}: " + ", ".join(labels[: LISTED - 2]) + ", …"


def score_text(x: float, digits: int = 6) -> str:
    return fmt(x, digits)


def class_sections(result, digits: int = 6) -> list:
    from hwcheck.claims.verdict import describe_value

    rows = []
    for s in result.students:
        name = safe_text(s["student"], 60)
        score = f"{score_text(s['score'], digits)} / {score_text(s['max'], digits)}"
        if s.get("error"):
            rows.append((name, score, "—", "! not graded: " + safe_text(s["error"], 120)))
        elif s.get("verdict") == "missing":
            rows.append((name, score, "no submission", "—"))
        else:
            rows.append((name, score, _labels(s["missing"]) or "—", _labels(s["wrong"]) or "—"))
    sections: list = [
        Table(
            ("student", "score", "missing", "not correct"),
            tuple(rows),
            title=f"Scores against {result.key}",
            nowrap=(1,),
        )
    ]
    summary_rows = []
    for c in result.summary:
        wrong = "; ".join(
            f"{safe_text(describe_value(w['value'], digits), 40)} ×{w['count']}"
            for w in c["wrong_values"]
        )
        mistakes = "; ".join(f"{m['id']} ×{m['count']}" for m in c["mistakes"])
        summary_rows.append(
            (
                c["exercise"],
                c["key"],
                f"{100 * c['correct_share']:.0f}%",
                wrong or "—",
                mistakes or "—",
            )
        )
    sections.append(
        Table(
            ("exercise", "claim", "correct", "most common wrong answers", "mistakes"),
            tuple(summary_rows),
            title="Per claim",
            nowrap=(0, 1, 2),
        )
    )
    notes = []
    for s in result.students:
        for note in s.get("notes", ()):
            notes.append(f"{safe_text(s['student'], 60)}: {note}")
    if notes:
        sections.append(Text(tuple(notes), title="Notes (refused, changing no score)"))
    signals = other_variants(result.students)
    if signals:
        sections.append(Text(tuple(signals), title="Right for another student's variant"))
    sections.append(Text((headline(result),)))
    return sections


def headline(result) -> str:
    """Count, then mean and median of the graded students (no submission: not in them)."""
    graded = [s for s in result.students if answered(s)]
    bad = sum(1 for s in result.students if s.get("error"))
    absent = sum(1 for s in result.students if s.get("verdict") == "missing")
    text = f"{len(result.students)} student{'s' * (len(result.students) != 1)}"
    gaps = [f"{bad} not graded"] * bool(bad) + [f"{absent} with no submission"] * bool(absent)
    if gaps:
        text += f" ({', '.join(gaps)})"
    if graded:
        scores = [s["score"] for s in graded]
        text += (
            f"; mean {fmt(statistics.fmean(scores), 4)}, median {fmt(statistics.median(scores), 4)}"
            f" of {fmt(result.max, 6)}"
        )
    return text


def answered(student: dict[str, Any]) -> bool:
    """Graded from a submission: not an error row, not a roster student with none."""
    return not student.get("error") and student.get("verdict") != "missing"


def claim_lines(student: dict[str, Any]) -> list[str]:
    """One markdown line per claim of a student (Gradescope's output; no expected values)."""
    lines = []
    for c in student["claims"]:
        mark = {"correct": "✓", "missing": "–"}.get(c["verdict"], "✗")
        line = f"- {mark} `{c['key']}`: {c['verdict']}"
        if c["verdict"] not in ("correct", "missing") and c.get("claimed") is not None:
            line += f" (you wrote {md_code(c['claimed'])})"
        if c.get("mistakes"):
            line += " — " + "; ".join(m["name"] or m["id"] for m in c["mistakes"])
        line += f" — {fmt(c['awarded'], 6)} / {fmt(c['points'], 6)}"
        lines.append(line)
    return lines


def md_code(value: Any) -> str:
    from hwcheck.claims.verdict import describe_value

    text = safe_text(describe_value(value), 60).replace("`", "'")
    return f"`{text}`"


def other_variants(students: list[dict[str, Any]]) -> list[str]:
    """``alice: B.total_params is right for bob's variant`` (grade --variants; instructor only)."""
    return [
        f"{safe_text(s['student'], 60)}: {c['exercise']}.{c['key']} is right for "
        f"{safe_text(str(m['value']), 60)}'s variant"
        for s in students
        for c in s.get("claims", ())
        for m in c.get("mistakes", ())
        if m["id"] == "other_variant"
    ]
