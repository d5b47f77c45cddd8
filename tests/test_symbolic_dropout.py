"""Dropout masks in ``derive --expect m=bernoulli(q)``: E[L] and ∂E[L] against the expectation
taken by enumerating every mask value with its probability, and against finite differences."""

from __future__ import annotations

import itertools
from fractions import Fraction

import pytest

import hwcheck
from hwcheck.core.errors import HwcheckError

#: (expression, masks {name: (q as written, q at the point)}, point, wrt)
CASES = [
    (
        "(m*x/q - t)**2",
        {"m": ("q", lambda env: env["q"])},
        {"x": Fraction(3, 2), "t": 1, "q": Fraction(4, 5)},
        "x",
    ),
    (
        "m*w*x + (1 - m)*b",
        {"m": ("1 - p", lambda env: 1 - env["p"])},
        {"w": 2, "x": 3, "b": 1, "p": Fraction(1, 5)},
        "w",
    ),
    (
        "(m1*w1*x1 + m2*w2*x2 - t)**2",
        {"m1": ("1/2", lambda env: Fraction(1, 2)), "m2": ("3/4", lambda env: Fraction(3, 4))},
        {"w1": 1, "w2": -2, "x1": 3, "x2": 1, "t": 1},
        "w2",
    ),
]


def value(expr: str, env: dict, wrt: str) -> Fraction:
    """The expression at a point, exactly: hwcheck's own derive --at (no mask symbols left)."""
    at = ",".join(f"{k}={v}" for k, v in env.items())
    return Fraction(hwcheck.derive(expr, at=at, wrt=(wrt,)).value)


def enumerated(expr: str, masks: dict, env: dict, wrt: str) -> Fraction:
    """E[expr] by trying every mask value, each weighted by its probability."""
    total = Fraction(0)
    for bits in itertools.product((0, 1), repeat=len(masks)):
        weight, point = Fraction(1), dict(env)
        for (name, (_, q)), bit in zip(masks.items(), bits):
            weight *= q(env) if bit else 1 - q(env)
            point[name] = bit
        total += weight * value(expr, point, wrt)
    return total


@pytest.mark.parametrize(("expr", "masks", "env", "wrt"), CASES)
def test_expectation_is_the_enumerated_average(expr, masks, env, wrt):
    expect = tuple(f"{m}=bernoulli({q})" for m, (q, _) in masks.items())
    at = ",".join(f"{k}={v}" for k, v in env.items())
    result = hwcheck.derive(expr, expect=expect, at=at, wrt=(wrt,))
    assert Fraction(result.value) == enumerated(expr, masks, env, wrt)
    h = Fraction(1, 10**6)  # a polynomial in wrt of degree ≤ 2: the central difference is exact
    up = enumerated(expr, masks, {**env, wrt: env[wrt] + h}, wrt)
    down = enumerated(expr, masks, {**env, wrt: env[wrt] - h}, wrt)
    assert Fraction(result.derivatives[wrt]["value"]) == (up - down) / (2 * h)


def test_inverted_dropout_keeps_the_mean_and_inflates_the_square():
    result = hwcheck.derive("m*x/q", expect=("m=bernoulli(q)",), wrt=("x",))
    assert result.derivatives["x"]["expr"] == "1"
    square = hwcheck.derive("(m*x/q)**2", expect=("m=bernoulli(q)",), wrt=("x",))
    assert square.derivatives["x"]["expr"] == "2*x/q"


@pytest.mark.parametrize("q", ["1.3", "-0.2"])
def test_a_probability_outside_0_1_is_refused(q):
    with pytest.raises(HwcheckError, match="probability"):
        hwcheck.derive("m*x", expect=(f"m=bernoulli({q})",))


def test_a_mask_has_no_cross_moment():
    with pytest.raises(HwcheckError, match="independent"):
        hwcheck.derive(
            "m*e*x", expect=("m=bernoulli(1/2)", "e=1"), covariance=("m*e=1/4",), wrt=("x",)
        )
