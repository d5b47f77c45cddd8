"""One definition per formula: a small expression structure that computes and renders itself.

An update rule is written once, as a :class:`Rule` of nodes (:class:`Sym`, :class:`Num`,
:class:`Op`), the micrograd way: beside the code that uses it. The same object

- computes (:meth:`Node.compile` builds plain closures, no ``eval``; :meth:`Node.value` walks),
- renders as Unicode text for tables and ``--explain`` (:meth:`Node.text`), as LaTeX
  (:meth:`Node.latex`) and as Markdown (:meth:`Node.markdown`),
- writes itself out with the numbers of one step substituted (:meth:`Rule.explain`),

so a column header can no longer disagree with the values under it.

Time: a symbol's ``role`` says how it is indexed (``value``: a plain number, never folded). ``state`` (a running quantity such as m) is
``mₜ`` on the left of its rule and ``mₜ₋₁`` on the right; ``step`` (computed fresh each step,
such as g or m̂) is ``gₜ``; ``hyper`` (β₁, lr) has no index. Rendering with ``t=None`` writes the
generic ``t``; with a number, that step's indices.

>>> m, beta1, g = Sym("m", "exp_avg", "state"), Sym("β₁", "beta1", latex=r"\\beta_{1}"), Sym("g", "grad", "step")
>>> rule = Rule(m, beta1 * m + (1 - beta1) * g)
>>> rule.text()
'mₜ = β₁·mₜ₋₁ + (1 − β₁)·gₜ'
>>> rule.latex()
'm_{t} = \\\\beta_{1} m_{t-1} + \\\\left(1 - \\\\beta_{1}\\\\right) g_{t}'
>>> rule.rhs.value({"exp_avg": 1.0, "beta1": 0.9, "grad": 2.0})
1.1
"""

from __future__ import annotations

import math
import operator
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from hwcheck.core.numfmt import fmt, subscript

_SUPERSCRIPT = str.maketrans("0123456789t−-+", "⁰¹²³⁴⁵⁶⁷⁸⁹ᵗ⁻⁻⁺")
#: binding strength: a child binding weaker than its parent gets parentheses
_PRECEDENCE = {
    "+": 1,
    "-": 1,
    "*": 2,
    "/": 2,
    "neg": 2,
    "^": 4,
    "sqrt": 5,
    "max": 5,
    "floor": 5,
    "ceil": 5,
}
_BRACKETS = {
    "floor": ("⌊", "⌋", r"\left\lfloor ", r"\right\rfloor "),
    "ceil": ("⌈", "⌉", r"\left\lceil ", r"\right\rceil "),
}


class Node:
    """An expression node. Arithmetic operators build trees: ``beta1 * m + (1 - beta1) * g``."""

    precedence = 9

    def __add__(self, other):
        return Op("+", (self, wrap(other)))

    def __radd__(self, other):
        return Op("+", (wrap(other), self))

    def __sub__(self, other):
        return Op("-", (self, wrap(other)))

    def __rsub__(self, other):
        return Op("-", (wrap(other), self))

    def __mul__(self, other):
        return Op("*", (self, wrap(other)))

    def __rmul__(self, other):
        return Op("*", (wrap(other), self))

    def __truediv__(self, other):
        return Op("/", (self, wrap(other)))

    def __rtruediv__(self, other):
        return Op("/", (wrap(other), self))

    def __pow__(self, other):
        return Op("^", (self, wrap(other)))

    def __neg__(self):
        return Op("neg", (self,))

    # --------------------------------------------------------------- the four renderings
    def text(self, t: int | None = None, lhs: bool = False, updated=frozenset()) -> str:
        """Unicode text; ``updated``: state keys already assigned this step (read as ``ₜ``)."""
        raise NotImplementedError

    def latex(self, t: int | None = None, lhs: bool = False, updated=frozenset()) -> str:
        raise NotImplementedError

    def markdown(self, t: int | None = None) -> str:
        return "$" + self.latex(t) + "$"

    def substituted(self, env: dict[str, Any], f: Callable[[Any], str], t: int) -> str:
        """The text with every symbol's value; a part made of hyperparameters only is folded
        into its value (``(1 − β₁)`` → ``0.1``)."""
        raise NotImplementedError

    # ------------------------------------------------------------------------- computing
    def value(self, env: dict[str, Any]) -> float:
        return self.compile()(env)

    def compile(self, fixed: dict[str, Any] | None = None) -> Callable[[dict[str, Any]], float]:
        raise NotImplementedError

    def symbols(self) -> set[Sym]:
        raise NotImplementedError


def wrap(x) -> Node:
    return x if isinstance(x, Node) else Num(x)


@dataclass(frozen=True, eq=False)
class Num(Node):
    """A constant."""

    number: float

    def text(self, t=None, lhs=False, updated=frozenset()) -> str:
        return fmt(self.number)

    def latex(self, t=None, lhs=False, updated=frozenset()) -> str:
        return fmt(self.number)

    def substituted(self, env, f, t) -> str:
        return self.text()

    def compile(self, fixed=None):
        number = self.number
        return lambda env: number

    def symbols(self):
        return set()


@dataclass(frozen=True, eq=False)
class Sym(Node):
    """A named quantity: ``name`` as printed, ``key`` where its value lives, ``role`` (state,
    step, hyper or time), and its LaTeX (default: ``name``)."""

    name: str
    key: str
    role: str = "hyper"
    latex_name: str | None = None

    def __init__(self, name: str, key: str, role: str = "hyper", latex: str | None = None):
        object.__setattr__(self, "name", name)
        object.__setattr__(self, "key", key)
        object.__setattr__(self, "role", role)
        object.__setattr__(self, "latex_name", latex)

    def index(self, t: int | None, lhs: bool, updated=frozenset()) -> str | None:
        if self.role == "state":
            new = lhs or self.key in updated
            return ("t" if new else "t-1") if t is None else str(t if new else t - 1)
        if self.role == "step":
            return "t" if t is None else str(t)
        return None

    def text(self, t=None, lhs=False, updated=frozenset()) -> str:
        if self.role == "time":
            return "t" if t is None else str(t)
        index = self.index(t, lhs, updated)
        if index is None:
            return self.name
        return self.name + subscript(index).translate(str.maketrans("t", "ₜ"))

    def latex(self, t=None, lhs=False, updated=frozenset()) -> str:
        name = self.latex_name or self.name
        if self.role == "time":
            return "t" if t is None else str(t)
        index = self.index(t, lhs, updated)
        return name if index is None else f"{name}_{{{index}}}"

    def substituted(self, env, f, t) -> str:
        return str(t) if self.role == "time" else f(env[self.key])

    def compile(self, fixed=None):
        if fixed is not None and self.key in fixed:
            value = fixed[self.key]
            return lambda env: value
        key = self.key
        return lambda env: env[key]

    def symbols(self):
        return {self}


@dataclass(frozen=True, eq=False)
class Op(Node):
    """An operation on its arguments (``kind``: + - * / ^ neg sqrt max floor ceil)."""

    kind: str  # + - * / ^ neg sqrt max
    args: tuple[Node, ...]

    @property
    def precedence(self) -> int:
        return _PRECEDENCE[self.kind]

    def _child(self, child: Node, render, style: str, right: bool = False) -> str:
        text = render(child)
        if style == "subst" and isinstance(child, Op) and child.constant():
            return text  # a folded number brings its own parentheses when negative
        neg = isinstance(child, Op) and child.kind == "neg"
        wrap_it = (
            child.precedence < self.precedence
            or (right and child.precedence == self.precedence and self.kind in ("-", "/", "^"))
            or (neg and (right or self.kind == "^"))
            or (self.kind == "^" and not right and isinstance(child, Op))
        )
        if not wrap_it:
            return text
        return rf"\left({text}\right)" if style == "latex" else f"({text})"

    def _render(self, render, style: str) -> str:
        a = self.args
        if self.kind == "sqrt":
            inner = render(a[0])
            if style == "latex":
                return rf"\sqrt{{{inner}}}"
            return "√" + (inner if isinstance(a[0], (Sym, Num)) else f"({inner})")
        if self.kind in _BRACKETS:
            left, right, tex_left, tex_right = _BRACKETS[self.kind]
            if style == "latex":
                return tex_left + render(a[0]) + tex_right.rstrip()
            return left + render(a[0]) + right
        if self.kind == "max":
            body = ", ".join(render(x) for x in a)
            return rf"\max\left({body}\right)" if style == "latex" else f"max({body})"
        if self.kind == "neg":
            return ("-" if style == "latex" else "−") + self._child(a[0], render, style)
        left = self._child(a[0], render, style)
        right = self._child(a[1], render, style, right=True)
        if style == "latex":
            return {
                "+": f"{left} + {right}",
                "-": f"{left} - {right}",
                "*": f"{left} {right}",
                "/": rf"\frac{{{render(a[0])}}}{{{render(a[1])}}}",
                "^": f"{{{left}}}^{{{render(a[1])}}}",
            }[self.kind]
        if self.kind == "^" and isinstance(a[1], (Sym, Num)):
            power = render(a[1])
            if all(c in "0123456789t" for c in power):
                return left + power.translate(_SUPERSCRIPT)
        op = {"+": " + ", "-": " − ", "*": "·", "/": "/", "^": "^"}[self.kind]
        return left + op + right

    def text(self, t=None, lhs=False, updated=frozenset()) -> str:
        return self._render(lambda n: n.text(t, False, updated), "text")

    def latex(self, t=None, lhs=False, updated=frozenset()) -> str:
        return self._render(lambda n: n.latex(t, False, updated), "latex")

    def constant(self) -> bool:
        """Made of hyperparameters only: written as its value once numbers are substituted."""
        return all(s.role in ("hyper", "time") for s in self.symbols())

    def substituted(self, env, f, t) -> str:
        if self.constant():
            return f(self.value(env | {"t": t}))
        return self._render(lambda n: n.substituted(env, f, t), "subst")

    def compile(self, fixed: dict[str, Any] | None = None):
        """A closure of ``env``; symbols in ``fixed`` (hyperparameters) and the parts made of
        them are folded into constants once, and leaves are read inline (the step is hot)."""
        if fixed is not None and self.symbols() and all(s.key in fixed for s in self.symbols()):
            value = self.value(fixed)
            return lambda env: value
        if self.kind in _BRACKETS:
            return _rounded(self.kind, self.args[0], fixed)
        leaves = [_leaf(a, fixed) for a in self.args]
        if self.kind in ("neg", "sqrt", "max"):
            fns = [_as_function(leaf) for leaf in leaves]
            if self.kind == "neg":
                (x,) = fns
                return lambda env: -x(env)
            if self.kind == "sqrt":
                (x,) = fns
                return lambda env: math.sqrt(max(x(env), 0.0))  # round-off below 0 is 0
            return lambda env: max(fn(env) for fn in fns)
        op = _BINARY[self.kind]
        (kx, x), (ky, y) = leaves
        if kx == "key" and ky == "key":
            return lambda env: op(env[x], env[y])
        if kx == "key" and ky == "const":
            return lambda env: op(env[x], y)
        if kx == "const" and ky == "key":
            return lambda env: op(x, env[y])
        fx, fy = _as_function((kx, x)), _as_function((ky, y))
        return lambda env: op(fx(env), fy(env))

    def symbols(self):
        return set().union(*(a.symbols() for a in self.args))


_BINARY = {
    "+": operator.add,
    "-": operator.sub,
    "*": operator.mul,
    "/": operator.truediv,
    "^": operator.pow,
}


def _leaf(node: Node, fixed) -> tuple[str, Any]:
    if isinstance(node, Num):
        return "const", node.number
    if isinstance(node, Sym):
        if fixed is not None and node.key in fixed:
            return "const", fixed[node.key]
        return "key", node.key
    return "fn", node.compile(fixed)


def _as_function(leaf: tuple[str, Any]):
    kind, x = leaf
    if kind == "const":
        return lambda env: x
    if kind == "key":
        return lambda env: env[x]
    return x


def _rounded(kind: str, inner: Node, fixed):
    """⌊a/b⌋ or ⌈a/b⌉ exactly for integers (no float division: sizes may be huge)."""
    if isinstance(inner, Op) and inner.kind == "/":
        a, b = (x.compile(fixed) for x in inner.args)
        if kind == "floor":
            return lambda env: _floor_div(a(env), b(env))
        return lambda env: -_floor_div(-a(env), b(env))
    x = inner.compile(fixed)
    return (lambda env: math.floor(x(env))) if kind == "floor" else (lambda env: math.ceil(x(env)))


def _floor_div(a, b):
    return a // b if isinstance(a, int) and isinstance(b, int) else math.floor(a / b)


def floor(x) -> Op:
    return Op("floor", (wrap(x),))


def ceil(x) -> Op:
    return Op("ceil", (wrap(x),))


def sqrt(x) -> Op:
    return Op("sqrt", (wrap(x),))


def maximum(*xs) -> Op:
    return Op("max", tuple(wrap(x) for x in xs))


# ---------------------------------------------------------------------------------- rules


class FormulaText(str):
    """A formula's Unicode text that also carries its LaTeX: a table cell or header the
    renderers write as math (``$…$`` in Markdown and LaTeX) and the terminal as text. Made by
    the program from a formula only, never from user text.

    >>> cell = Rule(Sym("s", "sum", "state"), Sym("s", "sum", "state") + 1).cell()
    >>> cell, cell.latex
    ('sₜ = sₜ₋₁ + 1', 's_{t} = s_{t-1} + 1')
    """

    latex: str

    def __new__(cls, text: str, latex: str):
        made = super().__new__(cls, text)
        made.latex = latex
        return made


@dataclass(frozen=True, eq=False)
class Rule:
    """``lhs = rhs`` (or ``lhs ← rhs`` when ``reassign``: the same quantity, changed in place).
    ``first`` replaces ``rhs`` at step 1 (torch's SGD starts its momentum buffer at g)."""

    lhs: Sym
    rhs: Node
    first: Node | None = None
    reassign: bool = False
    updated: frozenset = frozenset()  # state assigned by earlier rules of the step (see sequence)

    def compile(self, fixed: dict[str, Any] | None = None):
        """(key, function, function at step 1 or None) for a step loop; ``fixed``: constants."""
        rhs = self.rhs.compile(fixed)
        first = self.first.compile(fixed) if self.first is not None else None
        return self.lhs.key, rhs, first

    def text(self, t: int | None = None) -> str:
        arrow = " ← " if self.reassign else " = "
        rhs = self.first if (self.first is not None and t == 1) else self.rhs
        lhs = self.lhs.text(t, not self.reassign, self.updated)
        return lhs + arrow + rhs.text(t, False, self.updated)

    def latex(self, t: int | None = None) -> str:
        arrow = r" \leftarrow " if self.reassign else " = "
        rhs = self.first if (self.first is not None and t == 1) else self.rhs
        lhs = self.lhs.latex(t, not self.reassign, self.updated)
        return lhs + arrow + rhs.latex(t, False, self.updated)

    def markdown(self, t: int | None = None) -> str:
        return "$" + self.latex(t) + "$"

    def cell(self, t: int | None = None) -> FormulaText:
        """The rule as a table header: text for terminals, math for Markdown and LaTeX."""
        return FormulaText(self.text(t), self.latex(t))

    def explain(self, env: dict[str, Any], f: Callable[[Any], str], t: int) -> tuple[str, float]:
        """``(mₜ = β₁·mₜ₋₁ + … = 0.9·0 + 0.1·0.27 = 0.027, value)`` for step ``t``: ``env``
        holds the values the right side reads; the value comes from the same definition."""
        rhs = self.first if (self.first is not None and t == 1) else self.rhs
        value = rhs.value(env | {"t": t})
        shown = rhs.substituted(env, f, t)
        result = f(value)
        if result.startswith("(") and result.endswith(")"):
            result = result[1:-1]
        parts = [self.text(t)]
        if shown != rhs.text(t, False, self.updated) and shown != result:
            parts.append(shown)
        return " = ".join(parts + [result]), value


def sequence(rules: list[Rule]) -> list[Rule]:
    """The rules of one step in order, each knowing which state the earlier ones assigned (so
    ``m̂ₜ = mₜ/(1 − β₁ᵗ)`` reads the new ``mₜ``, not ``mₜ₋₁``)."""
    from dataclasses import replace

    out, assigned = [], frozenset()
    for rule in rules:
        out.append(replace(rule, updated=assigned))
        if rule.lhs.role == "state" and not rule.reassign:
            assigned = assigned | {rule.lhs.key}
    return out
