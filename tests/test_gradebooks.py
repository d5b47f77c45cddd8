"""``grade --csv FILE --csv-format plain|canvas|moodle``: gradebooks read back the way the
systems' importers read them.

- Canvas (Gradebook → Import, the layout of its own export): header ``Student, ID, SIS User ID,
  SIS Login ID, Section`` then assignment columns (``Name (id)`` matches an existing
  assignment, a plain name creates one); a row whose Student cell is ``Points Possible``
  (stripped) gives the points; each other row is matched to a user by ID, else SIS User ID,
  else SIS Login ID; an empty score cell leaves the grade unchanged.
- Moodle (Grades → Import → CSV file): the teacher maps one column ("Map from") to a user
  field ("Map to": email address, ID number or username) and each grade column to a grade
  item; an empty cell imports nothing.

Scores are worked out from the tiny key (2 points: total_params = 4640 and output_shape =
[33, 33, 32], 1 point each).
"""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path

import pytest

#: one exercise, two claims (B.total_params, B.output_shape), 2 points
KEY = (Path(__file__).parent / "data/grade/one_conv_key.toml").read_text(encoding="utf-8")
ROSTER = (
    "student,name,id,sis_user_id,sis_login_id,section,email,username,idnumber\n"
    "alice,Alice Ames,101,S-1,aames,Sec 1,alice@uni.edu,aames,A1\n"
    "bob,Bob Boyd,102,S-2,bboyd,Sec 1,bob@uni.edu,bboyd,B2\n"
    "carol,Carol Cruz,103,S-3,ccruz,Sec 2,carol@uni.edu,ccruz,C3\n"
    "dave,Dave Dunn,104,S-4,ddunn,Sec 2,dave@uni.edu,ddunn,D4\n"
)
CANVAS_IDENTITY = ["Student", "ID", "SIS User ID", "SIS Login ID", "Section"]
#: what each student earns: alice 2, bob 1, carol nothing handed in (0), dave's id claimed
#: twice (not graded: empty), eve not on the roster (in no import)
EXPECTED = {"alice": "2", "bob": "1", "carol": "0", "dave": ""}


@pytest.fixture
def world(tmp_path):
    (tmp_path / "key.toml").write_text(KEY, encoding="utf-8")
    (tmp_path / "roster.csv").write_text(ROSTER, encoding="utf-8")
    subs = tmp_path / "subs"
    subs.mkdir()
    right = '"B.total_params" = 4640\n"B.output_shape" = [33, 33, 32]\n'
    half = '"B.total_params" = 4640\n"B.output_shape" = [1, 2, 3]\n'
    files = {"alice": right, "bob": half, "dave": right, "dave2": right, "eve": right}
    for name, answers in files.items():
        student = 'student = "dave"\n' if name == "dave2" else ""
        (subs / f"{name}.toml").write_text(student + "[answers]\n" + answers, encoding="utf-8")
    return tmp_path


def export(cli, world, *options, roster: str | None = "roster.csv", code: int = 0):
    out = world / "gradebook.csv"
    args = ["grade", str(world / "key.toml"), str(world / "subs"), "--csv", str(out), *options]
    if roster:
        args += ["--roster", str(world / roster)]
    got, _stdout, err = cli(*args)
    assert got == code, err
    return (out.read_text(encoding="utf-8") if code == 0 else err), out


# --------------------------------------------------------------------- the importers


def canvas_import(text: str, users: dict[str, dict[str, str]]):
    """Canvas's reading of a gradebook CSV: (assignment (name, id or None), points possible,
    {user: score cell}). ``users``: the course's users by Canvas ID, SIS User ID, SIS Login ID."""
    rows = list(csv.reader(io.StringIO(text, newline="")))
    header, body = rows[0], rows[1:]
    assert header[:5] == CANVAS_IDENTITY
    (column,) = header[5:]
    match = re.fullmatch(r"(.*) \((\d+)\)", column)
    assignment = (match[1], match[2]) if match else (column, None)
    points = None
    if body and body[0][0].strip() == "Points Possible":
        points, body = body[0][5], body[1:]
    grades = {}
    for row in body:
        cells = dict(zip(header, row))
        user = next(
            users[field][cells[field]]
            for field in ("ID", "SIS User ID", "SIS Login ID")
            if cells[field] in users[field]
        )
        grades[user] = cells[column]
    return assignment, points, grades


def moodle_import(text: str, map_from: str, field_values: dict[str, str], item: str):
    """Moodle's reading: the teacher maps column ``map_from`` to a user field (values →
    user) and column ``item`` to the grade item; empty cells import nothing."""
    reader = csv.DictReader(io.StringIO(text, newline=""))
    assert map_from in reader.fieldnames and item in reader.fieldnames
    grades = {}
    for row in reader:
        if row[item].strip() != "":
            grades[field_values[row[map_from]]] = float(row[item])
    return reader.fieldnames, grades


def users_by(field: str) -> dict[str, str]:
    roster = list(csv.DictReader(io.StringIO(ROSTER)))
    return {r[field]: r["student"] for r in roster}


# ------------------------------------------------------------------------------ Canvas


def test_canvas_gradebook_reads_back_as_canvas_imports_it(cli, world):
    text, _ = export(cli, world, "--csv-format", "canvas", "--assignment", "Homework 3 (4711)")
    users = {"ID": users_by("id"), "SIS User ID": users_by("sis_user_id")}
    users["SIS Login ID"] = users_by("sis_login_id")
    assignment, points, grades = canvas_import(text, users)
    assert assignment == ("Homework 3", "4711") and points == "2"
    assert grades == EXPECTED  # roster order, roster students only
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[2][:5] == ["Alice Ames", "101", "S-1", "aames", "Sec 1"]
    assert [r[0] for r in rows[2:]] == ["Alice Ames", "Bob Boyd", "Carol Cruz", "Dave Dunn"]


def test_canvas_matches_by_sis_login_id_alone(cli, world):
    (world / "r2.csv").write_text(
        "student,login\nalice,aames\nbob,bboyd\ncarol,ccruz\ndave,ddunn\n", encoding="utf-8"
    )
    text, _ = export(cli, world, "--csv-format", "canvas", roster="r2.csv")
    users = {"ID": {}, "SIS User ID": {}, "SIS Login ID": users_by("sis_login_id")}
    assignment, _, grades = canvas_import(text, users)
    assert assignment == ("key", None) and grades == EXPECTED  # new assignment named after the key


def test_canvas_without_an_identity_column_is_exit_2_naming_it(cli, world):
    (world / "r3.csv").write_text("student,name\nalice,A\nbob,B\n", encoding="utf-8")
    err, out = export(cli, world, "--csv-format", "canvas", roster="r3.csv", code=2)
    assert err.startswith("error: --roster ") and "'ID', 'SIS User ID', 'SIS Login ID'" in err
    assert len(err.strip().splitlines()) == 1 and not out.exists()


def test_canvas_with_a_student_lacking_every_identity_cell_is_exit_2(cli, world):
    (world / "r4.csv").write_text("student,id\nalice,101\nbob,\n", encoding="utf-8")
    err, out = export(cli, world, "--csv-format", "canvas", roster="r4.csv", code=2)
    assert "student 'bob' has no 'id'" in err and not out.exists()


@pytest.mark.parametrize("fmt", ["canvas", "moodle"])
def test_an_lms_layout_needs_the_roster(cli, world, fmt):
    err, out = export(cli, world, "--csv-format", fmt, roster=None, code=2)
    assert err.startswith("error: --csv-format: ") and "--roster" in err and not out.exists()


# ------------------------------------------------------------------------------ Moodle


@pytest.mark.parametrize(
    "column, field",
    [("Email address", "email"), ("ID number", "idnumber"), ("Username", "username")],
)
def test_moodle_gradebook_reads_back_under_each_identity_mapping(cli, world, column, field):
    text, _ = export(cli, world, "--csv-format", "moodle", "--assignment", "HW3")
    header, grades = moodle_import(text, column, users_by(field), "HW3")
    assert header == ["Email address", "ID number", "Username", "HW3"]
    assert grades == {k: float(v) for k, v in EXPECTED.items() if v != ""}


def test_moodle_with_names_and_email_only(cli, world):
    (world / "r5.csv").write_text(
        "First name,Last name,student,Email\nAlice,Ames,alice,alice@uni.edu\n"
        "Bob,Boyd,bob,bob@uni.edu\n",
        encoding="utf-8",
    )
    text, _ = export(cli, world, "--csv-format", "moodle", roster="r5.csv")
    header, grades = moodle_import(text, "Email address", users_by("email"), "key")
    assert header == ["Email address", "First name", "Last name", "key"]
    assert grades == {"alice": 2.0, "bob": 1.0}


def test_moodle_without_an_identity_column_is_exit_2_naming_them(cli, world):
    (world / "r6.csv").write_text("student,name\nalice,A\n", encoding="utf-8")
    err, out = export(cli, world, "--csv-format", "moodle", roster="r6.csv", code=2)
    assert "'Email address', 'ID number', 'Username'" in err and not out.exists()


# ------------------------------------------------------------------------------- plain


def test_plain_is_student_score_max_in_roster_order(cli, world):
    text, _ = export(cli, world)
    rows = list(csv.DictReader(io.StringIO(text)))
    assert [(r["student"], r["score"], r["max"]) for r in rows] == [
        ("alice", "2", "2"),
        ("bob", "1", "2"),
        ("carol", "0", "2"),
        ("dave", "", "2"),
        ("eve", "", "2"),
    ]


def test_plain_without_a_roster_keeps_todays_layout(cli, world):
    text, _ = export(cli, world, roster=None)
    assert text.splitlines()[0] == "student,score,max"
    assert text.splitlines()[1:] == ["alice,2,2", "bob,1,2", "dave,,2", "eve,2,2"]


def test_unknown_layout_is_exit_2(cli, world):
    err, _ = export(cli, world, "--csv-format", "blackboard", code=2)
    assert "--csv-format" in err


# --------------------------------------------------------------------- hostile cells


def test_roster_cells_cannot_run_as_formulas_or_hide_text(cli, world):
    (world / "r7.csv").write_text(
        'student,name,id\nalice,"=HYPERLINK(""http://x"")",101\nbob,"Bob\u202eevil",102\n',
        encoding="utf-8",
    )
    text, _ = export(cli, world, "--csv-format", "canvas", roster="r7.csv")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[2][0] == '\'=HYPERLINK("http://x")' and rows[3][0] == "Bob\\u202eevil"
    assert all(c.isprintable() or c == "\n" for c in text)


def test_the_json_report_and_the_gradebook_agree(cli, world):
    """One verdict by every road: the gradebook's scores are the report's."""
    out = world / "g.csv"
    code, stdout, err = cli(
        "grade", str(world / "key.toml"), str(world / "subs"), "--roster",
        str(world / "roster.csv"), "--json", "--csv", str(out), "--csv-format", "moodle",
    )  # fmt: skip
    assert code == 0, err
    report = {s["student"]: s for s in json.loads(stdout)["students"]}
    _, grades = moodle_import(
        out.read_text(encoding="utf-8"), "Username", users_by("username"), "key"
    )
    assert grades == {k: s["score"] for k, s in report.items() if k in grades}
    assert all("error" in report[k] for k in EXPECTED if k not in grades)
