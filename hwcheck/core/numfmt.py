"""Formatting numbers for people: tables print 6 significant digits by default."""

from __future__ import annotations

import math
from fractions import Fraction

DEFAULT_DIGITS = 6


def fmt(x, digits: int = DEFAULT_DIGITS, *, sep: bool = True) -> str:
    """One number as a table prints it.

    >>> fmt(19456), fmt(Fraction(5, 4)), fmt(0.1372406), fmt(-1.9e-4), fmt(float("nan"))
    ('19,456', '5/4', '0.137241', '-0.00019', 'nan')
    """
    if isinstance(x, bool):
        return "true" if x else "false"
    if isinstance(x, int):
        return f"{x:,}" if sep else str(x)
    if isinstance(x, Fraction):
        return str(x)
    if isinstance(x, str):
        return x
    try:
        x = float(x)
    except (TypeError, ValueError):
        return str(x)
    if math.isnan(x):
        return "nan"
    if math.isinf(x):
        return "inf" if x > 0 else "-inf"
    if x == 0:
        return "0"
    text = f"{x:.{max(1, digits)}g}"
    if "e" in text:
        mant, exp = text.split("e")
        text = f"{mant}e{int(exp)}"
    return text


def fmt_seq(values, digits: int = DEFAULT_DIGITS, sep: str = ", ") -> str:
    """A flat or nested list as ``[1, 2; 3, 4]``-free plain text: ``[1, 2]``, ``[[1, 2], [3, 4]]``."""
    if isinstance(values, (list, tuple)):
        return "[" + sep.join(fmt_seq(v, digits, sep) for v in values) + "]"
    return fmt(values, digits, sep=False)


def fmt_shape(shape) -> str:
    """``[227, 227, 3]`` → ``227×227×3``."""
    if shape is None:
        return "?"
    return "×".join(str(s) for s in shape) if len(shape) else "scalar"


def subscript(text: str) -> str:
    """Digits to Unicode subscripts: ``y01`` → ``y₀₁``."""
    return text.translate(str.maketrans("0123456789-", "₀₁₂₃₄₅₆₇₈₉₋"))
