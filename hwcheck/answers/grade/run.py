"""``hwcheck grade``: every submission judged against the key, a score per student, a class summary.

The key is computed once; each student's claims are judged against its results with the key's
tolerances, and a verdict already given for the same answer to the same claim is reused. A
missing answer scores 0; partial credit is points × the best credit of the mistakes a wrong
answer matches (``[exercise.partial]``).
"""

from __future__ import annotations

import json
import tempfile
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

from hwcheck.answers.grade.key import Key, KeyClaim, KeyExercise
from hwcheck.answers.grade.submissions import Catalogue, Submission, read
from hwcheck.core.budget import budget
from hwcheck.core.errors import HwcheckError
from hwcheck.core.result import Result, view_only

TOP_WRONG = 5  # wrong values listed per claim


@dataclass(frozen=True)
class GradeResult(Result):
    command: ClassVar[str] = "grade"
    key: str
    max: float
    students: list[dict[str, Any]]
    summary: list[dict[str, Any]]
    notes: list[str]
    gradescope: dict[str, Any] | None = view_only(None)

    def view(self, digits: int = 6) -> list:
        from hwcheck.answers.grade.report import class_sections

        return class_sections(self, digits)


# ------------------------------------------------------------------------------ running


def grade_class(
    key: Key, found: list[tuple[str, Path | None, str]], file_budget: float | None = None
) -> GradeResult:
    """Every submission in ``found``; while answers are judged, ``@file`` paths resolve inside
    a folder that does not exist, so no answer can make the grader read a file."""
    import uuid

    from hwcheck.core.inputs import FILE_ROOT

    token = FILE_ROOT.set(Path(tempfile.gettempdir()) / f"hwcheck-no-files-{uuid.uuid4().hex}")
    try:
        return _grade_class(key, found, file_budget)
    finally:
        FILE_ROOT.reset(token)


def _grade_class(
    key: Key, found: list[tuple[str, Path | None, str]], file_budget: float | None
) -> GradeResult:
    catalogue = Catalogue.of(key)
    judge = Judge(key)
    students: list[dict[str, Any]] = []
    seen: dict[str, str] = {}
    for display, path, default_id in found:
        if path is not None and key.path is not None and path.resolve() == key.path:
            sub = Submission(default_id, display, error="this is the key, not a submission")
            students.append(grade_student(key, sub, judge))
            continue
        for sub in read(display, path, default_id, catalogue):
            if sub.error is None and sub.student in seen:
                sub.error = f"student '{sub.student}' is already graded from {seen[sub.student]}"
            elif sub.error is None:
                seen[sub.student] = sub.source
            with budget(file_budget):  # one student's slow claims cannot hold the class
                students.append(grade_student(key, sub, judge))
    return GradeResult(
        key.name, key.max_score, students, summarise(key, students), class_notes(students)
    )


def class_notes(students: list[dict[str, Any]]) -> list[str]:
    notes = []
    for s in students:
        if s.get("error"):
            notes.append(f"{s['student']} ({s['file']}): not graded: {s['error']}")
    return notes


# ------------------------------------------------------------------------------ judging


class Judge:
    """Verdicts of the class, each (claim, answer) decided once."""

    def __init__(self, key: Key):
        self.key = key
        self.cache: dict[tuple[str, str], Any] = {}

    def __call__(self, ex: KeyExercise, claim: KeyClaim, value: Any, answers: dict[str, Any]):
        """``answers``: the student's answers to the exercise (claim key → value), read with the
        claim as check reads them (u·vᵀ, a count that follows from an earlier wrong one)."""
        from hwcheck.claims.verify import Verdict, judge

        try:  # the same answers to the same exercise get the same verdict
            token = json.dumps(answers, sort_keys=True, ensure_ascii=False)
        except (TypeError, ValueError):
            token = None
        memo = (claim.label, token) if token is not None else None
        if memo is not None and memo in self.cache:
            return self.cache[memo]
        try:
            verdict = judge(
                ex.result, ex.data, claim.key, value, ex.tolerance(claim.key), claims=answers
            )
        except (RecursionError, MemoryError):
            verdict = Verdict(
                claim.key,
                value,
                claim.expected,
                "error",
                "claim: cannot be read",
                "too large or nested too deeply",
            )
        except Exception as exc:  # noqa: BLE001 - one student's answer never stops the class
            hint = f"cannot be read ({type(exc).__name__}: {str(exc)[:80]})"
            verdict = Verdict(
                claim.key, value, claim.expected, "error", "claim: cannot be read", hint
            )
        if memo is not None and verdict.verdict != "inconclusive":
            self.cache[memo] = verdict
        return verdict


def grade_student(key: Key, sub: Submission, judge: Judge) -> dict[str, Any]:
    entry: dict[str, Any] = {"student": sub.student, "file": sub.source}
    if sub.error is not None:
        return {**entry, "score": 0.0, "max": key.max_score, "error": sub.error, "claims": []}
    claims = [_claim(ex, claim, sub, judge) for ex in key.exercises for claim in ex.claims]
    score = round(sum(c.pop("_awarded") for c in claims), 6)
    entry.update(score=score, max=key.max_score, claims=claims)
    entry["missing"] = [f"{c['exercise']}.{c['key']}" for c in claims if c["verdict"] == "missing"]
    entry["wrong"] = [
        f"{c['exercise']}.{c['key']}" for c in claims if c["verdict"] not in ("correct", "missing")
    ]
    if sub.notes:
        entry["notes"] = sub.notes
    return entry


def _claim(ex: KeyExercise, claim: KeyClaim, sub: Submission, judge: Judge) -> dict[str, Any]:
    from hwcheck.core.jsonout import to_jsonable

    out = {
        "exercise": claim.exercise,
        "key": claim.key,
        "claimed": None,
        "expected": claim.expected,
        "points": round(claim.points, 6),
    }
    if claim.label in sub.refused:
        why = sub.refused[claim.label]
        return {
            **out,
            "verdict": "error",
            "awarded": 0.0,
            "_awarded": 0.0,
            "rule": "refused",
            "hint": why,
        }
    if claim.label not in sub.answers:
        return {**out, "verdict": "missing", "awarded": 0.0, "_awarded": 0.0, "rule": "no answer"}
    answers = {c.key: sub.answers[c.label] for c in ex.claims if c.label in sub.answers}
    verdict = judge(ex, claim, sub.answers[claim.label], answers)
    out.update(claimed=to_jsonable(verdict.claimed), verdict=verdict.verdict, rule=verdict.rule)
    if verdict.hint:
        out["hint"] = verdict.hint
    mistakes = [_mistake(m) for m in verdict.mistakes]
    if mistakes:
        out["mistakes"] = mistakes
    out["_awarded"] = claim.points * _credit(verdict.verdict, mistakes, ex.partial)
    out["awarded"] = round(out["_awarded"], 6)
    return out


def _mistake(m: Any) -> dict[str, Any]:
    from hwcheck.core.jsonout import to_jsonable

    if isinstance(m, dict):
        return {
            "id": str(m.get("id")),
            "name": str(m.get("name", "")),
            "value": to_jsonable(m.get("value")),
        }
    return {
        "id": str(getattr(m, "id", "")),
        "name": str(getattr(m, "name", "")),
        "value": to_jsonable(getattr(m, "value", None)),
    }


def _credit(verdict: str, mistakes: list[dict[str, Any]], partial: dict[str, float]) -> float:
    if verdict == "correct":
        return 1.0
    return max((partial.get(m["id"], 0.0) for m in mistakes), default=0.0)


# ------------------------------------------------------------------------------ summary


class Tally:
    """One claim across the class: correct answers, wrong values, named mistakes."""

    def __init__(self, claim: KeyClaim):
        self.claim = claim
        self.correct = 0
        self.wrong: Counter[str] = Counter()
        self.shown: dict[str, Any] = {}  # a value token → the first answer written so
        self.mistakes: Counter[str] = Counter()
        self.names: dict[str, str] = {}

    def add(self, c: dict[str, Any]) -> None:
        if c["verdict"] == "correct":
            self.correct += 1
        elif c["verdict"] != "missing" and c["claimed"] is not None:
            token = value_token(c["claimed"])
            self.wrong[token] += 1
            self.shown.setdefault(token, c["claimed"])
        for m in c.get("mistakes", ()):
            self.mistakes[m["id"]] += 1
            self.names.setdefault(m["id"], m["name"])

    def to_json(self, graded: int) -> dict[str, Any]:
        return {
            "exercise": self.claim.exercise,
            "key": self.claim.key,
            "points": round(self.claim.points, 6),
            "correct_share": self.correct / graded if graded else 0.0,
            "correct": self.correct,
            "graded": graded,
            "wrong_values": [
                {"value": self.shown[t], "count": n} for t, n in self.wrong.most_common(TOP_WRONG)
            ],
            "mistakes": [
                {"id": m, "name": self.names[m], "count": n} for m, n in self.mistakes.most_common()
            ],
        }


def summarise(key: Key, students: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Per claim: share correct among the graded students, the most common wrong values
    (every answer that is not correct, most common first, ties in order of first appearance)
    and the named mistakes behind them."""
    graded = [s for s in students if not s.get("error")]
    tallies = {c.label: Tally(c) for c in key.claims}
    for s in graded:
        for c in s["claims"]:
            tallies[f"{c['exercise']}.{c['key']}"].add(c)
    return [t.to_json(len(graded)) for t in tallies.values()]


def value_token(value: Any) -> str:
    """Answers that are the same number count as one wrong value (``0.5``, ``"0.5"``, ``"1/2"``)."""
    from fractions import Fraction

    from hwcheck.core.numbers import parse_number

    if isinstance(value, (int, float, str)) and not isinstance(value, bool):
        try:
            number = parse_number(value, "answer")
            return "number:" + str(Fraction(number))
        except (HwcheckError, ValueError, OverflowError, ZeroDivisionError):
            pass
    return json.dumps(value, sort_keys=True, ensure_ascii=False)
