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

from hwcheck.answers.grade.submissions import safe_text


def run_gradescope(key, request, variants=None):
    """Grade ``<root>/submission/`` (one answers file) and write ``<root>/results/results.json``."""
    from dataclasses import replace

    from hwcheck.answers.grade.submissions import discover
    from hwcheck.core.jsonout import dumps
    from hwcheck.render import files as files_out

    root = Path(request.autograder_root)
    folder = root / "submission"
    results = root / "results" / "results.json"
    found = discover(folder) if folder.is_dir() else []
    files = [Path(f.display) for f in found if f.refused is None]
    files_out.make_folder(str(results.parent), "--gradescope")
    files_out.check_outputs([(str(results), "--gradescope")], [request.key, *map(str, files)])
    refused = [f for f in found if f.refused is not None]
    if refused:  # a link out of the folder, a FIFO: named, never followed or opened
        where = Path(refused[0].display).relative_to(folder).as_posix()
        result = _not_graded(key, folder, f"{where}: {refused[0].refused}")
    else:
        result = _grade_one(key, folder, files, request.file_budget, variants)
    student = result.students[0]
    own = None
    if getattr(request, "feedback", None):  # each test's output: the student's feedback text
        from hwcheck.answers.grade.feedback import _own_key

        own = _own_key(student, key, variants) or key
    document = results_json(key, student, own)
    files_out.write_text(str(results), dumps(document, indent=2) + "\n", "--gradescope")
    return replace(result, gradescope=document)


def _grade_one(
    key, folder: Path, files: list[Path], file_budget: float | None = None, variants=None
):
    """The one answers file of the submission, or a row saying why there is none."""
    from hwcheck.answers.grade.run import grade_class

    if not files:
        return _not_graded(key, folder, "no .toml or .csv file in the submission (upload one)")
    if len(files) > 1:
        found = ", ".join(f.name for f in files[:5])
        return _not_graded(key, folder, f"several answers files ({found}): upload one")
    found = [(str(files[0]), files[0], files[0].stem, None, True)]  # inside: never via a link
    result = grade_class(key, found, file_budget, variants=variants)
    if len(result.students) != 1:  # a CSV of several rows is not one student's submission
        count = len(result.students)
        return _not_graded(key, folder, f"{files[0].name} holds {count} students, not one")
    return result


def _not_graded(key, folder: Path, reason: str):
    from hwcheck.answers.grade.run import GradeResult, class_notes, summarise

    student = {
        "student": "submission",
        "file": str(folder),
        "score": 0.0,
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


def results_json(key, student: dict[str, Any], feedback=None) -> dict[str, Any]:
    """Gradescope's results.json for one student: a test per exercise. ``feedback``: the
    student's own key (``--feedback``): each test's output is then the feedback page's text
    of that exercise (hwcheck.answers.grade.feedback), worked solution included."""
    from hwcheck.core.version import __version__

    by_exercise: dict[str, list[dict[str, Any]]] = {}
    for c in student.get("claims", ()):
        by_exercise.setdefault(c["exercise"], []).append(c)
    own = {ex.exercise.id: ex for ex in feedback.exercises} if feedback is not None else {}
    tests = [
        _test(
            ex, by_exercise.get(ex.exercise.id, []), student.get("error"), own.get(ex.exercise.id)
        )
        for ex in key.exercises
    ]
    return {
        "score": _finite(student["score"]),
        "output": _overall(student),
        "output_format": "md",
        "test_output_format": "md",
        "visibility": "visible",
        "tests": tests,
        "extra_data": {"hwcheck": __version__, "key": Path(key.name).name},
    }


def _code(text: str) -> str:
    """Student-controlled text as a markdown code span (nothing in it is rendered)."""
    return "`" + safe_text(text, 200).replace("`", "'") + "`"


def _test(ex, claims: list[dict[str, Any]], error: str | None, own=None) -> dict[str, Any]:
    from hwcheck.answers.grade.report import claim_lines

    output = "\n".join(claim_lines({"claims": claims}))
    if own is not None and not error:
        from hwcheck.answers.grade.feedback import exercise_markdown

        output = exercise_markdown(own, claims)

    title = f": {ex.exercise.title}" if ex.exercise.title else ""
    passed = bool(claims) and all(c["verdict"] == "correct" for c in claims)
    return {
        "name": f"{ex.exercise.id}{title}",
        "score": _finite(round(sum(c["awarded"] for c in claims), 6)),
        "max_score": _finite(round(sum(c.points for c in ex.claims), 6)),
        "status": "passed" if passed else "failed",
        "output": f"Not graded: {_code(error)}" if error else output,
        "output_format": "md",
        "visibility": "visible",
    }


def _overall(student: dict[str, Any]) -> str:
    lines = [f"Score {student['score']:g} / {student['max']:g}."]
    if student.get("error"):
        lines.append(f"Your submission could not be graded: {_code(student['error'])}")
    if student.get("notes"):
        lines.append("Ignored in your submission (it holds answers only):")
        lines.extend(f"- {_code(n)}" for n in student["notes"])
    return "\n".join(lines)
