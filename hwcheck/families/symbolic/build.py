"""The parsed tree → a sympy expression, through a whitelist of node kinds and functions.

Only sympy's constructors are called (``Symbol``, ``Integer``, ``Rational``, ``Add``, ``Mul``,
``Pow`` and the whitelisted functions); user text never reaches ``sympify``. Exponents are
bounded so that ``9**9**9**9`` or ``x**(10**10)`` stop with an error instead of a hang.
"""

from __future__ import annotations

import math
import re
from functools import lru_cache

import sympy

from hwcheck.core.errors import HwcheckError, pointer
from hwcheck.families.symbolic import functions as nn
from hwcheck.families.symbolic.parser import ALIASES, Node, parse

MAX_EXPONENT = 1_000  # |n| in x**n
MAX_BITS = 13_000  # size of a number computed from literals (~3,900 digits)


_FUNCTIONS = {
    "sigmoid": nn.sigmoid,
    "exp": sympy.exp,
    "log": sympy.log,
    "sqrt": sympy.sqrt,
    "tanh": sympy.tanh,
    "sinh": sympy.sinh,
    "cosh": sympy.cosh,
    "sin": sympy.sin,
    "cos": sympy.cos,
    "tan": sympy.tan,
    "abs": sympy.Abs,
    "relu": nn.relu,
    "softplus": nn.softplus,
    "max": sympy.Max,
    "min": sympy.Min,
    "heaviside": sympy.Heaviside,
    "sign": sympy.sign,
    "dirac": sympy.DiracDelta,
}


def symbol(name: str, assume: str = "real") -> sympy.Symbol:
    """The symbol for a user name (``λ`` → ``lam``); ``assume`` is ``real`` or ``positive``."""
    name = ALIASES.get(name, name)
    return (
        sympy.Symbol(name, positive=True) if assume == "positive" else sympy.Symbol(name, real=True)
    )


class _Builder:
    def __init__(self, text: str, where: str, assume: str):
        self.text, self.where, self.assume = text, where, assume

    def fail(self, node: Node, message: str) -> HwcheckError:
        if not self.text:  # a tree with the definitions written out: its columns point elsewhere
            return HwcheckError(self.where, message)
        return HwcheckError(
            self.where, f"{message} at column {node.column}", pointer(self.text, node.column - 1)
        )

    def build(self, node: Node):
        kind = node.kind
        if kind == "num":
            v = node.value
            return (
                sympy.Integer(v)
                if isinstance(v, int)
                else sympy.Rational(v.numerator, v.denominator)
            )
        if kind == "name":
            return symbol(node.value, self.assume)
        args = [self.build(a) for a in node.args]
        return self.bounded(node, self.combine(node, args))

    def bounded(self, node: Node, value):
        if value.is_Rational:
            if int(value.p).bit_length() + int(value.q).bit_length() > MAX_BITS:
                raise self.fail(node, "a number here is too large to compute exactly")
        elif value.is_number and magnitude_bits(value) > MAX_BITS:
            # exp(exp(exp(100))): every later step (probes, printing, sorting terms) would
            # evaluate it, with as many digits as it is long; refused here, before any of them
            raise self.fail(
                node, f"a number here is too large to compute (beyond 2^{MAX_BITS:,} ≈ 10^3,900)"
            )
        return value

    def combine(self, node: Node, args):
        kind = node.kind
        if kind == "neg":
            return -args[0]
        if kind == "add":
            return sympy.Add(args[0], args[1])
        if kind == "sub":
            return sympy.Add(args[0], -args[1])
        if kind == "mul":
            return sympy.Mul(args[0], args[1])
        if kind == "div":
            return self.divide(node, *args)
        if kind == "pow":
            return self.power(node, *args)
        return self.call(node, args)

    def divide(self, node: Node, a, b):
        if b.is_zero:
            raise self.fail(node, "division by zero")
        return sympy.Mul(a, sympy.Pow(b, -1))

    def power(self, node: Node, base, exponent):
        if exponent.is_number:
            self.check_exponent(node, base, exponent)
        if base.is_zero and exponent.is_Number and exponent.is_negative:
            raise self.fail(node, "division by zero (0 to a negative power)")
        return sympy.Pow(base, exponent)

    def check_exponent(self, node: Node, base, exponent) -> None:
        if not exponent.is_Rational:  # a constant such as exp(100): bounded like an integer
            if exponent.is_number and magnitude_bits(exponent) > MAX_EXPONENT.bit_length():
                raise self.fail(node, f"exponent is too large (|n| ≤ {MAX_EXPONENT:,})")
            return
        if abs(exponent.p) > MAX_EXPONENT or exponent.q > MAX_EXPONENT:
            raise self.fail(
                node, f"exponent {_short(exponent)} is too large (|n| ≤ {MAX_EXPONENT:,})"
            )
        if base.is_Rational and base != 0:
            bits = abs(exponent.p) * max(1.0, math.log2(abs(base.p)) + math.log2(base.q))
            if bits > MAX_BITS:
                raise self.fail(node, "the number is too large to compute exactly")

    def call(self, node: Node, args):
        if (
            node.value == "dirac"
            and len(args) == 2
            and not (args[1].is_Integer and 0 <= args[1] <= 10)
        ):
            raise self.fail(node, "dirac(z, k): the order k is an integer from 0 to 10")
        result = _FUNCTIONS[node.value](*args)
        if result.has(sympy.zoo, sympy.nan):
            raise self.fail(node, f"{node.value}() is undefined here")
        return result


def magnitude_bits(value) -> float:
    """log₂|value| of a constant whose parts are already bounded (so evaluating it to a few
    digits is cheap: an exponent of at most ~2^13,000 is reduced in milliseconds); −inf for
    0, and 0 when it has no numeric value (it is then not a number to bound)."""
    try:
        parts = value.evalf(15).as_real_imag()
    except (ArithmeticError, ValueError, TypeError, RecursionError):
        return 0.0
    bits = -math.inf
    for part in parts:
        if part.is_Float:
            _sign, mantissa, exponent, length = part._mpf_
            if mantissa:
                bits = max(bits, exponent + length)
        elif part.is_Rational and part != 0:
            bits = max(bits, int(part.p).bit_length() - int(part.q).bit_length())
        elif not part.is_zero:
            return 0.0
    return bits


def _short(n) -> str:
    text = str(n)
    return text if len(text) <= 20 else text[:8] + "…"


def build(tree: Node, text: str = "", where: str = "expression", assume: str = "real"):
    """A sympy expression for a parsed tree."""
    return _Builder(text, where, assume).build(tree)


@lru_cache(maxsize=2048)
def expression(text: str, where: str = "expression", assume: str = "real"):
    """Parse and build in one step (cached: claims repeat the same expected expression)."""
    return build(parse(text, where), text, where, assume)


# ------------------------------------------------------------------------------ printing


def _printer():
    from sympy.printing.str import StrPrinter

    class LanguagePrinter(StrPrinter):
        """Prints sympy back into the expression language (so results parse as claims)."""

        def _print_Abs(self, e):
            return f"abs({self._print(e.args[0])})"

        def _print_Heaviside(self, e):
            return f"heaviside({self._print(e.args[0])})"

        def _print_Max(self, e):
            return "max(" + ", ".join(self._print(a) for a in e.args) + ")"

        def _print_Min(self, e):
            return "min(" + ", ".join(self._print(a) for a in e.args) + ")"

        def _print_DiracDelta(self, e):
            return "dirac(" + ", ".join(self._print(a) for a in e.args) + ")"

        def _print_Exp1(self, e):
            return "exp(1)"

    return LanguagePrinter({"order": "old"})


def to_text(expr) -> str:
    """``expr`` in the expression language: ``x*(1 - sigmoid(b + w*x))``."""
    return _printer().doprint(expr)


def to_display(expr) -> str:
    """For tables: σ for sigmoid, λ for lam, ^ for powers, · for products."""
    text = to_text(expr).replace("**", "^").replace("*", "·").replace("sigmoid(", "σ(")
    return re.sub(r"\blam\b", "λ", text)


def display_name(name: str) -> str:
    """A variable's name for people: ``lam`` → ``λ``."""
    return "λ" if name == "lam" else name


def tex_name(name: str) -> str:
    """A variable's name in LaTeX: ``lam`` → ``\\lambda``."""
    return r"\lambda" if name == "lam" else name


def to_latex(expr) -> str:
    names = {s: r"\lambda" for s in expr.free_symbols if str(s) == "lam"}
    return sympy.latex(expr, symbol_names=names, order="old")
