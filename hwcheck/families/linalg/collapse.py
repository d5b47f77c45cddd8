"""``linear-collapse``: m linear layers are one (exercise R), multiplied out without commuting.

y = (…((x·W₁ + b₁)·W₂ + b₂)…)·Wₘ + bₘ = x·W′ + b′ with W′ = W₁W₂…Wₘ and
b′ = Σₖ bₖ·Wₖ₊₁…Wₘ. Matrices do not commute, so an expression is a *non-commutative
polynomial*: a map from words (the ordered product of names) to rational coefficients.
Claims such as ``b_prime="b1 W2 W3 + b2 W3 + b3"`` are parsed by a small grammar of their own
(names, +, −, products by juxtaposition, `*`, `·` or `@`, parentheses, rational coefficients;
never evaluated as code), expanded, and compared word by word: equal exactly when equal as
matrix expressions for every choice of matrices of matching shapes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from hwcheck.core.errors import HwcheckError, pointer
from hwcheck.core.result import Result, Text

Poly = dict[tuple[str, ...], Fraction]
MAX_TERMS = 4096
MAX_TEXT = 4000
_SUB = str.maketrans("₀₁₂₃₄₅₆₇₈₉′", "0123456789'")
_TOKEN = re.compile(
    r"\s*(?:(?P<num>\d+(?:\.\d+)?(?:/\d+)?)|(?P<name>[A-Za-z](?:_?\d+)?'?)|(?P<op>[-+*·@()]))"
)


def add(p: Poly, q: Poly, sign: int = 1) -> Poly:
    out = dict(p)
    for word, c in q.items():
        out[word] = out.get(word, Fraction(0)) + sign * c
    return {w: c for w, c in out.items() if c != 0}


def mul(p: Poly, q: Poly) -> Poly:
    out: Poly = {}
    for w1, c1 in p.items():
        for w2, c2 in q.items():
            w = w1 + w2
            out[w] = out.get(w, Fraction(0)) + c1 * c2
            if len(out) > MAX_TERMS:
                raise HwcheckError("expression", f"more than {MAX_TERMS} terms after expanding")
    return {w: c for w, c in out.items() if c != 0}


def name(n: str) -> Poly:
    return {(n,): Fraction(1)}


def collapse(m: int) -> tuple[Poly, Poly, Poly]:
    """(W′, b′, y) of m linear layers, expanded."""
    y = name("x")
    for k in range(1, m + 1):
        y = add(mul(y, name(f"W{k}")), name(f"b{k}"))
    w_prime = {w[1:]: c for w, c in y.items() if w[0] == "x"}
    b_prime = {w: c for w, c in y.items() if w[0] != "x"}
    return w_prime, b_prime, y


def show(p: Poly) -> str:
    """``b1·W2 + b2`` (terms in a stable order: longer words first, then by name)."""
    if not p:
        return "0"
    parts = []
    for word in sorted(p, key=lambda w: (-len(w), w)):
        c = p[word]
        body = "·".join(word) if word else "1"
        coef = "" if abs(c) == 1 and word else f"{abs(c)}·" if word else f"{abs(c)}"
        parts.append(("− " if c < 0 else "+ ") + coef + body)
    text = " ".join(parts)
    return text[2:] if text.startswith("+ ") else "−" + text[2:]


class _Parser:
    def __init__(self, text: str, where: str, definitions: dict[str, Poly]):
        self.text, self.where, self.defs = text, where, definitions
        self.tokens = []
        pos = 0
        while pos < len(text) and text[pos:].strip():
            m = _TOKEN.match(text, pos)
            if not m or m.end() == pos:
                at = len(text) - len(text[pos:].lstrip())
                raise HwcheckError(where, f"unexpected '{text[at]}'", hint=pointer(text, at))
            kind = m.lastgroup
            self.tokens.append((kind, m.group(kind).replace("_", ""), m.start(kind)))
            pos = m.end()
        self.i = 0

    def peek(self):
        return self.tokens[self.i] if self.i < len(self.tokens) else None

    def fail(self, message: str, at: int):
        raise HwcheckError(self.where, message, hint=pointer(self.text, at))

    def expr(self) -> Poly:
        sign = 1
        token = self.peek()
        if token and token[1] in "+-":
            self.i += 1
            sign = -1 if token[1] == "-" else 1
        total = {w: sign * c for w, c in self.term().items()}
        while (token := self.peek()) is not None and token[1] in ("+", "-"):
            self.i += 1
            total = add(total, self.term(), -1 if token[1] == "-" else 1)
        return total

    def term(self) -> Poly:
        product = self.factor()
        while (token := self.peek()) is not None and token[1] not in ("+", "-", ")"):
            if token[1] in ("*", "·", "@"):
                self.i += 1
            product = mul(product, self.factor())
        return product

    def factor(self) -> Poly:
        token = self.peek()
        if token is None:
            self.fail("unexpected end of the expression", len(self.text))
        kind, value, at = token
        self.i += 1
        if kind == "num":
            return {(): Fraction(value)}
        if value == "(":
            inner = self.expr()
            closing = self.peek()
            if closing is None or closing[1] != ")":
                self.fail("expected ')'", closing[2] if closing else len(self.text))
            self.i += 1
            return inner
        if kind == "name":
            return self.defs.get(value, name(value))
        self.fail(f"unexpected '{value}'", at)


def parse_matrix_expression(
    text: Any, where: str, definitions: dict[str, Poly] | None = None
) -> Poly:
    if not isinstance(text, str) or not text.strip():
        raise HwcheckError(where, "expected a matrix expression such as 'x W1 W2 + b1 W2 + b2'")
    if len(text) > MAX_TEXT:
        raise HwcheckError(where, f"longer than {MAX_TEXT} characters")
    text = text.translate(_SUB)
    text = re.sub(r"^\s*[A-Za-z]'?\s*=\s*", "", text)  # "Y = …" / "W' = …"
    parser = _Parser(text, where, definitions or {})
    poly = parser.expr()
    if parser.peek() is not None:
        parser.fail(f"unexpected '{parser.peek()[1]}'", parser.peek()[2])
    return poly


@dataclass(frozen=True)
class CollapseResult(Result):
    command = "linear-collapse"

    layers: int
    W_prime: str
    b_prime: str
    y: str

    def claim_kind(self, path: tuple) -> str | None:
        return "matrix_expression" if path and path[0] in ("W_prime", "b_prime", "y") else None

    def claim_context(self) -> dict[str, Any]:
        return {"layers": self.layers}

    def view(self, digits: int = 6) -> list:
        m = self.layers
        steps = []
        y = name("x")
        for k in range(1, m + 1):
            y = add(mul(y, name(f"W{k}")), name(f"b{k}"))
            steps.append(f"after layer {k}: y = {show(y)}")
        lines = (
            f"y = (…((x·W1 + b1)·W2 + b2)…)·W{m} + b{m}, multiplied out without commuting:",
            *steps,
            f"so y = x·W′ + b′ with W′ = {self.W_prime}",
            f"and b′ = {self.b_prime}",
            "(one linear layer: without a non-linearity, depth adds nothing)",
        )
        return [Text(lines, title=f"{m} linear layers collapse to one")]


def linear_collapse(request) -> CollapseResult:
    w_prime, b_prime, y = collapse(request.layers)
    return CollapseResult(
        layers=request.layers, W_prime=show(w_prime), b_prime=show(b_prime), y=show(y)
    )


def compare_matrix_expression(expected: str, claimed: str, *, context: dict) -> tuple:
    """(verdict, rule, hint): equal as non-commutative polynomials after W′, b′ are expanded."""
    m = int(context.get("layers", 1))
    w_prime, b_prime, _ = collapse(m)
    defs = {"W'": w_prime, "b'": b_prime}
    want = parse_matrix_expression(expected, "expected", defs)
    try:
        got = parse_matrix_expression(claimed, "claim", defs)
    except HwcheckError as exc:
        return "error", "matrix expression: could not read the claim", exc.message
    rule = "matrix expression: expanded without commuting, compared term by term"
    if got == want:
        return "correct", rule, None
    missing = [w for w in want if w not in got]
    extra = [w for w in got if w not in want]
    hint = []
    if missing:
        hint.append("missing " + ", ".join(show({w: want[w]}) for w in missing[:4]))
    if extra:
        hint.append("unexpected " + ", ".join(show({w: got[w]}) for w in extra[:4]))
    if want and all(w[:1] == ("x",) for w in missing) and not any(w[:1] == ("x",) for w in got):
        hint.append("x is missing: y = x·W′ + b′")
    return "wrong", rule, "; ".join(hint) or "the coefficients differ"
