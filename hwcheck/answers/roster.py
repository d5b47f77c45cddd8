"""The class list: who exists, by the instructor's word (CONVENTIONS §6c).

A roster is a CSV file with a header that has a ``student`` column (any position, any case);
other columns (name, email, section, an LMS id) are kept as they are for gradebook exports.
Ids are compared after :func:`normal_id`: Unicode NFC, surrounding white space dropped. An id
that is empty, too long, or holds a character that could hide or forge text (controls, bidi
marks and overrides, zero-width and other format characters, tag characters) is refused, and
so is an id written twice: one line naming the row, exit 2.

>>> roster = parse_roster("student,name\\nalice,Alice A\\n bob ,Bob B\\n", "r.csv")
>>> roster.ids
('alice', 'bob')
>>> roster.columns["bob"]["name"]
'Bob B'
"""

from __future__ import annotations

import csv
import io
import unicodedata
from dataclasses import dataclass, field

from hwcheck.core.errors import HwcheckError

MAX_ROSTER_BYTES = 16 * 1024 * 1024
MAX_ID_CHARS = 200
MAX_STUDENTS = 100_000


def normal_id(text: str) -> str:
    """The form in which two ids are the same id: NFC, surrounding white space dropped."""
    return unicodedata.normalize("NFC", text).strip()


def id_problem(student: str) -> str | None:
    """Why ``student`` (already :func:`normal_id`) cannot be an id, or None.

    Refused: empty, longer than 200 characters, or any character of Unicode category C
    (controls, format characters such as U+200B, U+061C, bidi overrides, tag characters
    U+E0000–U+E007F; unassigned and private-use code points) or a line/paragraph separator.
    """
    if not student:
        return "is empty"
    if len(student) > MAX_ID_CHARS:
        return f"is longer than {MAX_ID_CHARS} characters"
    for ch in student:
        if unicodedata.category(ch)[0] == "C" or unicodedata.category(ch) in ("Zl", "Zp"):
            return f"contains an invisible or control character (U+{ord(ch):04X})"
    return None


@dataclass(frozen=True)
class Roster:
    """Ids in the roster's order, and each student's other columns (``columns[id][name]``)."""

    path: str
    ids: tuple[str, ...]
    header: tuple[str, ...]
    columns: dict[str, dict[str, str]] = field(default_factory=dict)


def read_roster(name: str) -> Roster:
    """Read and check the roster file ``name`` (bounded, a regular file only)."""
    from hwcheck.core.inputs import read_text_file

    return parse_roster(read_text_file(name, name, MAX_ROSTER_BYTES), name)


def parse_roster(text: str, where: str) -> Roster:
    try:
        rows = list(csv.reader(io.StringIO(text, newline="")))
    except csv.Error as exc:
        raise HwcheckError(where, f"malformed CSV: {exc}") from None
    numbered = [(n, r) for n, r in enumerate(rows, 1) if any(cell.strip() for cell in r)]
    if not numbered:
        raise HwcheckError(where, "empty roster: a header with a 'student' column is needed")
    _, header = numbered[0]
    header = [normal_id(h) for h in header]
    lowered = [h.lower() for h in header]
    if "student" not in lowered:
        raise HwcheckError(where, "the header has no 'student' column")
    if len(numbered) - 1 > MAX_STUDENTS:
        raise HwcheckError(where, f"more than {MAX_STUDENTS:,} students")
    at = lowered.index("student")
    ids: list[str] = []
    columns: dict[str, dict[str, str]] = {}
    for line, row in numbered[1:]:
        student = normal_id(row[at]) if at < len(row) else ""
        problem = id_problem(student)
        if problem:
            raise HwcheckError(f"{where}: row {line}", f"student id {problem}")
        if student in columns:
            raise HwcheckError(f"{where}: row {line}", f"student id '{student}' is listed twice")
        ids.append(student)
        columns[student] = {h: (row[i] if i < len(row) else "") for i, h in enumerate(header)}
    return Roster(where, tuple(ids), tuple(header), columns)
