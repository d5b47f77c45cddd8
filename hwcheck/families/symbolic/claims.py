"""The symbolic comparator for claims: is the student's expression the expected one?

    >>> compare_expression("x*y*(1 - y)*(y - t)", "(y - t)*y*(1-y)*x")[:2]
    ('correct', 'expression: structural')
    >>> compare_expression("x*y*(1 - y)*(y - t)", "y**2*(1-y)*(y-t)*x")[0]
    'wrong'

``context["definitions"]`` (``{"y": "sigmoid(z)", "z": "w*x+b"}``) is substituted on both
sides first, so a claim may use the abbreviations or the full expression.
"""

from __future__ import annotations

import math
import re
from functools import lru_cache

from hwcheck.core.errors import HwcheckError

CLAIM_TIMEOUT = 3.0  # seconds for the symbolic steps of one claim
#: a value beyond the double range, given as decimal text (``1.970071114017047e+434``)
BIG_NUMBER = r"-?\d+(\.\d+)?e[+-]\d+"


def is_big_number(value) -> bool:
    """Decimal text for a value beyond the double range (as ``derive`` gives it)."""
    return isinstance(value, str) and re.fullmatch(BIG_NUMBER, value) is not None


BIG_RTOL, BIG_ATOL = 1e-3, 1e-9  # the default tolerances of float claims (CONVENTIONS §5)


def _definitions(context: dict | None, assume: str):
    texts = (context or {}).get("definitions") or {}
    if isinstance(texts, dict) and all(isinstance(v, str) for v in texts.values()):
        key = tuple(sorted((str(k), v) for k, v in texts.items()))
        return _built_definitions(key, assume)
    return _build_definitions(texts, assume)


@lru_cache(maxsize=128)
def _built_definitions(key: tuple, assume: str):
    """The definitions of a result, built once for every claim on it (read only)."""
    return _build_definitions(dict(key), assume)


def _build_definitions(texts, assume: str):
    from hwcheck.families.symbolic.derive import Definitions, parse_definitions

    return Definitions.from_texts(parse_definitions(texts, "definitions"), "definitions", assume)


@lru_cache(maxsize=512)
def _expected(expected: str, definitions_key: tuple, assume: str):
    definitions = _definitions({"definitions": dict(definitions_key)}, assume)
    return definitions.expression(expected, "expected", assume), definitions


def compare_expression(
    expected: str, claimed, *, context: dict | None = None, where: str = "claim"
) -> tuple[str, str, str | None]:
    """(verdict, rule, hint): verdict correct / wrong / inconclusive / error."""
    from hwcheck.families.symbolic.equiv import equivalence
    from hwcheck.families.symbolic.parser import as_text

    if is_big_number(expected):
        return _compare_big(str(expected), claimed)
    context = context or {}
    assume = context.get("assume", "real")
    try:
        key = tuple(sorted((str(k), str(v)) for k, v in (context.get("definitions") or {}).items()))
        target, definitions = _expected(str(expected), key, assume)
    except HwcheckError as err:
        return "error", "expression: parse", f"the expected value does not parse: {err}"
    try:
        claim = definitions.expression(as_text(claimed, where).strip(), where, assume)
    except HwcheckError as err:
        return "error", "expression: parse", f"{err}" + (f" ({err.hint})" if err.hint else "")
    found = equivalence(
        target, claim, timeout=CLAIM_TIMEOUT, positive=assume == "positive", prove=False
    )
    text = as_text(claimed, where).strip()
    return _rounded(found, text, target, definitions, where, assume) or _verdict(found)


def _compare_big(expected: str, claimed) -> tuple[str, str, str | None]:
    """A number beyond the double range, compared in mpmath within the default rtol."""
    import mpmath

    rule = f"float beyond the double range: within rtol {BIG_RTOL:g}, atol {BIG_ATOL:g}"
    text = str(claimed).strip().replace("·10^", "e").replace("×10^", "e").replace("−", "-")
    try:
        with mpmath.workdps(30):
            value, target = mpmath.mpf(text), mpmath.mpf(expected)
            ok = abs(value - target) <= BIG_ATOL + BIG_RTOL * abs(target)
    except (ValueError, TypeError):
        return "error", rule, f"'{text[:40]}' is not a number"
    return ("correct", rule, None) if ok else ("wrong", rule, f"the value is {expected}")


def _verdict(found) -> tuple[str, str, str | None]:
    if found.method == "numeric":
        rule = f"expression: numeric (probes {found.probed}; seed {found.seed})"
    else:
        rule = f"expression: {found.method}"
    if found.verdict == "equivalent":
        return "correct", rule, found.reason
    if found.verdict == "not_equivalent":
        c = found.counterexample
        point = ", ".join(f"{k}={v:g}" for k, v in c["at"].items())
        return (
            "wrong",
            rule,
            f"differs at {point}: expected {_show(c['a'])}, claimed {_show(c['b'])}",
        )
    if found.reason == "timeout":
        what = found.stopped.describe() if found.stopped else "not decided within the time bound"
        return "inconclusive", rule, f"inconclusive (timeout): {what}"
    return "inconclusive", rule, f"could not decide ({found.reason})"


#: a decimal literal in an expression (``0.33333333``, ``3e-1``): a rounded value, not exact
DECIMAL = re.compile(r"(?<![\w.])(\d+\.\d+(?:[eE][-+]?\d+)?|\d+[eE][-+]?\d+)(?![\w.])")


def _rounded(found, claimed: str, target, definitions, where: str, assume: str):
    """``imprecise`` for an expression whose decimals are roundings of the right exact
    coefficients (``0.333*x`` for ``x/3``), as a rounded number is ``imprecise`` (CONVENTIONS
    §5): each decimal is replaced by the simplest fraction its written digits allow, and the
    result must then be *equivalent* (so ``0.333*x + relu(x − 10**7)`` stays wrong). Never
    ``correct``."""
    from hwcheck.claims.read import significant_figures
    from hwcheck.families.symbolic.equiv import equivalence

    literals = DECIMAL.findall(claimed)
    if found.verdict != "not_equivalent" or not literals:
        return None
    if any((significant_figures(x) or 0) < 2 for x in literals):  # from 2 figures on (۰.۳ too)
        return None
    exact = DECIMAL.sub(lambda m: f"({simplest_written(m.group(1))})", claimed)
    try:
        claim = definitions.expression(exact, where, assume)
    except HwcheckError:
        return None
    again = equivalence(
        target, claim, timeout=CLAIM_TIMEOUT, positive=assume == "positive", prove=False
    )
    if again.verdict != "equivalent":
        return None
    hint = (
        f"the decimals are rounded values of the right coefficients: {exact.strip()} is "
        "equivalent, the rounded form is not; write exact values (1/3, not 0.333…)"
    )
    return "imprecise", "expression: rounded decimals (the exact values are equivalent)", hint


def simplest_written(text: str) -> str:
    """The simplest fraction that rounds to ``text`` at its written digits: ``0.333`` → ``1/3``,
    ``0.25`` → ``1/4``, ``3.14159`` → ``355/113``."""
    from fractions import Fraction

    mantissa, _, exponent = text.lower().partition("e")
    decimals = len(mantissa.partition(".")[2])
    value = Fraction(text)
    half = Fraction(1, 2 * 10**decimals) * Fraction(10) ** int(exponent or 0)
    best = _simplest(value - half, value + half)
    return str(best.numerator) if best.denominator == 1 else f"{best.numerator}/{best.denominator}"


def _simplest(lo, hi):
    """The fraction with the smallest denominator in [lo, hi] (0 ≤ lo < hi), by continued
    fractions."""
    from fractions import Fraction

    if lo <= 0:
        return Fraction(0)
    n = math.floor(lo)
    if n == lo or n + 1 <= hi:
        return Fraction(n if n == lo else n + 1)
    return n + 1 / _simplest(1 / (hi - n), 1 / (lo - n))


def _show(value) -> str:
    return value if isinstance(value, str) else f"{value:.6g}"
