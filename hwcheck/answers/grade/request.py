"""Options of ``hwcheck grade`` and ``hwcheck key`` (light: no numpy or sympy)."""

from __future__ import annotations

from dataclasses import dataclass

from hwcheck.core.options import choice, flag, multi, number, text


@dataclass(frozen=True)
class GradeRequest:
    key: str = text(
        None,
        "The instructor's key: an answers file with the exercises, claims, points, tolerances.",
        positional=True,
        required=True,
    )
    submissions: tuple = multi(
        "Submissions: TOML files ([answers]), CSV files (one row per student) or folders of them.",
        positional=True,
    )
    csv: str | None = text(
        None, "Write the gradebook to this CSV file (--csv-format; one row per student)."
    )
    csv_format: str = choice(
        "plain",
        ("plain", "canvas", "moodle"),
        "Gradebook layout: plain (student,score,max), canvas or moodle (their grade-import CSV; "
        "identity columns from --roster).",
    )
    assignment: str | None = text(
        None,
        "The gradebook's column for this key (Canvas: 'Name (id)' as in Canvas's export; "
        "Moodle: the grade item). Default: the key's file name.",
    )
    roster: str | None = text(
        None,
        "The class list (CSV with a 'student' column): an id not on it is an error row, a "
        "student with no submission is 'missing', rows follow its order.",
    )
    html: str | None = text(None, "Write a self-contained HTML class report to this file.")
    gradescope: bool = flag(
        "Gradescope autograder mode: grade <root>/submission/, write <root>/results/results.json."
    )
    autograder_root: str = text(
        "/autograder", "The Gradescope autograder folder (with --gradescope)."
    )
    gradescope_bundle: str | None = text(
        None,
        "Write the Gradescope autograder zip (setup.sh, run_autograder, the key, hwcheck's wheel).",
    )
    variants: str | None = text(
        None,
        "Judge each student against their own variant: the folder hwcheck variants wrote.",
    )
    feedback: str | None = text(
        None,
        "Write a feedback page per student (<student>.html and .md) into this new folder.",
    )
    file_budget: float = number(
        20.0,
        "Seconds of symbolic work one submission may take; then its remaining expression claims "
        "are inconclusive (timeout).",
    )
    run_budget: float = number(
        3600.0, "Seconds of symbolic work the whole class may take (same rule as --file-budget)."
    )


@dataclass(frozen=True)
class KeyRequest:
    draft: str = text(
        None,
        'A draft key: exercises whose claims have no values yet ("?"); - for standard input.',
        positional=True,
        required=True,
    )
