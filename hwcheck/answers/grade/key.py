"""The instructor's key: exercises, their computed results, the points and partial credit of
every claim. Read once and computed once for the whole class.

A key is an answers file (CONVENTIONS §6) whose exercises may say what grading needs:
``points`` as a number (split evenly over the exercise's claims) or as a table
``[exercise.points]`` of claim key → points, and ``[exercise.partial]`` of mistake id → credit in
[0, 1] (read and checked by hwcheck.answers.files, so ``check`` reads a key as well). Anything
wrong with the key is the instructor's to fix: exit 2, naming the place.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hwcheck.answers.files import Exercise, load_document, read_text
from hwcheck.core.errors import HwcheckError

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
        from hwcheck.answers.run import tolerance

        return tolerance(self.exercise, key)


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
    name: str, text: str | None = None, *, templates: bool = False
) -> tuple[dict[str, Any], Path]:
    """The key's TOML (floats keep their text) and its folder; each template exercise is read
    as its first variant (every parameter at its first value) unless ``templates``."""
    from hwcheck.answers.toml import load_toml

    if text is None:
        text, folder = read_text(name)
    else:
        folder = Path.cwd() if name == "-" else Path(name).resolve().parent
    from hwcheck.answers.variants.template import first_variant

    document = load_toml(text.removeprefix("\ufeff"), name)
    return (document if templates else first_variant(document, name)), folder


def load_key(
    name: str,
    *,
    require_values: bool = True,
    text: str | None = None,
    shared: dict[str, KeyExercise] | None = None,
) -> Key:
    """Read, check and compute the key (every exercise once). Errors are exit 2. ``shared``:
    exercises already computed by other keys (``grade --variants`` reads a key per student;
    students who drew the same values share one computed exercise)."""
    document, folder = read_document(name, text)
    answers = load_document(document, name, folder)
    exercises = []
    for exercise in answers.exercises:
        token = _token(exercise) if shared is not None and not _names_files(exercise) else None
        if token is not None and token in shared:
            exercises.append(shared[token])
            continue
        key_exercise = _key_exercise(answers, exercise, name, require_values)
        if token is not None:
            shared[token] = key_exercise
        exercises.append(key_exercise)
    path = None if name == "-" else Path(name).resolve()
    return Key(name, path, folder, tuple(exercises))


def _key_exercise(answers, exercise: Exercise, name: str, require_values: bool) -> KeyExercise:
    where = f"{name}: exercise {exercise.id}"
    if exercise.problem:
        raise HwcheckError(where, exercise.problem)
    if "." in exercise.id:
        raise HwcheckError(where, "an exercise id in a key contains no '.'")
    result = compute(answers, exercise, where)
    data = result.to_json()
    claims = tuple(
        KeyClaim(exercise.id, key, exercise.claim_points[key], _expected(data, key, where))
        for key in exercise.claims
    )
    key_exercise = KeyExercise(exercise, result, data, claims, dict(exercise.partial))
    if require_values:
        _check_claims(key_exercise, where)
    return key_exercise


def _token(exercise: Exercise) -> str | None:
    """Everything an exercise of a key is (its claims as written included), as one text."""
    import json

    from hwcheck.answers.toml import written

    try:
        return json.dumps(written(vars(exercise)), sort_keys=True, default=repr)
    except (TypeError, ValueError, RecursionError):
        return None


def _names_files(exercise: Exercise) -> bool:
    """An option that names a file (read relative to the key's own folder)."""
    return any(
        isinstance(v, str) and (k == "model" or v.startswith("@"))
        for k, v in exercise.options.items()
    )


def compute(answers, exercise: Exercise, where: str):
    from hwcheck.answers import run

    try:
        return run.compute(answers, exercise)
    except HwcheckError as exc:
        raise HwcheckError(where, str(exc)) from None
    except (RecursionError, MemoryError):
        raise HwcheckError(where, "input too large or too deeply nested") from None


def _expected(data: dict[str, Any], key: str, where: str) -> Any:
    from hwcheck.claims.lookup import lookup

    try:
        return lookup(data, key)[1]
    except HwcheckError as exc:
        raise HwcheckError(where, exc.message) from None


def _check_claims(ex: KeyExercise, where: str) -> None:
    """The key's own claims must be what hwcheck computes: a key that disagrees is a typo."""
    from hwcheck.answers.run import judge_claim

    for key, value in ex.exercise.claims.items():
        if isinstance(value, str) and value.strip() in PLACEHOLDERS:
            raise HwcheckError(
                f"{where}: claim {key}",
                "has no value yet",
                hint="fill every claim with the computed values: hwcheck key DRAFT.toml > key.toml",
            )
        if _as_computed(value, ex, key):
            continue  # written exactly as computed (hwcheck key, hwcheck variants): nothing to judge
        verdict = judge_claim(ex.result, ex.data, ex.exercise, key, value, {})
        if verdict.verdict not in ("correct", "inconclusive"):
            detail = f" ({verdict.hint})" if verdict.hint else ""
            raise HwcheckError(
                f"{where}: claim {key}",
                f"the key says {value!r} but hwcheck computes another value: "
                f"{verdict.verdict}{detail}",
                hint="rewrite the key's values with: hwcheck key KEY.toml > fixed.toml",
            )


def _as_computed(value: Any, ex: KeyExercise, key: str) -> bool:
    """The claim's value is the computed one, exactly (as hwcheck key and variants write it)."""
    expected = next((c.expected for c in ex.claims if c.key == key), None)
    if isinstance(expected, dict) and "expr" in expected:
        expected = expected["expr"]
    return _same(value, expected)


def _same(value: Any, expected: Any, depth: int = 0) -> bool:
    """Equal as written: the same type (an int is not a float here) and the same value."""
    if isinstance(value, bool) or isinstance(expected, bool) or depth > 64:
        return False  # judged as any claim
    if isinstance(expected, list):
        return (
            isinstance(value, list)
            and len(value) == len(expected)
            and all(_same(v, e, depth + 1) for v, e in zip(value, expected))
        )
    kinds = (str, float, int)  # in this order: a float is not an int, an int not a float
    kind = next((k for k in kinds if isinstance(expected, k)), None)
    return (
        kind is not None
        and next((k for k in kinds if isinstance(value, k)), None) is kind
        and (value == expected)
    )
