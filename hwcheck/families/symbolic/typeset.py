"""An expression as written → LaTeX math, from the safe parser's tree (nothing is evaluated,
nothing is reordered or simplified: a student's claim is typeset the way it was written).

The LaTeX renderer asks for it through :func:`hwcheck.core.escape.expression_math` (bound by
the composition root); every name passes :func:`hwcheck.core.escape.latex_math`, every number
is the literal as written, so user text can never become a LaTeX command.

>>> written_latex("(y - t)*y*(1 - y)*x + lam*w")
'(y - t) \\\\cdot y \\\\cdot (1 - y) \\\\cdot x + \\\\lambda \\\\cdot w'
>>> written_latex("exp(-(w*x + b))/(1 + exp(-(w*x + b)))**2")
'\\\\exp(-(w \\\\cdot x + b)) / (1 + \\\\exp(-(w \\\\cdot x + b)))^{2}'
>>> written_latex("sigmoid(z1) * 0.50 - w1²"), written_latex("2 +* x") is None
('\\\\sigma(z_{1}) \\\\cdot 0.50 - {w_{1}}^{2}', True)
>>> written_latex("۲*w۱ + ٣")
'2 \\\\cdot w_{1} + 3'

"""

from __future__ import annotations

import re

from hwcheck.core.errors import HwcheckError
from hwcheck.core.escape import latex_math, western_digits
from hwcheck.families.symbolic.parser import Node, parse, tokenize

#: binding strength: a child binding more weakly than its place needs is parenthesised
_LEVEL = {"add": 1, "sub": 1, "mul": 2, "div": 2, "neg": 3, "pow": 4}
_FUNCTION = {
    "sigmoid": r"\sigma",
    "exp": r"\exp",
    "log": r"\log",
    "tanh": r"\tanh",
    "sinh": r"\sinh",
    "cosh": r"\cosh",
    "sin": r"\sin",
    "cos": r"\cos",
    "tan": r"\tan",
    "max": r"\max",
    "min": r"\min",
    "sign": r"\operatorname{sign}",
}
_GREEK_NAMES = {"lam": r"\lambda"}


def written_latex(text: str) -> str | None:
    """``text`` in the expression language as LaTeX math; None when it does not parse."""
    try:
        tree = parse(text)
        literals = {t.column: t.text for t in tokenize(text) if t.kind == "number"}
        return _Printer(literals).latex(tree)
    except (HwcheckError, RecursionError):  # not an expression, or one too deep to print
        return None


class _Printer:
    def __init__(self, literals: dict[int, str]):
        self.literals = literals  # a number's column → its text as written

    def latex(self, node: Node) -> str:
        return getattr(self, "_" + node.kind)(node)

    def child(self, node: Node, level: int) -> str:
        code = self.latex(node)
        return f"({code})" if _LEVEL.get(node.kind, 9) < level else code

    def _num(self, node: Node) -> str:
        written = western_digits(self.literals.get(node.column, str(node.value)).replace("_", ""))
        mantissa, e, exponent = written.lower().partition("e")
        return f"{mantissa} \\cdot 10^{{{int(exponent)}}}" if e else written

    def _name(self, node: Node) -> str:
        name = str(node.value)
        if name in _GREEK_NAMES:
            return _GREEK_NAMES[name]
        m = re.fullmatch(r"([^\W\d_]+)_?(\d+)", name)
        if m:
            return f"{_symbol(m[1])}_{{{western_digits(m[2])}}}"
        return _symbol(name)

    def _neg(self, node: Node) -> str:
        return "-" + self.child(node.args[0], 3)

    def _add(self, node: Node) -> str:
        return f"{self.child(node.args[0], 1)} + {self.child(node.args[1], 1)}"

    def _sub(self, node: Node) -> str:
        return f"{self.child(node.args[0], 1)} - {self.child(node.args[1], 2)}"

    def _mul(self, node: Node) -> str:
        return f"{self.child(node.args[0], 2)} \\cdot {self.child(node.args[1], 3)}"

    def _div(self, node: Node) -> str:  # a slash, as written: a line (a table cell) can break
        return f"{self.child(node.args[0], 2)} / {self.child(node.args[1], 3)}"

    def _pow(self, node: Node) -> str:
        base = self.child(node.args[0], 5)
        base = f"{{{base}}}" if node.args[0].kind in ("name", "pow") else base
        return f"{base}^{{{self.latex(node.args[1])}}}"

    def _call(self, node: Node) -> str:
        inner = ", ".join(self.latex(a) for a in node.args)
        name = str(node.value)
        if name == "sqrt":
            return f"\\sqrt{{{inner}}}"
        if name == "abs":
            return f"\\lvert {inner}\\rvert"
        command = _FUNCTION.get(name) or "\\operatorname{" + name + "}"
        return f"{command}({inner})"


def _symbol(name: str) -> str:
    """One symbol: a letter (or Greek) as it is, a longer name upright-italic as one word."""
    code = latex_math(name)
    return code if len(name) == 1 else f"\\mathit{{{code}}}"
