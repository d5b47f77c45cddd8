"""The expression language: what it accepts, the errors it gives, and a hostile-input corpus."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from fractions import Fraction

import pytest

from hwcheck.core.errors import HwcheckError
from hwcheck.families.symbolic.parser import Node, parse
from tests.conftest import DATA, ROOT

HOSTILE = json.loads((DATA / "hostile" / "hostile.json").read_text(encoding="utf-8"))

HANG = 90  # seconds: the bound is checked before sympy sees the input; this only catches a hang


def hostile_text(case: dict) -> str:
    if "text" in case:
        return case["text"]
    return "".join(part * count for part, count in case["repeat"])


# ------------------------------------------------------------------------------ accepted


@pytest.mark.parametrize(
    "text, expected",
    [
        ("0.5*(sigmoid(w*x+b) - t)**2", "(-t + sigmoid(b + w*x))**2/2"),
        ("λ/2*w^2", "lam*w**2/2"),
        ("σ(z)·(1 − σ(z))", "(1 - sigmoid(z))*sigmoid(z)"),
        ("x²+x³", "x**2 + x**3"),
        ("-x**2", "-x**2"),
        ("2**-1", "1/2"),
        ("2**3**2", "512"),
        ("1e-3*x", "x/1000"),
        ("ln(x) + log(y)", "log(x) + log(y)"),
        ("max(x, y, 0) + min(a, b)", "max(0, x, y) + min(a, b)"),
        ("abs(x) + relu(x) + softplus(x)", "abs(x) + relu(x) + softplus(x)"),
    ],
)
def test_accepted_expressions(text, expected):
    from hwcheck.families.symbolic.build import expression, to_text

    assert to_text(expression(text)) == expected


def test_numbers_are_exact():
    tree = parse("0.1")
    assert tree == Node("num", Fraction(1, 10), (), 1)
    assert parse("3").value == 3 and isinstance(parse("3").value, int)


def test_printed_results_parse_back():
    from hwcheck.families.symbolic.build import expression, to_text

    text = "abs(x) + max(x, y) + heaviside(x) + exp(1) + x**(1/3) + sign(x)"
    assert expression(to_text(expression(text))) == expression(text)


# -------------------------------------------------------------------------------- errors


@pytest.mark.parametrize(
    "text, message",
    [
        ("w*x + foo(b)", "unknown function 'foo' at column 7"),
        ("2x", "missing operator before 'x' at column 2"),
        ("(x", "'(' is never closed at column 1"),
        ("x)", "unexpected ')' at column 2"),
        ("x +", "the expression ends too early at column 4"),
        ("exp + 1", "'exp' is a function; call it as exp(…) at column 1"),
        ("_x", "names may not start with '_'"),
        ("x.real", "unexpected character '.' at column 2"),
        ("max(x)", "max() takes 2 to 8 arguments, got 1"),
        ("1/0", "division by zero at column 2"),
        ("log(0)", "log() is undefined here"),
        ("x**(10**10)", "too large"),
    ],
)
def test_errors_point_at_the_column(text, message):
    from hwcheck.families.symbolic.build import expression

    with pytest.raises(HwcheckError) as err:
        expression(text)
    assert message in str(err.value)
    assert err.value.where == "expression"


def test_error_hint_has_a_caret():
    with pytest.raises(HwcheckError) as err:
        parse("w*x + foo(b)")
    text_line, caret_line = err.value.hint.split("\n")[:2]
    assert text_line == "w*x + foo(b)" and caret_line.startswith("      ^")


def test_suggestion_for_a_misspelt_function():
    with pytest.raises(HwcheckError) as err:
        parse("sigmiod(z)")
    assert "did you mean 'sigmoid'" in err.value.hint


# ------------------------------------------------------------------------ hostile corpus


@pytest.mark.parametrize("case", HOSTILE, ids=[c["name"] for c in HOSTILE])
def test_hostile_expression_is_refused_quickly(case):
    from hwcheck.families.symbolic.build import expression

    expression("x")  # sympy imported before the clock starts: the bound is on the input alone
    start = time.monotonic()
    with pytest.raises(HwcheckError):
        expression(hostile_text(case))
    assert time.monotonic() - start < HANG  # a hang guard, not a speed requirement


def _entry_points(text: str):
    yield "derive", ("derive", "--wrt", "x", "--expr", text)
    yield "claim", ("derive", "w*x", "--wrt", "w", "--claim", f"derivatives.w={text}")
    yield "at", ("derive", "w*x", "--wrt", "w", "--at", f"w={text}")
    yield "equiv", ("equiv", text, "x")


@pytest.mark.parametrize("case", HOSTILE, ids=[c["name"] for c in HOSTILE])
def test_hostile_input_everywhere_exits_2_without_traceback(cli, case, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    text = hostile_text(case)
    for name, args in _entry_points(text):
        start = time.monotonic()
        code, out, err = cli(*args)
        assert time.monotonic() - start < HANG, name  # a hang guard, not a speed requirement
        if code != 2:  # the only other acceptable outcome is an inconclusive verdict
            assert code == 1 and "inconclusive" in out, (name, code, out, err)
        assert "Traceback" not in out + err, name
        assert err.startswith("error: ") or code == 1, (name, err)
    assert list(tmp_path.iterdir()) == []


def test_hostile_through_a_real_process(tmp_path):
    """A separate interpreter: exit 2, one error line, no file created, within seconds."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    for args in (
        ["derive", "__import__('os').system('touch pwned')"],
        ["equiv", "9**9**9**9", "x"],
        [
            "derive",
            "w*x",
            "--wrt",
            "w",
            "--claim",
            "derivatives.w=" + "(" * 5000 + "x" + ")" * 5000,
        ],
    ):
        start = time.monotonic()
        run = subprocess.run(  # noqa: PLW1510
            [sys.executable, "-m", "hwcheck", *args],
            cwd=tmp_path,
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert time.monotonic() - start < 20
        assert run.returncode == 2, run.stderr
        assert run.stderr.startswith("error: ") and "Traceback" not in run.stderr
    assert list(tmp_path.iterdir()) == []


def test_no_forbidden_calls_in_the_engine():
    """The engine never calls eval/exec/sympify/parse_expr/S(...) (sympy's ``eval`` hook is a definition)."""
    import ast

    banned = {"eval", "exec", "sympify", "parse_expr", "S", "compile", "__import__"}
    for path in (ROOT / "hwcheck" / "symbolic").glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call):
                name = (
                    node.func.id
                    if isinstance(node.func, ast.Name)
                    else getattr(node.func, "attr", None)
                )
                assert name not in banned, f"{path.name}:{node.lineno} calls {name}"


def test_request_module_is_light():
    code = (
        "import sys, hwcheck.cli, hwcheck.families.symbolic.request; "
        "print('numpy' in sys.modules, 'sympy' in sys.modules)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert out.stdout.split() == ["False", "False"]
