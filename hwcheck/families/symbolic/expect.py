"""Expectations over random symbols (``derive --expect e1=alpha*w1**2``), taken before
differentiating.

Each ``--expect NAME=VARIANCE`` declares a random symbol with mean 0 and that variance; the
symbols are uncorrelated (E εₖεₗ = δₖₗ·σₖ²). ``--expect NAME=bernoulli(q)`` declares a dropout
mask instead: NAME is 1 with probability q and 0 otherwise, independent of every other random
symbol, so every power has E[mᵏ] = q (k ≥ 1): E[m·x] = q·x, and inverted dropout's m·x/q keeps
the expectation x. The expression, a polynomial in them, is expanded
and each monomial replaced by its expectation: E[1] = 1, E[ε] = 0, E[ε²] = σ², and a product of
different symbols factorises. Third and higher moments are not declared, so a monomial that needs
one is refused. Because the variance may depend on the parameters (weight noise,
σₖ² = α·ωₖ²), the expectation comes first: the derivative shown is ∂E[L]/∂ω, the quantity a
course writes as E{∂J₁/∂ωᵢ} — for J₁ = ½(y − Σ(ωₖ + εₖ)xₖ)² it is ∂J₀/∂ωᵢ + α·ωᵢ·xᵢ².
"""

from __future__ import annotations

import random as _random
import re
from dataclasses import dataclass

from hwcheck.core.errors import HwcheckError

EXPECT_TIMEOUT = 10.0  # seconds for expanding the expression in the random symbols
MAX_DEGREE = 8  # total degree in the random symbols


BERNOULLI = re.compile(r"\s*bernoulli\s*\((.*)\)\s*", re.IGNORECASE | re.DOTALL)


@dataclass(frozen=True)
class Bernoulli:
    """A random symbol that is 1 with probability ``q`` and 0 otherwise (a dropout mask)."""

    q: object

    def moment(self, power: int):
        return self.q if power else 1


def parse_moments(texts: dict[str, str], definitions, assume: str = "real") -> dict:
    """{name: variance text} (``--expect e1=alpha*w1**2``, split by derive) → {symbol e1:
    variance}, or a :class:`Bernoulli` for ``m=bernoulli(q)``; a variance that is negative, or a
    probability outside [0, 1], for positive parameter values is refused."""
    from hwcheck.families.symbolic.build import symbol

    out = {}
    for name, text in texts.items():
        where = f"--expect ({name})"
        mask = BERNOULLI.fullmatch(text)
        if mask:
            out[symbol(name, assume)] = _bernoulli(mask.group(1), name, where, definitions, assume)
            continue
        variance = definitions.expression(text, where, assume)
        if name in {str(s) for s in variance.free_symbols}:
            raise HwcheckError(where, f"the variance of {name} may not depend on {name}")
        _check_nonnegative(variance, where, hint=f"a dropout mask is {name}=bernoulli(q)")
        out[symbol(name, assume)] = variance
    return out


def _bernoulli(text: str, name: str, where: str, definitions, assume: str) -> Bernoulli:
    q = definitions.expression(text, where, assume)
    if name in {str(s) for s in q.free_symbols}:
        raise HwcheckError(where, f"the probability of {name} may not depend on {name}")
    # a probability in symbols (q, 1 − p) is refused only when no positive value makes it one
    _check_nonnegative(q, where, "a probability cannot be negative", anywhere=False)
    _check_nonnegative(1 - q, where, "a probability cannot exceed 1", anywhere=False)
    return Bernoulli(q)


def describe(texts: dict[str, str], moments: dict, cross: dict) -> str:
    """The note derive prints: which random symbols, their moments, taken before ∂."""
    masks = []
    for n, t in texts.items():
        if BERNOULLI.fullmatch(t):
            q = BERNOULLI.fullmatch(t).group(1).strip()
            masks.append(f"{n} ~ Bernoulli({q}), E[{n}ᵏ] = {q}")
    noise = {n: t for n, t in texts.items() if not BERNOULLI.fullmatch(t)}
    parts = []
    if noise:
        pairs = (
            "uncorrelated"
            if not cross
            else "cross moments "
            + ", ".join(
                f"E[{'·'.join(sorted(str(s) for s in pair))}] = {value}"
                for pair, value in cross.items()
            )
        )
        shown = ", ".join(f"E[{n}²] = {t}" for n, t in noise.items())
        parts.append(f"{', '.join(sorted(noise))} (mean 0, {pairs}; {shown})")
    if masks:
        parts.append(", ".join(masks) + " (independent of the rest)")
    names = sorted(texts)
    return f"E[L] over {', '.join(names)}: {'; '.join(parts)}, taken before differentiating"


def parse_cross_moments(raw, moments: dict, definitions, assume: str = "real") -> dict:
    """``("e1*e2=c", …)`` → {frozenset({e1, e2}): c}: E[εₖεₗ] for k ≠ l, the off-diagonal of
    the second-moment table (undeclared pairs are 0). Each must keep the table a covariance:
    c² ≤ σₖ²·σₗ² (Cauchy–Schwarz), checked as the variances are, at positive values."""
    by_name = {str(s): s for s in moments}
    out: dict = {}
    for item in raw or ():
        where = "--covariance"
        left, eq, text = str(item).partition("=")
        names = [n.strip() for n in left.split("*")]
        if not eq or len(names) != 2 or names[0] == names[1]:
            raise HwcheckError(where, f"expected e1*e2=value, got '{str(item)[:40]}'")
        unknown = [n for n in names if n not in by_name]
        if unknown:
            raise HwcheckError(
                where, f"'{unknown[0]}' is not a random symbol of --expect ({', '.join(by_name)})"
            )
        if any(isinstance(moments[by_name[n]], Bernoulli) for n in names):
            raise HwcheckError(where, "a bernoulli() mask is independent of every other symbol")
        pair = frozenset(by_name[n] for n in names)
        if pair in out:
            raise HwcheckError(where, f"E[{names[0]}·{names[1]}] is declared twice")
        value = definitions.expression(text.strip(), f"{where} ({left.strip()})", assume)
        a, b = (moments[by_name[n]] for n in names)
        _check_nonnegative(
            a * b - value**2,
            f"{where} ({left.strip()})",
            "not a covariance table: E[εₖεₗ]² > σₖ²·σₗ²",
            anywhere=False,
        )
        out[pair] = value
    return out


def _check_nonnegative(
    variance,
    where: str,
    what: str = "a variance cannot be negative",
    *,
    anywhere=True,
    hint: str | None = None,
) -> None:
    """Refuse a quantity that sympy proves negative, or that is negative at a positive point
    (``anywhere``) or at every one of them (a cross moment may bound its symbols: c² ≤ σₖ²σₗ²
    holds only for some values of symbolic c, σ)."""
    from hwcheck.families.symbolic.numeric import math_function

    if variance.is_extended_negative:
        raise HwcheckError(where, f"{what} (got {variance} < 0)", hint)
    symbols = sorted(variance.free_symbols, key=str)
    function = math_function(symbols, variance)
    rng = _random.Random(0)
    signs = []
    for _ in range(8):
        try:
            signs.append(float(function(*[rng.uniform(0.1, 3.0) for _ in symbols])) < 0)
        except (ArithmeticError, ValueError, TypeError):
            continue
    if signs and (any(signs) if anywhere else all(signs)):
        raise HwcheckError(where, f"{what} ({variance} < 0 for positive values)", hint)


def expectation(expr, moments: dict, cross: dict | None = None, where: str = "--expect"):
    """E[expr] over the random symbols of ``moments`` (variances) and ``cross`` (E[εₖεₗ], k ≠ l)
    (bounded: expanding may be large)."""
    from hwcheck.families.symbolic.size import decided_in_process
    from hwcheck.families.symbolic.worker import bounded, in_process

    parts = (expr, *(_sympy_part(m) for m in moments.values()), *(cross or {}).values())
    run = in_process if decided_in_process(*parts) else bounded  # small: no clock
    outcome = run(_expectation, (expr, moments, cross or {}), EXPECT_TIMEOUT)
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


def _sympy_part(moment):
    return moment.q if isinstance(moment, Bernoulli) else moment


def _expectation(expr, moments: dict, cross: dict):
    """("ok", E[expr]) or ("error", message); runs in the worker. Mean 0 makes every monomial
    with a lone symbol vanish, but a declared pair: E[εₖεₗ] = ``cross``; higher moments are
    not declared, so a monomial that needs one is an error."""
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
        masks = [moments[s].moment(n) for s, n in zip(randoms, powers) if _is_mask(moments[s])]
        noise = [(s, n) for s, n in zip(randoms, powers) if not _is_mask(moments[s])]
        status, value = _zero_mean_moment(noise, moments, cross)
        if status != "ok":
            return status, value
        total += coefficient * sympy.Mul(*masks) * value
    return "ok", sympy.factor_terms(total)


def _is_mask(moment) -> bool:
    return isinstance(moment, Bernoulli)


def _zero_mean_moment(powers, moments: dict, cross: dict):
    """("ok", E[Π εᵢ^nᵢ]) for mean-0 symbols with declared second moments only."""
    import sympy

    lone = frozenset(s for s, n in powers if n == 1)
    squares = [s for s, n in powers if n == 2]
    higher = [(s, n) for s, n in powers if n > 2]
    if higher:
        symbol, n = higher[0]
        return "error", (
            f"E[{symbol}^{n}] is needed but only the mean 0 and the second moments are declared"
        )
    if lone in cross and squares:
        return "error", "a fourth moment is needed (a declared pair times a square)"
    if len(lone) == 2 and lone in cross:
        return "ok", cross[lone]
    if not lone:
        return "ok", sympy.Mul(*(moments[s] for s in squares))
    return "ok", sympy.Integer(0)
