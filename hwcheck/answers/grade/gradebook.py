"""Gradebooks: the class's scores as a CSV a learning-management system imports.

- ``plain``: ``student,score,max``, one row per student id in the report's order.
- ``canvas``: the layout of Canvas's gradebook export, which its import reads back:
  ``Student, ID, SIS User ID, SIS Login ID, Section`` then one assignment column
  (``Name (id)`` names an existing assignment, a plain name makes a new one), and a second row
  ``Points Possible`` holding the key's maximum. Canvas finds each student by ``ID``,
  ``SIS User ID`` or ``SIS Login ID``: the roster must have at least one of them, filled for
  every student.
- ``moodle``: Moodle's grade import (CSV): identity columns (``Email address``, ``ID number``,
  ``Username``: the importer maps one of them to the user's field, "Identify user by"), the
  optional ``First name``, ``Last name``, and one column per grade item (the assignment).

Identity columns come from the roster's other columns (``--roster``), matched by name without
regard to case, spaces, ``_`` or ``-`` (``sis_user_id`` is ``SIS User ID``). Canvas and Moodle
rows are the roster's students in its order. A student who was not graded (an error row: an
id claimed twice, an unreadable file) gets an empty cell, which both importers leave
unchanged; a student with no submission gets 0. Every cell is written with invisible
characters as escapes and guarded against spreadsheet formulas.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from hwcheck.core.errors import HwcheckError

#: (gradebook column, the roster column names it is taken from)
CANVAS_IDENTITY = (
    ("Student", ("name", "student name", "sortable name", "full name")),
    ("ID", ("id", "canvas id", "canvas user id", "user id")),
    ("SIS User ID", ("sis user id", "sis id")),
    ("SIS Login ID", ("sis login id", "login id", "login")),
    ("Section", ("section",)),
)
CANVAS_MATCH = ("ID", "SIS User ID", "SIS Login ID")  # Canvas finds the student by one of these
POINTS_POSSIBLE = "    Points Possible"  # as Canvas's export writes it (the importer strips it)
MOODLE_IDENTITY = (
    ("Email address", ("email", "email address", "e mail")),
    ("ID number", ("idnumber", "id number")),
    ("Username", ("username", "user name")),
)
MOODLE_NAMES = (
    ("First name", ("first name", "firstname")),
    ("Last name", ("last name", "surname")),
)


def _plain_name(header: str) -> str:
    return " ".join(re.split(r"[\s_\-]+", header.strip().lower())).strip()


@dataclass(frozen=True)
class Mapping:
    """Gradebook identity column → the roster column it is read from."""

    columns: tuple[tuple[str, str | None], ...]

    @classmethod
    def of(cls, wanted, roster) -> Mapping:
        by_name = {_plain_name(h): h for h in roster.header if _plain_name(h) != "student"}
        return cls(tuple((out, _first(by_name, names)) for out, names in wanted))

    def present(self) -> Mapping:
        """The columns the roster has (Moodle's importer takes only those)."""
        return Mapping(tuple((out, source) for out, source in self.columns if source is not None))

    def row(self, roster, student: str) -> list[str]:
        cells = roster.columns.get(student, {})
        return [cells.get(source, "") if source else "" for _, source in self.columns]


def _first(by_name: dict[str, str], names: tuple[str, ...]) -> str | None:
    return next((by_name[n] for n in names if n in by_name), None)


def plan(fmt: str, roster, assignment: str) -> Callable[[object], str]:
    """The writer of one gradebook layout, checked before any grading: exit 2 naming the
    missing roster column or the student whose identity cell is empty."""
    if fmt == "plain":
        return plain
    if roster is None:
        raise HwcheckError(
            "--csv-format", f"{fmt} needs --roster: its identity columns come from it"
        )
    if fmt == "canvas":
        mapping = Mapping.of(CANVAS_IDENTITY, roster)
        _require(mapping, CANVAS_MATCH, roster, "Canvas")
        return lambda result: canvas(result, roster, mapping, assignment)
    mapping = Mapping.of(MOODLE_IDENTITY + MOODLE_NAMES, roster)
    _require(mapping, tuple(out for out, _ in MOODLE_IDENTITY), roster, "Moodle")
    return lambda result: moodle(result, roster, mapping, assignment)


def _require(mapping: Mapping, needed: tuple[str, ...], roster, system: str) -> None:
    """At least one of ``needed`` is a roster column, filled for every student."""
    sources = dict(mapping.columns)
    usable = [out for out in needed if sources.get(out)]
    if not usable:
        wanted = ", ".join(f"'{n}'" for n in needed)
        accepted = ", ".join(names[0].replace(" ", "_") for out, names in wanted_names(needed))
        raise HwcheckError(
            f"--roster {roster.path}",
            f"no column for {system}'s {wanted} ({system} finds each student by one of them); "
            f"add one of the columns {accepted}",
        )
    for student in roster.ids:
        if not any(roster.columns[student].get(sources[out], "").strip() for out in usable):
            shown = " or ".join(f"'{sources[out]}'" for out in usable)
            raise HwcheckError(
                f"--roster {roster.path}",
                f"student '{student}' has no {shown}: {system} cannot find them",
            )


def wanted_names(needed: tuple[str, ...]):
    """(gradebook column, roster names) of the columns in ``needed``."""
    return [(out, names) for out, names in CANVAS_IDENTITY + MOODLE_IDENTITY if out in needed]


# ------------------------------------------------------------------------------- writers


def plain(result) -> str:
    """``student,score,max``: one row per student id (a second row of one id is never
    written: an id claimed twice is one not-graded row)."""
    rows, seen = [["student", "score", "max"]], set()
    for s in result.students:
        if s["student"] in seen:
            continue
        seen.add(s["student"])
        rows.append([s["student"], score_cell(s), number(s["max"])])
    return write(rows)


def canvas(result, roster, mapping: Mapping, assignment: str) -> str:
    header = [out for out, _ in mapping.columns] + [assignment]
    points = [POINTS_POSSIBLE] + [""] * (len(mapping.columns) - 1) + [number(result.max)]
    by_id = roster_scores(result, roster)
    rows = [mapping.row(roster, student) + [by_id[student]] for student in roster.ids]
    return write([header, points, *rows])


def moodle(result, roster, mapping: Mapping, assignment: str) -> str:
    used = mapping.present()
    by_id = roster_scores(result, roster)
    rows = [used.row(roster, student) + [by_id[student]] for student in roster.ids]
    return write([[out for out, _ in used.columns] + [assignment], *rows])


def roster_scores(result, roster) -> dict[str, str]:
    """Each roster student's score cell: the score, 0 for no submission, empty when not graded."""
    cells: dict[str, str] = {}
    for s in result.students:
        if s["student"] in roster.columns and s["student"] not in cells:
            cells[s["student"]] = score_cell(s)
    return cells


def score_cell(student: dict) -> str:
    return "" if student.get("error") else number(student["score"])


def number(x: float) -> str:
    return f"{x:.6f}".rstrip("0").rstrip(".") if isinstance(x, float) else str(x)


def write(rows: list[list[str]]) -> str:
    from hwcheck.core.escape import visible

    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    for row in rows:
        writer.writerow([spreadsheet_safe(visible(cell)) for cell in row])
    return buffer.getvalue()


def spreadsheet_safe(cell: str) -> str:
    """A cell a spreadsheet will not run as a formula (OWASP: prefix ``'`` to = + - @ tab CR)."""
    return "'" + cell if cell[:1] in ("=", "+", "-", "@", "\t", "\r") else cell


def default_assignment(key_name: str) -> str:
    return Path(key_name).stem or "hwcheck"
