"""``grade --variants`` and ``grade --feedback`` on a seeded class of 200 students.

Each student answering their own variant scores full marks; answering a neighbour's is named
``other_variant`` with that neighbour (in the JSON and the report, never on the student's own
feedback page); a student with no variant is their own error row. The feedback pages are
self-contained (no script, no URL) and open in headless Chromium when it is installed.
"""

from __future__ import annotations

import csv
import hashlib
import html
import io
import json
import re
import shutil
import subprocess
import tomllib
from pathlib import Path

import pytest

from tests.conftest import DATA

KEY = DATA / "variants" / "key.toml"
STUDENTS = [f"s{i:03d}" for i in range(200)]


def cell(value) -> str:
    return json.dumps(value) if isinstance(value, list) else repr(value)


def right_answers(folder: Path, student: str) -> dict[str, object]:
    key = tomllib.loads((folder / student / "key.toml").read_text(encoding="utf-8"))
    return {f"{ex['id']}.{k}": v for ex in key["exercise"] for k, v in ex["claims"].items()}


def class_csv(path: Path, rows: dict[str, dict[str, object]]) -> Path:
    labels = list(next(iter(rows.values())))
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["student", *labels])
    for student, answers in rows.items():
        writer.writerow([student, *(cell(answers[label]) for label in labels)])
    path.write_text(buffer.getvalue(), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def term(tmp_path_factory):
    """The 200 students' variants, and their right answers."""
    from hwcheck.answers.variants.command import variants
    from hwcheck.answers.variants.request import VariantsRequest

    base = tmp_path_factory.mktemp("term")
    roster = base / "roster.csv"
    roster.write_text("student\n" + "\n".join(STUDENTS) + "\n", encoding="utf-8")
    out = base / "variants"
    variants(VariantsRequest(key=str(KEY), roster=str(roster), seed=11, out=str(out)))
    return base, out, {s: right_answers(out, s) for s in STUDENTS}


def grade(cli, *argv):
    code, out, err = cli("grade", str(KEY), *map(str, argv), "--json")
    assert code == 0, err
    return json.loads(out)


def test_each_student_answering_their_own_variant_scores_full_marks(cli, term):
    base, out, right = term
    doc = grade(cli, class_csv(base / "own.csv", right), "--variants", out)
    assert len(doc["students"]) == 200
    for s in doc["students"]:
        assert s["score"] == s["max"] == 4, (s["student"], s.get("error"), s.get("wrong"))
        assert all(c["mistakes"] == [] for c in s["claims"])


def test_a_neighbours_answers_are_named_other_variant_with_the_neighbour(cli, term):
    base, out, right = term
    copied = {s: right[STUDENTS[(i + 1) % 200]] for i, s in enumerate(STUDENTS)}
    doc = grade(cli, class_csv(base / "copied.csv", copied), "--variants", out)
    named = 0
    for s in doc["students"]:
        for c in s["claims"]:
            ids = [m["id"] for m in c["mistakes"]]
            if c["verdict"] == "correct":
                assert "other_variant" not in ids
                continue
            assert "other_variant" in ids, (s["student"], c)  # maybe with another mistake too
            other = next(m["value"] for m in c["mistakes"] if m["id"] == "other_variant")
            assert other != s["student"] and other in STUDENTS
            if named < 20:  # the named student's key holds (checked for a sample)
                code, _, _ = cli("check", str(out / other / "key.toml"), "--only", c["exercise"])
                assert code == 0
            theirs = right[other][f"{c['exercise']}.{c['key']}"]
            assert _close(theirs, c["claimed"]), (theirs, c["claimed"])
            named += 1
    assert named > 500  # most of the 1,000 answers differ from the student's own


def _close(a, b) -> bool:
    if isinstance(a, list):
        return len(a) == len(b) and all(_close(x, y) for x, y in zip(a, b))
    return abs(a - b) <= 1e-9 + 1e-3 * abs(a)


def test_a_wrong_answer_right_for_nobody_is_not_other_variant(cli, term, tmp_path):
    _, out, right = term
    answers = {label: value for label, value in right["s000"].items()}
    answers["B.total_params"] = answers["B.total_params"] + 1
    rows = {"s000": answers}
    doc = grade(cli, class_csv(tmp_path / "one.csv", rows), "--variants", out)
    claim = next(c for c in doc["students"][0]["claims"] if c["key"] == "total_params")
    assert claim["verdict"] == "wrong" and "other_variant" not in [
        m["id"] for m in claim["mistakes"]
    ]


def test_a_student_with_no_variant_is_their_error_row(cli, term, tmp_path):
    _, out, right = term
    rows = {"s001": right["s001"], "stranger": right["s002"]}
    doc = grade(cli, class_csv(tmp_path / "two.csv", rows), "--variants", out)
    ok, stranger = doc["students"]
    assert ok["score"] == 4 and "error" not in ok
    assert stranger["score"] == 0 and "no variant for 'stranger'" in stranger["error"]


def test_partial_credit_for_other_variant_comes_from_the_students_key(cli, term, tmp_path):
    """[exercise.partial] other_variant = 0.5 in a student's key gives half the points."""
    _, out, right = term
    mine = tmp_path / "variants"
    shutil.copytree(out, mine)
    key = mine / "s000" / "key.toml"
    text = key.read_text(encoding="utf-8")
    text = text.replace(
        "[exercise.claims]\nlr_max",
        "[exercise.partial]\nother_variant = 0.5\n\n[exercise.claims]\nlr_max",
    )
    key.write_text(text, encoding="utf-8")
    other = next(s for s in STUDENTS if right[s]["K.lr_max"] != right["s000"]["K.lr_max"])
    answers = {**right["s000"], "K.lr_max": right[other]["K.lr_max"]}
    doc = grade(cli, class_csv(tmp_path / "p.csv", {"s000": answers}), "--variants", mine)
    assert doc["students"][0]["score"] == 3.5


EXPRESSION_KEY = """title = "Derivatives"
[[exercise]]
id = "D"
command = "derive"
expr = "{a}*x**2 + {c}*x"
wrt = ["x"]
[exercise.vary]
a = [2, 3, 5, 7]
c = [1, 4]
[exercise.claims]
"derivatives.x" = "?"
"""


def test_a_neighbours_expression_written_another_way_is_other_variant(cli, tmp_path):
    """A derivative copied from a neighbour and rewritten (1*(…) around it) is the neighbour's
    answer as much as the same text: other_variant either way, one answer, one verdict."""
    from hwcheck.answers.variants.command import variants
    from hwcheck.answers.variants.request import VariantsRequest

    key = tmp_path / "key.toml"
    key.write_text(EXPRESSION_KEY, encoding="utf-8")
    students = [f"e{i}" for i in range(8)]
    roster = tmp_path / "roster.csv"
    roster.write_text("student\n" + "\n".join(students) + "\n", encoding="utf-8")
    out = tmp_path / "variants"
    variants(VariantsRequest(key=str(key), roster=str(roster), seed=3, out=str(out)))
    right = {s: right_answers(out, s)["D.derivatives.x"] for s in students}
    me = students[0]
    other = next(s for s in students if right[s] != right[me])
    for written in (right[other], f"1*({right[other]})", f"({right[other]}) + 0*x"):
        answers = tmp_path / "c.csv"
        answers.write_text(f'student,D.derivatives.x\n{me},"{written}"\n', encoding="utf-8")
        code, text, err = cli("grade", str(key), str(answers), "--variants", str(out), "--json")
        assert code == 0, err
        (claim,) = json.loads(text)["students"][0]["claims"]
        assert claim["verdict"] == "wrong"
        assert {"id": "other_variant", "value": other} in [
            {"id": m["id"], "value": m.get("value")} for m in claim["mistakes"]
        ], (written, claim["mistakes"])


# ------------------------------------------------------------------------------ feedback


@pytest.fixture(scope="module")
def pages(term, tmp_path_factory):
    from hwcheck.answers.grade.command import grade as run_grade
    from hwcheck.answers.grade.request import GradeRequest

    _, out, right = term
    folder = tmp_path_factory.mktemp("feedback")
    copied = {s: right[STUDENTS[(i + 1) % 200]] for i, s in enumerate(STUDENTS[:20])}
    copied["s000"] = right["s000"]
    submissions = class_csv(folder / "class.csv", copied)
    feedback, report = folder / "pages", folder / "report.html"
    result = run_grade(
        GradeRequest(
            key=str(KEY),
            submissions=(str(submissions),),
            variants=str(out),
            feedback=str(feedback),
            html=str(report),
        )
    )
    return feedback, report, result.to_json()


def test_every_student_has_two_pages_that_name_no_other_student(pages):
    feedback, _, doc = pages
    assert sorted(p.name for p in feedback.iterdir() if p.name != "index.csv") == sorted(
        f"{s['student']}.{x}" for s in doc["students"] for x in ("md", "html")
    )
    index = list(csv.reader(io.StringIO((feedback / "index.csv").read_text(encoding="utf-8"))))
    assert index == [
        ["student", "page"],
        *([s["student"], f"{s['student']}.html"] for s in doc["students"]),
    ]
    for s in doc["students"]:
        others = {
            m["value"] for c in s["claims"] for m in c["mistakes"] if m["id"] == "other_variant"
        }
        for suffix in ("md", "html"):
            text = (feedback / f"{s['student']}.{suffix}").read_text(encoding="utf-8")
            assert f"Feedback for {s['student']}" in text and "Worked solution" in text
            for other in others:
                assert not re.search(rf"\b{other}\b", text), (s["student"], other)
            if others:
                assert "another variant of this exercise" in text


def test_a_page_shows_what_was_written_the_verdict_and_the_right_answer(pages):
    feedback, _, doc = pages
    s = next(s for s in doc["students"] if s["student"] == "s005")
    text = (feedback / "s005.md").read_text(encoding="utf-8")
    wrong = next(c for c in s["claims"] if c["verdict"] == "wrong")
    assert wrong["claimed_text"].replace("[", "\\[").replace("]", "\\]") in text
    assert "Right answers" in text and "Your answers" in text


def test_pages_are_self_contained(pages):
    feedback, _, _ = pages
    for page in feedback.glob("*.html"):
        text = page.read_text(encoding="utf-8")
        assert "<script" not in text.lower() and "http://" not in text and "https://" not in text
        assert "default-src 'none'" in text


def test_the_class_report_links_each_student_and_names_the_copying(pages):
    _, report, doc = pages
    text = report.read_text(encoding="utf-8")
    for s in doc["students"]:
        assert f'href="pages/{s["student"]}.html"' in text
    assert 'id="other-variants"' in text and "s001: B.output_shape is right for s002" in text


CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


def test_every_id_gets_its_own_page(cli, tmp_path):
    """Ids a student controls: a slash, a leading dot, a '%', 150 Persian letters (300 bytes,
    past a file name's 255): each gets a page of its own, and none stops the others (a long id
    made the whole --feedback run fail before; the others were skipped without a word)."""
    from hwcheck.answers.grade.feedback import page_name

    ids = ["a/b", ".hidden", "%41", "A", "ع" * 150, "ع" * 149 + "ف", "ok", "con", "Nul.x", "OK"]
    rows = "".join(f'"{s}",4640\n' for s in ids)
    answers = tmp_path / "class.csv"
    answers.write_text("student,B.total_params\n" + rows, encoding="utf-8")
    pages = tmp_path / "pages"
    key = DATA / "grade" / "key.toml"
    code, _, err = cli("grade", str(key), str(answers), "--feedback", str(pages))
    assert code == 0, err
    names = [page_name(s) for s in ids]
    assert len(set(names)) == len(ids)
    assert names[:4] == ["a%2Fb", "%2Ehidden", "%2541", "A"]
    assert names[-3:-1] == ["%63on", "%4Eul.x"]  # Windows keeps CON and NUL for devices
    names[-1] += "~" + hashlib.sha256(b"OK").hexdigest()[:12]  # 'ok' took ok.html: any case
    assert all(len(n.encode()) <= 200 for n in names)
    written = sorted(p.name for p in pages.iterdir() if p.name != "index.csv")
    assert len({n.casefold() for n in written}) == len(written)
    assert written == sorted(f"{n}.{ext}" for n in names for ext in ("html", "md"))
    assert "a/b" in (pages / "a%2Fb.html").read_text(encoding="utf-8")


def test_a_variant_needs_an_id_that_can_name_its_folder():
    from hwcheck.answers.variants.folder import file_name
    from hwcheck.core.errors import HwcheckError

    assert file_name("ع" * 100, "roster") == "ع" * 100  # 200 bytes
    with pytest.raises(HwcheckError, match="too long to name a file"):
        file_name("ع" * 101, "roster")
    for device in ("con", "COM1", "lpt9.txt", "aux "):
        with pytest.raises(HwcheckError, match="cannot name a file"):
            file_name(device, "roster")
    assert file_name("console", "roster") == "console"


@pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed")
def test_a_page_opens_in_headless_chromium_without_a_request(pages, tmp_path):
    feedback, _, _ = pages
    done = subprocess.run(
        [
            CHROMIUM,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--no-first-run",
            f"--user-data-dir={tmp_path / 'profile'}",
            "--dump-dom",
            (feedback / "s003.html").as_uri(),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert "Feedback for s003" in done.stdout and "Worked solution" in done.stdout


def test_gradescope_mode_puts_the_feedback_in_each_tests_output(cli, term, tmp_path):
    _, out, right = term
    root = tmp_path / "autograder"
    (root / "submission").mkdir(parents=True)
    lines = ['student = "s007"', "[answers]"]
    lines += [f"{json.dumps(k)} = {json.dumps(v)}" for k, v in right["s008"].items()]
    (root / "submission" / "answers.toml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    code, _, err = cli(
        "grade",
        str(KEY),
        "--gradescope",
        "--autograder-root",
        str(root),
        "--variants",
        str(out),
        "--feedback",
        str(tmp_path / "pages"),
    )
    assert code == 0, err
    results = json.loads((root / "results" / "results.json").read_text(encoding="utf-8"))
    assert all("Worked solution" in t["output"] for t in results["tests"])
    assert not any("s008" in t["output"] for t in results["tests"])
    assert any("another variant" in t["output"] for t in results["tests"])


def test_the_json_documents_follow_the_schema(cli, term, tmp_path):
    jsonschema = pytest.importorskip("jsonschema", reason="jsonschema is not installed")
    from tests.conftest import ROOT

    schema = json.loads((ROOT / "docs" / "output.schema.json").read_text(encoding="utf-8"))
    validator = jsonschema.Draft202012Validator(schema)
    base, out, right = term
    copied = {s: right[STUDENTS[(i + 1) % 200]] for i, s in enumerate(STUDENTS[:5])}
    graded = grade(cli, class_csv(tmp_path / "c.csv", copied), "--variants", out)
    code, text, err = cli(
        "variants",
        str(KEY),
        "--roster",
        str(base / "roster.csv"),
        "--seed",
        "3",
        "--out",
        str(tmp_path / "v"),
        "--json",
    )
    assert code == 0, err
    for doc in (graded, json.loads(text)):
        assert not list(validator.iter_errors(doc)), doc["command"]


def test_feedback_never_replaces_a_folder_of_the_users_own_pages(cli, tmp_path):
    """A folder of someone's .md and .html files is not one --feedback wrote (it has no
    index.csv): refused, every file left as it was."""
    mine = tmp_path / "docs"
    mine.mkdir()
    (mine / "thesis.md").write_text("notes\n", encoding="utf-8")
    (mine / "index.html").write_text("<p>site</p>\n", encoding="utf-8")
    answers = tmp_path / "class.csv"
    answers.write_text("student,B.total_params\nalice,4640\n", encoding="utf-8")
    key = DATA / "grade" / "key.toml"
    code, _, err = cli("grade", str(key), str(answers), "--feedback", str(mine))
    assert code == 2 and "--feedback" in err
    assert sorted(p.name for p in mine.iterdir()) == ["index.html", "thesis.md"]
    pages = tmp_path / "pages"  # one it wrote is replaced whole on the next run
    assert cli("grade", str(key), str(answers), "--feedback", str(pages))[0] == 0
    assert cli("grade", str(key), str(answers), "--feedback", str(pages))[0] == 0


def test_the_class_report_links_every_page_that_was_written(cli, tmp_path):
    """Ids whose page names are written %XX, or tagged (Ann and ann), a folder's 'group/x':
    every link of the report opens a page of that student."""
    from urllib.parse import unquote

    folder = tmp_path / "class"
    (folder / "group").mkdir(parents=True)
    for name in ("group/carol", "Ann", "ann2"):
        (folder / f"{name}.toml").write_text(
            "[answers]\n'B.total_params' = 4640\n", encoding="utf-8"
        )
    (folder / "ann2.toml").write_text(
        "student = 'ann'\n[answers]\n'B.total_params' = 1\n", encoding="utf-8"
    )
    answers = tmp_path / "class.csv"
    answers.write_text('student,B.total_params\n"a:b",4640\n"50%",4640\n', encoding="utf-8")
    pages, report = tmp_path / "pages", tmp_path / "report.html"
    key = DATA / "grade" / "key.toml"
    code, _, err = cli(
        "grade",
        str(key),
        str(folder),
        str(answers),
        "--feedback",
        str(pages),
        "--html",
        str(report),
    )
    assert code == 0, err
    links = re.findall(r'<a href="([^"]+)">([^<]+)</a>', report.read_text(encoding="utf-8"))
    assert len(links) >= 5
    for href, shown in links:
        page = (report.parent / unquote(href)).resolve()
        assert page.is_file(), href
        assert html.escape(html.unescape(shown)) in page.read_text(encoding="utf-8")


def test_no_output_is_written_inside_the_feedback_folder(cli, tmp_path):
    answers = tmp_path / "class.csv"
    answers.write_text("student,B.total_params\nalice,4640\n", encoding="utf-8")
    pages = tmp_path / "pages"
    pages.mkdir()
    key = DATA / "grade" / "key.toml"
    code, _, err = cli(
        "grade", str(key), str(answers), "--feedback", str(pages), "--csv", str(pages / "s.csv")
    )
    assert code == 2 and err.startswith("error: --csv: ") and "--feedback" in err
    assert list(pages.iterdir()) == []


@pytest.mark.parametrize(
    "extra",
    [
        ["--roster", "/no/such/roster.csv"],
        ["--csv", "scores.csv"],
        ["--csv-format", "canvas"],
        ["--assignment", "HW3"],
        ["--html", "report.html"],
    ],
)
def test_gradescope_mode_refuses_what_it_would_ignore(cli, tmp_path, monkeypatch, extra):
    monkeypatch.chdir(tmp_path)
    root = tmp_path / "autograder"
    (root / "submission").mkdir(parents=True)
    key = DATA / "grade" / "key.toml"
    code, _, err = cli("grade", str(key), "--gradescope", "--autograder-root", str(root), *extra)
    assert code == 2 and err.startswith(f"error: {extra[0]}: does not apply with --gradescope")
    assert not (root / "results").exists() and not (tmp_path / extra[1]).exists()


def test_no_folder_is_written_through_a_symbolic_link(cli, tmp_path):
    """--feedback and variants --out, like every output: a link is refused before any work,
    and nothing lands in the folder it points to."""
    real = tmp_path / "real"
    real.mkdir()
    link = tmp_path / "link"
    link.symlink_to(real)
    answers = tmp_path / "class.csv"
    answers.write_text("student,B.total_params\nalice,4640\n", encoding="utf-8")
    key = DATA / "grade" / "key.toml"
    code, _, err = cli("grade", str(key), str(answers), "--feedback", str(link))
    assert code == 2 and "symbolic link" in err
    roster = tmp_path / "roster.csv"
    roster.write_text("student\nalice\n", encoding="utf-8")
    code, _, err = cli(
        "variants", str(KEY), "--roster", str(roster), "--seed", "1", "--out", str(link)
    )
    assert code == 2 and "symbolic link" in err
    assert list(real.iterdir()) == []


def test_a_neighbours_shape_with_a_batch_axis_is_other_variant(cli, term, tmp_path):
    """[1, h, h, f] is right for the neighbour as Keras prints it (the engine drops the batch
    axis), so it is their answer too: the filter before the engine must not lose it."""
    _, out, right = term
    mine = right["s000"]["B.output_shape"]
    other = next(s for s in STUDENTS if right[s]["B.output_shape"] != mine)
    answers = {**right["s000"], "B.output_shape": [1, *right[other]["B.output_shape"]]}
    doc = grade(cli, class_csv(tmp_path / "b.csv", {"s000": answers}), "--variants", out)
    claim = next(c for c in doc["students"][0]["claims"] if c["key"] == "output_shape")
    assert claim["verdict"] == "wrong"
    named = [m.get("value") for m in claim["mistakes"] if m["id"] == "other_variant"]
    assert named and right[named[0]]["B.output_shape"] == right[other]["B.output_shape"]
