"""The ``grade`` command: outputs checked first, then the class (or Gradescope's one submission).

It only dispatches: :mod:`hwcheck.answers.grade.run` grades, :mod:`hwcheck.answers.grade.gradescope` wraps one
Gradescope submission around it, :mod:`hwcheck.render.files` checks and writes the files.
"""

from __future__ import annotations

from pathlib import Path

from hwcheck.answers.check import check_budgets
from hwcheck.answers.grade.key import load_key
from hwcheck.answers.grade.run import GradeResult, grade_class
from hwcheck.answers.grade.submissions import expand
from hwcheck.answers.roster import read_roster
from hwcheck.core.budget import budget
from hwcheck.core.errors import HwcheckError


def grade(request) -> GradeResult:
    from hwcheck.answers.grade import outputs
    from hwcheck.render import files as files_out

    if request.gradescope_bundle:
        from hwcheck.answers.grade.bundle import check_bundle_target

        check_bundle_target(request)
    check_budgets(request)
    key = load_key(str(request.key), require_values=not request.variants)
    variants = None
    if request.variants:
        from hwcheck.answers.variants.grading import VariantKeys, check_folder

        check_folder(str(request.variants))
        variants = VariantKeys(str(request.variants), key)
    if request.gradescope:
        from hwcheck.answers.grade.gradescope import run_gradescope

        _nothing_gradescope_ignores(request)
        feedback = _feedback_target(request, [request.key], [])
        result = run_gradescope(key, request, variants)
        if feedback is not None:
            from hwcheck.answers.grade.feedback import write_feedback

            write_feedback(result, key, variants, feedback)
        return result
    names = [str(s) for s in request.submissions]
    if not names and not request.gradescope_bundle:
        raise HwcheckError("submissions", "no submission given (files, CSVs or folders)")
    targets = [(request.csv, "--csv"), (request.html, "--html")]
    targets.append((request.gradescope_bundle, "--gradescope-bundle"))
    roster = read_roster(request.roster) if request.roster else None
    gradebook = outputs.gradebook_plan(request, key, roster)  # missing columns: exit 2 now
    found = list(expand(names))
    inputs = [request.key, *names, *([request.roster] if request.roster else [])]
    inputs += [str(f.path) for f in found if f.path is not None and f.refused is None]
    files_out.check_outputs(targets, inputs)
    feedback = _feedback_target(request, inputs, targets)
    with budget(request.run_budget, "--run-budget"):
        result = grade_class(key, found, request.file_budget, roster, variants)
    if request.csv:
        files_out.write_text(request.csv, gradebook(result), "--csv")
    if feedback is not None:
        from hwcheck.answers.grade.feedback import write_feedback

        write_feedback(result, key, variants, feedback)
    if request.html:
        from hwcheck.answers.grade.html import html_report

        links = str(request.feedback) if request.feedback else None
        files_out.write_text(request.html, html_report(result, links, request.html), "--html")
    if request.gradescope_bundle:
        from hwcheck.answers.grade.bundle import write_bundle

        write_bundle(key, request.gradescope_bundle)
    return result


#: what --gradescope does not do (option, request field, why), refused rather than ignored
GRADESCOPE_IGNORES = (
    (
        "--gradescope",
        "submissions",
        "reads <root>/submission/; give no submission on the command line",
    ),
    (
        "--gradescope-bundle",
        "gradescope_bundle",
        "builds the autograder zip on your machine; --gradescope runs inside it: give one",
    ),
    ("--csv", "csv", "Gradescope keeps the scores (<root>/results/results.json): no gradebook"),
    ("--csv-format", "csv_format", "Gradescope keeps the scores: no gradebook"),
    ("--assignment", "assignment", "Gradescope keeps the scores: no gradebook"),
    ("--roster", "roster", "Gradescope grades one submission, its student known: no class list"),
    ("--html", "html", "Gradescope grades one submission: no class report"),
)


def _nothing_gradescope_ignores(request) -> None:
    """Exit 2 for an option ``--gradescope`` would not act on (a gradebook, a roster …)."""
    for option, field, why in GRADESCOPE_IGNORES:
        value = getattr(request, field)
        if value and value != "plain":  # csv_format's default
            raise HwcheckError(option, f"does not apply with --gradescope: {why}")


def _feedback_target(request, inputs: list[str], outputs: list[tuple]):
    """``--feedback DIR``, checked before any grading (new, empty, or written by it before);
    no other output may be written inside it (the folder is replaced whole)."""
    if not request.feedback:
        return None
    from hwcheck.answers.grade.feedback import is_ours
    from hwcheck.answers.variants.folder import check_target

    folder = check_target(str(request.feedback), "--feedback", is_ours, inputs)
    for path, option in outputs:
        if path and Path(path).expanduser().resolve().is_relative_to(folder.resolve()):
            raise HwcheckError(option, f"{path} is inside the --feedback folder {request.feedback}")
    return folder
