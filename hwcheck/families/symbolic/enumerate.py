"""Equivalence on a finite domain, decided by trying every row (``equiv --domain``).

``boolean`` is {0, 1}ⁿ, ``integers:K`` is {−K, …, K}ⁿ; every row is evaluated on both sides with
numpy, a chunk of rows at a time, and the first row (in the order x1 x2 … with x1 most
significant, as a truth table is written) where they differ is the counterexample::

    relu(x1 + x2 - 1)  ≡  x1*x2          on {0,1}²   (AND)
    relu(x1 - x2) + relu(x2 - x1)  ≡  x1 + x2 - 2*x1*x2   on {0,1}²   (XOR)

Values are float64: exact for the integer-valued expressions of logic and max-of-three
exercises (|values| < 2⁵³); other values agree within the ladder's tolerance. A row where one
side is undefined and the other is not is a counterexample; a row undefined on both sides
agrees. Domains above :data:`MAX_ROWS` rows are refused up front with their row count.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from hwcheck.core.errors import HwcheckError

MAX_ROWS = 1 << 20  # {0,1}²⁰
MAX_K = 1_000
CHUNK = 1 << 16


@dataclass(frozen=True)
class Domain:
    kind: str  # boolean, integers, reals
    k: int = 0

    @property
    def name(self) -> str:
        """As written in ``--domain``: ``boolean``, ``integers:K``, ``reals``."""
        return f"integers:{self.k}" if self.kind == "integers" else self.kind

    @property
    def values(self) -> list[int]:
        return [0, 1] if self.kind == "boolean" else list(range(-self.k, self.k + 1))

    def describe(self, n: int) -> str:
        sup = str(n).translate(str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹"))
        base = "{0,1}" if self.kind == "boolean" else f"{{−{self.k},…,{self.k}}}"
        return f"{base}{sup}"


def parse_domain(text, where: str = "--domain") -> Domain:
    """``boolean``, ``integers:K`` (1 ≤ K ≤ 1000) or ``reals`` (the default ladder)."""
    if not isinstance(text, str):
        raise HwcheckError(where, "expected boolean, integers:K or reals")
    word = text.strip().lower()
    if word in ("reals", "real"):
        return Domain("reals")
    if word in ("boolean", "bool", "binary"):
        return Domain("boolean")
    m = re.fullmatch(r"integers?:(\d{1,6})", word)
    if m:
        k = int(m.group(1))
        if not 1 <= k <= MAX_K:
            raise HwcheckError(where, f"K in integers:K must be from 1 to {MAX_K:,}, got {k:,}")
        return Domain("integers", k)
    raise HwcheckError(
        where, f"expected boolean, integers:K or reals, got '{text[:40]}'", "e.g. --domain boolean"
    )


def natural(name: str):
    """x2 before x10."""
    return [int(p) if p.isdigit() else p for p in re.split(r"(\d+)", name)]


def check_rows(domain: Domain, n: int, where: str = "--domain") -> int:
    """The row count, refused (exit 2) above :data:`MAX_ROWS` before any work."""
    size = len(domain.values)
    rows = size**n
    if rows > MAX_ROWS:
        raise HwcheckError(
            where,
            f"{domain.describe(n)} has {size}^{n} = {rows:,} rows; the limit is {MAX_ROWS:,}",
        )
    return rows


@dataclass(frozen=True)
class Enumerated:
    rows: int
    counterexample: dict | None


def enumerate_rows(a, b, domain: Domain, rtol: float = 1e-7, atol: float = 1e-9) -> Enumerated:
    """Every row of the domain on both sides (run it under the bounded worker)."""
    import numpy as np

    symbols = sorted(a.free_symbols | b.free_symbols, key=lambda s: natural(str(s)))
    n = len(symbols)
    rows = check_rows(domain, n)
    fa, fb = _numpy_function(symbols, a), _numpy_function(symbols, b)
    values = np.array(domain.values, dtype=float)
    base = len(values)
    for start in range(0, rows, CHUNK):
        index = np.arange(start, min(start + CHUNK, rows), dtype=np.int64)
        columns = [values[(index // base ** (n - 1 - j)) % base] for j in range(n)]
        x, y = _evaluate(fa, columns, len(index)), _evaluate(fb, columns, len(index))
        bad_x, bad_y = ~np.isfinite(x), ~np.isfinite(y)
        with np.errstate(invalid="ignore"):
            differ = (bad_x != bad_y) | (
                ~bad_x & ~bad_y & (np.abs(x - y) > atol + rtol * np.maximum(np.abs(x), np.abs(y)))
            )
        hits = np.flatnonzero(differ)
        if hits.size:
            i = int(hits[0])
            at = {str(s): _plain(columns[j][i]) for j, s in enumerate(symbols)}
            return Enumerated(start + i, {"at": at, "a": _value(x[i]), "b": _value(y[i])})
    return Enumerated(rows, None)


def _numpy_function(symbols, expr):
    import sympy

    from hwcheck.families.symbolic.functions import NUMPY_FUNCTIONS

    return sympy.lambdify(symbols, expr, modules=[NUMPY_FUNCTIONS, "numpy"], dummify=True)


def _evaluate(function, columns, size: int):
    import numpy as np

    with np.errstate(all="ignore"):
        try:
            v = function(*columns)
        except (ArithmeticError, ValueError, TypeError):
            return np.full(size, np.nan)
        v = np.asarray(v)
        if np.iscomplexobj(v):
            v = np.where(np.abs(v.imag) > 1e-12 * np.maximum(1.0, np.abs(v.real)), np.nan, v.real)
        return np.broadcast_to(v.astype(float), (size,))


def _plain(v: float):
    return int(v) if float(v).is_integer() else float(v)


def _value(v: float):
    import math

    return "undefined" if not math.isfinite(v) else _plain(v)
