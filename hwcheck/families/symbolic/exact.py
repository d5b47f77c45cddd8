"""Exact values of piecewise-rational expressions, many points at once, with no rounding.

An expression built from numbers, variables, ``+ − × ÷``, integer powers and the piecewise
functions (relu, abs, max, min, sign, heaviside, dirac) has an exact rational value at a
rational point. :func:`exact_function` turns such an expression into a function of columns
(numpy object arrays of Python ``int`` / ``Fraction``) that returns ``(values, undefined)``:
the exact values and a mask of the points where the expression is undefined (a division by
zero, dirac at 0)::

    >>> import sympy
    >>> x = sympy.Symbol("x", real=True)
    >>> f = exact_function([x], 10**8 * x + x / 3)
    >>> values, undefined = f(columns([[0, 1, 3]]))
    >>> [str(v) for v in values], undefined.tolist()
    (['0', '300000001/3', '300000001'], [False, False, False])

An expression with any other part (exp, log, σ, a fractional power, …) is not exact:
:func:`exact_function` returns None and the caller evaluates it another way. No tree is ever
turned back into text to run: each node becomes a Python closure over numpy's element-wise
operations on Python numbers.
"""

from __future__ import annotations

from collections.abc import Callable
from fractions import Fraction

MAX_POWER = 64  # |n| in u**n evaluated exactly (larger powers are not exact here)


class NotExact(Exception):
    """A part of the expression without an exact rational value."""


def columns(rows_of_values) -> list:
    """Object arrays of exact numbers, one per variable, from lists of ints / Fractions."""
    import numpy as np

    out = []
    for values in rows_of_values:
        column = np.empty(len(values), dtype=object)
        column[:] = [v if isinstance(v, Fraction) else int(v) for v in values]
        out.append(column)
    return out


def exact_function(symbols, expr, int64: bool = False) -> Callable | None:
    """``f(columns) → (values, undefined)``, or None when ``expr`` is not piecewise-rational.
    ``int64``: constants as 64-bit integers, for integer columns of an expression that
    :func:`fits_int64` (the same exact values, many times faster than Python integers)."""
    try:
        node = _compile(expr, {s: i for i, s in enumerate(symbols)}, "int64" if int64 else object)
    except NotExact:
        return None

    def function(cols):
        import numpy as np

        size = len(cols[0]) if cols else 1
        values, undefined = node(cols, size)
        return values, np.broadcast_to(np.asarray(undefined, dtype=bool), (size,))

    return function


def plain(value):
    """An exact value for JSON: an int when whole, else a float."""
    if isinstance(value, Fraction) and value.denominator != 1:
        return float(value)
    return int(value)


# ------------------------------------------------------------------------------- compiling


INT64_BOUND = 1 << 62  # every value of an int64 evaluation stays below this in magnitude


def fits_int64(expr, k: int) -> bool:
    """Every sub-expression of ``expr`` is an integer below :data:`INT64_BOUND` in magnitude
    when each variable is an integer with |x| ≤ ``k``: integer constants, +, ×, powers
    n ≥ 0, relu, abs, max, min, sign (a bound computed from the tree, no evaluation)."""
    return _bound(expr, k) is not None


def _bound(expr, k: int) -> int | None:
    if expr.is_Symbol:
        bound = k
    elif expr.is_Rational:
        bound = abs(int(expr.p)) if expr.q == 1 else None
    elif expr.is_Pow:
        base = _bound(expr.base, k)
        n = expr.exp
        ok = base is not None and n.is_Integer and 0 <= int(n) <= MAX_POWER
        bound = base ** int(n) if ok else None
    else:
        parts = [_bound(a, k) for a in expr.args]
        if any(p is None for p in parts):
            return None
        bound = _combine_bounds(type(expr).__name__, expr, parts)
    return bound if bound is not None and bound < INT64_BOUND else None


def _combine_bounds(head: str, expr, parts: list[int]) -> int | None:
    if expr.is_Add:
        return sum(parts)
    if expr.is_Mul:
        product = 1
        for p in parts:
            product *= p
        return product
    if head in ("relu", "Abs", "Max", "Min"):
        return max(parts)
    return 1 if head == "sign" else None


def _array(values, size: int, dtype=object):
    import numpy as np

    column = np.empty(size, dtype=dtype)
    column[:] = values if dtype != object else [values] * size
    return column


def _compile(expr, index: dict, dtype=object) -> Callable:
    import sympy

    if expr in index:
        i = index[expr]
        return lambda cols, size: (cols[i], False)
    if expr.is_Rational:
        value = int(expr.p) if expr.q == 1 else Fraction(int(expr.p), int(expr.q))
        kind = dtype if isinstance(value, int) else object
        return lambda cols, size: (_array(value, size, kind), False)
    if expr.is_Add or expr.is_Mul:
        return _fold(expr, index, dtype)
    if expr.is_Pow:
        return _power(expr, index, dtype)
    handler = _PIECEWISE.get(type(expr).__name__)
    if handler is None or isinstance(expr, sympy.Symbol):
        raise NotExact(str(expr.func))
    return handler(expr, [_compile(a, index, dtype) for a in expr.args])


def _fold(expr, index: dict, dtype) -> Callable:
    parts = [_compile(a, index, dtype) for a in expr.args]
    add = expr.is_Add

    def node(cols, size):
        total, undefined = parts[0](cols, size)
        for part in parts[1:]:
            value, bad = part(cols, size)
            total = total + value if add else total * value
            undefined = undefined | bad
        return total, undefined

    return node


def _power(expr, index: dict, dtype) -> Callable:
    import numpy as np

    n = expr.exp
    if not (n.is_Integer and abs(int(n)) <= MAX_POWER):
        raise NotExact("power")
    n = int(n)
    base = _compile(expr.base, index, dtype)
    if n >= 0:
        return lambda cols, size: _raise(base(cols, size), n)

    def node(cols, size):
        value, undefined = base(cols, size)
        zero = np.asarray(value == 0, dtype=bool)
        safe = _where(zero, 1, value) if zero.any() else value
        return _reciprocal(safe) ** -n, undefined | zero

    return node


def _raise(pair, n: int):
    value, undefined = pair
    return value**n, undefined


def _reciprocal(value):
    import numpy as np

    out = np.empty(value.shape, dtype=object)
    out[:] = [Fraction(1) / v for v in value]
    return out


def _where(condition, yes, no):
    """numpy's ``where``: an object array (Python numbers) when either branch holds one."""
    import numpy as np

    return np.where(np.asarray(condition, dtype=bool), yes, no)


def _unary(rule):
    def handler(expr, parts):
        (part, *extra) = parts

        def node(cols, size):
            value, undefined = part(cols, size)
            more = [p(cols, size)[0] for p in extra]
            out, bad = rule(value, *more)
            return out, undefined | bad

        return node

    return handler


def _relu(u):
    return _where(u > 0, u, 0), False


def _abs(u):
    return _where(u < 0, -u, u), False


def _sign(u):
    return _where(u > 0, 1, _where(u < 0, -1, 0)), False


def _heaviside(u, h0=Fraction(1, 2)):
    return _where(u > 0, 1, _where(u < 0, 0, h0)), False


def _dirac(u, *order):
    import numpy as np

    return 0, np.asarray(u == 0, dtype=bool)


def _extreme(largest: bool):
    def handler(expr, parts):
        def node(cols, size):
            best, undefined = parts[0](cols, size)
            for part in parts[1:]:
                value, bad = part(cols, size)
                better = value > best if largest else value < best
                best = _where(better, value, best)
                undefined = undefined | bad
            return best, undefined

        return node

    return handler


_PIECEWISE = {
    "relu": _unary(_relu),
    "Abs": _unary(_abs),
    "sign": _unary(_sign),
    "Heaviside": _unary(_heaviside),
    "DiracDelta": _unary(_dirac),
    "Max": _extreme(True),
    "Min": _extreme(False),
}


# ------------------------------------------------------------ scaled integers (no Fractions)


def scaled_function(symbols, expr) -> Callable | None:
    """For a piecewise-polynomial ``expr`` (no division by a variable): ``f(numerators, D)
    → (N, e, undefined)`` with value = N / Dᵉ, from integer columns ``numerators`` (the
    points' coordinates times D). Python integers throughout, many times faster than
    Fractions; None for any other expression (use :func:`exact_function`). D must be a
    multiple of every constant's denominator (:func:`denominators`)."""
    try:
        return _scaled(expr, {s: i for i, s in enumerate(symbols)})
    except NotExact:
        return None


def denominators(expr) -> set[int]:
    """The denominators of the constants of ``expr``."""
    import sympy

    return {int(r.q) for r in expr.atoms(sympy.Rational)}


def _scaled(expr, index: dict) -> Callable:
    if expr in index:
        i = index[expr]
        return lambda cols, d: (cols[i], 1, False)
    if expr.is_Rational:
        p, q = int(expr.p), int(expr.q)
        if q == 1:
            return lambda cols, d: (p, 0, False)
        return lambda cols, d: (p * (d // q), 1, False)
    if expr.is_Add or expr.is_Mul:
        return _scaled_fold(expr, index)
    if expr.is_Pow:
        n = expr.exp
        if not (n.is_Integer and 0 <= int(n) <= MAX_POWER):
            raise NotExact("power")
        base, n = _scaled(expr.base, index), int(n)
        return lambda cols, d: _scaled_power(base(cols, d), n)
    rule = _SCALED.get(type(expr).__name__)
    if rule is None or expr.is_Symbol:
        raise NotExact(str(expr.func))
    parts = [_scaled(a, index) for a in expr.args]
    return lambda cols, d: rule([p(cols, d) for p in parts], d)


def _scaled_power(value, n: int):
    numerator, e, undefined = value
    return numerator**n, e * n, undefined


def _scaled_fold(expr, index: dict) -> Callable:
    parts = [_scaled(a, index) for a in expr.args]
    add = expr.is_Add

    def node(cols, d):
        values = [p(cols, d) for p in parts]
        if add:
            numerators, e = aligned(values, d)
            return sum(numerators[1:], numerators[0]), e, _any_undefined(values)
        product, e = 1, 0
        for numerator, degree, _ in values:
            product, e = product * numerator, e + degree
        return product, e, _any_undefined(values)

    return node


def aligned(values, d: int) -> tuple[list, int]:
    """The numerators brought to one power of D: N·D^(e − eᵢ)."""
    e = max(v[1] for v in values)
    return [n * d ** (e - k) if e > k else n for n, k, _ in values], e


def _any_undefined(values):
    undefined = False
    for _, _, bad in values:
        undefined = undefined | bad
    return undefined


def _scaled_extreme(largest: bool):
    def rule(values, d):
        numerators, e = aligned(values, d)
        best = numerators[0]
        for n in numerators[1:]:
            best = _where(n > best if largest else n < best, n, best)
        return best, e, _any_undefined(values)

    return rule


def _scaled_relu(values, d):
    n, e, bad = values[0]
    return _where(n > 0, n, 0), e, bad


def _scaled_abs(values, d):
    n, e, bad = values[0]
    return _where(n < 0, -n, n), e, bad


def _scaled_sign(values, d):
    n, _, bad = values[0]
    return _where(n > 0, 1, _where(n < 0, -1, 0)), 0, bad


def _scaled_heaviside(values, d):
    """H(u) with H(0) = h0 (a constant, sympy's second argument: 1/2 unless given)."""
    (n, _, bad), *rest = values
    (one, h0), e = aligned([(1, 0, False), rest[0] if rest else (d // 2, 1, False)], d)
    return _where(n > 0, one, _where(n < 0, 0, h0)), e, bad


def _scaled_dirac(values, d):
    import numpy as np

    n, _, bad = values[0]
    return 0, 0, bad | np.asarray(n == 0, dtype=bool)


_SCALED = {
    "relu": _scaled_relu,
    "Abs": _scaled_abs,
    "sign": _scaled_sign,
    "Heaviside": _scaled_heaviside,
    "DiracDelta": _scaled_dirac,
    "Max": _scaled_extreme(True),
    "Min": _scaled_extreme(False),
}
