"""What ``grade`` writes: the gradebook CSV in the chosen layout (the layouts are
hwcheck.answers.grade.gradebook; checking and writing files is hwcheck.render.files)."""

from __future__ import annotations

from hwcheck.core.errors import HwcheckError


def gradebook_plan(request, key, roster):
    """The writer of ``--csv`` in ``--csv-format``, checked before grading (a missing roster
    column is exit 2 before any work)."""
    from hwcheck.answers.grade.gradebook import default_assignment, plain, plan

    if not request.csv:
        if request.csv_format != "plain":
            raise HwcheckError("--csv-format", f"{request.csv_format}: give --csv FILE to write it")
        return plain
    assignment = request.assignment or default_assignment(key.name)
    return plan(request.csv_format, roster, assignment)
