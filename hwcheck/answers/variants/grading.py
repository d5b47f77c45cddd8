"""``grade --variants DIR``: each student judged against ``DIR/<student>/key.toml``, and the
answers that are right for another student's variant named ``other_variant``.

A student's key is read (and computed) once, when the first of their submissions is graded; it
must ask the template key's claims (the same exercise ids and claim keys), or the student is an
error row. A wrong answer is compared, by the claims engine with that claim's tolerance, with
the right answers of every other variant in the folder; the first student (in the manifest's
order) whose right answer it is, is named in the mistake's ``value`` (instructor outputs only).
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

from hwcheck.core.errors import HwcheckError


class VariantKeys:
    """The variant keys of a ``variants`` folder, read on first use, one Judge each."""

    def __init__(self, folder: str, template):
        self.folder, self.template = folder, template
        self.loaded: dict[str, tuple[Any, Any] | str] = {}
        self.judge = None  # one Judge for every key: a verdict per (claim, result, answer)
        self.shared: dict[str, Any] = {}  # computed exercises, shared by equal variants

    def get(self, student: str):
        """``(key, judge)`` of ``student``, or the reason there is none (their error row)."""
        if student not in self.loaded:
            self.loaded[student] = self._load(student)
        return self.loaded[student]

    def _load(self, student: str):
        from hwcheck.answers.grade.key import load_key
        from hwcheck.answers.grade.run import Judge
        from hwcheck.answers.roster import normal_id
        from hwcheck.answers.variants.folder import file_name

        student = normal_id(student)
        try:
            file_name(student, "student")
        except HwcheckError as exc:
            return exc.message
        path = Path(self.folder) / student / "key.toml"
        if not path.is_file():
            return f"no variant for '{student}' in {self.folder} (not in the roster of variants)"
        try:
            key = load_key(str(path), shared=self.shared)
        except HwcheckError as exc:
            return f"{exc.where}: {exc.message}"
        if sorted(c.label for c in key.claims) != sorted(c.label for c in self.template.claims):
            return f"{path} does not ask the claims of the key {self.template.name}"
        if self.judge is None:
            self.judge = Judge(key)
        return key, self.judge

    def mark(self, students: list[dict[str, Any]]) -> None:
        """Name ``other_variant`` in the class's graded claims (:func:`mark_other_variants`)."""
        mark_other_variants(students, self)

    def everyone(self) -> list[str]:
        """Every student of the folder with a readable key, in the manifest's order (the
        roster's), loading the keys not loaded yet."""
        import csv

        try:
            text = (Path(self.folder) / "manifest.csv").read_text(encoding="utf-8")
            listed = [row[0] for row in csv.reader(text.splitlines()[1:]) if row]
        except (OSError, UnicodeDecodeError, csv.Error):
            listed = []
        if not listed:
            listed = sorted(p.parent.name for p in Path(self.folder).glob("*/key.toml"))
        return [s for s in dict.fromkeys(listed) if isinstance(self.get(s), tuple)]


def check_folder(folder: str) -> None:
    if not Path(folder).is_dir():
        raise HwcheckError("--variants", f"{folder} is not a folder (hwcheck variants --out)")


# ------------------------------------------------------------------------ other_variant


def mark_other_variants(students: list[dict[str, Any]], keys: VariantKeys) -> None:
    """Add ``other_variant`` (with the other student in ``value``) to every wrong answer that
    is right for another graded student's variant; re-award partial credit for it."""
    graded = [s for s in students if not s.get("error") and s["student"] in keys.loaded]
    if not any(_wrong(c) for s in graded for c in s["claims"]):
        return
    index = _right_answers(keys)
    for s in graded:
        key, _ = keys.loaded[s["student"]]
        for c in s["claims"]:
            if not _wrong(c):
                continue
            other = _whose(c, s["student"], index, keys)
            if other is not None:
                _name(c, other, key)
        s["score"] = round(sum(c["awarded"] for c in s["claims"]), 6)


def _wrong(c: dict[str, Any]) -> bool:
    return c["verdict"] not in ("correct", "missing") and c["claimed"] is not None


def _right_answers(keys: VariantKeys) -> dict[str, list[tuple[Any, str]]]:
    """label → the distinct right answers of every variant in the folder, each with its first
    student."""
    index: dict[str, dict[str, tuple[Any, str]]] = {}
    for student in keys.everyone():
        key, _ = keys.loaded[student]
        for claim in key.claims:
            token = repr(claim.expected)
            index.setdefault(claim.label, {}).setdefault(token, (claim.expected, student))
    return {label: list(found.values()) for label, found in index.items()}


def _whose(c: dict[str, Any], student: str, index, keys: VariantKeys) -> str | None:
    label = f"{c['exercise']}.{c['key']}"
    for expected, other in index.get(label, ()):
        if other == student or not near(c["claimed"], expected):
            continue
        if _right_for(c, other, keys):
            return other
    return None


#: the filter's width: wider than any tolerance a key sets, the claims engine then decides
NEAR = 0.1


def near(claimed: Any, expected: Any, depth: int = 0) -> bool:
    """A cheap filter before the claims engine decides, wider than anything the engine
    accepts: numbers within 10% (or 1e-6); lists entry by entry once flattened (unit axes
    aside), a batch axis written in front dropped; expressions equal as written or in value at
    a few points (:func:`~hwcheck.families.symbolic.values.may_be_equal`); anything else equal."""
    if isinstance(expected, dict) and "expr" in expected:
        expected = expected["expr"]
    if depth > 8:
        return False
    if isinstance(expected, bool) or isinstance(claimed, bool):
        return claimed == expected
    if isinstance(expected, (int, float)) and isinstance(claimed, (int, float)):
        if not (math.isfinite(expected) and math.isfinite(claimed)):
            return claimed == expected
        return abs(claimed - expected) <= 1e-6 + NEAR * abs(expected)
    if isinstance(expected, list) and isinstance(claimed, list):
        have, want = _leaves(claimed), _leaves(expected)
        if len(have) == len(want) + 1 and have[0] in (None, 1, -1):
            have = have[1:]  # Keras's (None, 35, 35, 32)
        return len(have) == len(want) and all(near(a, b, depth + 1) for a, b in zip(have, want))
    if isinstance(expected, list) and not isinstance(claimed, list):
        return isinstance(claimed, (int, float)) and all(
            near(claimed, e, depth + 1) for e in expected
        )
    if isinstance(expected, str) and isinstance(claimed, str):
        if "".join(claimed.split()) == "".join(expected.split()):
            return True
        from hwcheck.families.symbolic.values import may_be_equal

        return may_be_equal(claimed, expected)  # x*6 for 6*x: equal values at a few points
    return False


def _leaves(x: Any) -> list:
    return [leaf for item in x for leaf in _leaves(item)] if isinstance(x, list) else [x]


def _right_for(c: dict[str, Any], other: str, keys: VariantKeys) -> bool:
    """The claims engine's verdict of this answer against the other student's variant."""
    from hwcheck.answers.run import judge_claim

    key, _ = keys.loaded[other]
    for ex in key.exercises:
        if ex.exercise.id == c["exercise"]:
            raw = c["claimed_text"] if c["claimed_text"] is not None else c["claimed"]
            verdict = judge_claim(ex.result, ex.data, ex.exercise, c["key"], raw, {})
            return verdict.verdict == "correct"
    return False


def _name(c: dict[str, Any], other: str, key) -> None:
    from hwcheck.claims.diagnose import OTHER_VARIANT

    c["mistakes"] = [
        *c["mistakes"],
        {"id": OTHER_VARIANT.id, "name": OTHER_VARIANT.name, "value": other},
    ]
    partial = next((ex.partial for ex in key.exercises if ex.exercise.id == c["exercise"]), {})
    credit = max((partial.get(m["id"], 0.0) for m in c["mistakes"]), default=0.0)
    c["awarded"] = round(c["points"] * credit, 6)
