"""`hwcheck grade`: a class graded against the instructor's key.

The class is generated: every student gets, per claim, the right answer (from examples.toml, the
course's answer sheet written by hand), a planted wrong one, or none. The scores, missing
answers, shares and most common wrong values are computed by the generator from what it
planted, never read back from hwcheck.
"""

from __future__ import annotations

import json
import random
import re
import tomllib
from collections import Counter
from fractions import Fraction
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.conftest import DATA, ROOT

GRADE = DATA / "grade"
#: course exercises in the generated key (every kind of claim: integers, shapes, lists, fraction
#: matrices, booleans, expressions, floats, text) with their points
KEY_EXERCISES = {"B": 2, "C-variant": 3, "E": 1, "F": 2, "H": 2, "I": 1, "K": 2, "O": 1}
STUDENTS = 200
LABELS = [
    "B.output_shape",
    "B.total_params",
    "C-variant.total_params",
    "H.derivatives.w",
    "I.steps.0.params.w",
    "K.lr_max",
]
VERDICTS = {"correct", "wrong", "imprecise", "inconclusive", "error", "missing"}


def toml(value) -> str:
    """A TOML literal, written here independently of hwcheck's own writer."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return "[" + ", ".join(toml(v) for v in value) + "]"
    return json.dumps(value, ensure_ascii=False)


def course() -> list[dict]:
    exercises = tomllib.loads((ROOT / "examples.toml").read_text(encoding="utf-8"))["exercise"]
    return [e for e in exercises if e["id"] in KEY_EXERCISES]


def key_text(exercises: list[dict]) -> str:
    out = ["[defaults]", "rtol = 1e-3", ""]
    for ex in exercises:
        ex = dict(ex)
        claims = ex.pop("claims")
        out.append("[[exercise]]")
        out.extend(f"{k} = {toml(v)}" for k, v in ex.items())
        out.append(f"points = {KEY_EXERCISES[ex['id']]}")
        out.append("[exercise.claims]")
        out.extend(f"{toml(k)} = {toml(v)}" for k, v in claims.items())
        out.append("")
    return "\n".join(out)


def wrong_variants(value):
    """Two answers that are surely wrong for ``value`` (far outside any tolerance)."""
    if isinstance(value, bool):
        return [not value, not value]
    if isinstance(value, int):
        return [value + 1, 2 * value + 3]
    if isinstance(value, float):
        return [2 * value + 1, -value - 1]
    if isinstance(value, str):
        return ["x*y*z + 7", "0"] if any(c in value for c in "()*") else ["nope", "0"]
    if isinstance(value, list):
        first = wrong_variants(value[0])[0]
        return [[first, *value[1:]], value[:-1]]
    raise AssertionError(value)


class Plan:
    """Seeded answers for the class and everything that follows from them."""

    def __init__(self, seed: int = 11):
        rng = random.Random(seed)
        self.exercises = course()
        self.claims = [
            (ex["id"], k, v, Fraction(KEY_EXERCISES[ex["id"]]) / len(ex["claims"]))
            for ex in self.exercises
            for k, v in ex["claims"].items()
        ]
        self.students = []
        for n in range(STUDENTS):
            answers, kinds = {}, {}
            for ex_id, k, v, _ in self.claims:
                kind = rng.choices(["right", "wrong", "missing"], [0.6, 0.28, 0.12])[0]
                kinds[(ex_id, k)] = kind
                if kind == "right":
                    answers[f"{ex_id}.{k}"] = v
                elif kind == "wrong":
                    answers[f"{ex_id}.{k}"] = wrong_variants(v)[rng.random() < 0.3]
            factors = (kinds.get(("E", "u")), kinds.get(("E", "v")))
            if "wrong" in factors and "missing" not in factors:
                # separable factors claimed together are judged by u·vᵀ (CONVENTIONS §5):
                # one wrong factor makes the product, so both answers, wrong
                kinds[("E", "u")] = kinds[("E", "v")] = "wrong-product"
            self.students.append((f"s{n:03d}", answers, kinds))

    def score(self, kinds) -> Fraction:
        return sum((p for ex, k, _, p in self.claims if kinds[(ex, k)] == "right"), Fraction(0))

    @property
    def max_score(self) -> int:
        return sum(KEY_EXERCISES.values())

    def share(self, ex: str, k: str) -> float:
        return sum(kinds[(ex, k)] == "right" for _, _, kinds in self.students) / STUDENTS

    def wrong_values(self, ex: str, k: str) -> list[tuple[str, int]]:
        counts = Counter(
            json.dumps(_normalised(answers[f"{ex}.{k}"]), sort_keys=True)
            for _, answers, kinds in self.students
            if kinds[(ex, k)] in ("wrong", "wrong-product")
        )
        return counts.most_common()


def _normalised(value):
    """A wrong answer as the summary groups it: a written fraction is its value (1/4 → 0.25, "0" → 0)."""
    if isinstance(value, list):
        return [_normalised(v) for v in value]
    if isinstance(value, float) and value.is_integer():
        return int(value)  # 2.0 is the number 2
    if isinstance(value, str) and re.fullmatch(r"-?\d+", value):
        return int(value)
    if isinstance(value, str) and re.fullmatch(r"-?\d+/\d+", value):
        return float(Fraction(value))
    return value


@pytest.fixture(scope="module")
def graded_key():
    from hwcheck.answers.grade.key import load_key

    return load_key(str(GRADE / "key.toml"))


@pytest.fixture(scope="module")
def plan():
    return Plan()


@pytest.fixture(scope="module")
def graded(plan, tmp_path_factory):
    """The class graded once, in-process, as TOML files in a folder (JSON)."""
    from hwcheck.answers.grade.command import grade
    from hwcheck.answers.grade.request import GradeRequest

    folder = tmp_path_factory.mktemp("class")
    (folder / "key.toml").write_text(key_text(plan.exercises), encoding="utf-8")
    subs = folder / "submissions"
    subs.mkdir()
    for student, answers, _ in plan.students:
        lines = [f'student = "{student}"', "", "[answers]"]
        lines += [f"{toml(label)} = {toml(v)}" for label, v in answers.items()]
        (subs / f"{student}.toml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = grade(GradeRequest(key=str(folder / "key.toml"), submissions=(str(subs),)))
    return folder, result.to_json()


def test_scores_equal_what_the_generator_planted(plan, graded):
    _, doc = graded
    assert [s["student"] for s in doc["students"]] == [s for s, _, _ in plan.students]
    for (student, _, kinds), entry in zip(plan.students, doc["students"]):
        assert entry["max"] == plan.max_score
        assert entry["score"] == pytest.approx(float(plan.score(kinds)), abs=1e-5), student


def test_missing_and_wrong_claims_are_the_planted_ones(plan, graded):
    _, doc = graded
    for (_, _, kinds), entry in zip(plan.students, doc["students"]):
        missing = [f"{ex}.{k}" for (ex, k), kind in kinds.items() if kind == "missing"]
        wrong = [
            f"{ex}.{k}" for (ex, k), kind in kinds.items() if kind in ("wrong", "wrong-product")
        ]
        assert entry["missing"] == missing
        assert entry["wrong"] == wrong
        verdicts = {f"{c['exercise']}.{c['key']}": c["verdict"] for c in entry["claims"]}
        assert all(verdicts[m] == "missing" for m in missing)
        assert all(c["awarded"] == 0 for c in entry["claims"] if c["verdict"] != "correct")


def test_class_summary_equals_the_plan(plan, graded):
    _, doc = graded
    assert [(s["exercise"], s["key"]) for s in doc["summary"]] == [
        (ex, k) for ex, k, _, _ in plan.claims
    ]
    for entry in doc["summary"]:
        ex, k = entry["exercise"], entry["key"]
        assert entry["correct_share"] == plan.share(ex, k)
        got = [(json.dumps(w["value"], sort_keys=True), w["count"]) for w in entry["wrong_values"]]
        assert got == plan.wrong_values(ex, k)[: len(got)] and len(got) == min(
            5, len(plan.wrong_values(ex, k))
        )
        named = Counter(
            m["id"]
            for st in doc["students"]
            for c in st["claims"]
            if (c["exercise"], c["key"]) == (ex, k)
            for m in c.get("mistakes", ())
        )
        assert {m["id"]: m["count"] for m in entry["mistakes"]} == dict(named)
        assert sum(named.values()) <= sum(n for _, n in plan.wrong_values(ex, k)) * len(named)


def test_json_keys_follow_conventions_6b(graded):
    _, doc = graded
    assert doc["command"] == "grade" and {"students", "summary"} <= set(doc)
    for s in doc["students"]:
        assert {"student", "score", "max", "claims"} <= set(s)
        for c in s["claims"]:
            assert {
                "exercise",
                "key",
                "claimed",
                "expected",
                "verdict",
                "points",
                "awarded",
            } <= set(c)
            assert c["verdict"] in {
                "correct",
                "wrong",
                "imprecise",
                "inconclusive",
                "error",
                "missing",
            }
    for c in doc["summary"]:
        assert {"exercise", "key", "correct_share", "wrong_values", "mistakes"} <= set(c)
        assert all(set(w) == {"value", "count"} for w in c["wrong_values"])
        counts = [w["count"] for w in c["wrong_values"]]
        assert counts == sorted(counts, reverse=True)


def test_a_csv_class_scores_like_the_same_answers_in_toml(plan, graded, cli, tmp_path):
    """The same class as one CSV (text cells, empty = missing) gives the same scores."""
    import csv

    folder, doc = graded
    labels = [f"{ex}.{k}" for ex, k, _, _ in plan.claims]
    path = tmp_path / "class.csv"
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["student", *labels])
        for student, answers, _ in plan.students[:60]:
            cells = []
            for label in labels:
                v = answers.get(label)
                cells.append("" if v is None else (v if isinstance(v, str) else toml(v)))
            writer.writerow([student, *cells])
    code, out, err = cli("grade", str(folder / "key.toml"), str(path), "--json")
    assert code == 0, err
    scores = [(s["student"], s["score"]) for s in json.loads(out)["students"]]
    assert scores == [(s["student"], s["score"]) for s in doc["students"][:60]]


# ------------------------------------------------------------------------- tampering

CLEAN = """student = "mallory"
[answers]
"B.total_params" = 4640
"K.lr_max" = 1
"I.steps.0.params.w" = 0.0727814
"""

TAMPERED = [
    ('[[exercise]]\nid = "B"\ncommand = "params"\nspec = "1x1x1 | dense units=1"\n', "exercise"),
    ("points = 400\n", "points"),
    ('model = "-"\n', "model"),
    ("[defaults]\nrtol = 1e6\n", "defaults"),
]
TAMPERED_ANSWERS = [
    ('"B.points" = 400', "B.points"),
    ('"B.spec" = "1x1x1 | dense units=1"', "B.spec"),
    ('"K.H" = "1 0; 0 1"', "K.H"),
    ('"B.tolerances.total_params.rtol" = 1e6', "B.tolerances"),
    ('"K.rtol" = 1e6', "K.rtol"),
    ('"C-variant.model" = "-"', "C-variant.model"),
]


@pytest.fixture(scope="module")
def key_path(plan, tmp_path_factory):
    folder = tmp_path_factory.mktemp("key")
    path = folder / "key.toml"
    path.write_text(key_text(plan.exercises), encoding="utf-8")
    return path


def _grade(cli, key_path, *files):
    code, out, err = cli("grade", str(key_path), *map(str, files), "--json")
    assert code == 0, err
    return json.loads(out)["students"]


@pytest.mark.parametrize("extra, name", TAMPERED)
def test_tampered_tables_change_no_score_and_are_reported(cli, key_path, tmp_path, extra, name):
    clean = tmp_path / "clean.toml"
    clean.write_text(CLEAN.replace("mallory", "clean"), encoding="utf-8")
    bad = tmp_path / "bad.toml"
    head, _, answers = CLEAN.partition("[answers]")
    text = head + extra + "[answers]" + answers if not extra.startswith("[") else CLEAN + extra
    bad.write_text(text, encoding="utf-8")
    a, b = _grade(cli, key_path, clean, bad)
    assert "error" not in b
    assert (a["score"], a["max"]) == (b["score"], b["max"]) and a["score"] > 0
    assert any(f"'{name}'" in n for n in b["notes"]), b.get("notes")


@pytest.mark.parametrize("line, name", TAMPERED_ANSWERS)
def test_tampered_answers_change_no_score_and_are_reported(cli, key_path, tmp_path, line, name):
    clean = tmp_path / "clean.toml"
    clean.write_text(CLEAN.replace("mallory", "clean"), encoding="utf-8")
    bad = tmp_path / "bad.toml"
    bad.write_text(CLEAN + line + "\n", encoding="utf-8")
    a, b = _grade(cli, key_path, clean, bad)
    assert (a["score"], a["max"]) == (b["score"], b["max"])
    assert any(name in n for n in b["notes"]), b.get("notes")


@pytest.mark.parametrize(
    "value, why", [('"@/etc/passwd"', "path"), ('"-"', "standard input"), ("1979-05-27", "date")]
)
def test_paths_dashes_and_dates_as_answers_are_refused(cli, key_path, tmp_path, value, why):
    bad = tmp_path / "bad.toml"
    bad.write_text(CLEAN + f'"B.output_shape" = {value}\n', encoding="utf-8")
    (entry,) = _grade(cli, key_path, bad)
    claim = next(c for c in entry["claims"] if c["key"] == "output_shape")
    assert claim["verdict"] == "error" and claim["awarded"] == 0 and why in claim["hint"]
    assert any("B.output_shape" in n for n in entry["notes"])


def test_the_standard_input_is_never_read(cli, key_path, tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text(CLEAN + '"C-variant.model" = "-"\nmodel = "-"\n', encoding="utf-8")
    code, out, _ = cli("grade", str(key_path), str(bad), "--json", stdin="SECRET")
    assert code == 0 and "SECRET" not in out


# ------------------------------------------------------------------- bad submissions


BAD = {
    "malformed.toml": ("[answers\n", "malformed TOML"),
    "e0.toml": ('[answers]\n"B.total_params" = E0\n', "malformed TOML"),
    "digits.toml": ('[answers]\n"B.total_params" = ' + "7" * 5000 + "\n", "malformed TOML"),
    "control.toml": ('student = "eve\\u001b[2J"\n[answers]\n', "control character"),
    "huge.toml": ("# " + "x" * (1024 * 1024 + 10) + "\n", "larger than"),
    "latin1.toml": (b'[answers]\n"B.total_params" = "\xe9"\n', "not UTF-8"),
    "bad.csv": ("name,B.total_params\nx,1\n", "'student'"),
}


def test_one_bad_submission_is_one_error_row_and_the_run_goes_on(cli, key_path, tmp_path):
    good = tmp_path / "good.toml"
    good.write_text(CLEAN.replace("mallory", "good"), encoding="utf-8")
    files = [good]
    for name, (content, _) in BAD.items():
        path = tmp_path / name
        path.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
        files.append(path)
    (tmp_path / "gone.toml").symlink_to(tmp_path / "nowhere.toml")
    files.append(tmp_path / "gone.toml")
    before = {p: p.read_bytes() for p in files if p.exists()}
    code, out, err = cli("grade", str(key_path), *map(str, files), "--json")
    assert code == 0, err
    students = json.loads(out)["students"]
    assert students[0]["student"] == "good" and students[0]["score"] > 0
    reasons = {Path(s["file"]).name: s.get("error", "") for s in students[1:]}
    for name, (_, why) in BAD.items():
        assert why in reasons[name], (name, reasons[name])
        assert next(s for s in students if Path(s["file"]).name == name)["score"] == 0
    assert "no such file" in reasons["gone.toml"]
    assert before == {p: p.read_bytes() for p in before}, "no input changed"


def test_bad_values_in_one_claim_cost_only_that_claim(cli, key_path, tmp_path):
    path = tmp_path / "values.toml"
    path.write_text(
        CLEAN
        + '"B.output_shape" = "35x35\\u0007x32"\n"E.rank" = "E0"\n"O.fft_size" = "'
        + "9" * 5000
        + '"\n',
        encoding="utf-8",
    )
    (entry,) = _grade(cli, key_path, path)
    verdicts = {f"{c['exercise']}.{c['key']}": c for c in entry["claims"]}
    assert verdicts["B.output_shape"]["verdict"] == "error"
    assert "control characters" in verdicts["B.output_shape"]["hint"]
    assert verdicts["E.rank"]["verdict"] == "error"
    assert verdicts["O.fft_size"]["verdict"] == "error"
    assert verdicts["B.total_params"]["verdict"] == "correct"


def test_the_table_names_each_student_and_escapes_their_text(cli, key_path, tmp_path):
    path = tmp_path / "ctl.toml"
    path.write_text(CLEAN.replace('"mallory"', '"mal\\u001b[31mlory"'), encoding="utf-8")
    code, out, _err = cli("grade", str(key_path), str(path))
    assert code == 0 and "\x1b" not in out and "not graded" in out and "ctl" in out


def test_duplicate_students_are_both_flagged(cli, key_path, tmp_path):
    """One id claimed twice: neither file is graded (tests/test_grade_identity.py has more)."""
    for name in ("a.toml", "b.toml"):
        (tmp_path / name).write_text(CLEAN, encoding="utf-8")
    students = _grade(cli, key_path, tmp_path / "a.toml", tmp_path / "b.toml")
    assert all("is claimed by" in s["error"] and s["score"] == 0 for s in students)


# ---------------------------------------------------------------------------- outputs


def test_csv_is_student_score_max_in_input_order(cli, tmp_path):
    out_csv = tmp_path / "scores.csv"
    code, _, err = cli(
        "grade",
        str(GRADE / "key.toml"),
        str(GRADE / "submissions" / "class.csv"),
        str(GRADE / "submissions" / "alice.toml"),
        "--csv",
        str(out_csv),
    )
    assert code == 0, err
    rows = out_csv.read_text().splitlines()
    assert rows[0] == "student,score,max"
    assert [r.split(",")[0] for r in rows[1:]] == ["bob", "carol", "dave", "erin", "alice"]
    assert all(r.endswith(",11") for r in rows[1:])


def test_the_course_class_is_scored_as_worked_by_hand(cli):
    """tests/data/grade: points per claim worked out by hand from key.toml (B 2 = 1 + 1,
    C-variant 1 + 3, H 2 = 1 + 1, I 1 = ½ + ½, K 2 = 1 + 1)."""
    _code, out, _ = cli(
        "grade",
        str(GRADE / "key.toml"),
        str(GRADE / "submissions" / "alice.toml"),
        str(GRADE / "submissions" / "class.csv"),
        "--json",
    )
    students = {s["student"]: s for s in json.loads(out)["students"]}
    # alice: B 1 + 1, C-variant total wrong (267465316), H.w right (lam), I.w 0.0728 not within
    # rtol 1e-4, K.lr_max 0.5 wrong, K.lr_opt 2/3 right: 1 + 1 + 1 + 1 = 4
    assert students["alice"]["score"] == 4
    # bob: B 2, C-variant total 3, H.b 1, I 1, K lr_max 1, lr_opt 0.667 (within 1e-3) 1 = 9
    assert students["bob"]["score"] == 9
    # carol: B 2 ("4,640"), C 3, H.b wrong (σ²), I 1 (0.07278, -0.01361 within 1e-3... w has
    # rtol 1e-4: |0.07278 − 0.0727814| = 1.4e-6 ≤ 7.3e-6), K lr_max wrong, lr_opt 2/3 → 7
    assert students["carol"]["score"] == 7
    assert students["dave"]["score"] == 3 and "error" in students["erin"]
    assert students["erin"]["score"] == 0


@pytest.mark.parametrize("option", ["--csv", "--html"])
def test_an_output_never_overwrites_an_input(cli, tmp_path, option):
    sub = tmp_path / "alice.toml"
    sub.write_text((GRADE / "submissions" / "alice.toml").read_text(), encoding="utf-8")
    key = tmp_path / "key.toml"
    key.write_text((GRADE / "key.toml").read_text(), encoding="utf-8")
    for target in (sub, key, tmp_path / "." / "alice.toml"):
        before = (sub.read_bytes(), key.read_bytes())
        code, _, err = cli("grade", str(key), str(sub), option, str(target))
        assert code == 2 and "never overwrites an input" in err
        assert (sub.read_bytes(), key.read_bytes()) == before
    link = tmp_path / "link.csv"
    link.symlink_to(sub)
    code, _, err = cli("grade", str(key), str(tmp_path), option, str(link))
    assert code == 2


def test_an_output_that_cannot_be_written_is_exit_2(cli, tmp_path):
    code, out, err = cli(
        "grade",
        str(GRADE / "key.toml"),
        str(GRADE / "submissions" / "alice.toml"),
        "--csv",
        str(tmp_path / "no" / "such" / "scores.csv"),
    )
    assert code == 2 and err.startswith("error: --csv: ") and out == ""


@pytest.mark.parametrize(
    "key, message",
    [
        ("[[exercise]\n", "malformed TOML"),
        (
            '[[exercise]]\nid = "B"\ncommand = "params"\nspec = "35x35x16 | conv2d filters=32 kernel=3"\n[exercise.claims]\ntotal_params = 5\n',
            "hwcheck computes another value",
        ),
        (
            '[[exercise]]\nid = "B"\ncommand = "params"\nspec = "35x35x16 | conv2d filters=32 kernel=3"\n[exercise.claims]\ntotal_params = "?"\n',
            "has no value yet",
        ),
        (
            '[[exercise]]\nid = "B"\ncommand = "params"\nspec = "35x35x16 | conv2d filters=32 kernel=3"\npoints = inf\n[exercise.claims]\ntotal_params = 4640\n',
            "must be a non-negative number",
        ),
        (
            '[[exercise]]\nid = "B"\ncommand = "params"\nspec = "35x35x16 | conv2d filters=32 kernel=3"\n[exercise.points]\ntotal_param = 1\n[exercise.claims]\ntotal_params = 4640\n',
            "did you mean 'total_params'",
        ),
        (
            '[[exercise]]\nid = "B"\ncommand = "params"\nspec = "35x35x16 | conv2d filters=32 kernel=3"\n[exercise.partial]\nbias_forgotten = 1.5\n[exercise.claims]\ntotal_params = 4640\n',
            "from 0 to 1",
        ),
        (
            '[[exercise]]\nid = "B"\ncommand = "params"\nspec = "35x35x16 | conv2d filters=32 kernel=3"\n[exercise.partial]\nbias_forgoten = 0.5\n[exercise.claims]\ntotal_params = 4640\n',
            "unknown mistake id 'bias_forgoten' — did you mean 'bias_forgotten'",
        ),
        (
            '[[exercise]]\nid = "B.1"\ncommand = "params"\nspec = "35x35x16 | conv2d filters=32 kernel=3"\n[exercise.claims]\ntotal_params = 4640\n',
            "contains no '.'",
        ),
    ],
)
def test_a_bad_key_is_exit_2(cli, tmp_path, key, message):
    path = tmp_path / "key.toml"
    path.write_text(key, encoding="utf-8")
    code, out, err = cli("grade", str(path), str(GRADE / "submissions" / "alice.toml"))
    assert code == 2 and message in err and out == "" and len(err.strip().splitlines()) <= 2


def test_points_per_claim_and_partial_credit(monkeypatch):
    """[exercise.points] per claim key; a wrong answer that matches a mistake the key credits
    gets points × the best credit (Verdict.mistakes comes from the diagnosis issue; faked here)."""
    from hwcheck.answers.grade import run
    from hwcheck.answers.grade.key import load_key
    from hwcheck.answers.grade.submissions import Submission
    from hwcheck.claims.diagnose import Match
    from hwcheck.claims.verdict import Verdict

    key = load_key(str(GRADE / "key.toml"))
    ex = next(e for e in key.exercises if e.exercise.id == "C-variant")
    assert [c.points for c in ex.claims] == [1, 3]
    ex.partial.update({"flatten_added": 0.5, "other": 0.25})
    fake = Verdict(  # a wrong answer matching two mistakes (the diagnosis faked)
        "total_params",
        267465316,
        266301796,
        "wrong",
        "integer: exact",
        None,
        (
            Match("other", "Other", 1),
            Match("flatten_added", "Flatten size added", 267465316),
        ),
    )
    monkeypatch.setattr(run.Judge, "__call__", lambda self, *a: fake)
    sub = Submission("x", "x.toml", answers={"C-variant.total_params": 267465316})
    entry = run.grade_student(key, sub, run.Judge(key))
    claim = next(
        c for c in entry["claims"] if c["exercise"] == "C-variant" and c["key"] == "total_params"
    )
    assert claim["awarded"] == 1.5 and [m["id"] for m in claim["mistakes"]] == [
        "other",
        "flatten_added",
    ]
    summary = run.summarise(key, [entry])
    row = next(s for s in summary if s["exercise"] == "C-variant" and s["key"] == "total_params")
    assert row["mistakes"] == [
        {"id": "other", "name": "Other", "count": 1},
        {"id": "flatten_added", "name": "Flatten size added", "count": 1},
    ]


def test_markdown_and_table_formats(cli):
    args = (
        "grade",
        str(GRADE / "key.toml"),
        str(GRADE / "submissions" / "alice.toml"),
        str(GRADE / "submissions" / "class.csv"),
    )
    code, out, _ = cli(*args, "--format", "markdown")
    assert code == 0 and "| student | score | missing | not correct |" in out
    assert "| alice | 4 / 11 |" in out
    code, out, _ = cli(*args)
    assert code == 0 and "alice" in out and "Per claim" in out


def test_the_key_is_computed_once_for_the_class(monkeypatch, plan, tmp_path):
    """Each key exercise runs once, however many students."""
    from hwcheck.answers.grade.command import grade
    from hwcheck.answers.grade.request import GradeRequest
    from hwcheck.core.registry import CommandSpec

    calls = Counter()
    original = CommandSpec.run

    def counting(self, request):
        calls[self.name] += 1
        return original(self, request)

    monkeypatch.setattr(CommandSpec, "run", counting)
    monkeypatch.setattr("hwcheck.answers.run._CACHE", {})
    files = []
    for i in range(30):
        path = tmp_path / f"s{i}.toml"
        path.write_text(CLEAN.replace("mallory", f"s{i}"), encoding="utf-8")
        files.append(str(path))
    (tmp_path / "key.toml").write_text(key_text(plan.exercises), encoding="utf-8")
    grade(GradeRequest(key=str(tmp_path / "key.toml"), submissions=tuple(files)))
    assert sum(calls.values()) == len(KEY_EXERCISES)


# --------------------------------------------------------------------------- hwcheck key


def test_key_fills_every_claim_and_grade_reads_it_back(cli, tmp_path):
    """A draft of course exercises with "?" and "" for every claim: the filled key holds values
    that the hand-written answer sheet (examples.toml) agrees with, and grade accepts it."""
    from hwcheck.answers.grade.key import load_key
    from hwcheck.claims.verdict import judge

    exercises = course()
    draft = ["# my draft", ""]
    for ex in exercises:
        ex = dict(ex)
        claims = ex.pop("claims")
        draft.append("[[exercise]]")
        draft.extend(f"{k} = {toml(v)}" for k, v in ex.items())
        draft.append("[exercise.claims]")
        draft.extend(
            f'{toml(k)} = "{"?" if i % 2 else ""}"  # keep me' for i, k in enumerate(claims)
        )
        draft.append("")
    path = tmp_path / "draft.toml"
    path.write_text("\n".join(draft), encoding="utf-8")
    code, out, err = cli("key", str(path))
    assert code == 0, err
    assert out.startswith("# my draft") and out.count("# keep me") == sum(
        len(e["claims"]) for e in exercises
    )
    filled = tmp_path / "key.toml"
    filled.write_text(out, encoding="utf-8")
    key = load_key(str(filled))  # every claim correct, else exit 2
    sheet = {(e["id"], k): v for e in exercises for k, v in e["claims"].items()}
    for ex in key.exercises:
        for c in ex.claims:
            verdict = judge(
                ex.result, ex.data, c.key, sheet[(c.exercise, c.key)], ex.tolerance(c.key)
            )
            assert verdict.verdict == "correct", (c.label, verdict)
    answers = tomllib.loads(out)
    sub = tmp_path / "perfect.toml"
    lines = ["[answers]"] + [
        f"{toml(e['id'] + '.' + k)} = {toml(v)}"
        for e in answers["exercise"]
        for k, v in e["claims"].items()
    ]
    sub.write_text("\n".join(lines) + "\n", encoding="utf-8")
    (entry,) = _grade(cli, filled, sub)
    assert entry["score"] == entry["max"]


def test_key_of_the_shipped_draft_keeps_comments(cli):
    code, out, _ = cli("key", str(GRADE / "draft.toml"))
    assert code == 0 and "total_params = 4640  # the count with the bias" in out
    assert "output_shape = [35, 35, 32]" in out and tomllib.loads(out)


def test_key_errors_are_exit_2(cli, tmp_path):
    path = tmp_path / "draft.toml"
    path.write_text(
        '[[exercise]]\nid = "B"\ncommand = "params"\nspec = "35x35x16 | conv2d filters=32 kernel=3"\n[exercise.claims]\ntotal_parms = "?"\n',
        encoding="utf-8",
    )
    code, out, err = cli("key", str(path))
    assert code == 2 and "total_params" in err and out == ""


def test_no_answer_can_make_the_grader_read_a_file(cli, tmp_path, monkeypatch):
    """Even with the refusal of '@file' answers switched off, judging happens where no path
    resolves: the claim is an error, not the file's content."""
    secret = tmp_path / "secret.csv"
    secret.write_text("35,35,32\n")
    from hwcheck.answers.grade import submissions

    monkeypatch.setattr(submissions, "value_problem", lambda value: None)
    sub = tmp_path / "sub.toml"
    sub.write_text(f'[answers]\n"B.output_shape" = "@{secret}"\n', encoding="utf-8")
    (entry,) = _grade(cli, GRADE / "key.toml", sub)
    claim = entry["claims"][0]
    assert claim["key"] == "output_shape" and claim["verdict"] == "error", claim
    assert "leaves" in claim["hint"]


def test_a_fifo_or_a_device_is_an_error_row_not_a_hang(cli, key_path, tmp_path):
    import os

    folder = tmp_path / "class"
    folder.mkdir()
    os.mkfifo(folder / "blocked.toml")
    (folder / "ok.toml").write_text(CLEAN, encoding="utf-8")
    students = _grade(cli, key_path, folder, "/dev/zero")
    reasons = {s["student"]: s.get("error", "") for s in students}
    assert "not a regular file" in reasons["blocked"] and "not a regular file" in reasons["zero"]
    assert "error" not in next(s for s in students if s["student"] == "mallory")


def test_deeply_nested_answers_cost_a_claim_or_are_an_error_row(cli, key_path, tmp_path):
    deep, deeper = tmp_path / "deep.toml", tmp_path / "deeper.toml"
    deep.write_text(CLEAN + '"B.output_shape" = ' + "[" * 300 + "]" * 300 + "\n")
    deeper.write_text(
        CLEAN.replace("mallory", "x") + '"B.output_shape" = ' + "[" * 5000 + "]" * 5000
    )
    first, second = _grade(cli, key_path, deep, deeper)
    verdicts = {c["key"]: c["verdict"] for c in first["claims"] if c["exercise"] == "B"}
    assert verdicts == {"output_shape": "wrong", "total_params": "correct"}
    assert "nested too deeply" in second["error"] and second["score"] == 0


def test_last_runs_scores_csv_in_the_folder_is_one_error_row(cli, tmp_path):
    folder = tmp_path / "class"
    folder.mkdir()
    (folder / "alice.toml").write_text((GRADE / "submissions" / "alice.toml").read_text())
    scores = folder / "scores.csv"
    assert cli("grade", str(GRADE / "key.toml"), str(folder), "--csv", str(scores))[0] == 0
    code, out, _ = cli("grade", str(GRADE / "key.toml"), str(folder), "--json")
    students = json.loads(out)["students"]
    assert code == 0 and [s["student"] for s in students] == ["alice", "scores"]
    assert "no column names a claim" in students[1]["error"]


def test_a_submissions_tolerance_never_applies(cli, tmp_path):
    """Issue 11: a student's own tolerance made 12345 correct for an expected 0.666667."""
    path = tmp_path / "loose.toml"
    path.write_text(
        '[tolerances]\n"K.lr_opt" = { rtol = 1e9 }\n[answers]\n"K.lr_opt" = 12345\n'
        '"K.tolerances.lr_opt.rtol" = 1e9\n"K.rtol" = 1e9\n',
        encoding="utf-8",
    )
    (entry,) = _grade(cli, GRADE / "key.toml", path)
    claim = next(c for c in entry["claims"] if c["key"] == "lr_opt")
    assert claim["verdict"] == "wrong" and entry["score"] == 0 and len(entry["notes"]) == 3


JSON_VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(10**30), 10**30)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=30)
    | st.dates()
    | st.times(),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=5), inner, max_size=3)
    ),
    max_leaves=12,
)


@settings(max_examples=40, deadline=None)
@given(answers=st.dictionaries(st.sampled_from(LABELS), JSON_VALUES, max_size=6))
def test_any_answer_values_give_a_bounded_score_and_strict_json(graded_key, answers):
    """Whatever a submission holds (every TOML value type, control characters, huge and
    non-finite numbers, dates), grading gives a score in [0, max], claims with known verdicts
    and a strict JSON document."""
    from hwcheck.answers.grade.run import Judge, grade_student, summarise
    from hwcheck.answers.grade.submissions import Submission, _accept
    from hwcheck.core.jsonout import dumps

    sub = Submission("h", "h.toml")
    for label, value in answers.items():
        if value is not None:
            _accept(sub, label, value)
    entry = grade_student(graded_key, sub, Judge(graded_key))
    assert 0 <= entry["score"] <= entry["max"]
    assert all(c["verdict"] in VERDICTS for c in entry["claims"])
    text = dumps({"students": [entry], "summary": summarise(graded_key, [entry])})
    json.loads(text, parse_constant=lambda token: pytest.fail(f"non-strict {token}"))


@pytest.mark.parametrize("option", ["--file-budget", "--run-budget"])
@pytest.mark.parametrize("seconds", ["0", "-1", "1e6"])
def test_budgets_are_bounded_and_set_from_the_command_line(cli, option, seconds):
    code, _out, err = cli(
        "grade", "tests/data/grade/key.toml", "tests/data/grade/submissions", option, seconds
    )
    assert code == 2 and err.startswith(f"error: {option}: must be between 0 and 86,400")


def test_each_submission_is_graded_inside_its_own_budget(monkeypatch):
    """grade opens --file-budget around every submission (the symbolic engine draws each bounded
    step's time from the innermost budget: tests/test_symbolic_* check that side)."""
    from contextlib import contextmanager

    from hwcheck.answers.grade import run
    from hwcheck.answers.grade.key import load_key
    from hwcheck.answers.grade.submissions import expand

    opened = []

    @contextmanager
    def recording(seconds, name=None):
        opened.append((seconds, name))
        yield

    monkeypatch.setattr(run, "budget", recording)
    key = load_key("tests/data/grade/key.toml")
    found = list(expand(["tests/data/grade/submissions"]))
    result = run.grade_class(key, found, file_budget=7.5)
    assert opened == [(7.5, "--file-budget")] * len(result.students)


def test_a_claim_is_read_with_the_students_other_answers_as_check_reads_it(cli, tmp_path):
    """grade judges each answer with the student's other answers to the exercise: a count that
    follows from an earlier wrong one earns its partial credit, and u·vᵀ = −F is wrong."""
    key = tmp_path / "key.toml"
    key.write_text(
        '[[exercise]]\nid = "N"\ncommand = "params"\nspec = "8x8x3 | conv2d 4 3 | flatten | dense 10"\n'
        "points = 2\n[exercise.claims]\n"
        f'"layers.1.size" = {6 * 6 * 4}\n"layers.2.params" = {6 * 6 * 4 * 10 + 10}\n'
        "[exercise.partial]\nfollows_from_earlier = 1.0\n"
        '[[exercise]]\nid = "E"\ncommand = "separable"\nf = "1 2 1; 2 4 2; 1 2 1"\npoints = 2\n'
        "[exercise.claims]\nu = [1, 2, 1]\nv = [1, 2, 1]\n",
        encoding="utf-8",
    )
    sub = tmp_path / "ann.toml"
    wrong_size = 8 * 8 * 4  # the flatten size as if padding were 'same'
    sub.write_text(
        f'[answers]\n"N.layers.1.size" = {wrong_size}\n'
        f'"N.layers.2.params" = {wrong_size * 10 + 10}\n'
        '"E.u" = [1, 2, 1]\n"E.v" = [-1, -2, -1]\n',
        encoding="utf-8",
    )
    code, out, err = cli("grade", str(key), str(sub), "--json")
    assert code == 0, err
    claims = {(c["exercise"], c["key"]): c for c in json.loads(out)["students"][0]["claims"]}
    dense = claims[("N", "layers.2.params")]
    # the count is right given the wrong flatten size, and is itself 'valid' read as 'same'
    assert [m["id"] for m in dense["mistakes"]] == ["valid_as_same", "follows_from_earlier"]
    assert dense["awarded"] == dense["points"] == 1.0
    assert claims[("E", "u")]["verdict"] == claims[("E", "v")]["verdict"] == "wrong"
