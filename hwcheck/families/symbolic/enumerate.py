"""Equivalence on a finite domain, decided by trying every row (``equiv --domain``).

``boolean`` is {0, 1}ⁿ, ``integers:K`` is {−K, …, K}ⁿ; every row is evaluated on both sides,
a chunk of rows at a time, and the first row (in the order x1 x2 … with x1 most significant,
as a truth table is written) where they differ is the counterexample::

    relu(x1 + x2 - 1)  ≡  x1*x2          on {0,1}²   (AND)
    relu(x1 - x2) + relu(x2 - x1)  ≡  x1 + x2 - 2*x1*x2   on {0,1}²   (XOR)

Values are exact, with no tolerance: a piecewise-rational pair (numbers, + − × ÷, integer
powers, relu, abs, max, min, sign, heaviside) in Python integers and Fractions, so
``10⁸·x1 + x1·x2`` is not ``10⁸·x1`` on booleans; any other pair (σ, exp, log, …) row by row
in mpmath, where a difference must hold as the precision rises (up to :data:`SETTLED_ROWS`
rows; past that, floats screen the rows and mpmath settles the differences they find, and a
pair with none is undecided). A row where one side is undefined and the other is not is a
counterexample; a row undefined on both sides agrees. Domains above :data:`MAX_ROWS` rows are
refused up front with their row count.
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
    unsettled: str | None = None  # why rows were left undecided (no exact value past a gate)


#: rows settled one by one in mpmath when an expression is not rational (σ, exp, log, …)
SETTLED_ROWS = 1_024


def enumerate_rows(a, b, domain: Domain, rtol: float = 1e-7, atol: float = 1e-9) -> Enumerated:
    """Every row of the domain on both sides (run it under the bounded worker): exactly in
    Python integers and Fractions when both sides are piecewise-rational (:mod:`.exact`), else
    row by row in mpmath with no tolerance (up to :data:`SETTLED_ROWS` rows; past that, a
    float screen whose differences are settled in mpmath, and the rows it cannot settle leave
    the verdict undecided)."""
    from hwcheck.families.symbolic.exact import exact_function, fits_int64

    symbols = sorted(a.free_symbols | b.free_symbols, key=lambda s: natural(str(s)))
    rows = check_rows(domain, len(symbols))
    k = max(abs(v) for v in domain.values)
    int64 = fits_int64(a, k) and fits_int64(b, k)
    fa, fb = exact_function(symbols, a, int64), exact_function(symbols, b, int64)
    if fa is not None and fb is not None:
        return _exact_rows(fa, fb, symbols, domain, rows, int64)
    if rows <= SETTLED_ROWS:
        return _settled_rows(a, b, symbols, domain, range(rows))
    return _screened_rows(a, b, symbols, domain, rows, rtol, atol)


def _row_columns(domain: Domain, n: int, start: int, stop: int, dtype) -> list:
    """Rows start … stop − 1 as columns (x1 most significant): of Python ints (``object``),
    64-bit integers (``"int64"``, for a pair that fits them) or floats."""
    import numpy as np

    values = np.array(domain.values, dtype=dtype)
    base = len(domain.values)
    index = np.arange(start, stop, dtype=np.int64)
    return [values[(index // base ** (n - 1 - j)) % base] for j in range(n)]


def _exact_rows(fa, fb, symbols, domain: Domain, rows: int, int64: bool) -> Enumerated:
    import numpy as np

    from hwcheck.families.symbolic.exact import plain

    dtype = "int64" if int64 else object
    for start in range(0, rows, CHUNK):
        columns = _row_columns(domain, len(symbols), start, min(start + CHUNK, rows), dtype)
        (x, bad_x), (y, bad_y) = fa(columns), fb(columns)
        equal = np.asarray(x == y, dtype=bool)
        hits = np.flatnonzero((bad_x != bad_y) | (~bad_x & ~bad_y & ~equal))
        if hits.size:
            i = int(hits[0])
            at = {str(s): int(columns[j][i]) for j, s in enumerate(symbols)}
            sides = ["undefined" if bad[i] else plain(v[i]) for v, bad in ((x, bad_x), (y, bad_y))]
            return Enumerated(start + i, {"at": at, "a": sides[0], "b": sides[1]})
    return Enumerated(rows, None)


def _row(symbols, domain: Domain, index: int) -> list[int]:
    values, base, n = domain.values, len(domain.values), len(symbols)
    return [values[(index // base ** (n - 1 - j)) % base] for j in range(n)]


def _settled_rows(a, b, symbols, domain: Domain, indices) -> Enumerated:
    """Each row in mpmath: a side undefined on one side only is a difference; otherwise the
    difference must hold as the precision rises (:func:`.breakpoints.settle_exactly`)."""
    from hwcheck.families.symbolic.numeric import mp_function

    functions = [mp_function(symbols, e) for e in (a, b, a - b)]
    for index in indices:
        row = _row(symbols, domain, index)
        verdict, x, y = _settle_row(functions, row)
        if verdict == "differ":
            at = {str(s): v for s, v in zip(symbols, row)}
            return Enumerated(index, {"at": at, "a": _value(x), "b": _value(y)})
        if verdict == "skip":
            point = ", ".join(f"{s}={v}" for s, v in zip(symbols, row))
            return Enumerated(index, None, f"the row {point} could not be settled exactly")
    return Enumerated(len(indices), None)


def _settle_row(functions, row) -> tuple:
    from hwcheck.families.symbolic.breakpoints import settle_exactly
    from hwcheck.families.symbolic.numeric import FAR, mp_value

    x, y = (mp_value(f, row, 30) for f in functions[:2])
    if FAR in (x, y):
        return "skip", None, None
    if x is None or y is None:
        return ("agree" if x is y else "differ"), x, y
    return settle_exactly(*functions, row)


def _screened_rows(a, b, symbols, domain: Domain, rows: int, rtol, atol) -> Enumerated:
    """Past :data:`SETTLED_ROWS` rows of a non-rational pair: floats find the rows that may
    differ, mpmath settles them; the pair is undecided when no difference holds (the rows
    that agree in floats were not settled exactly)."""
    import numpy as np

    fa, fb = _numpy_function(symbols, a), _numpy_function(symbols, b)
    n = len(symbols)
    for start in range(0, rows, CHUNK):
        columns = _row_columns(domain, n, start, min(start + CHUNK, rows), float)
        size = len(columns[0])
        x, y = _evaluate(fa, columns, size), _evaluate(fb, columns, size)
        bad_x, bad_y = ~np.isfinite(x), ~np.isfinite(y)
        with np.errstate(invalid="ignore"):
            close = np.abs(x - y) <= atol + rtol * np.maximum(np.abs(x), np.abs(y))
        for i in np.flatnonzero((bad_x != bad_y) | (~bad_x & ~bad_y & ~close)):
            found = _settled_rows(a, b, symbols, domain, [start + int(i)])
            if found.counterexample is not None:
                return found
    why = f"{rows:,} rows of a non-rational expression (exact up to {SETTLED_ROWS:,})"
    return Enumerated(rows, None, why)


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


def _value(v):
    """A side's value in a counterexample: a number, ``"undefined"``, or the digits that
    show a difference floats cannot (text, as :func:`.breakpoints.settle_exactly` gives it)."""
    import math

    if v is None:
        return "undefined"
    if isinstance(v, str):
        return v
    return "undefined" if not math.isfinite(v) else _plain(v)
