"""Rounded decimals in an expression claim: ``imprecise`` when the decimals are roundings of the
right exact coefficients (as a rounded number is, CONVENTIONS §5), never ``correct``, and
``wrong`` when anything else differs."""

from __future__ import annotations

import math
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import hwcheck
from hwcheck.families.symbolic.claims import simplest_written


def verdict(claim: str) -> str:
    result = hwcheck.derive("x**2/6", wrt=("x",))
    return result.verify({"derivatives.x": claim})[0].verdict


@pytest.mark.parametrize(
    ("claim", "expected"),
    [
        ("0.33333333*x", "imprecise"),
        ("0.333*x", "imprecise"),
        ("0.33*x", "imprecise"),
        ("0.3*x", "wrong"),  # one significant figure: not a rounding to judge
        ("0.3333*x + relu(x - 10**7)", "wrong"),  # the exact coefficients do not help here
        ("0.34*x", "wrong"),  # 0.34 is no rounding of 1/3
        ("x/3", "correct"),
        ("0.5*x*2/3", "correct"),  # exact decimals are exact
    ],
)
def test_rounded_coefficients_are_imprecise_never_correct(claim, expected):
    assert verdict(claim) == expected


def test_the_verdict_is_the_same_by_the_command_line(cli):
    code, out, _ = cli("derive", "x**2/6", "--wrt", "x", "--claim", "derivatives.x=0.333*x")
    assert code == 1 and "imprecise" in out and "(1/3)*x is equivalent" in out


@pytest.mark.parametrize(
    ("text", "fraction"),
    [("0.333", "1/3"), ("0.25", "1/4"), ("3.14159", "355/113"), ("0.142857", "1/7"), ("2.0", "2")],
)
def test_the_simplest_fraction_of_written_digits(text, fraction):
    assert simplest_written(text) == fraction


@settings(deadline=None)
@given(st.integers(1, 4), st.integers(10, 10**4))
def test_the_simplest_fraction_is_the_smallest_denominator_in_the_rounding_interval(places, n):
    whole, part = divmod(n, 10**places)
    text = f"{whole}.{part:0{places}d}"
    half = Fraction(1, 2 * 10**places)
    lo, hi = Fraction(text) - half, Fraction(text) + half
    best = Fraction(simplest_written(text))
    assert lo <= best <= hi
    for q in range(1, best.denominator):  # brute force: no smaller denominator fits
        assert math.ceil(lo * q) > math.floor(hi * q)


@pytest.mark.parametrize("digits", ["0.3*x", "۰.۳*x", "٠.٣*x"])
def test_one_figure_is_no_rounding_in_any_script(digits):
    """x/3 claimed as 0.3·x: one significant figure is not a rounding of 1/3 (wrong), written
    in Western, Persian or Arabic-Indic digits alike (the Persian ones read as imprecise)."""
    (verdict,) = hwcheck.derive("x**2/6", wrt=["x"]).verify({"derivatives.x": digits})
    assert verdict.verdict == "wrong"
