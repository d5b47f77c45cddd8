"""Gradescope autograder mode and bundle, always against a temporary autograder root.

results.json is checked field by field against Gradescope's published specification
(https://gradescope-autograders.readthedocs.io/en/latest/specs/, "Output format").
"""

from __future__ import annotations

import json
import math
import os
import shutil
import stat
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from tests.conftest import DATA, ROOT

GRADE = DATA / "grade"
KEY = GRADE / "key.toml"
VISIBILITY = {"hidden", "after_due_date", "after_published", "visible"}
FORMATS = {"text", "simple_format", "html", "md", "ansi"}

#: Gradescope's results.json, as published: key → (type(s), required)
TOP = {
    "score": ((int, float), False),
    "execution_time": ((int, float), False),
    "output": (str, False),
    "output_format": (str, False),
    "test_output_format": (str, False),
    "test_name_format": (str, False),
    "visibility": (str, False),
    "stdout_visibility": (str, False),
    "extra_data": (dict, False),
    "tests": (list, False),
    "leaderboard": (list, False),
}
TEST = {
    "score": ((int, float), False),
    "max_score": ((int, float), False),
    "status": (str, False),
    "name": (str, False),
    "name_format": (str, False),
    "number": (str, False),
    "output": (str, False),
    "output_format": (str, False),
    "tags": (list, False),
    "visibility": (str, False),
    "extra_data": (dict, False),
}
#: what hwcheck promises on top of the specification (issue 11)
REQUIRED_TEST_KEYS = {
    "name",
    "score",
    "max_score",
    "status",
    "output",
    "visibility",
    "output_format",
}


def strict(text: str):
    def reject(token):
        raise ValueError(f"non-finite number {token} in results.json")

    return json.loads(text, parse_constant=reject)


def validate(doc: dict) -> None:
    """Every field and type of Gradescope's results.json specification."""
    assert isinstance(doc, dict)
    for key, value in doc.items():
        assert key in TOP, f"unknown top-level key {key}"
        types, _ = TOP[key]
        assert isinstance(value, types) and not isinstance(value, bool), (key, value)
    assert "score" in doc or all("score" in t for t in doc["tests"]), "score on top or per test"
    for key in ("visibility", "stdout_visibility"):
        assert doc.get(key, "visible") in VISIBILITY
    for key in ("output_format", "test_output_format", "test_name_format"):
        assert doc.get(key, "text") in FORMATS
    for test in doc.get("tests", []):
        assert REQUIRED_TEST_KEYS <= set(test), set(test)
        assert test["output_format"] == "md"
        for key, value in test.items():
            assert key in TEST, f"unknown test key {key}"
            types, _ = TEST[key]
            assert isinstance(value, types) and not isinstance(value, bool), (key, value)
        assert test["status"] in {"passed", "failed"}
        assert test["visibility"] in VISIBILITY
        assert 0 <= test["score"] <= test["max_score"]
    numbers = [doc["score"]] + [t[k] for t in doc["tests"] for k in ("score", "max_score")]
    assert all(math.isfinite(x) for x in numbers)


def tree(tmp_path: Path, files: dict[str, str | bytes]) -> Path:
    root = tmp_path / "autograder"
    (root / "submission").mkdir(parents=True)
    (root / "results").mkdir()
    for name, content in files.items():
        path = root / "submission" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
    return root


def results(root: Path) -> dict:
    doc = strict((root / "results" / "results.json").read_text(encoding="utf-8"))
    validate(doc)
    return doc


def test_one_student_graded_per_the_specification(cli, tmp_path):
    alice = (GRADE / "submissions" / "alice.toml").read_text(encoding="utf-8")
    root = tree(tmp_path, {"answers.toml": alice})
    code, _, err = cli("grade", str(KEY), "--gradescope", "--autograder-root", str(root))
    assert code == 0, err
    doc = results(root)
    assert doc["score"] == 4  # worked by hand in test_grade.py
    assert [t["name"].split(":")[0] for t in doc["tests"]] == ["B", "C-variant", "H", "I", "K"]
    assert [t["max_score"] for t in doc["tests"]] == [2, 4, 2, 1, 2]
    assert sum(t["score"] for t in doc["tests"]) == doc["score"]
    assert doc["tests"][0]["status"] == "passed" and doc["tests"][1]["status"] == "failed"
    assert "266301796" not in json.dumps(doc), "the key's values are not shown to the student"
    assert "267,465,316" in doc["tests"][1]["output"]  # what the student wrote


def test_gradescope_and_the_bundle_are_never_asked_at_once(cli, tmp_path):
    """One runs inside the autograder, the other builds it: asked together, exit 2, nothing written."""
    root = tree(tmp_path, {"answers.toml": "[answers]\n"})
    bundle = tmp_path / "b.zip"
    code, _, err = cli(
        "grade", str(KEY), "--gradescope", "--autograder-root", str(root),
        "--gradescope-bundle", str(bundle),
    )  # fmt: skip
    assert code == 2 and err.startswith("error: --gradescope-bundle:")
    assert not bundle.exists() and not (root / "results" / "results.json").exists()


def test_tampering_is_reported_to_the_student_and_changes_no_score(cli, tmp_path):
    alice = (GRADE / "submissions" / "alice.toml").read_text(encoding="utf-8")
    tampered = alice.replace(
        "[answers]", 'points = 400\nmodel = "-"\n[answers]\n"B.points" = 400\n"K.H" = "1 0; 0 1"'
    )
    root = tree(tmp_path, {"answers.toml": tampered})
    code, _, _ = cli("grade", str(KEY), "--gradescope", "--autograder-root", str(root))
    doc = results(root)
    assert code == 0 and doc["score"] == 4
    for name in ("points", "model", "B.points", "K.H"):
        assert f"'{name}'" in doc["output"]


@pytest.mark.parametrize(
    "files, why",
    [
        ({}, "no .toml or .csv file"),
        ({"a.toml": "[answers]\n", "b.toml": "[answers]\n"}, "several answers files"),
        ({"a.toml": "[answers\n"}, "malformed TOML"),
        ({"a.toml": b"\xff\xfe"}, "not UTF-8"),
        ({"notes.txt": "hello"}, "no .toml or .csv file"),
    ],
)
def test_a_submission_that_cannot_be_graded_still_gets_results(cli, tmp_path, files, why):
    root = tree(tmp_path, files)
    code, _, err = cli("grade", str(KEY), "--gradescope", "--autograder-root", str(root))
    assert code == 0, err
    doc = results(root)
    assert doc["score"] == 0 and why in doc["output"]
    assert len(doc["tests"]) == 5 and all(t["score"] == 0 for t in doc["tests"])


def test_a_submission_in_a_subfolder_is_found(cli, tmp_path):
    alice = (GRADE / "submissions" / "alice.toml").read_text(encoding="utf-8")
    root = tree(tmp_path, {"hw3/answers.toml": alice})
    assert cli("grade", str(KEY), "--gradescope", "--autograder-root", str(root))[0] == 0
    assert results(root)["score"] == 4


def test_results_never_overwrite_an_input(cli, tmp_path):
    root = tree(tmp_path, {"answers.toml": "[answers]\n"})
    key = tmp_path / "key.toml"
    shutil.copy(KEY, key)
    (root / "results" / "results.json").symlink_to(key)
    code, _, err = cli("grade", str(key), "--gradescope", "--autograder-root", str(root))
    assert code == 2 and "never overwrites an input" in err
    assert key.read_bytes() == KEY.read_bytes()


def test_a_root_that_cannot_be_written_is_exit_2(cli, tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    code, _out, err = cli("grade", str(KEY), "--gradescope", "--autograder-root", str(blocker))
    assert code == 2 and err.startswith("error: --gradescope: ")


# ------------------------------------------------------------------------------- bundle


BEFORE: dict[str, float] = {}


def _tree_state() -> dict[str, float]:
    """The checkout's build leftovers (build/, *.egg-info) with their modification times: a
    `pip install .` before the tests may have left them; the bundle must not add or touch any."""
    paths = [ROOT / "build", *ROOT.glob("*.egg-info")]
    return {str(p): p.stat().st_mtime for p in paths if p.exists()}


@pytest.fixture(scope="module")
def bundle(tmp_path_factory):
    """The bundle, built once (a few seconds: the wheel is written from the package files)."""
    folder = tmp_path_factory.mktemp("bundle")
    BEFORE.update(_tree_state())
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "hwcheck",
            "grade",
            str(KEY),
            "--gradescope-bundle",
            str(folder / "autograder.zip"),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return folder / "autograder.zip"


def test_the_bundle_holds_the_scripts_the_key_and_a_wheel(bundle):
    with zipfile.ZipFile(bundle) as z:
        names = z.namelist()
        assert {"setup.sh", "run_autograder", "key.toml"} <= set(names)
        wheels = [n for n in names if n.startswith("hwcheck-") and n.endswith(".whl")]
        assert len(wheels) == 1 and "/" not in wheels[0]
        for script in ("setup.sh", "run_autograder"):
            mode = z.getinfo(script).external_attr >> 16
            assert mode & stat.S_IXUSR, f"{script} is executable"
            assert z.read(script).startswith(b"#!/usr/bin/env bash\n")
        assert z.read("key.toml") == KEY.read_bytes()
        wheel_bytes = z.read(wheels[0])
    wheel = bundle.parent / wheels[0]
    wheel.write_bytes(wheel_bytes)
    with zipfile.ZipFile(wheel) as w:
        inside = set(w.namelist())
        assert {
            "hwcheck/cli.py",
            "hwcheck/answers/grade/run.py",
            "hwcheck/answers/grade/key.py",
        } <= inside
        meta = next(n for n in inside if n.endswith(".dist-info/METADATA"))
        text = w.read(meta).decode()
        assert "Name: hwcheck" in text and "Requires-Python: >=3.11" in text
        assert "Requires-Dist: typer" in text and "Requires-Dist: sympy" in text
        entry = next(n for n in inside if n.endswith(".dist-info/entry_points.txt"))
        assert "hwcheck = hwcheck.cli:main" in w.read(entry).decode()
        assert not any("__pycache__" in n for n in inside)
    assert _tree_state() == BEFORE, "the checkout is untouched"


def test_setup_sh_is_valid_bash_and_installs_the_wheel(bundle, tmp_path):
    with zipfile.ZipFile(bundle) as z:
        text = z.read("setup.sh").decode()
    script = tmp_path / "setup.sh"
    script.write_text(text)
    assert subprocess.run(["bash", "-n", str(script)], check=False).returncode == 0
    assert "pip install" in text and "hwcheck-*.whl" in text and "3, 11" in text


@pytest.mark.skipif(shutil.which("bash") is None, reason="bash is not installed")
def test_run_autograder_grades_a_simulated_tree(bundle, tmp_path):
    """Gradescope's layout: the zip in <root>/source, run_autograder copied to <root>, the
    student's files in <root>/submission. HWCHECK points at this checkout's hwcheck."""
    alice = (GRADE / "submissions" / "alice.toml").read_text(encoding="utf-8")
    root = tree(tmp_path, {"answers.toml": alice})
    with zipfile.ZipFile(bundle) as z:
        z.extractall(root / "source")
    shutil.copy(root / "source" / "run_autograder", root / "run_autograder")
    os.chmod(root / "run_autograder", 0o755)
    env = {
        **os.environ,
        "AUTOGRADER_ROOT": str(root),
        "HWCHECK": f"{sys.executable} -m hwcheck",
        "PYTHONPATH": str(ROOT),
    }
    done = subprocess.run(
        [str(root / "run_autograder")],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert results(root)["score"] == 4


def test_the_bundle_carries_the_files_the_key_names(tmp_path):
    """A key whose model is a file next to it: the bundle keeps it at the same relative path."""
    from hwcheck.answers.grade.bundle import key_files
    from hwcheck.answers.grade.key import load_key

    (tmp_path / "models").mkdir()
    (tmp_path / "models" / "net.toml").write_text(
        'input = [35, 35, 16]\n[[layers]]\ntype = "conv2d"\nfilters = 32\nkernel = 3\n'
    )
    key = tmp_path / "key.toml"
    key.write_text(
        '[[exercise]]\nid = "B"\ncommand = "params"\nmodel = "models/net.toml"\n'
        "[exercise.claims]\ntotal_params = 4640\n"
    )
    assert key_files(load_key(str(key))) == [(tmp_path / "models" / "net.toml").resolve()]
