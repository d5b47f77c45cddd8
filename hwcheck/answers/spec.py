"""The answers-file commands: ``check``, ``grade`` and ``key``."""

from __future__ import annotations

from hwcheck.core.registry import CommandSpec, register


def check_request():
    from hwcheck.answers.request import CheckRequest

    return CheckRequest


def grade_requests():
    """grade's and key's request module, imported only by the command that runs."""
    from hwcheck.answers.grade import request

    return request


def check(request):
    from hwcheck.answers.check import check

    return check(request)


def grade(request):
    from hwcheck.answers.grade.command import grade

    return grade(request)


def key(request):
    from hwcheck.answers.grade.draft import fill_key

    return fill_key(request)


SPECS = register(
    CommandSpec(
        "check",
        "Check every claim of one or more answers files (TOML).",
        ("check examples.toml", "check examples.toml --json"),
        check_request,
        check,
        calculator=False,
    ),
    CommandSpec(
        "grade",
        "Grade a class: each student's answers against the instructor's key, with a class report.",
        (
            "grade tests/data/grade/key.toml tests/data/grade/submissions/alice.toml tests/data/grade/submissions/class.csv",
            "grade tests/data/grade/key.toml tests/data/grade/submissions --format markdown",
            "grade tests/data/grade/key.toml tests/data/grade/submissions --roster tests/data/grade/roster.csv",
        ),
        lambda: grade_requests().GradeRequest,
        grade,
        plot="histogram",
        calculator=False,
    ),
    CommandSpec(
        "key",
        "Fill every claim of a draft key with the computed values (prints the key as TOML).",
        ("key tests/data/grade/draft.toml",),
        lambda: grade_requests().KeyRequest,
        key,
        formats=("table", "json"),
        calculator=False,
    ),
)


def variants_request():
    from hwcheck.answers.variants.request import VariantsRequest

    return VariantsRequest


def variants(request):
    from hwcheck.answers.variants.command import variants

    return variants(request)


VARIANTS = register(
    CommandSpec(
        "variants",
        "A variant of a template key per student: concrete keys, handouts, solution sheets.",
        (
            (
                "variants tests/data/variants/key.toml --roster tests/data/variants/roster.csv "
                "--seed 2026 --out /tmp/hwcheck-variants-example"
            ),
        ),
        variants_request,
        variants,
        calculator=False,
    ),
)
