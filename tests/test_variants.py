"""Exercise templates and ``hwcheck variants`` (CONVENTIONS §6c): the draw, the files, bad input.

The draw is pinned by golden values and recomputed here from its documented definition with
hashlib alone; decimal ranges are checked against fractions; every concrete key is checked by
``hwcheck check``; the folder is byte-identical on a second run and whole-or-nothing on error.
"""

from __future__ import annotations

import csv
import hashlib
import json
import tomllib
from fractions import Fraction
from pathlib import Path

import pytest

from tests.conftest import DATA

KEY = DATA / "variants" / "key.toml"
ROSTER = DATA / "variants" / "roster.csv"


def tree(folder: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()
    }


def roster(tmp_path: Path, ids: list[str], name: str = "roster.csv") -> Path:
    path = tmp_path / name
    path.write_text("student,name\n" + "".join(f"{s},Name of {s}\n" for s in ids), encoding="utf-8")
    return path


def variants(cli, key, roster_path, out, *extra, seed="2026"):
    return cli(
        "variants",
        str(key),
        "--roster",
        str(roster_path),
        "--seed",
        seed,
        "--out",
        str(out),
        *extra,
    )


# ------------------------------------------------------------------------------ the draw


def test_golden_draws():
    """Pinned: a change here changes every class's variants (never do it silently)."""
    from hwcheck.answers.variants.draw import base, draw_indices

    assert base(2026, "B", "alice").hex() == (
        "fbba17a437d9e5783057480686fb5dbd54aba87d42c9f87622fd2fb99462f998"
    )
    assert [draw_indices(2026, "B", "alice", (13, 3, 2), a) for a in range(3)] == [
        (6, 1, 1),
        (2, 1, 1),
        (4, 0, 1),
    ]
    assert draw_indices(2026, "B", "bob", (13, 3, 2), 0) == (10, 2, 1)
    assert draw_indices(2026, "B", "زهرا", (13, 3, 2), 1) == (9, 2, 0)
    assert draw_indices(0, "I", "Ünïcode", (10,), 0) == (0,)


def test_the_draw_is_its_documented_definition():
    """SHA-256 of the text, then SHA-256(base ‖ k) as a big-endian integer, mod the count."""
    from hwcheck.answers.variants.draw import draw_indices

    for seed, exercise, student, counts in [
        (1, "B", "alice", (7, 11)),
        (2**40, "conv 2", "ali.rezaei@uni.ir", (1000, 3, 5)),
        (0, "K", "مریم", (2,)),
    ]:
        origin = hashlib.sha256(f"hwcheck-variant\0{seed}\0{exercise}\0{student}".encode()).digest()
        for attempt in range(3):
            blocks = [
                int(
                    hashlib.sha256(
                        origin + (attempt * len(counts) + j).to_bytes(8, "big")
                    ).hexdigest(),
                    16,
                )
                for j in range(len(counts))
            ]
            want = tuple(b % n for b, n in zip(blocks, counts))
            assert draw_indices(seed, exercise, student, counts, attempt) == want


def test_decimal_ranges_are_exact():
    from hwcheck.answers.toml import load_toml
    from hwcheck.answers.variants.template import Parameter

    doc = load_toml(
        "a = {from = 0.1, to = 0.3, step = 0.1}\nb = {from = -0.25, to = 1, step = 0.125}", "t"
    )
    assert Parameter.of("a", doc["a"], "t").values() == ["0.1", "0.2", "0.3"]
    b = Parameter.of("b", doc["b"], "t").values()
    want = [Fraction(-1, 4) + k * Fraction(1, 8) for k in range(11)]
    assert [Fraction(x) for x in b] == want and b[0] == "-0.250" and b[-1] == "1.000"
    big = Parameter.of("c", {"from": 1, "to": 10**11, "step": 3}, "t")
    assert big.count == (10**11 - 1) // 3 + 1 and big.value(big.count - 1) == 1 + 3 * (
        big.count - 1
    )


# ------------------------------------------------------------------------------ the files


@pytest.fixture
def written(cli, tmp_path):
    out = tmp_path / "out"
    code, stdout, err = variants(cli, KEY, ROSTER, out, "--json")
    assert code == 0, err
    return out, json.loads(stdout)


def test_every_concrete_key_is_a_key_that_check_passes(cli, written):
    out, _doc = written
    for student in ("alice", "bob", "carol"):
        text = (out / student / "key.toml").read_text(encoding="utf-8")
        assert "vary" not in tomllib.loads(text)["exercise"][0] and '"?"' not in text
        code, _, err = cli("check", str(out / student / "key.toml"))
        assert code == 0, err
        code, _, err = cli(
            "grade", str(out / student / "key.toml"), str(out / student / "key.toml")
        )
        assert code == 0  # a key is not a submission: that row says so, the run goes on


def test_the_manifest_and_json_reproduce_every_draw(written):
    from hwcheck.answers.grade.key import read_document
    from hwcheck.answers.variants.build import Drawer

    out, doc = written
    document, folder = read_document(str(KEY), templates=True)
    drawer = Drawer(document, str(KEY), folder, 2026)
    rows = list(csv.DictReader((out / "manifest.csv").read_text(encoding="utf-8").splitlines()))
    assert len(rows) == len(doc["variants"]) == 9
    for row, listed in zip(rows, doc["variants"]):
        again = {v.exercise: v for v in drawer.student(row["student"])}[row["exercise"]]
        assert row["parameters"] == "; ".join(f"{k}={x}" for k, x in again.parameters.items())
        assert listed["student"] == row["student"] and listed["exercise"] == row["exercise"]
        assert {k: str(x) for k, x in listed["parameters"].items()} == {
            k: str(float(x)) if isinstance(x, str) else str(x) for k, x in again.parameters.items()
        }


def test_handouts_hold_the_questions_and_no_answer(written):
    out, _ = written
    for student in ("alice", "bob", "carol"):
        key = tomllib.loads((out / student / "key.toml").read_text(encoding="utf-8"))
        for name in ("handout.md", "handout.tex"):
            text = (out / student / name).read_text(encoding="utf-8")
            assert "Exercise B" in text and "LaTeX" not in text
            for word in ("passed", "failed", "error", "correct"):
                assert word not in text.lower(), (student, name, word)
            for ex in key["exercise"]:
                for value in ex["claims"].values():
                    shown = json.dumps(value) if isinstance(value, list) else str(value)
                    assert shown not in text, (student, name, shown)
        solution = (out / student / "solution.md").read_text(encoding="utf-8")
        assert str(key["exercise"][0]["claims"]["total_params"]) in solution.replace(",", "")


def test_a_second_run_is_byte_identical_and_a_new_student_changes_nobody(cli, written, tmp_path):
    out, _ = written
    first = tree(out)
    assert variants(cli, KEY, ROSTER, out)[0] == 0  # a folder variants wrote is replaced whole
    assert tree(out) == first
    bigger = roster(tmp_path, ["zoe", "alice", "carol", "bob"], "bigger.csv")
    other = tmp_path / "other"
    assert variants(cli, KEY, bigger, other)[0] == 0
    again = tree(other)
    for name, data in first.items():
        if name != "manifest.csv" and "/key.toml" not in name:
            assert again[name] == data, name
    manifest = lambda t: {r for r in t["manifest.csv"].decode().splitlines()[1:]}
    assert manifest(first) <= manifest(again)


def test_hwcheck_key_fills_a_template_with_its_first_variant(cli):
    code, out, err = cli("key", str(KEY))
    assert code == 0, err
    filled = tomllib.loads(out)
    b = filled["exercise"][0]
    assert (
        b["vary"]["h"] == {"from": 28, "to": 40}
        and b["claims"]["total_params"] == 3 * 3 * 16 * 16 + 16
    )
    assert filled["exercise"][1]["claims"]["steps.0.params.w"] != "?"


# ------------------------------------------------------------------------------ bad input


def template(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "template.toml"
    path.write_text(body, encoding="utf-8")
    return path


BAD_TEMPLATES = {
    "too long": (
        '[[exercise]]\nid = "A"\ncommand = "params"\nspec = "' + "{h}" * 2000 + '"\n'
        f'[exercise.vary]\nh = ["{"x" * 1000}"]\n[exercise.claims]\ntotal_params = "?"\n',
        "exercise A: spec: a filled text would exceed 1,000,000 characters",
    ),
    "placeholder": (
        (
            '[[exercise]]\nid = "A"\ncommand = "params"\nspec = "{h}x{h}x3 | conv2d {filters} 3"\n'
            '[exercise.vary]\nh = [8, 9]\n[exercise.claims]\ntotal_params = "?"\n'
        ),
        "exercise A: the placeholder {filters} names no parameter",
    ),
    "no valid draw": (
        (
            '[[exercise]]\nid = "A"\ncommand = "params"\nspec = "{h}x{h}x3 | conv2d 4 9"\n'
            '[exercise.vary]\nh = {from = 1, to = 5}\n[exercise.claims]\ntotal_params = "?"\n'
        ),
        "exercise A: no draw computes in 100 attempts",
    ),
    "range": (
        (
            '[[exercise]]\nid = "A"\ncommand = "sgd"\nlr = "{lr}"\n'
            '[exercise.vary]\nlr = {from = 0.5, to = 0.1}\n[exercise.claims]\n"final.w" = "?"\n'
        ),
        "[exercise.vary] lr: 'to' (0.1) is below 'from' (0.5)",
    ),
}


@pytest.mark.parametrize("case", BAD_TEMPLATES)
def test_a_bad_template_is_one_line_and_nothing_is_written(cli, tmp_path, case):
    body, message = BAD_TEMPLATES[case]
    out = tmp_path / "out"
    code, _stdout, err = variants(cli, template(tmp_path, body), ROSTER, out)
    assert code == 2 and message in err and len(err.strip().splitlines()) <= 2, err
    assert not out.exists() and [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


@pytest.mark.parametrize(
    "ids, message",
    [
        (["alice", "bob", "alice"], "row 4: student id 'alice' is listed twice"),
        (["alice", "b\u200bob"], "row 3: student id contains an invisible or control character"),
        (["alice", "a/b"], "student id 'a/b' cannot name a file"),
        (["alice", "Alice"], "differ only in case"),
    ],
)
def test_a_bad_roster_is_one_line_and_nothing_is_written(cli, tmp_path, ids, message):
    out = tmp_path / "out"
    code, _, err = variants(cli, KEY, roster(tmp_path, ids), out)
    assert code == 2 and message in err, err
    assert not out.exists()


def test_a_folder_of_other_files_is_refused_and_left_alone(cli, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "notes.txt").write_text("mine", encoding="utf-8")
    code, _, err = variants(cli, KEY, ROSTER, out)
    assert code == 2 and "with other files in it" in err
    assert [p.name for p in out.iterdir()] == ["notes.txt"]


def test_pdf_without_pdflatex_is_a_clean_error(cli, tmp_path, monkeypatch):
    import shutil

    real = shutil.which
    monkeypatch.setattr(
        shutil, "which", lambda name, *a, **k: None if name == "pdflatex" else real(name, *a, **k)
    )
    code, _, err = variants(cli, KEY, ROSTER, tmp_path / "out", "--pdf")
    assert code == 2 and "pdflatex is not installed" in err and not (tmp_path / "out").exists()


@pytest.mark.skipif(
    __import__("shutil").which("pdflatex") is None, reason="pdflatex is not installed"
)
def test_pdf_compiles_every_handout(cli, tmp_path):
    out = tmp_path / "out"
    code, _, err = variants(cli, KEY, roster(tmp_path, ["alice"]), out, "--pdf")
    assert code == 0, err
    first = tree(out)
    assert variants(cli, KEY, roster(tmp_path, ["alice"]), out, "--pdf")[0] == 0
    assert tree(out) == first, "the PDFs are byte-identical too"
    assert sorted(p.name for p in (out / "alice").iterdir()) == [
        "handout.md",
        "handout.pdf",
        "handout.tex",
        "key.toml",
        "solution.md",
        "solution.pdf",
        "solution.tex",
    ]


def test_a_model_file_named_by_the_key_is_found_from_each_students_folder(cli, tmp_path):
    (tmp_path / "models").mkdir()
    (tmp_path / "models" / "net.toml").write_text(
        'input = [32, 32, 3]\n[[layers]]\ntype = "conv2d"\nfilters = 8\nkernel = 3\n', "utf-8"
    )
    key = template(
        tmp_path,
        '[[exercise]]\nid = "M"\ncommand = "params"\nmodel = "models/net.toml"\n'
        'text = "The model of models/net.toml with batch {b}."\n'
        '[exercise.vary]\nb = [1, 2]\n[exercise.claims]\ntotal_params = "?"\n',
    )
    out = tmp_path / "elsewhere" / "out"
    out.parent.mkdir()
    assert variants(cli, key, roster(tmp_path, ["alice"]), out)[0] == 0
    assert "model = { " in (out / "alice" / "key.toml").read_text("utf-8")  # the file, inlined
    code, _, err = cli("check", str(out / "alice" / "key.toml"))
    assert code == 0, err
