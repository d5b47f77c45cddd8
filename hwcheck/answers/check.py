"""``hwcheck check``: run every exercise of one or more answers files and judge its claims."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar

from hwcheck.answers.files import AnswersFile, load
from hwcheck.answers.run import ExerciseOutcome, run_exercise
from hwcheck.core.budget import budget, current, share
from hwcheck.core.errors import HwcheckError
from hwcheck.core.progress import PROGRESS
from hwcheck.core.result import Heading, Result, Table, Text, view_only


@dataclass(frozen=True)
class CheckResult(Result):
    command: ClassVar[str] = "check"
    exercises: list[ExerciseOutcome]
    passed: int
    failed: int
    claims_total: int
    claims_correct: int
    score: float
    max: float
    unreadable: list[dict[str, str]]
    files: list[dict[str, Any]] = field(default_factory=list)  # a score per file (several files)
    show: bool = view_only(False)
    show_all: bool = view_only(False)

    def payload(self) -> dict[str, Any]:
        out = super().payload()
        if not self.files:  # one file: the document is what it always was
            del out["files"]
        return out

    def stderr_lines(self) -> list[str]:
        """One ``error:`` line per answers file that could not be read (the run went on)."""
        from hwcheck.core.escape import (
            terminal,  # a file name cannot move the cursor or forge a line
        )

        return [
            f"error: {terminal(bad['file'])}: {terminal(bad['message'])}" for bad in self.unreadable
        ]

    def exit_code(self) -> int:
        if self.unreadable:
            return 2
        return 1 if self.failed else 0

    def view(self, digits: int = 6) -> list:
        if self.show_all:
            return self.solution_sheet(digits)
        from hwcheck.claims.verdict import CLAIM_COLUMNS, CLAIM_MIN_WIDTHS, claim_cells

        several = bool(self.files)  # a file column, and a score per file
        lead = (lambda ex: (ex.file, ex.id)) if several else (lambda ex: (ex.id,))
        rows = []
        for ex in self.exercises:
            if ex.error:
                rows.append((*lead(ex), "—", "", "", "! error", ex.error))
            rows.extend((*lead(ex), *claim_cells(c, digits)) for c in ex.claims)
        names = sorted({ex.file for ex in self.exercises})
        title = (
            "Claims in " + ", ".join(names) if len(names) <= 3 else f"Claims in {len(names)} files"
        )
        first = ("file", "exercise") if several else ("exercise",)
        width = len(first)
        sections: list = [
            Table(
                (*first, *CLAIM_COLUMNS),
                tuple(rows),
                title=title,
                nowrap=(*range(width), width, width + 3),
                min_widths=((0,) * width + CLAIM_MIN_WIDTHS),
                below=(width + 4,),  # the rule and its reason move under the row first
            )
        ]
        if several:
            sections.append(self._per_file_table())
        sections.append(Text((self.summary(),)))
        if self.show:
            for ex in self.exercises:
                if not ex.ok and ex.solution is not None:
                    sections.append(
                        Heading(
                            f"Worked solution of exercise {ex.id}"
                            + (f" ({ex.file})" if several else "")
                            + (f": {ex.title}" if ex.title else "")
                        )
                    )
                    sections.extend(ex.solution.view(digits))
        return sections

    def solution_sheet(self, digits: int) -> list:
        """``--show-all``: every exercise under its heading, its worked solution, its verdicts."""
        from hwcheck.claims.verdict import CLAIM_COLUMNS, claim_cells

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

    def _per_file_table(self) -> Table:
        rows = tuple(
            (
                f["file"],
                f"{f['passed']} of {f['passed'] + f['failed']}" if "error" not in f else "—",
                f"{f['claims_correct']} of {f['claims_total']}" if "error" not in f else "—",
                f"{f['score']:g} / {f['max']:g}" if "error" not in f else "! unreadable",
            )
            for f in self.files
        )
        return Table(
            ("file", "exercises passed", "claims correct", "score"),
            rows,
            title="Score per file",
            align="lrrr",
            nowrap=(0, 3),
        )

    def summary(self) -> str:
        n = len(self.exercises)
        text = (
            f"{n} exercise{'s' * (n != 1)}: {self.passed} passed, {self.failed} failed; "
            f"{self.claims_correct} of {self.claims_total} claims correct"
        )
        if self.max and self.max != n:
            text += f"; score {self.score:g} / {self.max:g}"
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
            "max_score": self.max,  # Gradescope's name
            "tests": tests,
            "extra_data": {"passed": self.passed, "failed": self.failed},
        }


# ------------------------------------------------------------------------------ running


MAX_BUDGET = 86_400.0  # seconds: a day


def check_budgets(request) -> None:
    """``--file-budget`` and ``--run-budget`` (command line only) within (0, a day]."""
    for option, seconds in (
        ("--file-budget", request.file_budget),
        ("--run-budget", request.run_budget),
    ):
        if not 0 < seconds <= MAX_BUDGET:
            raise HwcheckError(
                option, f"must be between 0 and {MAX_BUDGET:,.0f} seconds, got {seconds:g}"
            )


def check(request) -> CheckResult:
    files = [str(f) for f in request.files]
    if not files:
        raise HwcheckError("files", "no answers file given")
    check_budgets(request)
    if request.gradescope:
        from hwcheck.render.files import check_outputs

        check_outputs([(request.gradescope, "--gradescope")], files)
    with budget(request.run_budget, "--run-budget"):
        if len(files) == 1:  # a single unreadable file is an error of the run (exit 2)
            with budget(request.file_budget, "--file-budget"):
                outcomes, unreadable = [run_file(load(files[0]), request)], []
        else:
            outcomes, unreadable = _run_many(files, request, current())
    exercises = [ex for per_file in outcomes for ex in per_file]
    result = _summarise(exercises, unreadable, request.show, request.show_all, files)
    if request.gradescope:
        _write_gradescope(result, request.gradescope)
    return result


def _run_many(
    files: list[str], request, deadline
) -> tuple[list[list[ExerciseOutcome]], list[dict[str, str]]]:
    from functools import partial

    from hwcheck.core.workers import map_ordered

    pairs = map_ordered(partial(_load_and_run, request=request), files, request.jobs, deadline)
    outcomes = [p[0] for p in pairs if p[1] is None]
    unreadable = [
        {"file": name, "message": p[1]} for name, p in zip(files, pairs) if p[1] is not None
    ]
    return outcomes, unreadable


def _load_and_run(name: str, request) -> tuple[list[ExerciseOutcome], str | None]:
    try:
        with budget(request.file_budget, "--file-budget"):
            return run_file(load(name), request), None
    except HwcheckError as exc:
        return [], exc.message if exc.where == name else f"{exc.where}: {exc.message}"


def run_file(answers: AnswersFile, request) -> list[ExerciseOutcome]:
    only = set(request.only or ())
    _check_only(answers, request.only or ())
    chosen = [ex for ex in answers.exercises if not only or ex.id in only]
    progress = PROGRESS.get()
    outcomes = []
    claims_left = sum(max(len(ex.claims), 1) for ex in chosen)
    for i, exercise in enumerate(chosen):
        weight = max(len(exercise.claims), 1)
        with share(weight, claims_left):  # a fair share of the file's budget per claim
            outcomes.append(run_exercise(answers, exercise, request))
        claims_left -= weight
        if progress:
            progress(i + 1, len(chosen), exercise.id)
    return outcomes


LISTED_IDS = 20  # ids listed when --only names one the file does not have


def _check_only(answers: AnswersFile, only: tuple[str, ...]) -> None:
    """``--only`` names exercises of the file: an id it does not have is an error of the file
    (exit 2), which lists the ids it has."""
    ids = [ex.id for ex in answers.exercises]
    unknown = [i for i in dict.fromkeys(only) if i not in ids]
    if not unknown:
        return
    listed = ", ".join(ids[:LISTED_IDS])
    if len(ids) > LISTED_IDS:
        listed += f", … ({len(ids)} in all)"
    what = "exercise" + "s" * (len(unknown) > 1)
    missing = ", ".join(f"'{i}'" for i in unknown)
    raise HwcheckError(answers.name, f"--only: no {what} {missing} in this file; its ids: {listed}")


def _summarise(
    exercises: list[ExerciseOutcome],
    unreadable: list[dict[str, str]],
    show: bool,
    show_all: bool = False,
    files: list[str] | None = None,
) -> CheckResult:
    passed = sum(ex.ok for ex in exercises)
    claims_total = sum(len(ex.claims) for ex in exercises)
    claims_correct = sum(c["verdict"] == "correct" for ex in exercises for c in ex.claims)
    score = round(sum(ex.score for ex in exercises), 6)
    most = round(sum(ex.points for ex in exercises), 6)
    per_file = _per_file(exercises, unreadable, files or [])
    return CheckResult(
        exercises,
        passed,
        len(exercises) - passed,
        claims_total,
        claims_correct,
        score,
        most,
        unreadable,
        per_file,
        show,
        show_all,
    )


def _per_file(
    exercises: list[ExerciseOutcome], unreadable: list[dict[str, str]], files: list[str]
) -> list[dict[str, Any]]:
    """A score per answers file, in the order given (only when several files were checked)."""
    if len(files) < 2:
        return []
    errors = {bad["file"]: bad["message"] for bad in unreadable}
    out = []
    for name in files:
        mine = [ex for ex in exercises if ex.file == name]
        entry = {
            "file": name,
            "passed": sum(ex.ok for ex in mine),
            "failed": sum(not ex.ok for ex in mine),
            "claims_correct": sum(c["verdict"] == "correct" for ex in mine for c in ex.claims),
            "claims_total": sum(len(ex.claims) for ex in mine),
            "score": round(sum(ex.score for ex in mine), 6),
            "max": round(sum(ex.points for ex in mine), 6),
        }
        if name in errors:
            entry["error"] = errors[name]
        out.append(entry)
    return out


def _write_gradescope(result: CheckResult, path: str) -> None:
    from hwcheck.core.jsonout import dumps
    from hwcheck.render.files import write_text

    write_text(path, dumps(result.gradescope(), indent=2) + "\n", "--gradescope")
