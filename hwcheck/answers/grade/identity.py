"""Who a submission belongs to: one id, one row, and the roster's word on who exists.

The rule (README, "Who a submission belongs to"):

- A submission's id is its TOML file's ``student =`` (default: the file's path in its folder,
  without the extension) or its CSV row's ``student`` cell. Ids are compared after
  :func:`hwcheck.answers.roster.normal_id` (NFC, surrounding white space dropped); an id with an
  invisible, bidi or control character is refused (the roster's rule), so no forged spelling
  can stand for another student.
- An id claimed by two or more submissions (two files, a file and a CSV row, two rows) is
  graded for none of them: every one becomes an error row naming them all, flagged for the
  instructor, and no score is given from any.
- With a roster, an id not on it is an error row, a roster student with no submission is a row
  with verdict ``missing`` and score 0, and rows follow the roster's order (rows of ids not on
  it after, in the order found).
"""

from __future__ import annotations

from hwcheck.answers.grade.submissions import Submission

LISTED = 4  # sources named in a conflict before "and N more"


def identify(subs: list[Submission], roster=None) -> list[Submission]:
    """``subs`` with the identity rule applied (errors set in place), plus the roster's
    missing students, in the output order."""
    claims: dict[str, list[Submission]] = {}
    for sub in subs:
        if sub.identified:
            claims.setdefault(sub.student, []).append(sub)
    for student, group in claims.items():
        if len(group) > 1:
            _conflict(student, group)
    if roster is None:
        return list(subs)
    for sub in subs:
        if sub.identified and sub.student not in roster.columns and sub.error is None:
            sub.error = f"student id '{sub.student}' is not on the roster {roster.path}"
    missing = [
        Submission(student, "", missing=True) for student in roster.ids if student not in claims
    ]
    rows = [*subs, *missing]
    place = {student: i for i, student in enumerate(roster.ids)}

    def order(i: int) -> tuple[int, int]:
        sub = rows[i]
        return (place.get(sub.student, len(place)) if sub.identified else len(place)), i

    return [rows[i] for i in sorted(range(len(rows)), key=order)]


def _conflict(student: str, group: list[Submission]) -> None:
    sources = [s.source for s in group]
    named = ", ".join(sources[: LISTED - 1]) if len(sources) > LISTED else ", ".join(sources[:-1])
    rest = f"{len(sources) - LISTED + 1} more" if len(sources) > LISTED else sources[-1]
    message = (
        f"student id '{student}' is claimed by {named} and {rest}: "
        "no score from any of them (flagged for the instructor)"
    )
    for sub in group:
        own = f" (this one also: {sub.error})" if sub.error else ""
        sub.error = message + own
        sub.flagged = True
