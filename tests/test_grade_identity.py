"""Who a submission belongs to: one id, one row, and the roster's word on who exists.

The rule (README, "Who a submission belongs to"): ids compare after NFC and trimming; an id
with an invisible, bidi or control character is refused; an id claimed by two submissions
(two files, a file and a CSV row, two rows, a file in a subfolder) is graded for neither, each
an error row flagged for the instructor; with ``--roster`` an id not on it is an error row and a
roster student with no submission is ``missing`` with score 0, in the roster's order.

Scores are worked out here from the tiny key: B's two claims, 1 point each (total_params =
3·3·16·32 + 32 = 4640, output_shape = 35 − 3 + 1 = 33 → [33, 33, 32]).
"""

from __future__ import annotations

import csv
import io
import json
import unicodedata
from collections import Counter
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

#: one exercise, two claims (B.total_params, B.output_shape), 2 points
KEY = (Path(__file__).parent / "data/grade/one_conv_key.toml").read_text(encoding="utf-8")
RIGHT = '"B.total_params" = 4640\n"B.output_shape" = [33, 33, 32]\n'
HALF = '"B.total_params" = 4640\n"B.output_shape" = [35, 35, 32]\n'
CSV_HEADER = "student,B.total_params,B.output_shape\n"


@pytest.fixture
def key(tmp_path):
    path = tmp_path / "key.toml"
    path.write_text(KEY, encoding="utf-8")
    return path


def toml(student: str | None, answers: str = RIGHT) -> str:
    head = f"student = {json.dumps(student, ensure_ascii=False)}\n" if student is not None else ""
    return head + "[answers]\n" + answers


def write(folder, name: str, text: str):
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def grade(cli, key, *args, code: int = 0):
    got, out, err = cli("grade", str(key), *map(str, args), "--json")
    assert got == code, err
    return json.loads(out)["students"] if code == 0 else err


def by_student(students):
    return {s["student"]: s for s in students}


# ------------------------------------------------------------------- one id, one row


def test_two_files_naming_one_id_grade_neither(cli, key, tmp_path):
    a = write(tmp_path, "a.toml", toml("alice"))
    b = write(tmp_path, "b.toml", toml("alice", HALF))
    bob = write(tmp_path, "bob.toml", toml(None, HALF))
    students = grade(cli, key, a, b, bob)
    flagged = [s for s in students if s["student"] == "alice"]
    assert len(flagged) == 2
    for s in flagged:
        assert s["score"] == 0 and s["flagged"] is True
        assert "'alice' is claimed by" in s["error"]
        assert str(a) in s["error"] and str(b) in s["error"]
    assert by_student(students)["bob"]["score"] == 1  # nobody else changes


def test_a_file_and_another_students_csv_row_naming_one_id(cli, key, tmp_path):
    real = write(tmp_path, "class.csv", CSV_HEADER + "carol,4640,[33 33 32]\nalice,4640,1\n")
    thief = write(tmp_path, "mallory.toml", toml("alice"))
    students = grade(cli, key, real, thief)
    alice = [s for s in students if s["student"] == "alice"]
    assert len(alice) == 2 and all(s["score"] == 0 and s.get("flagged") for s in alice)
    assert all(f"{real}: row 3" in s["error"] and str(thief) in s["error"] for s in alice)
    assert by_student(students)["carol"]["score"] == 2


def test_two_rows_of_one_csv_naming_one_id(cli, key, tmp_path):
    path = write(tmp_path, "class.csv", CSV_HEADER + "dave,4640,1\nerin,1,1\n dave ,4640,\n")
    students = grade(cli, key, path)
    dave = [s for s in students if s["student"] == "dave"]
    assert len(dave) == 2 and all("claimed by" in s["error"] for s in dave)
    assert (
        by_student(students)["erin"]["score"] == 0 and "error" not in by_student(students)["erin"]
    )


@pytest.mark.parametrize(
    "spelling",
    [
        " alice ",  # surrounding spaces
        "\talice\n".strip(" "),  # tab and newline around it are white space too
        unicodedata.normalize("NFD", "alice"),  # NFD of plain ASCII is itself
    ],
)
def test_spellings_of_the_same_id_are_the_same_id(cli, key, tmp_path, spelling):
    a = write(tmp_path, "a.toml", toml("alice"))
    b = write(tmp_path, "b.toml", toml(spelling))
    students = grade(cli, key, a, b)
    assert [s["student"] for s in students] == ["alice", "alice"]
    assert all("claimed by" in s["error"] for s in students)


def test_nfc_and_nfd_of_one_name_are_one_id(cli, key, tmp_path):
    nfc = unicodedata.normalize("NFC", "josé")
    nfd = unicodedata.normalize("NFD", "josé")
    assert nfc != nfd
    a = write(tmp_path, "a.toml", toml(nfc))
    b = write(tmp_path, "b.toml", toml(nfd))
    students = grade(cli, key, a, b)
    assert {s["student"] for s in students} == {nfc}
    assert all("claimed by" in s["error"] for s in students)


INVISIBLE = ["\u200b", "\u061c", "\u200e", "\u200f", "\u202a", "\u202e", "\u2066", "\u2069"]
INVISIBLE += ["\U000e0001", "\U000e0041", "\U000e007f", "\u2028"]


@pytest.mark.parametrize("char", INVISIBLE, ids=lambda c: f"U+{ord(c):04X}")
@pytest.mark.parametrize("road", ["toml", "csv"])
def test_an_id_with_an_invisible_character_is_refused_not_merged(cli, key, tmp_path, char, road):
    """``alice`` + an invisible character is neither alice nor a new student: an error row
    that shows the character as an escape; the real alice is graded."""
    alice = write(tmp_path, "alice.toml", toml("alice"))
    forged = "ali" + char + "ce"
    if road == "toml":
        bad = write(tmp_path, "mallory.toml", toml(forged))
    else:
        bad = write(tmp_path, "m.csv", CSV_HEADER + f'"{forged}",4640,[33 33 32]\n')
    students = grade(cli, key, alice, bad)
    assert by_student(students)["alice"]["score"] == 2
    (row,) = [s for s in students if s["student"] != "alice"]
    assert row["score"] == 0 and "invisible or control character" in row["error"]
    assert f"U+{ord(char):04X}" in row["error"]
    assert all(c.isprintable() for c in json.dumps(students, ensure_ascii=False))


def test_a_file_name_with_an_invisible_character_is_an_error_row(cli, key, tmp_path):
    folder = tmp_path / "class"
    write(folder, "alice.toml", toml(None))
    write(folder, "alice\u200b.toml", toml(None))
    students = grade(cli, key, folder)
    assert by_student(students)["alice"]["score"] == 2
    other = next(s for s in students if s["student"] != "alice")
    assert "\\u200b" in other["student"] and "error" in other
    assert "\\u200b" in other["file"] and "\u200b" not in other["file"]


def test_a_file_in_a_subfolder_naming_another_id(cli, key, tmp_path):
    folder = tmp_path / "class"
    write(folder, "alice.toml", toml(None))
    write(folder, "bob.toml", toml(None, HALF))
    write(folder, "group/x/mallory.toml", toml("alice"))
    write(folder, "group/carol.toml", toml(None, HALF))  # id from its path: group/carol
    students = by_student(grade(cli, key, folder))
    assert "claimed by" in students["alice"]["error"] and students["alice"]["score"] == 0
    assert students["bob"]["score"] == 1 and students["group/carol"]["score"] == 1


def test_the_gradebook_has_one_row_per_id(cli, key, tmp_path):
    a = write(tmp_path, "a.toml", toml("alice"))
    b = write(tmp_path, "b.toml", toml("alice"))
    c = write(tmp_path, "c.csv", CSV_HEADER + "bob,4640,1\nalice,4640,[33 33 32]\n")
    out = tmp_path / "out" / "scores.csv"
    out.parent.mkdir()
    code, _, err = cli("grade", str(key), str(a), str(b), str(c), "--csv", str(out))
    assert code == 0, err
    rows = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8"))))
    assert [r["student"] for r in rows] == ["alice", "bob"]
    assert rows[0]["score"] == "" and rows[1]["score"] == "1"  # not graded: no score


def test_every_road_gives_the_same_identity_verdict(cli, key, tmp_path):
    """The API and the command line agree (the same rows, errors and scores)."""
    import hwcheck

    a = write(tmp_path, "a.toml", toml("alice"))
    b = write(tmp_path, "b.toml", toml(" alice"))
    c = write(tmp_path, "c.toml", toml("carol", HALF))
    by_cli = grade(cli, key, a, b, c)
    by_api = hwcheck.grade(str(key), [str(a), str(b), str(c)]).to_json()["students"]
    assert [(s["student"], s["score"], s.get("error")) for s in by_api] == [
        (s["student"], s["score"], s.get("error")) for s in by_cli
    ]


# ------------------------------------------------------------------------------ roster


@pytest.fixture
def roster(tmp_path):
    path = tmp_path / "roster.csv"
    path.write_text(
        "name,student,email\nZoe Z,zoe,z@x.org\nAlice A,alice,a@x.org\nBob B,bob,b@x.org\n",
        encoding="utf-8",
    )
    return path


def test_roster_order_missing_students_and_strangers(cli, key, tmp_path, roster):
    bob = write(tmp_path, "bob.toml", toml(None, HALF))
    alice = write(tmp_path, "alice.toml", toml(" alice "))
    eve = write(tmp_path, "eve.toml", toml(None))
    students = grade(cli, key, eve, bob, alice, "--roster", roster)
    assert [s["student"] for s in students] == ["zoe", "alice", "bob", "eve"]
    zoe, alice_row, bob_row, eve_row = students
    assert zoe["verdict"] == "missing" and zoe["score"] == 0 and "error" not in zoe
    assert {c["verdict"] for c in zoe["claims"]} == {"missing"}
    assert (alice_row["score"], bob_row["score"]) == (2, 1)
    assert "not on the roster" in eve_row["error"] and eve_row["score"] == 0


def test_a_roster_id_in_nfd_matches_a_submission_in_nfc(cli, key, tmp_path):
    roster = tmp_path / "r.csv"
    roster.write_text("student\n" + unicodedata.normalize("NFD", "josé") + "\n", encoding="utf-8")
    sub = write(tmp_path, "s.toml", toml(unicodedata.normalize("NFC", "josé")))
    (row,) = grade(cli, key, sub, "--roster", roster)
    assert row["score"] == 2 and "error" not in row


def test_a_conflict_on_a_roster_id_stays_a_conflict(cli, key, tmp_path, roster):
    a = write(tmp_path, "a.toml", toml("bob"))
    b = write(tmp_path, "b.toml", toml("bob"))
    students = grade(cli, key, a, b, "--roster", roster)
    assert [s["student"] for s in students] == ["zoe", "alice", "bob", "bob"]
    assert all("claimed by" in s["error"] for s in students[2:])


@pytest.mark.parametrize(
    "text, message",
    [
        ("name\nalice\n", "no 'student' column"),
        ("student\nalice\nalice\n", "listed twice"),
        ("student\nal\u200bice\n", "U+200B"),
    ],
)
def test_a_bad_roster_is_exit_2_naming_it(cli, key, tmp_path, text, message):
    roster = tmp_path / "r.csv"
    roster.write_text(text, encoding="utf-8")
    sub = write(tmp_path, "s.toml", toml("alice"))
    code, out, err = cli("grade", str(key), str(sub), "--roster", str(roster))
    assert code == 2 and out == ""
    assert err.startswith(f"error: {roster}") and message in err and len(err.splitlines()) <= 2


def test_submissions_id_rule_is_the_rosters_rule():
    from hwcheck.answers import roster
    from hwcheck.answers.grade import submissions

    for text in ["alice", " alice ", "al\u200bice", "", "x" * 201, "a\u202eb", "é"]:
        assert submissions.id_problem(text) == roster.id_problem(roster.normal_id(text))


def test_one_file_named_twice_is_one_submission(cli, key, tmp_path):
    folder = tmp_path / "class"
    alice = write(folder, "alice.toml", toml(None))
    students = grade(cli, key, folder, alice, folder / ".." / "class" / "alice.toml")
    assert [(s["student"], s["score"]) for s in students] == [("alice", 2)]


def test_a_hard_link_under_another_name_is_a_claim_of_its_own(cli, key, tmp_path):
    """Two names of one file are two submissions; with ``student =`` in it, one id claimed
    twice (flagged); without, each name is its own id — never a way to take alice's row."""
    import os

    folder = tmp_path / "class"
    write(folder, "alice.toml", toml("alice"))
    os.link(folder / "alice.toml", folder / "aaa.toml")
    students = grade(cli, key, folder)
    assert [s["student"] for s in students] == ["alice", "alice"]
    assert all("claimed by" in s["error"] for s in students)


def test_a_layout_without_csv_is_exit_2(cli, key, tmp_path):
    sub = write(tmp_path, "s.toml", toml("alice"))
    code, _, err = cli("grade", str(key), str(sub), "--csv-format", "moodle")
    assert code == 2 and err.startswith("error: --csv-format: moodle: give --csv FILE")


def test_a_student_with_no_submission_in_the_table_and_the_report(cli, key, tmp_path, roster):
    """zoe handed nothing in: 'no submission', and she is not in the mean (alice 2, bob 1)."""
    bob = write(tmp_path, "bob.toml", toml(None, HALF))
    alice = write(tmp_path, "alice.toml", toml(None))
    html = tmp_path / "r.html"
    code, out, err = cli(
        "grade", str(key), str(bob), str(alice), "--roster", str(roster), "--html", str(html)
    )
    assert code == 0, err
    zoe_line = next(line for line in out.splitlines() if line.startswith("zoe"))
    assert "no submission" in zoe_line
    assert "3 students (1 with no submission); mean 1.5, median 1.5 of 2" in out
    assert "<td>zoe</td>" in html.read_text() and "no submission" in html.read_text()


def test_roster_rows_and_flagged_rows_follow_the_schema(cli, key, tmp_path, roster):
    jsonschema = pytest.importorskip("jsonschema", reason="jsonschema is not installed")
    from tests.conftest import ROOT

    schema = json.loads((ROOT / "docs" / "output.schema.json").read_text(encoding="utf-8"))
    a = write(tmp_path, "a.toml", toml("bob"))
    b = write(tmp_path, "b.toml", toml("bob"))
    c = write(tmp_path, "c.toml", toml("eve"))
    code, out, err = cli(
        "grade", str(key), str(a), str(b), str(c), "--roster", str(roster), "--json"
    )
    assert code == 0, err
    document = json.loads(out)
    assert [s.get("verdict") for s in document["students"][:2]] == ["missing", "missing"]
    assert [s.get("flagged") for s in document["students"][2:]] == [True, True, None]
    errors = list(jsonschema.Draft202012Validator(schema).iter_errors(document))
    assert errors == []
    bad = dict(document["students"][0], verdict="absent")
    broken = {**document, "students": [bad]}
    assert list(jsonschema.Draft202012Validator(schema).iter_errors(broken))


# ---------------------------------------------------------------- a generated class

BASES = ["alice", "bob", unicodedata.normalize("NFC", "josé")]
FORMS = ["plain", "spaced", "nfd", "invisible"]
FUZZ_EXAMPLES = 200 if __import__("os").environ.get("HWCHECK_FUZZ") == "long" else 12


def spelled(base: str, form: str, char: str) -> str:
    if form == "spaced":
        return f"  {base} "
    if form == "nfd":
        return unicodedata.normalize("NFD", base)
    if form == "invisible":
        return base[:2] + char + base[2:]
    return base


submission = st.tuples(
    st.sampled_from(["toml", "csv"]),
    st.sampled_from(BASES),
    st.sampled_from(FORMS),
    st.sampled_from(INVISIBLE[:-1]),  # U+2028 ends a CSV line for some readers: tested above
    st.booleans(),  # right (2 points) or half (1 point)
)


@settings(
    max_examples=FUZZ_EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],  # cli: one in-process runner
)
@given(st.lists(submission, min_size=1, max_size=6))
def test_a_generated_class_keeps_one_id_one_row(cli, plan_class):
    """Whatever mix of files, rows, spellings and forged ids: a refused id is never merged,
    an id claimed twice is graded for none, every other id gets exactly its planted score,
    and the gradebook has one row per id."""
    import tempfile
    from pathlib import Path

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        key = write(folder, "key.toml", KEY)
        files, rows = [], []
        for i, (road, base, form, char, right) in enumerate(plan_class):
            student, answers = spelled(base, form, char), RIGHT if right else HALF
            if road == "toml":
                files.append(write(folder, f"s{i}.toml", toml(student, answers)))
            else:
                shape = "[33 33 32]" if right else "[35 35 32]"
                rows.append(f"{json.dumps(student, ensure_ascii=False)},4640,{shape}\n")
        if rows:
            files.append(write(folder, "class.csv", CSV_HEADER + "".join(rows)))
        out = folder / "g.csv"
        code, stdout, err = cli("grade", str(key), *map(str, files), "--json", "--csv", str(out))
        assert code == 0, err
        students = json.loads(stdout)["students"]
        gradebook = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8"))))
    valid = [(base, right) for _, base, form, _, right in plan_class if form != "invisible"]
    claims = Counter(base for base, _ in valid)
    refused = sum(1 for _, _, form, _, _ in plan_class if form == "invisible")
    assert sum(1 for s in students if "invisible or control" in s.get("error", "")) == refused
    for base, right in valid:
        rows_of = [s for s in students if s["student"] == base]
        assert len(rows_of) == claims[base]
        if claims[base] > 1:
            assert all(s.get("flagged") and s["score"] == 0 for s in rows_of)
        else:
            assert rows_of[0]["score"] == (2 if right else 1) and "error" not in rows_of[0]
    ids = [r["student"] for r in gradebook]
    assert len(ids) == len(set(ids))
    assert {r["student"]: r["score"] for r in gradebook if r["student"] in claims} == {
        base: ("" if claims[base] > 1 else str(2 if right else 1)) for base, right in valid
    }
