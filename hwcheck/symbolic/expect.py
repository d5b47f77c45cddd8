"""Expectations over random symbols (``derive --expect e1=alpha*w1**2``), taken before
differentiating.

Each ``--expect NAME=VARIANCE`` declares a random symbol with mean 0 and that variance; the
symbols are uncorrelated (E εₖεₗ = δₖₗ·σₖ²). The expression, a polynomial in them, is expanded
and each monomial replaced by its expectation: E[1] = 1, E[ε] = 0, E[ε²] = σ², and a product of
different symbols factorises. Third and higher moments are not declared, so a monomial that needs
one is refused. Because the variance may depend on the parameters (weight noise,
σₖ² = α·ωₖ²), the expectation comes first: the derivative shown is ∂E[L]/∂ω, the quantity a
course writes as E{∂J₁/∂ωᵢ} — for J₁ = ½(y − Σ(ωₖ + εₖ)xₖ)² it is ∂J₀/∂ωᵢ + α·ωᵢ·xᵢ².
"""

from __future__ import annotations

import random as _random

from hwcheck.errors import HwcheckError

EXPECT_TIMEOUT = 10.0  # seconds for expanding the expression in the random symbols
MAX_DEGREE = 8  # total degree in the random symbols


def parse_moments(texts: dict[str, str], definitions, assume: str = "real") -> dict:
    """{name: variance text} (``--expect e1=alpha*w1**2``, split by derive) → {symbol e1:
    variance}; a variance that is negative for positive parameter values is refused (not a
    covariance)."""
    from hwcheck.symbolic.build import symbol

    out = {}
    for name, text in texts.items():
        where = f"--expect ({name})"
        variance = definitions.expression(text, where, assume)
        if name in {str(s) for s in variance.free_symbols}:
            raise HwcheckError(where, f"the variance of {name} may not depend on {name}")
        _check_nonnegative(variance, where)
        out[symbol(name, assume)] = variance
    return out


def _check_nonnegative(variance, where: str) -> None:
    """Refuse a variance that sympy proves negative, or that is negative at a positive point."""
    from hwcheck.symbolic.numeric import math_function

    if variance.is_extended_negative:
        raise HwcheckError(where, f"a variance cannot be negative (got {variance})")
    symbols = sorted(variance.free_symbols, key=str)
    function = math_function(symbols, variance)
    rng = _random.Random(0)
    for _ in range(8):
        try:
            value = float(function(*[rng.uniform(0.1, 3.0) for _ in symbols]))
        except (ArithmeticError, ValueError, TypeError):
            continue
        if value < 0:
            raise HwcheckError(
                where, f"a variance cannot be negative ({variance} < 0 for positive values)"
            )


def expectation(expr, moments: dict, where: str = "--expect"):
    """E[expr] over the random symbols of ``moments`` (bounded: expanding may be large)."""
    from hwcheck.symbolic.worker import bounded

    outcome = bounded(_expectation, (expr, moments), EXPECT_TIMEOUT)
    if outcome.timed_out:
        raise HwcheckError(
            where,
            f"inconclusive (timeout): the expectation was not found within {EXPECT_TIMEOUT:g} s",
        )
    if not outcome.done:
        raise HwcheckError(where, "could not take the expectation")
    status, value = outcome.value
    if status != "ok":
        raise HwcheckError(where, value)
    return value


def _expectation(expr, moments: dict):
    """("ok", E[expr]) or ("error", message); runs in the worker."""
    import sympy

    randoms = list(moments)
    try:
        poly = sympy.Poly(sympy.expand(expr), *randoms)
    except sympy.PolynomialError:
        names = ", ".join(str(s) for s in randoms)
        return "error", f"the expression must be a polynomial in the random symbols ({names})"
    if poly.total_degree() > MAX_DEGREE:
        return "error", f"degree {poly.total_degree()} in the random symbols; the limit is 8"
    total = sympy.Integer(0)
    for powers, coefficient in poly.terms():
        term = coefficient
        for symbol, n in zip(randoms, powers):
            if n == 1:
                term = sympy.Integer(0)
                break
            if n == 2:
                term *= moments[symbol]
            elif n > 2:
                return "error", (
                    f"E[{symbol}^{n}] is needed but only the mean 0 and the variance are declared"
                )
        total += term
    return "ok", sympy.factor_terms(total)
