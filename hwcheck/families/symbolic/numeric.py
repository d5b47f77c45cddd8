"""Fast numeric evaluation of user expressions (objectives for the optimizers, probes).

``compile_objective("x**2 - y**2", params=("x", "y"), data=())`` parses the text safely,
differentiates it once with sympy and lambdifies value and gradient into plain-float
functions built from :mod:`math` and the stable σ / softplus of :mod:`.functions`::

    >>> f = compile_objective("0.5*(sigmoid(w*x+b) - t)**2", ("w", "b"), ("x", "t"))
    >>> round(f.value({"w": 0.1, "b": 0, "x": 2, "t": 0}), 6)
    0.151159
    >>> sorted(f.gradient({"w": 0.1, "b": 0, "x": 2, "t": 0}))
    ['b', 'w']
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

from hwcheck.core.errors import HwcheckError


def math_function(symbols, expr) -> Callable:
    """A plain-float function of ``symbols`` (stable σ, softplus; Heaviside for relu′)."""
    return _compiled("math", tuple(symbols), expr)


def mp_function(symbols, expr) -> Callable:
    """An mpmath function of ``symbols`` (the precision is the caller's ``mpmath.workdps``)."""
    return _compiled("mpmath", tuple(symbols), expr)


_COMPILED: dict = {}  # (module, symbols, expression) → the lambdified function (pure)
_COMPILED_SIZE = 256


def _compiled(module: str, symbols: tuple, expr) -> Callable:
    """``lambdify`` once per (module, symbols, expression): compiling is most of the cost of a
    probe, and the same expected expression is probed for every claim on it."""
    key = (module, symbols, expr)
    function = _COMPILED.get(key)
    if function is None:
        import sympy

        from hwcheck.families.symbolic.functions import MATH_FUNCTIONS, MP_FUNCTIONS, stable_forms

        functions = MATH_FUNCTIONS if module == "math" else MP_FUNCTIONS
        function = sympy.lambdify(
            symbols,
            stable_forms(expr),
            modules=[functions, module],
            dummify=not all(_plain_name(s, functions) for s in symbols),
        )
        if len(_COMPILED) >= _COMPILED_SIZE:
            _COMPILED.clear()
        _COMPILED[key] = function
    return function


def _plain_name(symbol, functions: dict) -> bool:
    """A name that can be the generated function's parameter as it is: an identifier that no
    name of the evaluation namespace shares (``e``, ``pi``, ``exp``, ``sigmoid``, …). Others are
    renamed by ``lambdify`` (``dummify``), which rebuilds the expression once per name."""
    import builtins
    import keyword
    import math

    name = getattr(symbol, "name", None)
    if not isinstance(name, str) or not name.isidentifier() or keyword.iskeyword(name):
        return False
    if name.startswith("_") or name in functions or hasattr(math, name) or hasattr(builtins, name):
        return False
    return name not in _mpmath_names() and name not in ("math", "mpmath", "numpy", "sympy")


_MPMATH_NAMES: list = []


def _mpmath_names() -> frozenset:
    if not _MPMATH_NAMES:
        import mpmath

        _MPMATH_NAMES.append(frozenset(dir(mpmath)))
    return _MPMATH_NAMES[0]


#: what :func:`mp_value` returns for a point too far out to evaluate cheaply (not "undefined")
FAR = "far"


def mp_value(function: Callable, values, dps: int):
    """``function`` at exact ``values`` (int / Fraction) with ``dps`` digits: an ``mpf``, None
    where the expression is undefined or not real, or :data:`FAR`."""
    import mpmath

    from hwcheck.families.symbolic.functions import TooFar

    with mpmath.workdps(dps):
        args = [mpmath.mpf(v.numerator) / v.denominator for v in values]
        try:
            v = function(*args)
        except TooFar:
            return FAR
        except (ArithmeticError, ValueError, TypeError):
            return None
        if isinstance(v, mpmath.mpc):
            if abs(v.imag) > mpmath.mpf(10) ** (-dps // 2) * max(1, abs(v.real)):
                return None
            v = v.real
        try:
            v = mpmath.mpf(v)
        except (TypeError, ValueError):
            return None
        return v if mpmath.isfinite(v) else None


def agree(x, y, digits: int) -> bool:
    """Two mp values equal to ``digits`` significant digits (both None also agree)."""
    if x is None or y is None or x == FAR or y == FAR:
        return x is y or x == y
    scale = max(abs(x), abs(y))
    return scale == 0 or abs(x - y) <= scale * 10.0 ** (-digits)


def settled_value(function: Callable, values, *, start: int = 30, cap: int = 50_000):
    """The value at ``values`` to ~20 digits, raising the working precision (×4 from ``start``
    digits) until two precisions agree: exp(−10⁴) is not 0 and log(1 − σ(5·10⁴)) is −5·10⁴.
    None when undefined at every precision up to ``cap``; :data:`FAR` when too far out;
    ``"unsettled"`` when the digits never agree."""
    previous, dps = None, start
    while dps <= cap:
        value = mp_value(function, values, dps)
        if value == FAR:
            return FAR
        if dps > start and value is not None and agree(previous, value, 20):
            return value
        previous, dps = value, dps * 4
    return None if previous is None else "unsettled"


@dataclass(frozen=True)
class Objective:
    """A compiled objective: ``value(env)`` and ``gradient(env)`` (w.r.t. ``params``)."""

    text: str
    params: tuple[str, ...]
    data: tuple[str, ...]
    where: str
    _value: Callable
    _grads: tuple[Callable, ...]

    def _args(self, env: dict[str, float]) -> list[float]:
        names = self.params + self.data
        missing = [n for n in names if n not in env]
        if missing:
            raise HwcheckError(self.where, "no value for " + ", ".join(missing))
        return [float(env[n]) for n in names]

    def _call(self, function: Callable, env: dict[str, float]) -> float:
        args = self._args(env)
        try:
            return float(function(*args))
        except OverflowError:
            return math.inf
        except (ZeroDivisionError, ValueError) as err:
            point = ", ".join(f"{n}={v:g}" for n, v in zip(self.params + self.data, args))
            raise HwcheckError(self.where, f"cannot evaluate at {point} ({_reason(err)})") from None

    def value(self, env: dict[str, float]) -> float:
        return self._call(self._value, env)

    def gradient(self, env: dict[str, float]) -> dict[str, float]:
        return {name: self._call(g, env) for name, g in zip(self.params, self._grads)}


def _reason(err: Exception) -> str:
    return (
        "division by zero"
        if isinstance(err, ZeroDivisionError)
        else "outside the function's domain"
    )


def compile_objective(
    expr_text: str, params: tuple[str, ...], data: tuple[str, ...] = (), where: str = "--objective"
) -> Objective:
    """Parse ``expr_text`` and compile value and gradient w.r.t. ``params``.

    Every name in the expression must be a parameter or a data name; unknown names are an
    error listing them.
    """
    from hwcheck.families.symbolic.build import expression, symbol
    from hwcheck.families.symbolic.parser import names_in, parse

    tree = parse(expr_text, where)
    unknown = [
        n
        for n in names_in(tree)
        if n not in params and n not in data and not (n == "λ" and "lam" in params + data)
    ]
    if unknown:
        raise HwcheckError(
            where,
            "unknown name" + ("s " if len(unknown) > 1 else " ") + ", ".join(unknown),
            f"parameters: {', '.join(params) or '—'}; data: {', '.join(data) or '—'}",
        )
    expr = expression(expr_text, where)
    symbols = [symbol(n) for n in params + data]
    grads = tuple(math_function(symbols, expr.diff(symbol(p))) for p in params)
    return Objective(
        expr_text, tuple(params), tuple(data), where, math_function(symbols, expr), grads
    )
