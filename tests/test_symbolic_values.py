"""Plain-float values of parsed expressions (no sympy), checked against sympy's own value of the
same tree, and the cheap probe ``may_be_equal`` that ``grade --variants`` filters with."""

from __future__ import annotations

import subprocess
import sys

import pytest

from hwcheck.families.symbolic.parser import FUNCTIONS, parse
from hwcheck.families.symbolic.values import FLOAT_FUNCTIONS, float_value, may_be_equal

EXPRESSIONS = [
    "3*x**2 - 2*x*y + 1/7",
    "sigmoid(w*x + b)*(1 - sigmoid(w*x + b))",
    "log(1 + exp(-x)) + softplus(y) - sqrt(x*y)",
    "tanh(x) + sinh(y) - cosh(x)/2 + sin(x)*cos(y) + tan(x/3)",
    "abs(x - 2) + relu(y - 1) + max(x, y, 1) - min(x, 2)",
    "heaviside(x - 1) + sign(y - 3) + dirac(x - 5)",
    "-x**-2 + (x + y)**(1/2) + 2^3 + x²",
    "λ*w**2/2 + lam",
]


@pytest.mark.parametrize("text", EXPRESSIONS)
def test_the_float_value_is_sympys(text):
    """The same tree built into sympy and evaluated there (with the same stable functions)."""
    pytest.importorskip("sympy")
    from hwcheck.families.symbolic.build import build

    tree = parse(text)
    expr = build(tree)
    point = {"x": 1.7, "y": 0.45, "w": -0.3, "b": 0.2, "lam": 0.01}
    theirs = float(expr.subs({s: point[s.name] for s in expr.free_symbols}).evalf(30))
    assert float_value(tree, point) == pytest.approx(theirs, rel=1e-12, abs=1e-15)


def test_every_parser_function_has_a_float_value():
    assert {canonical for canonical, _, _ in FUNCTIONS.values()} == set(FLOAT_FUNCTIONS)


def test_undefined_and_overflowing_values_raise():
    for text, point in [
        ("log(x)", {"x": -1.0}),
        ("1/(x - 1)", {"x": 1.0}),
        ("exp(x)", {"x": 1e6}),
        ("x**(10**10)", {"x": 1.5}),
        ("dirac(x)", {"x": 0.0}),
        ("(-x)**(1/2)", {"x": 2.0}),
    ]:
        with pytest.raises((ArithmeticError, ValueError)):
            float_value(parse(text), point)


@pytest.mark.parametrize(
    ("a", "b", "equal"),
    [
        ("6*x", "x*6", True),
        ("6*x + 1", "1*(6*x + 1) + 0*x", True),
        ("log(x)", "ln(x)", True),
        ("sigmoid(x)*(1 - sigmoid(x))", "exp(-x)/(1 + exp(-x))^2", True),
        ("λ*w", "lam*w", True),
        ("6*x", "7*x", False),
        ("x", "x + 1e-6", False),
        ("x**(10**10)", "x", False),  # overflows at every point: no evidence, so no
        ("x +", "x", False),  # does not parse
        ("__import__('os')", "x", False),
    ],
)
def test_may_be_equal(a, b, equal):
    assert may_be_equal(a, b) is equal


def test_the_probe_imports_no_sympy():
    code = (
        "import sys\n"
        "from hwcheck.families.symbolic.values import may_be_equal\n"
        "assert may_be_equal('6*x', 'x*6')\n"
        "print('sympy' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
