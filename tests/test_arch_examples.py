"""Exercises A, B, C, G: correct answers, the students' claims and their verdicts, golden
files for the table and JSON, and the command line (exit codes, errors, light imports)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from hwcheck.core.options import build_request
from hwcheck.core.registry import get
from tests.conftest import course_exercises

ROOT = Path(__file__).parent.parent


def run(exercise: dict):
    options = {k: v for k, v in exercise.items() if k not in ("id", "title", "command", "claims")}
    spec = get(exercise["command"])
    return spec.run(build_request(spec.request_type(), options, source="file"))


@pytest.mark.parametrize("exercise", course_exercises("examples_arch.toml"), ids=lambda e: e["id"])
def test_examples_are_correct(exercise):
    verdicts = run(exercise).verify(exercise["claims"])
    assert [(v.key, v.verdict) for v in verdicts] == [(k, "correct") for k in exercise["claims"]]


WRONG = {
    ("C-variant", "layers.3.size"),  # 45·45·256 = 518,400, not 1,163,520
    ("C-variant", "layers.4.params"),  # 518,400·512 + 512 = 265,421,312
    ("C-variant", "total_params"),  # 266,301,796
    ("G", "layers.5.size"),  # 118·64 = 7,552, not 3,776 (= 59·64)
    ("G", "layers.6.params"),  # 7,552·128 + 128 = 966,784
}


@pytest.mark.parametrize(
    "exercise", course_exercises("course_claims_arch.toml"), ids=lambda e: e["id"]
)
def test_students_claims_verdicts(exercise):
    verdicts = run(exercise).verify(exercise["claims"])
    got = {v.key: v.verdict for v in verdicts}
    expected = {
        k: "wrong" if (exercise["id"], k) in WRONG else "correct" for k in exercise["claims"]
    }
    assert got == expected


# ------------------------------------------------------------------------------ golden files


def rendered(exercise_id: str, fmt: str) -> str:
    from hwcheck.render import text as render

    exercise = next(e for e in course_exercises("examples_arch.toml") if e["id"] == exercise_id)
    result = run({**exercise, "explain": True} if exercise["command"] == "params" else exercise)
    return render.render(result, [], fmt, 6, width=120)


@pytest.mark.parametrize("exercise_id", ["C", "C-variant", "G", "A"])
@pytest.mark.parametrize("fmt", ["table", "json"])
def test_golden(golden, exercise_id, fmt):
    suffix = "txt" if fmt == "table" else "json"
    golden(f"arch/{exercise_id.lower()}.{suffix}", rendered(exercise_id, fmt))


def test_golden_json_is_strict_and_exact():
    data = json.loads(rendered("C", "json"))
    assert data["command"] == "params" and data["total_params"] == 822_974_180
    assert isinstance(data["total_macs"], int)


# ------------------------------------------------------------------------------ command line


def cli(*args: str, stdin: str | None = None):
    return subprocess.run(  # noqa: PLW1510
        [sys.executable, "-m", "hwcheck", *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        input=stdin,
        timeout=60,
    )


def test_cli_claims_and_exit_codes():
    spec = "35x35x16 | conv2d filters=32 kernel=3 padding=same"
    assert cli("params", "--spec", spec, "--claim", "total_params=4,640").returncode == 0
    wrong = cli("params", "--spec", spec, "--claim", "total_params=4608", "--json")
    assert wrong.returncode == 1
    assert json.loads(wrong.stdout)["claims"][0]["verdict"] == "wrong"


def test_cli_errors_are_one_line():
    bad = cli("params", "--spec", "227x227x3 | conv2d filters=256 kernal=5")
    assert bad.returncode == 2 and "Traceback" not in bad.stderr
    assert bad.stderr.splitlines()[0] == (
        "error: --spec: layers[0] (conv2d): unknown key 'kernal' — did you mean 'kernel'?"
    )
    as_json = cli("rf", "--spec", "9x9x3 | conv2d 4 7 dilation=2", "--json")
    assert as_json.returncode == 2
    assert (
        json.loads(as_json.stdout)["error"]["message"]
        == "kernel 7 (dilated 13) is larger than the padded input 9"
    )
    missing = cli("params", "--spec", "35x35x16 | conv2d 32 3", "--claim", "total_param=1")
    assert missing.returncode == 2 and "total_params" in missing.stderr
    nonnumeric = cli("params", "--spec", "35x35x16 | conv2d 32 3", "--claim", "total_params=lots")
    assert nonnumeric.returncode == 2


def test_cli_stdin_model():
    model = 'input = [35, 35, 16]\n[[layers]]\ntype = "conv2d"\nfilters = 32\nkernel = 3\npadding = "same"\n'
    out = cli("params", "-", "--json", stdin=model)
    assert out.returncode == 0 and json.loads(out.stdout)["total_params"] == 4640


@pytest.mark.parametrize("name", ["params", "rf"])
def test_registry_examples_run(name):
    import shlex

    for example in get(name).examples:
        args = shlex.split(example)
        assert args[0] == name
        assert cli(*args).returncode == 0, example


def test_numeric_commands_never_import_sympy_or_numpy():
    code = (
        "import sys, hwcheck; r = hwcheck.params(spec='35x35x16 | conv2d 32 3'); "
        "hwcheck.rf(spec='9x9x1 | conv2d 1 3', draw=True); "
        "print('sympy' in sys.modules, 'numpy' in sys.modules)"
    )
    out = subprocess.run(  # noqa: PLW1510
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=60
    )
    assert out.stdout.split() == ["False", "False"]


def test_core_modules_are_clean():
    """test_style's rules, plus: the arch core imports neither sympy nor numpy, not even lazily."""
    import ast

    for path in (ROOT / "hwcheck" / "arch").glob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                names = (
                    [a.name for a in node.names]
                    if isinstance(node, ast.Import)
                    else [node.module or ""]
                )
                assert not any(
                    n.split(".")[0] in ("typer", "rich", "click", "sympy", "numpy") for n in names
                ), path
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
                assert node.func.id not in ("print", "exit", "eval", "exec"), path
