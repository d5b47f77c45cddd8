"""``hwcheck check``: run every exercise of one or more answers files and judge its claims."""

from __future__ import annotations

import contextvars
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

from hwcheck.check.answers import AnswersFile, Exercise, load
from hwcheck.errors import HwcheckError
from hwcheck.result import Heading, Result, Table, Text, view_only

#: optional progress callback ``(done, total, label)`` set by the CLI when stderr is a terminal
PROGRESS: contextvars.ContextVar[Callable[[int, int, str], None] | None] = contextvars.ContextVar(
    "PROGRESS", default=None
)


@dataclass(frozen=True)
class ExerciseOutcome:
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


@dataclass(frozen=True)
class CheckResult(Result):
    command: ClassVar[str] = "check"
    exercises: list[ExerciseOutcome]
    passed: int
    failed: int
    claims_total: int
    claims_correct: int
    score: float
    max_score: float
    unreadable: list[dict[str, str]]
    show: bool = view_only(False)
    show_all: bool = view_only(False)

    def exit_code(self) -> int:
        if self.unreadable:
            return 2
        return 1 if self.failed else 0

    def view(self, digits: int = 6) -> list:
        if self.show_all:
            return self.solution_sheet(digits)
        from hwcheck.verify import CLAIM_COLUMNS, CLAIM_MIN_WIDTHS, claim_cells

        rows = []
        for ex in self.exercises:
            if ex.error:
                rows.append((ex.id, "—", "", "", "! error", ex.error))
            rows.extend((ex.id, *claim_cells(c, digits)) for c in ex.claims)
        files = sorted({ex.file for ex in self.exercises})
        title = (
            "Claims in " + ", ".join(files) if len(files) <= 3 else f"Claims in {len(files)} files"
        )
        sections: list = [
            Table(
                ("exercise", *CLAIM_COLUMNS),
                tuple(rows),
                title=title,
                nowrap=(0, 1, 4),
                min_widths=(0, *CLAIM_MIN_WIDTHS),
                below=(5,),  # the rule and its reason move under the row first
            )
        ]
        for bad in self.unreadable:
            sections.append(Text((f"error: {bad['file']}: {bad['message']}",)))
        sections.append(Text((self.summary(),)))
        if self.show:
            for ex in self.exercises:
                if not ex.ok and ex.solution is not None:
                    sections.append(
                        Heading(
                            f"Worked solution of exercise {ex.id}"
                            + (f": {ex.title}" if ex.title else "")
                        )
                    )
                    sections.extend(ex.solution.view(digits))
        return sections

    def solution_sheet(self, digits: int) -> list:
        """``--show-all``: every exercise under its heading, its worked solution, its verdicts."""
        from hwcheck.verify import CLAIM_COLUMNS, claim_cells

        files = sorted({ex.file for ex in self.exercises})
        sections: list = [Heading("Solutions: " + ", ".join(files), level=1)]
        for ex in self.exercises:
            sections.append(Heading(f"Exercise {ex.id}" + (f": {ex.title}" if ex.title else "")))
            if ex.error:
                sections.append(Text((f"error: {ex.error}",)))
            if ex.solution is not None:
                sections.extend(ex.solution.view(digits))
            if ex.claims:
                rows = tuple(claim_cells(c, digits) for c in ex.claims)
                sections.append(
                    Table(CLAIM_COLUMNS, rows, title="Claims", nowrap=(0, 3), below=(4,))
                )
        for bad in self.unreadable:
            sections.append(Text((f"error: {bad['file']}: {bad['message']}",)))
        sections.append(Text((self.summary(),)))
        return sections

    def summary(self) -> str:
        n = len(self.exercises)
        text = (
            f"{n} exercise{'s' * (n != 1)}: {self.passed} passed, {self.failed} failed; "
            f"{self.claims_correct} of {self.claims_total} claims correct"
        )
        if self.max_score and self.max_score != n:
            text += f"; score {self.score:g} / {self.max_score:g}"
        return text

    def gradescope(self) -> dict[str, Any]:
        """Gradescope's results.json shape."""
        tests = []
        for ex in self.exercises:
            lines = [
                f"{c['key']}: {c['verdict']} ({c['rule']})"
                + (f" — {c['hint']}" if c.get("hint") else "")
                for c in ex.claims
            ]
            if ex.error:
                lines.insert(0, f"error: {ex.error}")
            tests.append(
                {
                    "name": f"{ex.id}" + (f": {ex.title}" if ex.title else ""),
                    "score": ex.score,
                    "max_score": ex.points,
                    "status": "passed" if ex.ok else "failed",
                    "output": "\n".join(lines),
                    "extra_data": ex.to_json(),
                }
            )
        return {
            "score": self.score,
            "max_score": self.max_score,
            "tests": tests,
            "extra_data": {"passed": self.passed, "failed": self.failed},
        }


# ------------------------------------------------------------------------------ running


def check(request) -> CheckResult:
    files = [str(f) for f in request.files]
    if not files:
        raise HwcheckError("files", "no answers file given")
    if len(files) == 1:  # a single unreadable file is an error of the run (exit 2)
        outcomes, unreadable = [run_file(load(files[0]), request)], []
    else:
        outcomes, unreadable = _run_many(files, request)
    exercises = [ex for per_file in outcomes for ex in per_file]
    result = _summarise(exercises, unreadable, request.show, request.show_all)
    if request.gradescope:
        _write_gradescope(result, request.gradescope)
    return result


def _run_many(
    files: list[str], request
) -> tuple[list[list[ExerciseOutcome]], list[dict[str, str]]]:
    if request.jobs > 1:
        from concurrent.futures import ProcessPoolExecutor

        with ProcessPoolExecutor(max_workers=min(request.jobs, len(files))) as pool:
            pairs = list(pool.map(_load_and_run, files, [request] * len(files)))
    else:
        pairs = [_load_and_run(name, request) for name in files]
    outcomes = [p[0] for p in pairs if p[1] is None]
    unreadable = [
        {"file": name, "message": p[1]} for name, p in zip(files, pairs) if p[1] is not None
    ]
    return outcomes, unreadable


def _load_and_run(name: str, request) -> tuple[list[ExerciseOutcome], str | None]:
    try:
        return run_file(load(name), request), None
    except HwcheckError as exc:
        return [], exc.message if exc.where == name else f"{exc.where}: {exc.message}"


def run_file(answers: AnswersFile, request) -> list[ExerciseOutcome]:
    only = set(request.only or ())
    chosen = [ex for ex in answers.exercises if not only or ex.id in only]
    progress = PROGRESS.get()
    outcomes = []
    for i, exercise in enumerate(chosen):
        outcomes.append(run_exercise(answers, exercise, request))
        if progress:
            progress(i + 1, len(chosen), exercise.id)
    return outcomes


_CACHE: dict[str, Any] = {}


def run_exercise(answers: AnswersFile, exercise: Exercise, request) -> ExerciseOutcome:
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
        result = _compute(answers, exercise)
    except HwcheckError as exc:
        return failed(_as_file_keys(str(exc)))
    except (RecursionError, MemoryError) as exc:
        return failed(f"input too large or too deeply nested ({type(exc).__name__})")
    except Exception as exc:  # noqa: BLE001 - one exercise's crash must not stop a class's run
        return failed(f"internal error ({type(exc).__name__}: {str(exc)[:120]}); please report it")
    verdicts = _judge(result, exercise, request)
    claims = [v.to_json() for v in verdicts]
    ok = all(v.ok for v in verdicts)
    score = exercise.points * sum(v.ok for v in verdicts) / len(verdicts) if verdicts else 0.0
    return ExerciseOutcome(
        answers.name,
        exercise.id,
        exercise.title,
        exercise.command,
        ok,
        claims,
        exercise.points,
        round(score, 6),
        None,
        result,
    )


def _as_file_keys(message: str) -> str:
    """Name options as the answers file spells them: ``--weight-decay: …`` → ``weight_decay: …``."""
    return re.sub(r"(?<![\w-])--([A-Za-z][\w-]*)", lambda m: m.group(1).replace("-", "_"), message)


def _compute(answers: AnswersFile, exercise: Exercise):
    from hwcheck.commands import get
    from hwcheck.options import build_request
    from hwcheck.parse import FILE_ROOT

    spec = get(exercise.command)
    token = FILE_ROOT.set(answers.folder)
    try:
        request = build_request(spec.request_type(), exercise.options, source="file")
        key = spec.name + ":" + repr(request) + ":" + str(answers.folder)
        if key not in _CACHE:
            if len(_CACHE) > 512:
                _CACHE.clear()
            _CACHE[key] = spec.run(request)
        return _CACHE[key]
    finally:
        FILE_ROOT.reset(token)


def _judge(result, exercise: Exercise, request) -> list:
    """Every claim of the exercise, each with its own tolerance (the result's JSON built once)."""
    from hwcheck.verify import Tolerance, judge

    data = result.to_json()
    verdicts = []
    for key, claimed in exercise.claims.items():
        tol = exercise.tolerances.get(key, {})
        rtol = tol.get("rtol", request.rtol if request.rtol is not None else exercise.rtol)
        atol = tol.get("atol", request.atol if request.atol is not None else exercise.atol)
        verdicts.append(
            judge(result, data, key, claimed, Tolerance(rtol, atol), claims=exercise.claims)
        )
    return verdicts


def _summarise(
    exercises: list[ExerciseOutcome],
    unreadable: list[dict[str, str]],
    show: bool,
    show_all: bool = False,
) -> CheckResult:
    passed = sum(ex.ok for ex in exercises)
    claims_total = sum(len(ex.claims) for ex in exercises)
    claims_correct = sum(c["verdict"] == "correct" for ex in exercises for c in ex.claims)
    score = round(sum(ex.score for ex in exercises), 6)
    max_score = round(sum(ex.points for ex in exercises), 6)
    return CheckResult(
        exercises,
        passed,
        len(exercises) - passed,
        claims_total,
        claims_correct,
        score,
        max_score,
        unreadable,
        show,
        show_all,
    )


def _write_gradescope(result: CheckResult, path: str) -> None:
    from hwcheck.jsonout import dumps

    try:
        Path(path).write_text(dumps(result.gradescope(), indent=2) + "\n", encoding="utf-8")
    except OSError as exc:
        raise HwcheckError("--gradescope", f"cannot write {path}: {exc.strerror or exc}") from None
