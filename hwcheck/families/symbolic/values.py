"""Plain-float values of parsed expressions, with no sympy: the stable neural-network functions,
and a cheap probe of whether two written expressions may be equal.

The probe is a filter, never a verdict: two expressions whose values agree at a few fixed points
*may* be equal, and the claims engine decides; two that differ at a point are not equal. The
points are positive and away from 0 and 1, so ``log``, ``sqrt`` and the kinks of ``relu``,
``abs``, ``max`` and ``heaviside`` are defined there; a point where either side is undefined or
overflows is skipped.
"""

from __future__ import annotations

import math

from hwcheck.core.errors import HwcheckError
from hwcheck.families.symbolic.parser import ALIASES, Node, parse


def stable_sigmoid(z: float) -> float:
    if z >= 0:
        return 1.0 / (1.0 + math.exp(-z))
    e = math.exp(z)
    return e / (1.0 + e)


def stable_softplus(z: float) -> float:
    return max(z, 0.0) + math.log1p(math.exp(-abs(z)))


def stable_relu(z: float) -> float:
    return z if z > 0 else 0.0 * z


def heaviside(z: float, h0: float = 0.5) -> float:
    return 1.0 if z > 0 else (0.0 if z < 0 else h0)


def dirac(z: float, *order) -> float:
    """δ(z) as a function: 0 away from 0, undefined at 0 (where the derivative does not exist)."""
    if z == 0:
        raise ValueError("DiracDelta at 0")
    return 0.0


def _sign(z: float) -> float:
    return float((z > 0) - (z < 0))


#: the parser's canonical function names → plain-float functions
FLOAT_FUNCTIONS = {
    "sigmoid": stable_sigmoid,
    "exp": math.exp,
    "log": math.log,
    "sqrt": math.sqrt,
    "tanh": math.tanh,
    "sinh": math.sinh,
    "cosh": math.cosh,
    "sin": math.sin,
    "cos": math.cos,
    "tan": math.tan,
    "abs": abs,
    "relu": stable_relu,
    "softplus": stable_softplus,
    "max": max,
    "min": min,
    "heaviside": heaviside,
    "sign": _sign,
    "dirac": dirac,
}

_BINARY = {
    "add": lambda a, b: a + b,
    "sub": lambda a, b: a - b,
    "mul": lambda a, b: a * b,
    "div": lambda a, b: a / b,
    "pow": lambda a, b: math.pow(a, b),
}


def float_value(tree: Node, point: dict[str, float]) -> float:
    """The value of a parsed expression at ``point`` (names as the parser reads them, ``λ`` as
    ``lam``). Raises ArithmeticError or ValueError where it is undefined or overflows, and
    KeyError for a name the point does not give."""
    kind = tree.kind
    if kind == "num":
        return float(tree.value)
    if kind == "name":
        return point[ALIASES.get(tree.value, tree.value)]
    args = [float_value(a, point) for a in tree.args]
    if kind == "neg":
        return -args[0]
    if kind == "call":
        value = FLOAT_FUNCTIONS[tree.value](*args)
    else:
        value = _BINARY[kind](*args)
    if isinstance(value, complex) or not math.isfinite(value):
        raise ArithmeticError("not a finite real number")
    return value


def names_of(tree: Node) -> set[str]:
    if tree.kind == "name":
        return {ALIASES.get(tree.value, tree.value)}
    return set().union(*map(names_of, tree.args)) if tree.args else set()


PROBES = 3


def may_be_equal(a: str, b: str) -> bool:
    """Whether the written expressions ``a`` and ``b`` agree (to 1e-9) wherever both are defined
    at three fixed points, at least one of them; False when either does not parse."""
    try:
        left, right = parse(a, "answer"), parse(b, "answer")
    except HwcheckError:
        return False
    names = sorted(names_of(left) | names_of(right))
    agreed = 0
    for k in range(PROBES):
        point = {n: 1.3 + 0.37 * k + 0.113 * i for i, n in enumerate(names)}
        try:
            x, y = float_value(left, point), float_value(right, point)
        except (ArithmeticError, ValueError):
            continue
        if abs(x - y) > 1e-9 * max(1.0, abs(x), abs(y)):
            return False
        agreed += 1
    return agreed > 0
