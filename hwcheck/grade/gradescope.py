"""Gradescope autograder mode: one student's submission in ``<root>/submission/``, the results in
``<root>/results/results.json`` per Gradescope's specification
(https://gradescope-autograders.readthedocs.io/en/latest/specs/): ``score``, and ``tests[]``
with ``name``, ``score``, ``max_score``, ``status``, ``output``, ``visibility`` and
``output_format: "md"``, one test per exercise. Expected values are not shown to the student.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

from hwcheck.errors import HwcheckError
from hwcheck.grade.submissions import safe_text


def run_gradescope(key, request):
    from hwcheck.grade import outputs
    from hwcheck.grade.run import grade_class
    from hwcheck.grade.submissions import _walk

    root = Path(request.autograder_root)
    folder = root / "submission"
    results = root / "results" / "results.json"
    files = sorted(_walk(folder)) if folder.is_dir() else []
    if not (root / "results").is_dir():
        try:
            (root / "results").mkdir(parents=True)
        except OSError as exc:
            raise HwcheckError(
                "--gradescope", f"cannot create {root / 'results'}: {exc.strerror}"
            ) from None
    outputs.check_outputs([(str(results), "--gradescope")], [request.key, *map(str, files)])
    if len(files) == 1:
        result = grade_class(key, [(str(files[0]), files[0], files[0].stem)])
        if len(result.students) != 1:  # a CSV of several rows is not one student's submission
            result = _not_graded(
                key, folder, f"{files[0].name} holds {len(result.students)} students, not one"
            )
    else:
        found = ", ".join(f.name for f in files[:5])
        reason = (
            "no .toml or .csv file in the submission (upload your answers file)"
            if not files
            else f"several answers files ({found}): upload one"
        )
        result = _not_graded(key, folder, reason)
    document = results_json(key, result.students[0])
    from hwcheck.jsonout import dumps

    outputs.write_text(str(results), dumps(document, indent=2) + "\n", "--gradescope")
    from dataclasses import replace

    return replace(result, gradescope=document)


def _not_graded(key, folder: Path, reason: str):
    from hwcheck.grade.run import GradeResult, class_notes, summarise

    student = {
        "student": "submission",
        "file": str(folder),
        "score": 0,
        "max": key.max_score,
        "error": reason,
        "claims": [],
    }
    students = [student]
    return GradeResult(
        key.name, key.max_score, students, summarise(key, students), class_notes(students)
    )


def _finite(x: float) -> float:
    return float(x) if math.isfinite(x) else 0.0


def results_json(key, student: dict[str, Any]) -> dict[str, Any]:
    """Gradescope's results.json for one student: a test per exercise."""
    from hwcheck import __version__
    from hwcheck.grade.report import claim_lines

    by_exercise: dict[str, list[dict[str, Any]]] = {}
    for c in student.get("claims", ()):
        by_exercise.setdefault(c["exercise"], []).append(c)
    tests = []
    for ex in key.exercises:
        ident = ex.exercise.id
        claims = by_exercise.get(ident, [])
        max_score = round(sum(c.points for c in ex.claims), 6)
        score = round(sum(c["awarded"] for c in claims), 6)
        if student.get("error"):
            output = f"Not graded: {safe_text(student['error'], 200)}"
        else:
            output = "\n".join(claim_lines({"claims": claims}))
        title = f": {ex.exercise.title}" if ex.exercise.title else ""
        tests.append(
            {
                "name": f"{ident}{title}",
                "score": _finite(score),
                "max_score": _finite(max_score),
                "status": "passed"
                if claims and all(c["verdict"] == "correct" for c in claims)
                else "failed",
                "output": output,
                "output_format": "md",
                "visibility": "visible",
            }
        )
    notes = [safe_text(n, 200) for n in student.get("notes", ())]
    summary = [f"Score {student['score']:g} / {student['max']:g}."]
    if student.get("error"):
        summary.append(f"Your submission could not be graded: {safe_text(student['error'], 200)}")
    if notes:
        summary.append("Ignored in your submission (it holds answers only):")
        summary.extend("- `" + n.replace("`", "'") + "`" for n in notes)
    return {
        "score": _finite(student["score"]),
        "output": "\n".join(summary),
        "output_format": "md",
        "test_output_format": "md",
        "visibility": "visible",
        "tests": tests,
        "extra_data": {"hwcheck": __version__, "key": Path(key.name).name},
    }
