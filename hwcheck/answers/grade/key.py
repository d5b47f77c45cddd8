"""The instructor's key: exercises, their computed results, the points and partial credit of
every claim. Read once and computed once for the whole class.

A key is an answers file (CONVENTIONS §6) plus two tables per exercise that only a key has:
``points`` as a number (split evenly over the exercise's claims) or as a table
``[exercise.points]`` of claim key → points, and ``[exercise.partial]`` of mistake id → credit in
[0, 1]. Anything wrong with the key is the instructor's to fix: exit 2, naming the place.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hwcheck.answers.files import Exercise, load_document, read_text
from hwcheck.core.errors import HwcheckError, did_you_mean
from hwcheck.core.inputs import parse_toml

MAX_POINTS = 1_000_000
#: claim values that mark a claim a draft names without a value (``hwcheck key`` fills them)
PLACEHOLDERS = ("?", "")


@dataclass(frozen=True)
class KeyClaim:
    exercise: str
    key: str
    points: float
    expected: Any  # the computed value at ``key`` (JSON form)

    @property
    def label(self) -> str:
        return f"{self.exercise}.{self.key}"


@dataclass(frozen=True)
class KeyExercise:
    exercise: Exercise
    result: Any  # the command's Result
    data: dict[str, Any]  # result.to_json(), built once
    claims: tuple[KeyClaim, ...]
    partial: dict[str, float] = field(default_factory=dict)

    def tolerance(self, key: str):
        from hwcheck.claims.verify import Tolerance

        own = self.exercise.tolerances.get(key, {})
        return Tolerance(own.get("rtol", self.exercise.rtol), own.get("atol", self.exercise.atol))


@dataclass(frozen=True)
class Key:
    name: str
    path: Path | None
    folder: Path
    exercises: tuple[KeyExercise, ...]

    @property
    def claims(self) -> tuple[KeyClaim, ...]:
        return tuple(c for ex in self.exercises for c in ex.claims)

    @property
    def max_score(self) -> float:
        return round(sum(c.points for c in self.claims), 6)

    def option_names(self, exercise_id: str) -> set[str]:
        for ex in self.exercises:
            if ex.exercise.id == exercise_id:
                return set(ex.exercise.options) | {"model", "spec", "command", "id", "title"}
        return set()


# ------------------------------------------------------------------------------ reading


def read_document(
    name: str, text: str | None = None
) -> tuple[dict[str, Any], Path, dict[str, dict[str, Any]]]:
    """The key's TOML with ``points`` tables and ``partial`` taken out of each exercise
    (returned apart, by exercise index), so the answers loader reads the rest unchanged."""
    if text is None:
        text, folder = read_text(name)
    else:
        folder = Path.cwd() if name == "-" else Path(name).resolve().parent
    document = parse_toml(text.removeprefix("\ufeff"), name)
    own: dict[str, dict[str, Any]] = {}
    exercises = document.get("exercise")
    if isinstance(exercises, list):
        for i, entry in enumerate(exercises):
            if not isinstance(entry, dict):
                continue
            taken = {}
            if isinstance(entry.get("points"), dict):
                taken["points"] = entry.pop("points")
            if "partial" in entry:
                taken["partial"] = entry.pop("partial")
            own[str(i)] = taken
    return document, folder, own


def load_key(name: str, *, require_values: bool = True, text: str | None = None) -> Key:
    """Read, check and compute the key (every exercise once). Errors are exit 2."""
    document, folder, own = read_document(name, text)
    answers = load_document(document, name, folder)
    exercises = []
    for i, exercise in enumerate(answers.exercises):
        where = f"{name}: exercise {exercise.id}"
        if exercise.problem:
            raise HwcheckError(where, exercise.problem)
        if "." in exercise.id:
            raise HwcheckError(where, "an exercise id in a key contains no '.'")
        result = compute(answers, exercise, where)
        data = result.to_json()
        extra = own.get(str(i), {})
        points = _claim_points(exercise, extra.get("points"), where)
        claims = tuple(
            KeyClaim(exercise.id, key, points[key], _expected(data, key, where))
            for key in exercise.claims
        )
        partial = _partial(extra.get("partial"), where)
        key_exercise = KeyExercise(exercise, result, data, claims, partial)
        if require_values:
            _check_claims(key_exercise, where)
        exercises.append(key_exercise)
    path = None if name == "-" else Path(name).resolve()
    return Key(name, path, folder, tuple(exercises))


def compute(answers, exercise: Exercise, where: str):
    from hwcheck.answers.check import _compute

    try:
        return _compute(answers, exercise)
    except HwcheckError as exc:
        raise HwcheckError(where, str(exc)) from None
    except (RecursionError, MemoryError):
        raise HwcheckError(where, "input too large or too deeply nested") from None


def _expected(data: dict[str, Any], key: str, where: str) -> Any:
    from hwcheck.claims.verify import lookup

    try:
        return lookup(data, key)[1]
    except HwcheckError as exc:
        raise HwcheckError(where, exc.message) from None


def _number(value: Any, where: str, what: str, maximum: float) -> float:
    if (
        isinstance(value, bool)
        or not isinstance(value, (int, float))
        or not math.isfinite(value)
        or not 0 <= value <= maximum
    ):
        raise HwcheckError(where, f"{what} must be a number from 0 to {maximum:g}, got {value!r}")
    return float(value)


def _claim_points(exercise: Exercise, table: Any, where: str) -> dict[str, float]:
    """Points per claim key: the exercise's ``points`` split evenly, or its ``[points]`` table."""
    keys = list(exercise.claims)
    if table is None:
        total = _number(exercise.points, where, "points", MAX_POINTS)
        return {k: total / len(keys) for k in keys}
    for k in table:
        if k not in exercise.claims:
            raise HwcheckError(
                f"{where}: [exercise.points]",
                f"'{k}' is not a claim of this exercise{did_you_mean(k, keys)}",
            )
    missing = [k for k in keys if k not in table]
    if missing:
        raise HwcheckError(
            f"{where}: [exercise.points]", f"no points for claim(s) {', '.join(missing)}"
        )
    return {k: _number(table[k], f"{where}: [exercise.points]", f"'{k}'", MAX_POINTS) for k in keys}


def mistake_ids() -> tuple[str, ...]:
    """The catalogue's mistake ids (README: Named mistakes)."""
    from hwcheck.claims.diagnose import ids

    return tuple(ids())


def _partial(table: Any, where: str) -> dict[str, float]:
    if table is None:
        return {}
    if not isinstance(table, dict):
        raise HwcheckError(f"{where}: partial", "must be a table of mistake id = credit")
    known = mistake_ids()
    credits = {}
    for ident, credit in table.items():
        if ident not in known:
            raise HwcheckError(
                f"{where}: [exercise.partial]",
                f"unknown mistake id '{ident}'{did_you_mean(ident, known)}",
            )
        credits[ident] = _number(credit, f"{where}: [exercise.partial]", f"'{ident}'", 1)
    return credits


def _check_claims(ex: KeyExercise, where: str) -> None:
    """The key's own claims must be what hwcheck computes: a key that disagrees is a typo."""
    from hwcheck.claims.verify import judge

    for key, value in ex.exercise.claims.items():
        if isinstance(value, str) and value.strip() in PLACEHOLDERS:
            raise HwcheckError(
                f"{where}: claim {key}",
                "has no value yet",
                hint="fill every claim with the computed values: hwcheck key DRAFT.toml > key.toml",
            )
        verdict = judge(ex.result, ex.data, key, value, ex.tolerance(key))
        if verdict.verdict not in ("correct", "inconclusive"):
            detail = f" ({verdict.hint})" if verdict.hint else ""
            raise HwcheckError(
                f"{where}: claim {key}",
                f"the key says {value!r} but hwcheck computes another value: "
                f"{verdict.verdict}{detail}",
                hint="rewrite the key's values with: hwcheck key KEY.toml > fixed.toml",
            )
