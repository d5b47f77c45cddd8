"""The fast paths of the symbolic family give what the slow ones gave, and no clock decides them
(issue 19): stable_forms against sympy's pattern replacement, the size gates against real
expansion, the in-process proof against sympy's simplify, the in-process values against the
worker, and exercise H / L decided the same when every worker step would time out."""

from __future__ import annotations

import random
from fractions import Fraction

import pytest
import sympy
from sympy import Float, Integer, Rational, exp, log

import hwcheck
from hwcheck.families.symbolic import worker
from hwcheck.families.symbolic.build import expression, symbol
from hwcheck.families.symbolic.equiv import normal_form_proof, symbolic_proof
from hwcheck.families.symbolic.functions import (
    sigmoid,
    softplus,
    stable_forms,
    stable_forms_by_pattern,
)
from hwcheck.families.symbolic.size import (
    decided_in_process,
    expansion_terms,
    fraction_terms,
)

SYMBOLS = [symbol(n) for n in ("w", "x", "b", "t")]
NUMBERS = [Integer(1), Integer(-1), Integer(2), Integer(0), Rational(1, 2), Float(1.0), Float(0.5)]


def random_expression(rng: random.Random, depth: int):
    """Expressions rich in the shapes stable_forms rewrites (1 − σ, log σ, log(1 + eᵃ), …)."""
    if depth == 0 or rng.random() < 0.2:
        return rng.choice(SYMBOLS + NUMBERS)
    sub = lambda: random_expression(rng, depth - 1)
    return rng.choice(
        [
            lambda: sigmoid(sub()),
            lambda: log(sub()),
            lambda: exp(sub()),
            lambda: rng.choice(NUMBERS) - sigmoid(sub()),
            lambda: sigmoid(sub()) - rng.choice(NUMBERS),
            lambda: log(rng.choice(NUMBERS) + exp(sub())),
            lambda: log(1 - sigmoid(sub())),
            lambda: log(sigmoid(sub())),
            lambda: 1 - sigmoid(sub()) + sub(),
            lambda: sub() + sub(),
            lambda: sub() * sub(),
            lambda: sub() ** rng.choice([2, -1, Rational(1, 2)]),
        ]
    )()


COURSE = [
    "-t*log(sigmoid(w*x + b)) - (1 - t)*log(1 - sigmoid(w*x + b))",
    "1/2*(sigmoid(w*x + b) - t)**2 + lam/2*w**2",
    "(sigmoid(w*x + b) - t)*exp(-(w*x + b))/(1 + exp(-(w*x + b)))**2",
    "log(1 + exp(w*x)) - softplus(b)",
    "x*(1 - sigmoid(b + w*x))*(sigmoid(b + w*x) - 1)",
]


@pytest.mark.parametrize("seed", range(3))
def test_stable_forms_rewrites_exactly_as_the_pattern_replacement(seed):
    rng = random.Random(seed)
    cases = [random_expression(rng, rng.randint(1, 5)) for _ in range(80)]
    cases += [expression(text) for text in COURSE]
    for expr in cases:
        assert stable_forms(expr) == stable_forms_by_pattern(expr), expr


def test_stable_forms_still_rewrites_the_course_forms():
    z = symbol("w") * symbol("x") + symbol("b")
    assert stable_forms(log(sigmoid(z))) == -softplus(-z)
    assert stable_forms(log(1 - sigmoid(z))) == -softplus(z)
    assert stable_forms(1 - sigmoid(z)) == sigmoid(-z)


def test_expansion_terms_bounds_what_expand_makes():
    rng = random.Random(7)
    x, y, z = (symbol(n) for n in "xyz")
    atoms = [x, y, z, Integer(2), x + 1, y - z, x + y + z]
    for _ in range(120):
        expr = rng.choice(atoms)
        for _ in range(rng.randint(1, 4)):
            other = rng.choice(atoms)
            expr = rng.choice(
                [expr + other, expr * other, expr ** rng.randint(2, 4), sympy.sin(expr) * other]
            )
        bound = expansion_terms(expr, limit=10_000)
        if bound is not None:  # counted without expanding, at least what expand makes
            assert bound >= len(sympy.Add.make_args(sympy.expand(expr))), expr


def test_fraction_terms_bounds_the_cancelled_fraction():
    x, y = symbol("x"), symbol("y")
    for expr in (
        1 / (x + 1) + 1 / (y + 1),
        (x + y) ** 3 / (x - y),
        exp(x) / (exp(x) + exp(y)) - 1 / (1 + exp(y - x)),
        x / (x + 1) ** 2 + y,
    ):
        numerator, denominator = sympy.fraction(sympy.together(expr))
        bound = fraction_terms(expr)
        assert bound is not None
        assert bound[0] >= len(sympy.Add.make_args(sympy.expand(numerator)))
        assert bound[1] >= len(sympy.Add.make_args(sympy.expand(denominator)))


@pytest.mark.parametrize(
    "text",
    [
        "(x+y)**200*(x-y)**200",  # small to write, 40,401 terms expanded
        "exp(1000*x) - exp(x)**3",  # a large exponent in exp
        "(x+1)**y",  # a symbolic exponent
        "(a+b+c+d+e)**12",
    ],
)
def test_the_size_gates_leave_large_work_to_the_bounded_worker(text):
    assert not decided_in_process(expression(text))


def test_the_in_process_proof_agrees_with_sympys_simplify():
    pairs = [
        ("exp(z1)/(exp(z1) + exp(z2))", "sigmoid(z1 - z2)"),  # exercise L
        ("x*(y - t)", "x*y - x*t"),
        ("sigmoid(x)*(1 - sigmoid(x))", "exp(-x)/(1 + exp(-x))**2"),
        ("sigmoid(-x)", "1 - sigmoid(x)"),
        ("tanh(x)", "2*sigmoid(2*x) - 1"),
        ("(x + 1)**2", "x**2 + 2*x + 1"),
        ("log(x*y)", "log(x) + log(y)"),  # not a rational identity: left to simplify
        ("x*(y - t)", "x*y + x*t"),  # false: never proved
    ]
    for a, b in pairs:
        a, b = expression(a), expression(b)
        fast = normal_form_proof(a, b)
        assert fast in (None, "simplify")
        if fast is not None:  # a proof here is one sympy's simplify finds too
            assert symbolic_proof(a, b) == "simplify"
    assert normal_form_proof(expression("x*(y - t)"), expression("x*y + x*t")) is None


@pytest.fixture
def no_worker_in_time(monkeypatch):
    """A machine so loaded that every step in the bounded worker times out."""
    monkeypatch.setattr(
        worker, "_bounded_fork", lambda function, args, allowed: worker.Outcome("timeout")
    )


def test_exercise_l_is_decided_without_the_worker(no_worker_in_time):
    r = hwcheck.equiv("exp(z1)/(exp(z1) + exp(z2))", "sigmoid(z1 - z2)")
    assert (r.verdict, r.method, r.probes) == ("equivalent", "simplify", 24)


def test_exercise_h_forms_and_values_are_decided_without_the_worker(no_worker_in_time):
    r = hwcheck.derive(
        "1/2*(sigmoid(w*x + b) - t)**2 + lam/2*w**2",
        wrt="w,b",
        at="w=0.1,b=0,x=2,t=0,lam=0.01",
    )
    assert not r.notes  # no step said "inconclusive (timeout)"
    assert r.derivatives["b"]["value"] == pytest.approx(0.136093, rel=1e-5)
    assert r.value == pytest.approx(0.151209, rel=1e-5)
    verdicts = r.verify({"derivatives.w": "(sigmoid(w*x + b) - t)*sigmoid(w*x + b)**2*x"})
    assert verdicts[0].verdict == "wrong"


def test_values_in_process_are_the_workers_values(monkeypatch):
    from hwcheck.families.symbolic import derive
    from hwcheck.families.symbolic.derive import _evaluate_all, _settled_here, values_at

    z, w = symbol("z"), symbol("w")
    exprs = (log(1 - sigmoid(z)), sigmoid(z) * w, softplus(-z) + w**2, 1 / (1 - sigmoid(z)))
    for point in ({"z": Fraction(3), "w": Fraction(1, 10)}, {"z": Fraction(10**5), "w": 2}):
        here = _settled_here(exprs, point)
        assert here is not None and here.done
        assert here.value == worker.bounded(_evaluate_all, (exprs, point), 10.0).value
    # a value that does not settle within the in-process digits is left to the worker
    point = {"z": Fraction(3), "w": Fraction(1, 10)}
    expected = values_at(exprs, point)
    monkeypatch.setattr(derive, "IN_PROCESS_DIGITS", 30)
    assert _settled_here(exprs, point) is None
    assert values_at(exprs, point) == expected
    # so is a point where the expression is undefined (the worker's error names it)
    assert _settled_here((1 / (z - 3),), {"z": Fraction(3)}) is None


def test_variables_named_like_constants_keep_their_values():
    from hwcheck.families.symbolic.numeric import _plain_name, math_function

    e, pi, w = symbol("e"), symbol("pi"), symbol("w")
    assert [_plain_name(s, {}) for s in (e, pi, w, symbol("W11"))] == [False, False, True, True]
    function = math_function([e, pi, w], e * w + pi + exp(w))
    assert function(2.0, 1.0, 3.0) == pytest.approx(7.0 + 20.085536923187668)
