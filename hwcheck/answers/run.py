"""One exercise of an answers file: compute its command's result, judge its claims.

The one road from an ``[[exercise]]`` to verdicts, shared by ``check`` (a student's own file,
every exercise computed and judged) and ``grade`` (the key's exercises computed once, every
submission judged against them): the same answer gets the same verdict by either command.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from hwcheck.answers.files import AnswersFile, Exercise
from hwcheck.core.budget import share, spent
from hwcheck.core.errors import HwcheckError
from hwcheck.core.interrupt import stop_if_interrupted

_CACHE: dict[str, Any] = {}
_CACHE_SIZE = 512


def compute(answers: AnswersFile, exercise: Exercise):
    """The command's Result for the exercise's options (``@file`` and model paths resolve in
    the answers file's folder). Results are kept for the next file that asks the same, unless
    a spent budget cut one short. Raises HwcheckError for options the command refuses."""
    from hwcheck.core.inputs import FILE_ROOT
    from hwcheck.core.options import build_request
    from hwcheck.core.registry import get

    spec = get(exercise.command)
    token = FILE_ROOT.set(answers.folder)
    try:
        request = build_request(spec.request_type(), exercise.options, source="file")
        key = spec.name + ":" + repr(request) + ":" + str(answers.folder)
        if key in _CACHE:
            return _CACHE[key]
        result = spec.run(request)
        if not spent():
            if len(_CACHE) > _CACHE_SIZE:
                _CACHE.clear()
            _CACHE[key] = result
        return result
    finally:
        FILE_ROOT.reset(token)


def tolerance(exercise: Exercise, key: str, rtol: float | None = None, atol: float | None = None):
    """A claim's tolerance: its own ``[exercise.tolerances]`` entry, else the command line's
    ``--rtol``/``--atol`` (``rtol``, ``atol``), else the exercise's (or the file's defaults)."""
    from hwcheck.claims.outcome import Tolerance

    own = exercise.tolerances.get(key, {})
    return Tolerance(
        own.get("rtol", exercise.rtol if rtol is None else rtol),
        own.get("atol", exercise.atol if atol is None else atol),
    )


def judge_claim(
    result,
    data: dict[str, Any],
    exercise: Exercise,
    key: str,
    raw: Any,
    claims: dict[str, Any],
    rtol: float | None = None,
    atol: float | None = None,
):
    """One claim's Verdict. ``data`` is ``result.to_json()`` (built once per exercise);
    ``claims`` all the answers to the exercise, read together (u·vᵀ, follows-from-earlier)."""
    from hwcheck.claims.verdict import judge

    tol = tolerance(exercise, key, rtol, atol)
    return judge(result, data, key, raw, tol, claims=claims)


def judge_claims(result, exercise: Exercise, rtol: float | None = None, atol: float | None = None):
    """Every claim of the exercise, in the file's order, each within its share of the budget
    left (:func:`hwcheck.core.budget.share`): a slow claim is inconclusive on its own."""
    data = result.to_json()
    verdicts = []
    items = list(exercise.claims.items())
    for i, (key, raw) in enumerate(items):
        with share(1, len(items) - i):
            verdicts.append(
                judge_claim(result, data, exercise, key, raw, exercise.claims, rtol, atol)
            )
    return verdicts


def claim_json(verdict, raw: Any) -> dict[str, Any]:
    """The one claim schema (CONVENTIONS §3): ``key, claimed, claimed_text, expected, verdict,
    rule, hint, mistakes`` — ``hint`` null and ``mistakes`` [] when empty, nothing dropped."""
    from hwcheck.answers.toml import written_text

    out = verdict.to_json()
    out.setdefault("claimed_text", written_text(raw))
    out.setdefault("hint", None)
    out.setdefault("mistakes", [])
    order = ("key", "claimed", "claimed_text", "expected", "verdict", "rule", "hint", "mistakes")
    return {k: out[k] for k in (*order, *(k for k in out if k not in order))}


# ------------------------------------------------------------------------------ check's row


@dataclass(frozen=True)
class ExerciseOutcome:
    """One exercise as ``check`` reports it: its claims (the one claim schema) and score."""

    file: str
    id: str
    title: str
    command: str
    ok: bool
    claims: list[dict[str, Any]]
    points: float
    score: float
    error: str | None = None
    solution: Any = field(default=None, compare=False)  # the command's Result, for --show

    def to_json(self) -> dict[str, Any]:
        out = {
            "id": self.id,
            "title": self.title,
            "file": self.file,
            "command": self.command,
            "ok": self.ok,
            "claims": self.claims,
            "points": self.points,
            "score": self.score,
        }
        if self.error:
            out["error"] = self.error
        return out


def run_exercise(answers: AnswersFile, exercise: Exercise, request) -> ExerciseOutcome:
    """Compute and judge one exercise (``request``: check's, for ``--rtol``/``--atol``); an
    exercise that cannot run is a failed row with its reason, never the end of the run."""

    def failed(message: str) -> ExerciseOutcome:
        return ExerciseOutcome(
            answers.name,
            exercise.id,
            exercise.title,
            exercise.command,
            False,
            [],
            exercise.points,
            0.0,
            message,
        )

    if exercise.problem:
        return failed(exercise.problem)
    try:
        result = compute(answers, exercise)
    except HwcheckError as exc:
        return failed(as_file_keys(str(exc)))
    except (RecursionError, MemoryError) as exc:
        return failed(f"input too large or too deeply nested ({type(exc).__name__})")
    except Exception as exc:  # noqa: BLE001 - one exercise's crash must not stop a class's run
        stop_if_interrupted(exc)  # ...but Ctrl-C and SIGTERM stop it, even in disguise
        return failed(f"internal error ({type(exc).__name__}: {str(exc)[:120]}); please report it")
    verdicts = judge_claims(result, exercise, request.rtol, request.atol)
    claims = [claim_json(v, raw) for v, raw in zip(verdicts, exercise.claims.values())]
    earned = sum(
        (exercise.claim_points.get(k, 0.0) for k, v in zip(exercise.claims, verdicts) if v.ok),
        0.0,  # a float score, 0.0 when nothing is correct
    )
    return ExerciseOutcome(
        answers.name,
        exercise.id,
        exercise.title,
        exercise.command,
        all(v.ok for v in verdicts),
        claims,
        exercise.points,
        round(earned, 6),
        None,
        result,
    )


def as_file_keys(message: str) -> str:
    """Name options as the answers file spells them: ``--weight-decay: …`` → ``weight_decay: …``
    (not the budgets, ``--file-budget`` and ``--run-budget``: they are set on the command line
    only)."""
    return re.sub(
        r"(?<![\w-])--(?!file-budget|run-budget)([A-Za-z][\w-]*)",
        lambda m: m.group(1).replace("-", "_"),
        message,
    )
