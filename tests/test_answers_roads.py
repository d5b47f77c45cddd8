"""One answer, one verdict, by every road of the answers side (issue 19): ``check`` on a TOML
number or a TOML string, ``grade`` on a TOML or a CSV submission, under the key's spelling of a
claim or an alias of it. Also: a key is an answers file, ``--only`` names real ids, grade's
summary groups wrong answers by value, and every road writes the one claim schema."""

from __future__ import annotations

import json
import pickle
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

EXERCISES = """
[[exercise]]
id = "A"
command = "adam"
lr = 0.3

[exercise.claims]
{a}

[[exercise]]
id = "B"
command = "params"
spec = "35x35x16 | conv2d filters=32 kernel=3 padding=same"

[exercise.claims]
{b}
"""
#: the key's claims: adam's w after step 3 (-0.396667) in the table's notation, conv counts
KEY = EXERCISES.format(
    a='"w(3)" = -0.396666804485899', b="output_shape = [35, 35, 32]\ntotal_params = 4640"
)
CLAIM_KEYS = {"key", "claimed", "claimed_text", "expected", "verdict", "rule", "hint", "mistakes"}


def _write(folder: Path, name: str, text: str) -> str:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return str(path)


def _check_claim(cli, folder: Path, label: str, toml_value: str) -> dict:
    """The verdict ``check`` gives ``toml_value`` (TOML source) for ``label`` (EXERCISE.CLAIM)."""
    exercise, _, claim = label.partition(".")
    lines = {"A": '"w(3)" = -0.396666804485899', "B": "total_params = 4640"}
    lines[exercise] = f'"{claim}" = {toml_value}'
    path = _write(folder, "self.toml", EXERCISES.format(a=lines["A"], b=lines["B"]))
    code, out, err = cli("check", path, "--only", exercise, "--json")
    assert code in (0, 1), err
    (ex,) = json.loads(out)["exercises"]
    return next(c for c in ex["claims"] if c["key"] == claim)


def _grade_claims(cli, folder: Path, label: str, toml_value: str, cell: str) -> list[dict]:
    """The claim as ``grade`` judges it from a TOML submission and from a CSV row."""
    key = _write(folder, "key.toml", KEY)
    toml = _write(folder, "ann.toml", f'[answers]\n"{label}" = {toml_value}\n')
    csv = _write(folder, "class.csv", f"student,{label}\nben,{cell}\n")
    code, out, err = cli("grade", key, toml, csv, "--json")
    assert code == 0, err
    doc = json.loads(out)
    found = []
    for student in doc["students"]:
        assert "error" not in student, student
        assert not any("ignored" in n for n in student["notes"]), student["notes"]
        (claim,) = [c for c in student["claims"] if c["verdict"] != "missing"]
        found.append(claim)
    return found


ROADS = [
    # label, TOML value, CSV cell, verdict, mistake ids
    ("A.w(3)", "-0.40", "-0.40", "imprecise", []),  # 2 figures as written, both ways
    ("A.w(3)", "-0.3967", "-0.3967", "correct", []),
    ("A.steps.2.params.w", "-0.40", "-0.40", "imprecise", []),  # an alias of the key's w(3)
    ("B.total_params", "4608", "4608", "wrong", ["bias_forgotten"]),
    ("B.total_params", "4_640", "4640", "correct", []),
    ("B.output_shape", "[35, 35, 32]", '"(35, 35, 32)"', "correct", []),
]


@pytest.mark.parametrize("label, value, cell, verdict, mistakes", ROADS)
def test_the_same_answer_gets_the_same_verdict_by_every_road(
    cli, tmp_path, label, value, cell, verdict, mistakes
):
    as_string = json.dumps(json.loads(cell) if cell.startswith('"') else cell)
    roads = {
        "check, TOML value": _check_claim(cli, tmp_path, label, value),
        "check, TOML string": _check_claim(cli, tmp_path, label, as_string),
    }
    roads["grade, TOML"], roads["grade, CSV"] = _grade_claims(cli, tmp_path, label, value, cell)
    seen = {road: (c["verdict"], [m["id"] for m in c["mistakes"]]) for road, c in roads.items()}
    assert all(v == (verdict, mistakes) for v in seen.values()), seen


def test_a_toml_number_reaches_the_claim_with_its_text(tmp_path, monkeypatch):
    """The float handed to the claims layer carries what the student wrote."""
    from hwcheck.answers import run
    from hwcheck.answers.check import check
    from hwcheck.answers.request import CheckRequest

    seen = []
    original = run.judge_claim

    def spy(result, data, exercise, key, raw, *args, **kwargs):
        seen.append(raw)
        return original(result, data, exercise, key, raw, *args, **kwargs)

    monkeypatch.setattr(run, "judge_claim", spy)
    text = EXERCISES.format(a='"w(3)" = -0.40', b="total_params = 4.640e3")
    check(CheckRequest(files=(_write(tmp_path, "a.toml", text),)))
    assert [(float(x), x.text) for x in seen] == [(-0.4, "-0.40"), (4640.0, "4.640e3")]


# --------------------------------------------------------------------------- the loader


@settings(max_examples=60, deadline=None)
@given(
    x=st.floats(min_value=-1e12, max_value=1e12, allow_nan=False),
    style=st.sampled_from(["repr", "fixed", "sci", "SCI"]),
    digits=st.integers(min_value=1, max_value=8),
)
def test_any_toml_float_keeps_its_text_and_its_value(x, style, digits):
    """The text is the literal as written; the value is what float() makes of it (underscores
    dropped), so a float read from TOML is the float it always was."""
    from hwcheck.answers.toml import load_toml

    text = {
        "repr": repr(x),
        "fixed": f"{x:.{digits}f}",
        "sci": f"{x:.{digits}e}",
        "SCI": f"{x:.{digits}E}",
    }[style]
    value = load_toml(f"a = {text}\nb = [{text}]", "x.toml")
    assert value["a"].text == text and value["b"][0].text == text
    assert value["a"] == float(text) and float.__repr__(value["a"]) == repr(float(text))


def test_written_float_is_a_float_that_keeps_its_text():
    from hwcheck.answers.toml import WrittenFloat, load_toml, written, written_text

    doc = load_toml(
        'a = 0.70\nb = 3.154e8\nc = 1_000.5\nd = 7\ne = [0.5, {f = -inf}]\ng = "0.70"', "x.toml"
    )
    assert [doc[k].text for k in "abc"] == ["0.70", "3.154e8", "1_000.5"]
    assert doc["a"] == 0.7 and doc["b"] == 3.154e8 and doc["c"] == 1000.5
    assert type(doc["d"]) is int and type(doc["g"]) is str
    assert isinstance(doc["e"][0], WrittenFloat) and doc["e"][1]["f"].text == "-inf"
    assert json.dumps(doc["a"]) == "0.7" and str(doc["a"]) == "0.7" and f"{doc['a']:.3f}" == "0.700"
    copy = pickle.loads(pickle.dumps(doc))  # as --jobs workers hand results back
    assert copy["a"].text == "0.70" and copy == doc
    assert written(0.7) != written(doc["a"]) != written(WrittenFloat("0.7"))
    assert written_text(doc["e"]) == "[0.5, { f = -inf }]" and written_text(doc["b"]) == "3.154e8"


def test_every_answers_side_reader_keeps_the_text(tmp_path):
    from hwcheck.answers.files import load
    from hwcheck.answers.grade.key import load_key
    from hwcheck.answers.grade.submissions import Catalogue, read

    text = KEY.replace("-0.396666804485899", "-0.39667")
    answers = load(_write(tmp_path, "a.toml", text))
    assert answers.exercises[0].claims["w(3)"].text == "-0.39667"
    key = load_key(_write(tmp_path, "key.toml", text))
    assert key.exercises[0].exercise.claims["w(3)"].text == "-0.39667"
    path = Path(_write(tmp_path, "s.toml", '[answers]\n"A.w(3)" = -0.40\n'))
    (sub,) = read(str(path), path, "s", Catalogue.of(key))
    assert sub.answers["A.w(3)"].text == "-0.40"


def test_written_floats_pass_where_options_take_a_float(cli, tmp_path):
    """Options read from a file are WrittenFloats: every command takes them as floats."""
    text = (
        '[[exercise]]\nid = "G"\ncommand = "gd-quadratic"\nH = "2 0; 0 1"\nlr = 0.50\n'
        "[exercise.claims]\nlr_max = 1.0\n"
        '[[exercise]]\nid = "S"\ncommand = "sgd"\nlr = 0.10\nmomentum = 0.90\nsteps = 2\n'
        '[exercise.claims]\n"w(0)" = 0.1\n'
    )
    code, out, err = cli("check", _write(tmp_path, "f.toml", text), "--json")
    assert code == 0, out + err
    assert [e.get("error", "") for e in json.loads(out)["exercises"]] == ["", ""]


# -------------------------------------------------------------------- a key is an answers file


def test_a_key_written_by_hwcheck_key_is_checked_whole(cli, tmp_path):
    draft = (Path(__file__).parent / "data" / "grade" / "draft.toml").read_text(encoding="utf-8")
    tables = "[exercise.points]\noutput_shape = 1\ntotal_params = 2\n"
    tables += "[exercise.partial]\nbias_forgotten = 0.5\n\n"
    draft = draft.replace("points = 2\n", "", 1).replace(
        "[exercise.claims]", tables + "[exercise.claims]", 1
    )
    code, key, err = cli("key", _write(tmp_path, "draft.toml", draft))
    assert code == 0, err
    assert "[exercise.partial]" in key
    path = _write(tmp_path, "key.toml", key)
    code, out, err = cli("check", path, "--json")
    doc = json.loads(out)
    assert code == 0 and err == "", err
    assert doc["failed"] == 0 and all("error" not in e for e in doc["exercises"])
    assert doc["passed"] == len(doc["exercises"]) and doc["score"] == doc["max"]
    graded = json.loads(cli("grade", path, path, "--json")[1])  # the key against itself
    assert graded["students"][0]["error"] == "this is the key, not a submission"


@pytest.mark.parametrize(
    "table, message",
    [
        ("[exercise.points]\ntotal_param = 1\n", "did you mean 'total_params'"),
        ("[exercise.points]\ntotal_params = 1\n", "no points for claim(s) output_shape"),
        ("[exercise.partial]\nbias_forgotten = 1.5\n", "from 0 to 1"),
        ("[exercise.partial]\nbias_forgoten = 0.5\n", "unknown mistake id 'bias_forgoten'"),
        ("partial = 3\n", "must be a table of mistake id = credit"),
    ],
)
def test_grading_tables_are_checked_alike_by_check_and_grade(cli, tmp_path, table, message):
    text = KEY.replace("[exercise.claims]\noutput_shape", table + "[exercise.claims]\noutput_shape")
    path = _write(tmp_path, "key.toml", text)
    code, out, _ = cli("check", path, "--json")
    failed = [e for e in json.loads(out)["exercises"] if not e["ok"]]
    assert code == 1 and [e["id"] for e in failed] == ["B"] and message in failed[0]["error"]
    code, _, err = cli("grade", path, _write(tmp_path, "s.toml", "[answers]\n"))
    assert code == 2 and message in err and "exercise B" in err


def test_points_tables_score_check_as_grade_does(cli, tmp_path):
    text = KEY.replace(
        "[exercise.claims]\noutput_shape",
        "[exercise.points]\noutput_shape = 1\ntotal_params = 3\n[exercise.claims]\noutput_shape",
    ).replace("total_params = 4640", "total_params = 4608")
    doc = json.loads(cli("check", _write(tmp_path, "self.toml", text), "--json")[1])
    b = next(e for e in doc["exercises"] if e["id"] == "B")
    assert (b["points"], b["score"], doc["max"]) == (4.0, 1.0, 5.0)


# ------------------------------------------------------------------------------- --only


def test_only_an_id_the_file_does_not_have_is_exit_2(cli, tmp_path):
    path = _write(tmp_path, "a.toml", KEY)
    code, out, err = cli("check", path, "--only", "9")
    assert code == 2 and out == ""
    assert err.strip() == f"error: {path}: --only: no exercise '9' in this file; its ids: A, B"
    code, out, _ = cli("check", path, "--only", "B,9", "--json")
    assert code == 2 and "'9'" in json.loads(out)["error"]["message"]
    assert cli("check", path, "--only", "B")[0] == 0


def test_only_over_several_files_names_the_file_without_the_id(cli, tmp_path):
    first = _write(tmp_path, "a.toml", KEY)
    second = _write(tmp_path, "b.toml", KEY.replace('id = "B"', 'id = "C"'))
    code, _, err = cli("check", first, second, "--only", "B")
    assert code == 2 and err.strip() == (
        f"error: {second}: --only: no exercise 'B' in this file; its ids: A, C"
    )


# ------------------------------------------------------------------------------ aliases


@pytest.mark.parametrize(
    "key_spelling, student_spelling",
    [
        ("w(3)", "A.steps.2.params.w"),
        ("steps.2.params.w", "A.w(3)"),
        ("steps.-2.params.w", "A.steps.2.params.w"),
    ],
)
def test_grade_matches_claim_keys_through_aliases(cli, tmp_path, key_spelling, student_spelling):
    key = _write(tmp_path, "key.toml", KEY.replace('"w(3)"', f'"{key_spelling}"'))
    dotted = "[answers.A.steps.2.params]\nw = -0.3967\n"  # the alias as nested TOML tables
    quoted = f'[answers]\n"{student_spelling}" = -0.3967\n'
    subs = [_write(tmp_path, "q.toml", quoted), _write(tmp_path, "d.toml", dotted)]
    subs.append(_write(tmp_path, "c.csv", f"student,{student_spelling}\nc,-0.3967\n"))
    doc = json.loads(cli("grade", key, *subs, "--json")[1])
    for student in doc["students"]:
        (claim,) = [c for c in student["claims"] if c["exercise"] == "A"]
        assert claim["key"] == key_spelling and claim["verdict"] == "correct", student
        assert student["notes"] == []


def test_two_answers_to_one_claim_keep_the_first(cli, tmp_path):
    key = _write(tmp_path, "key.toml", KEY)
    sub = _write(tmp_path, "s.toml", '[answers]\n"A.w(3)" = -0.3967\n"A.steps.2.params.w" = 5\n')
    (student,) = json.loads(cli("grade", key, sub, "--json")[1])["students"]
    (claim,) = [c for c in student["claims"] if c["exercise"] == "A"]
    assert claim["verdict"] == "correct" and claim["claimed_text"] == "-0.3967"
    assert student["notes"] == ["ignored 'A.steps.2.params.w': a second answer to A.w(3)"]


def test_a_csv_with_a_column_per_spelling_takes_each_rows_filled_cell(cli, tmp_path):
    """A class CSV where students wrote one claim two ways: each row's filled cell is its
    answer (the other column empty), as each student's own TOML file would be read."""
    key = _write(tmp_path, "key.toml", KEY)
    rows = "student,A.w(3),A.steps.2.params.w\nana,-0.3967,\nbob,,-0.3967\ncid,-0.3967,5\n"
    doc = json.loads(cli("grade", key, _write(tmp_path, "c.csv", rows), "--json")[1])
    for student in doc["students"]:
        (claim,) = [c for c in student["claims"] if c["exercise"] == "A"]
        assert claim["verdict"] == "correct" and claim["claimed_text"] == "-0.3967", student
    notes = {s["student"]: s["notes"] for s in doc["students"]}
    assert notes["ana"] == notes["bob"] == []
    assert notes["cid"] == ["ignored 'A.steps.2.params.w': a second answer to A.w(3)"]


# ---------------------------------------------------------------------- the class summary


def test_wrong_values_are_grouped_by_value_in_json_table_and_html(cli, tmp_path):
    key = _write(tmp_path, "key.toml", KEY)
    files = [
        _write(tmp_path, f"t{i}.toml", '[answers]\n"B.output_shape" = [15, 15, 64]\n')
        for i in range(3)
    ]
    files.append(_write(tmp_path, "u.toml", '[answers]\n"A.w(3)" = -0.41\n'))
    rows = ['"[15, 15, 64]",-0.41', '"(15, 15, 64)","-0.410"', "15x15x64,-0.41"]
    csv = "student,B.output_shape,A.w(3)\n" + "".join(f"s{i},{r}\n" for i, r in enumerate(rows))
    files.append(_write(tmp_path, "class.csv", csv))
    html = tmp_path / "report.html"
    code, out, err = cli("grade", key, *files, "--json", "--html", str(html))
    assert code == 0, err
    summary = {(c["exercise"], c["key"]): c for c in json.loads(out)["summary"]}
    assert summary[("B", "output_shape")]["wrong_values"] == [{"value": [15, 15, 64], "count": 6}]
    assert summary[("A", "w(3)")]["wrong_values"] == [{"value": -0.41, "count": 4}]
    table = cli("grade", key, *files)[1]
    assert "[15, 15, 64] ×6" in table and "×3" not in table and "×5" not in table
    page = html.read_text(encoding="utf-8")
    assert "×6" in page and "×3" not in page


def test_normal_value_reads_lists_and_numbers_by_the_grammar():
    from hwcheck.answers.grade.run import normal_value
    from hwcheck.answers.toml import WrittenFloat

    same = [
        "[15, 15, 64]",
        [15, 15, 64],
        "(15, 15, 64)",
        "15x15x64",
        "[۱۵, ۱۵, ۶۴]",
        [15.0, 15, 64],
    ]
    assert len({normal_value(v)[0] for v in same}) == 1
    assert {normal_value(v)[1] == [15, 15, 64] for v in same} == {True}
    numbers = [WrittenFloat("0.70"), "0.70", 0.7, "7/10", "0.7"]
    assert len({normal_value(v)[0] for v in numbers}) == 1
    assert normal_value("x*y")[0] != normal_value("y*x")[0]  # expressions: as written
    assert normal_value("(None, 15, 15, 64)")[0] != normal_value([15, 15, 64])[0]


# ----------------------------------------------------------------------- one claim schema


def test_check_and_grade_write_one_claim_schema(cli, tmp_path):
    text = EXERCISES.format(a='"w(3)" = -0.40', b="total_params = 4608")
    doc = json.loads(cli("check", _write(tmp_path, "self.toml", text), "--json")[1])
    assert "max_score" not in doc and doc["max"] == 2.0 and doc["score"] == 0.0
    claims = [c for e in doc["exercises"] for c in e["claims"]]
    assert all(list(c) == list(CLAIM_KEYS_ORDER) for c in claims), claims
    w, count = claims
    assert w["claimed_text"] == "-0.40" and w["hint"] and w["mistakes"] == []
    assert count["claimed_text"] == "4608" and count["mistakes"][0]["id"] == "bias_forgotten"

    key = _write(tmp_path, "key.toml", KEY)
    sub = _write(tmp_path, "s.toml", '[answers]\n"A.w(3)" = -0.3967\n"B.oops" = 1\n')
    csv = _write(tmp_path, "c.csv", "student,A.w(3)\nc,-0.3967\n")
    graded = json.loads(cli("grade", key, sub, csv, "--json")[1])
    for student in graded["students"]:
        assert {"score", "max", "notes", "claims"} <= set(student)
        for c in student["claims"]:
            assert set(c) == CLAIM_KEYS | {"exercise", "points", "awarded"}, c
    first = {c["key"]: c for c in graded["students"][0]["claims"]}
    assert first["w(3)"]["hint"] is None and first["w(3)"]["mistakes"] == []
    assert first["total_params"]["verdict"] == "missing" and first["total_params"]["hint"] is None
    assert graded["students"][1]["notes"] == []


CLAIM_KEYS_ORDER = ("key", "claimed", "claimed_text", "expected", "verdict", "rule", "hint")
CLAIM_KEYS_ORDER += ("mistakes",)


def test_the_api_gives_the_verdict_check_gives(tmp_path):
    import hwcheck

    text = EXERCISES.format(a='"w(3)" = -0.40', b='total_params = "4608"')
    result = hwcheck.check(_write(tmp_path, "self.toml", text))
    verdicts = [(c["verdict"], c["claimed_text"]) for e in result.exercises for c in e.claims]
    assert verdicts == [("imprecise", "-0.40"), ("wrong", "4608")]
    direct = hwcheck.adam(lr=0.3).verify({"w(3)": "-0.40"})
    assert [v.verdict for v in direct] == ["imprecise"]


def test_grade_computes_the_key_through_the_public_run_module(monkeypatch, tmp_path):
    from hwcheck.answers import run
    from hwcheck.answers.grade.key import load_key

    calls = []
    original = run.compute
    monkeypatch.setattr(run, "_CACHE", {})
    monkeypatch.setattr(run, "compute", lambda a, e: calls.append(e.id) or original(a, e))
    load_key(_write(tmp_path, "key.toml", KEY))
    assert calls == ["A", "B"]


@pytest.mark.parametrize("module", ["hwcheck.core.numbers", "hwcheck.answers.grade.run"])
def test_docstring_examples(module):
    import doctest
    import importlib

    failed, tried = doctest.testmod(importlib.import_module(module))
    assert failed == 0 and tried > 0
