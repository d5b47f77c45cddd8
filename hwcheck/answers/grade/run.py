"""``hwcheck grade``: every submission judged against the key, a score per student, a class summary.

The key is computed once; each student's claims are judged against its results with the key's
tolerances, and a verdict already given for the same answer to the same claim is reused. A
missing answer scores 0; partial credit is points × the best credit of the mistakes a wrong
answer matches (``[exercise.partial]``).
"""

from __future__ import annotations

import json
import os
import tempfile
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

from hwcheck.answers.grade.key import Key, KeyClaim, KeyExercise
from hwcheck.answers.grade.submissions import Catalogue, Found, Submission, read, shown
from hwcheck.core.budget import budget, share
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
    key: Key,
    found: list[tuple],
    file_budget: float | None = None,
    roster=None,
    variants=None,
) -> GradeResult:
    """Every submission in ``found`` (:class:`~hwcheck.answers.grade.submissions.Found` or
    ``(display, path, default id)``); ids follow the identity rule
    (:mod:`hwcheck.answers.grade.identity`, with ``roster`` when given). While answers are
    judged, ``@file`` paths resolve inside a folder that does not exist, so no answer can make
    the grader read a file."""
    import uuid

    from hwcheck.core.inputs import FILE_ROOT

    token = FILE_ROOT.set(Path(tempfile.gettempdir()) / f"hwcheck-no-files-{uuid.uuid4().hex}")
    try:
        return _grade_class(key, found, file_budget, roster, variants)
    finally:
        FILE_ROOT.reset(token)


def _grade_class(
    key: Key, found: list[tuple], file_budget: float | None, roster, variants=None
) -> GradeResult:
    """``variants`` (hwcheck.answers.variants.grading.VariantKeys): each student's own key."""
    from hwcheck.answers.grade.identity import identify

    catalogue = Catalogue.of(key)
    judge = Judge(key)
    items = once([Found(*item) for item in found])
    subs = identify([s for item in items for s in _read(key, item, catalogue)], roster)
    students: list[dict[str, Any]] = []
    for sub in subs:  # one student's slow claims cannot hold the class:
        own_key, own_judge = _own_key(key, judge, sub, variants)
        with budget(file_budget, "--file-budget"):
            students.append(grade_student(own_key, sub, own_judge))
    if variants is not None:  # wrong answers right for another variant: other_variant
        variants.mark(students)
    return GradeResult(
        key.name, key.max_score, students, summarise(key, students), class_notes(students)
    )


def _read(key: Key, item: Found, catalogue: Catalogue) -> list[Submission]:
    """The submissions of one found file; the key itself (the same file by any name: a
    symbolic or a hard link) is refused, not graded as a student."""
    refused = item.refused
    if refused is None and item.path is not None and _is_key(key, item.path):
        refused = KEY_REFUSED
    return read(item.display, item.path, item.default_id, catalogue, refused, item.inside)


def once(items: list[Found]) -> list[Found]:
    """Each file read once: the same path named twice (``class/`` and ``class/a.toml``) is one
    submission, not two claims of its id. (Two names of one file, a hard link, stay two
    submissions: each name is a claim of its own.)"""
    seen, kept = set(), []
    for item in items:
        try:
            where = item.path.resolve() if item.path is not None and item.refused is None else None
        except (OSError, RuntimeError, ValueError):
            where = None
        if where is None or where not in seen:
            kept.append(item)
        seen.add(where)
    return kept


KEY_REFUSED = "this is the key, not a submission"


def _is_key(key: Key, path: Path) -> bool:
    if key.path is None:
        return False
    try:
        a, b = os.stat(path), os.stat(key.path)
    except (OSError, ValueError):
        return False
    return (a.st_dev, a.st_ino) == (b.st_dev, b.st_ino)


def _own_key(key: Key, judge, sub: Submission, variants) -> tuple[Key, Any]:
    """The key a student is judged against: their variant's with ``--variants`` (a student
    with none is an error row), else the class's."""
    if variants is None or sub.error is not None:
        return key, judge
    own = variants.get(sub.student)
    if isinstance(own, str):
        sub.error = own
        return key, judge
    return own


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
        from hwcheck.answers.run import judge_claim
        from hwcheck.answers.toml import written
        from hwcheck.claims.verdict import Verdict

        try:  # the same answers (as written: 0.70 is not 0.7) get the same verdict
            token = json.dumps(written(answers), sort_keys=True, ensure_ascii=False)
        except (TypeError, ValueError):
            token = None
        # the exercise's result too: with --variants one Judge serves every student's own key
        memo = (claim.label, id(ex.result), token) if token is not None else None
        if memo is not None and memo in self.cache:
            return self.cache[memo]
        try:
            verdict = judge_claim(ex.result, ex.data, ex.exercise, claim.key, value, answers)
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
            from hwcheck.core.interrupt import stop_if_interrupted

            stop_if_interrupted(exc)  # ...but Ctrl-C and SIGTERM do, even in disguise
            hint = f"cannot be read ({type(exc).__name__}: {str(exc)[:80]})"
            verdict = Verdict(
                claim.key, value, claim.expected, "error", "claim: cannot be read", hint
            )
        if memo is not None and verdict.verdict != "inconclusive":
            self.cache[memo] = verdict
        return verdict


def grade_student(key: Key, sub: Submission, judge: Judge) -> dict[str, Any]:
    from hwcheck.core.escape import visible  # a file name may hold a forged character

    entry: dict[str, Any] = {"student": sub.student, "file": visible(sub.source)}
    if sub.error is not None:
        entry.update(score=0.0, max=key.max_score, error=visible(sub.error), claims=[])
        if sub.flagged:
            entry["flagged"] = True
        return entry
    if sub.missing:
        entry["verdict"] = "missing"
    pairs = [(ex, claim) for ex in key.exercises for claim in ex.claims]
    graded = []
    for i, (ex, claim) in enumerate(pairs):
        with share(1, len(pairs) - i):  # each claim a fair share of the student's budget
            graded.append(_claim(ex, claim, sub, judge))
    claims = [c for c, _ in graded]
    entry.update(score=round(sum(a for _, a in graded), 6), max=key.max_score, claims=claims)
    entry["missing"] = [f"{c['exercise']}.{c['key']}" for c in claims if c["verdict"] == "missing"]
    entry["wrong"] = [
        f"{c['exercise']}.{c['key']}" for c in claims if c["verdict"] not in ("correct", "missing")
    ]
    entry["notes"] = list(sub.notes)
    return entry


def _claim(
    ex: KeyExercise, claim: KeyClaim, sub: Submission, judge: Judge
) -> tuple[dict[str, Any], float]:
    """A claim of the key for one student in the one claim schema (CONVENTIONS §3) plus
    ``exercise``, ``points`` and ``awarded``; and the points awarded, unrounded."""
    from hwcheck.answers.run import claim_json

    if claim.label in sub.refused:
        return _unjudged(claim, "error", "refused", sub.refused[claim.label]), 0.0
    if claim.label not in sub.answers:
        return _unjudged(claim, "missing", "no answer", None), 0.0
    answers = {c.key: sub.answers[c.label] for c in ex.claims if c.label in sub.answers}
    raw = sub.answers[claim.label]
    verdict = judge(ex, claim, raw, answers)
    out = {"exercise": claim.exercise, **shown(claim_json(verdict, raw))}
    awarded = claim.points * _credit(verdict.verdict, out["mistakes"], ex.partial)
    out.update(points=round(claim.points, 6), awarded=round(awarded, 6))
    return out, awarded


def _unjudged(claim: KeyClaim, verdict: str, rule: str, hint: str | None) -> dict[str, Any]:
    """A claim with no answer to judge (missing, or refused), in the same schema."""
    return {
        "exercise": claim.exercise,
        "key": claim.key,
        "claimed": None,
        "claimed_text": None,
        "expected": claim.expected,
        "verdict": verdict,
        "rule": rule,
        "hint": hint,
        "mistakes": [],
        "points": round(claim.points, 6),
        "awarded": 0.0,
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
        self.shown: dict[str, Any] = {}  # a value token → the value shown for it
        self.mistakes: Counter[str] = Counter()
        self.names: dict[str, str] = {}

    def add(self, c: dict[str, Any]) -> None:
        if c["verdict"] == "correct":
            self.correct += 1
        elif c["verdict"] != "missing" and c["claimed"] is not None:
            token, shown = normal_value(c["claimed"])
            self.wrong[token] += 1
            self.shown.setdefault(token, shown)
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
    (every answer that is not correct, grouped by value, most common first, ties in order of
    first appearance) and the named mistakes behind them."""
    from hwcheck.answers.grade.report import answered

    graded = [s for s in students if answered(s)]  # a roster student with no submission: not here
    tallies = {c.label: Tally(c) for c in key.claims}
    for s in graded:
        for c in s["claims"]:
            tallies[f"{c['exercise']}.{c['key']}"].add(c)
    return [t.to_json(len(graded)) for t in tallies.values()]


def normal_value(value: Any) -> tuple[str, Any]:
    """``(token, shown)``: answers that are the same value share the token, read by the one claim
    reader (hwcheck.claims.read) — ``0.5``, ``"0.5"`` and ``"1/2"``; ``[15, 15, 64]`` from TOML
    and ``"[15, 15, 64]"``, ``"(15, 15, 64)"`` or ``"15x15x64"`` from a CSV — and ``shown`` is
    that value (a claim's ``claimed`` already is; a raw answer is read here).

    >>> normal_value("[15, 15, 64]") == normal_value([15, 15, 64.0])
    True
    >>> normal_value("0.70")[0] == normal_value(0.7)[0]
    True
    """
    from hwcheck.claims.read import plain, read_claim

    shown = plain(read_claim(value).value)
    return json.dumps(shown, sort_keys=True, ensure_ascii=False, default=str), shown
