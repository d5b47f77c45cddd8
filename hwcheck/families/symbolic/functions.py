"""The neural-network functions sympy lacks, each with its derivative beside it.

- ``sigmoid(z)`` = 1/(1 + e^(−z)),  d/dz = σ(z)(1 − σ(z))   (the textbook form)
- ``relu(z)``    = max(0, z),        d/dz = Heaviside(z)
- ``softplus(z)``= log(1 + e^z),     d/dz = σ(z)

``rewrite(exp)`` expands each into exponentials (for simplification and equivalence); the
numeric versions below are stable for |z| up to 1e4 and beyond.
"""

from __future__ import annotations

import sympy
from sympy import Function, Heaviside, Max, Rational, exp, log

from hwcheck.families.symbolic.values import (
    dirac,
    heaviside,
    stable_relu,
    stable_sigmoid,
    stable_softplus,
)


class sigmoid(Function):
    """σ(z) = 1/(1 + e^(−z)); σ'(z) = σ(z)(1 − σ(z))."""

    @classmethod
    def eval(cls, z):  # sympy's hook for automatic simplification (σ(0) = 1/2), not Python's eval
        if z.is_zero:
            return Rational(1, 2)
        return None

    def fdiff(self, argindex=1):
        s = sigmoid(self.args[0])
        return s * (1 - s)

    def _eval_rewrite_as_exp(self, z, **kwargs):
        return 1 / (1 + exp(-z))

    def _eval_evalf(self, prec):
        return self.rewrite(exp)._eval_evalf(prec)

    def _eval_is_real(self):
        return self.args[0].is_real

    def _eval_is_positive(self):
        return self.args[0].is_real

    def _latex(self, printer, exp=None):
        inner = r"\sigma\left(" + printer._print(self.args[0]) + r"\right)"
        return inner if exp is None else rf"{inner}^{{{exp}}}"


class relu(Function):
    """relu(z) = max(0, z); relu'(z) = H(z) (Heaviside step)."""

    def fdiff(self, argindex=1):
        return Heaviside(self.args[0])

    def _eval_rewrite_as_exp(self, z, **kwargs):
        return Max(0, z)

    def _eval_rewrite_as_Max(self, z, **kwargs):
        return Max(0, z)

    def _eval_evalf(self, prec):
        return Max(0, self.args[0])._eval_evalf(prec)

    def _eval_is_real(self):
        return self.args[0].is_real

    def _latex(self, printer, exp=None):
        inner = r"\operatorname{relu}\left(" + printer._print(self.args[0]) + r"\right)"
        return inner if exp is None else rf"{inner}^{{{exp}}}"


class softplus(Function):
    """softplus(z) = log(1 + e^z); softplus'(z) = σ(z)."""

    def fdiff(self, argindex=1):
        return sigmoid(self.args[0])

    def _eval_rewrite_as_exp(self, z, **kwargs):
        return log(1 + exp(z))

    def _eval_evalf(self, prec):
        return self.rewrite(exp)._eval_evalf(prec)

    def _eval_is_real(self):
        return self.args[0].is_real

    def _latex(self, printer, exp=None):
        inner = r"\operatorname{softplus}\left(" + printer._print(self.args[0]) + r"\right)"
        return inner if exp is None else rf"{inner}^{{{exp}}}"


def expand_nn(expr):
    """σ, relu and softplus written with exp / Max (for simplify and equality tests)."""
    return expr.replace(
        lambda e: isinstance(e, (sigmoid, relu, softplus)), lambda e: e.rewrite(exp)
    )


def stable_forms(expr):
    """log σ(a) → −softplus(−a), log(1 − σ(a)) → −softplus(a), 1 − σ(a) → σ(−a),
    log(1 + e^a) → softplus(a): the same values, computed without cancellation far out.

    The same rewrites, in the same order, as ``expr.replace(pattern, value)`` with each pattern
    (:func:`stable_forms_by_pattern`), but sympy's matcher is asked only at the nodes that can
    match (:func:`_may_match`) and a pattern whose function the expression lacks is skipped:
    the matcher at every node was most of the cost."""
    for pattern, value, head in _stable_patterns():
        if not expr.has(head):
            continue
        expr = expr.replace(
            lambda e, p=pattern: _may_match(e, p) and e.match(p) is not None,
            lambda e, p=pattern, v=value: v.subs(e.match(p)),
        )
    return expr


def _may_match(e, pattern) -> bool:
    """A necessary condition for ``e.match(pattern)``: a match means ``e`` equals the pattern
    with ``a`` filled in, in sympy's canonical form — ``log`` of σ or of a two-term sum, or a
    two-term sum of a number and a term (1 − σ(a), σ(a) − 1, 1 + e^a)."""
    if pattern.func is log:
        if not isinstance(e, log):
            return False
        e = e.args[0]
        if isinstance(e, sigmoid):
            return True
    return e.is_Add and len(e.args) == 2 and any(arg.is_Number for arg in e.args)


def stable_forms_by_pattern(expr):
    """:func:`stable_forms` as sympy's pattern replacement at every node (the reference)."""
    for pattern, value, _ in _stable_patterns():
        expr = expr.replace(pattern, value)
    return expr


_PATTERNS: list = []


def _stable_patterns() -> list:
    """(pattern, replacement, a function the expression must contain for a match), in order."""
    if not _PATTERNS:
        a = sympy.Wild("a")
        _PATTERNS.extend(
            [
                (log(sigmoid(a)), -softplus(-a), log),
                (log(1 - sigmoid(a)), -softplus(a), log),
                (log(1 + exp(a)), softplus(a), log),
                (1 - sigmoid(a), sigmoid(-a), sigmoid),
                (sigmoid(a) - 1, -sigmoid(-a), sigmoid),
            ]
        )
    return _PATTERNS


# --------------------------------------------------------------------- stable numerics


MATH_FUNCTIONS = {
    "sigmoid": stable_sigmoid,
    "softplus": stable_softplus,
    "relu": stable_relu,
    "Heaviside": heaviside,
    "DiracDelta": dirac,
}


# ------------------------------------------------------------- arbitrary precision (mpmath)


class TooFar(ArithmeticError):
    """An argument too large to evaluate cheaply (|x| > 1e12 in exp or a trig function): the
    probe point is skipped, which is not the same as the expression being undefined there."""


MP_LIMIT = 1e12


def _mp_guard(name: str):
    def guarded(x):
        import mpmath

        if abs(mpmath.re(x)) > MP_LIMIT or abs(mpmath.im(x)) > MP_LIMIT:
            raise TooFar(name)
        return getattr(mpmath, name)(x)

    guarded.__name__ = name
    return guarded


def mp_sigmoid(z):
    import mpmath

    if abs(z) > MP_LIMIT:
        raise TooFar("sigmoid")
    if z >= 0:
        return 1 / (1 + mpmath.exp(-z))
    e = mpmath.exp(z)
    return e / (1 + e)


def mp_softplus(z):
    import mpmath

    if abs(z) > MP_LIMIT:
        raise TooFar("softplus")
    return max(z, 0) + mpmath.log1p(mpmath.exp(-abs(z)))


def mp_relu(z):
    return z if z > 0 else 0 * z


def mp_heaviside(z, h0=0.5):
    import mpmath

    return mpmath.mpf(1) if z > 0 else (mpmath.mpf(0) if z < 0 else mpmath.mpf(h0))


def mp_dirac(z, *order):
    import mpmath

    if z == 0:
        raise ValueError("DiracDelta at 0")
    return mpmath.mpf(0)


def mp_sign(z):
    import mpmath

    return mpmath.mpf((z > 0) - (z < 0))


MP_FUNCTIONS = {
    "sigmoid": mp_sigmoid,
    "softplus": mp_softplus,
    "relu": mp_relu,
    "Heaviside": mp_heaviside,
    "DiracDelta": mp_dirac,
    "sign": mp_sign,
    **{n: _mp_guard(n) for n in ("exp", "sin", "cos", "tan", "sinh", "cosh", "tanh")},
}


# ------------------------------------------------------------------- vectorised (numpy)


def _np_sigmoid(z):
    import numpy as np

    z = np.asarray(z, dtype=float)
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1 / (1 + e), e / (1 + e))


def _np_softplus(z):
    import numpy as np

    return np.logaddexp(0.0, z)


def _np_relu(z):
    import numpy as np

    return np.maximum(z, 0.0)


def _np_heaviside(z, h0=0.5):
    import numpy as np

    return np.heaviside(z, h0)


def _np_dirac(z, *order):
    import numpy as np

    z = np.asarray(z, dtype=float)
    return np.where(z == 0, np.nan, 0.0)


NUMPY_FUNCTIONS = {
    "sigmoid": _np_sigmoid,
    "softplus": _np_softplus,
    "relu": _np_relu,
    "Heaviside": _np_heaviside,
    "DiracDelta": _np_dirac,
}
