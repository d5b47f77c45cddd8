"""User text → a small, whitelisted expression tree. Nothing is ever evaluated.

The language: numbers (``2``, ``0.5``, ``1e-3``; fractions are written ``1/4``), names
(identifiers, Unicode allowed: ``λ``, ``w1``; a leading ``_`` is refused), ``+ - * / ** ^``
(also ``− · ×`` and superscripts ``²``, ``³``), unary signs, parentheses and calls to the
functions in :data:`FUNCTIONS`. A hand-written tokenizer and recursive-descent parser build
:class:`Node` objects that remember their column, so every error points at the place::

    >>> parse("w*x + foo(b)")
    Traceback (most recent call last):
    ...
    hwcheck.core.errors.HwcheckError: expression: unknown function 'foo' at column 7

Hard limits keep hostile input harmless: text length, node count, nesting depth and digits
in one literal; :mod:`hwcheck.families.symbolic.build` bounds exponents.
"""

from __future__ import annotations

import keyword
import re
from dataclasses import dataclass
from fractions import Fraction

from hwcheck.core.errors import HwcheckError, did_you_mean, pointer

MAX_LENGTH = 4_000  # characters
MAX_NODES = 600
MAX_DEPTH = 60  # nested parentheses / operators
MAX_DIGITS = 40  # digits in one number literal
MAX_NAME = 64

ALIASES = {"λ": "lam"}  # the regularization weight may be written λ or lam

#: function name (as written) → (canonical name, minimum arguments, maximum arguments)
FUNCTIONS: dict[str, tuple[str, int, int]] = {
    "sigmoid": ("sigmoid", 1, 1),
    "σ": ("sigmoid", 1, 1),
    "exp": ("exp", 1, 1),
    "log": ("log", 1, 1),
    "ln": ("log", 1, 1),
    "sqrt": ("sqrt", 1, 1),
    "tanh": ("tanh", 1, 1),
    "sinh": ("sinh", 1, 1),
    "cosh": ("cosh", 1, 1),
    "sin": ("sin", 1, 1),
    "cos": ("cos", 1, 1),
    "tan": ("tan", 1, 1),
    "abs": ("abs", 1, 1),
    "relu": ("relu", 1, 1),
    "softplus": ("softplus", 1, 1),
    "max": ("max", 2, 8),
    "min": ("min", 2, 8),
    "heaviside": ("heaviside", 1, 1),
    "sign": ("sign", 1, 1),
    "dirac": ("dirac", 1, 2),  # δ(z), δ^(k)(z): derivatives of heaviside and sign
}

_TOKEN = r"""
    (?P<space>\s+)
  | (?P<number>(?:\d+(?:_\d+)*(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?)
  | (?P<name>[^\W\d⁰¹²³⁴⁵⁶⁷⁸⁹](?:(?![⁰¹²³⁴⁵⁶⁷⁸⁹])\w)*)
  | (?P<op>\*\*|[-+*/^(),−·×⋅])
  | (?P<sup>[⁰¹²³⁴⁵⁶⁷⁸⁹⁻]+)
  | (?P<bad>.)
"""
_OPS = {"−": "-", "·": "*", "×": "*", "⋅": "*", "^": "**"}
_SUPERSCRIPT = str.maketrans("⁰¹²³⁴⁵⁶⁷⁸⁹⁻", "0123456789-")
_EXPLAIN = {
    ".": "attribute access is not allowed",
    "[": "indexing is not allowed",
    "'": "strings are not allowed",
    '"': "strings are not allowed",
    "=": "write one expression, not an assignment",
    ";": "write one expression",
}


@dataclass(frozen=True)
class Node:
    """One node: ``kind`` is num, name, neg, add, sub, mul, div, pow or call."""

    kind: str
    value: object = None  # number (int | Fraction), name, or canonical function name
    args: tuple[Node, ...] = ()
    column: int = 0  # 1-based


@dataclass(frozen=True)
class Token:
    kind: str  # number, name, op, sup, end
    text: str
    column: int


def _fail(
    text: str, where: str, message: str, column: int, hint: str | None = None
) -> HwcheckError:
    extra = pointer(text, column - 1)
    return HwcheckError(
        where, f"{message} at column {column}", f"{extra} {hint}" if hint else extra
    )


def tokenize(text: str, where: str = "expression") -> list[Token]:
    """Split ``text`` into tokens; anything outside the language is an error at its column."""
    tokens = []
    for m in re.finditer(_TOKEN, text, re.VERBOSE | re.DOTALL):
        kind, word = m.lastgroup, m.group()
        if kind == "bad":
            shown = word if word.isprintable() else repr(word)[1:-1]
            raise _fail(
                text, where, f"unexpected character '{shown}'", m.start() + 1, _EXPLAIN.get(word)
            )
        if kind != "space":
            tokens.append(
                Token(kind, _OPS.get(word, word) if kind == "op" else word, m.start() + 1)
            )
    tokens.append(Token("end", "", len(text) + 1))
    return tokens


def as_text(value, where: str = "expression") -> str:
    """An expression as given: text, or a plain number from an answers file (``expr = 0.5``)."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return repr(value)
    if not isinstance(value, str):
        raise HwcheckError(where, f"expected an expression (text), got {type(value).__name__}")
    return value


def _check_size(text: str, where: str) -> None:
    if not isinstance(text, str):
        raise HwcheckError(where, f"expected an expression (text), got {type(text).__name__}")
    if not text.strip():
        raise HwcheckError(where, "the expression is empty")
    if len(text) > MAX_LENGTH:
        raise HwcheckError(
            where, f"the expression has {len(text):,} characters; the limit is {MAX_LENGTH:,}"
        )
    depth = deepest = 0
    for ch in text:
        depth += ch == "("
        depth -= ch == ")"
        deepest = max(deepest, depth)
    if deepest > MAX_DEPTH:
        raise HwcheckError(
            where, f"parentheses are nested {deepest} deep; the limit is {MAX_DEPTH}"
        )


def parse(text: str, where: str = "expression") -> Node:
    """Parse ``text`` into a :class:`Node` tree (never evaluating anything)."""
    _check_size(text, where)
    return _Parser(text, tokenize(text, where), where).whole()


class _Parser:
    """Recursive descent with Python's precedence: ``-x**2`` is ``-(x**2)``; ``**`` is right-associative."""

    def __init__(self, text: str, tokens: list[Token], where: str):
        self.text, self.tokens, self.where = text, tokens, where
        self.i = self.nodes = self.depth = 0

    def fail(self, message: str, token: Token, hint: str | None = None) -> HwcheckError:
        return _fail(self.text, self.where, message, token.column, hint)

    @property
    def peek(self) -> Token:
        return self.tokens[self.i]

    def take(self) -> Token:
        token = self.tokens[self.i]
        self.i += 1
        return token

    def node(self, kind: str, column: int, value: object = None, args: tuple = ()) -> Node:
        self.nodes += 1
        if self.nodes > MAX_NODES:
            raise self.fail(f"the expression has more than {MAX_NODES} parts", self.peek)
        return Node(kind, value, args, column)

    def whole(self) -> Node:
        tree = self.sum()
        if self.peek.kind != "end":
            raise self.unexpected(self.peek)
        return tree

    def unexpected(self, token: Token) -> HwcheckError:
        if token.kind == "end":
            return self.fail("the expression ends too early", token)
        if token.kind in ("number", "name") or token.text == "(":
            return self.fail(
                f"missing operator before '{token.text}'",
                token,
                "write * for multiplication: 2*x, w*x",
            )
        return self.fail(f"unexpected '{token.text}'", token)

    def sum(self) -> Node:
        left = self.product()
        while self.peek.text in ("+", "-") and self.peek.kind == "op":
            op = self.take()
            left = self.node(
                "add" if op.text == "+" else "sub", op.column, args=(left, self.product())
            )
        return left

    def product(self) -> Node:
        left = self.unary()
        while self.peek.text in ("*", "/") and self.peek.kind == "op":
            op = self.take()
            left = self.node(
                "mul" if op.text == "*" else "div", op.column, args=(left, self.unary())
            )
        return left

    def unary(self) -> Node:
        token = self.peek
        if token.kind == "op" and token.text in ("+", "-"):
            self.take()
            with _Deeper(self, token):
                operand = self.unary()
            return operand if token.text == "+" else self.node("neg", token.column, args=(operand,))
        return self.power()

    def power(self) -> Node:
        base = self.postfix()
        if self.peek.text == "**":
            op = self.take()
            with _Deeper(self, op):
                return self.node("pow", op.column, args=(base, self.unary()))
        return base

    def postfix(self) -> Node:
        base = self.atom()
        while self.peek.kind == "sup":
            sup = self.take()
            digits = sup.text.translate(_SUPERSCRIPT)
            if not re.fullmatch(r"-?\d{1,3}", digits):
                raise self.fail(f"cannot read the exponent '{sup.text}'", sup)
            base = self.node(
                "pow", sup.column, args=(base, self.node("num", sup.column, int(digits)))
            )
        return base

    def atom(self) -> Node:
        token = self.take()
        if token.kind == "number":
            return self.node("num", token.column, self.number(token))
        if token.kind == "name":
            return self.name_or_call(token)
        if token.text == "(":
            with _Deeper(self, token):
                inner = self.sum()
            self.expect(")", token)
            return inner
        self.i -= 1
        raise self.unexpected(token)

    def expect(self, text: str, opening: Token) -> None:
        if self.peek.text != text:
            if self.peek.kind == "end":
                raise self.fail(f"'{opening.text}' is never closed", opening)
            raise self.unexpected(self.peek)
        self.take()

    def number(self, token: Token) -> int | Fraction:
        mantissa, _, exponent = token.text.lower().partition("e")
        if sum(c.isdigit() for c in mantissa) > MAX_DIGITS:
            raise self.fail(f"number literal longer than {MAX_DIGITS} digits", token)
        if exponent and abs(int(exponent)) > 300:
            raise self.fail("number exponent out of range (|k| ≤ 300)", token)
        value = Fraction(token.text.replace("_", ""))
        return (
            int(value)
            if value.denominator == 1 and "." not in token.text and not exponent
            else value
        )

    def name_or_call(self, token: Token) -> Node:
        name = token.text
        is_call = self.peek.text == "("
        self.check_name(token, is_call)
        if not is_call:
            return self.node("name", token.column, name)
        canonical, low, high = FUNCTIONS[name]
        opening = self.take()
        args = self.arguments(opening)
        if not low <= len(args) <= high:
            wanted = str(low) if low == high else f"{low} to {high}"
            raise self.fail(
                f"{name}() takes {wanted} argument{'s' if high > 1 else ''}, got {len(args)}", token
            )
        return self.node("call", token.column, canonical, tuple(args))

    def check_name(self, token: Token, is_call: bool) -> None:
        name = token.text
        if name.startswith("_"):
            raise self.fail(f"names may not start with '_' ('{name[:MAX_NAME]}')", token)
        if keyword.iskeyword(name) or keyword.issoftkeyword(name):
            raise self.fail(f"'{name}' is a Python keyword, not allowed in an expression", token)
        if len(name) > MAX_NAME:
            raise self.fail(f"name longer than {MAX_NAME} characters", token)
        if is_call and name not in FUNCTIONS:
            raise self.fail(
                f"unknown function '{name}'",
                token,
                "functions: " + ", ".join(sorted(set(FUNCTIONS))) + did_you_mean(name, FUNCTIONS),
            )
        if not is_call and name in FUNCTIONS:
            raise self.fail(f"'{name}' is a function; call it as {name}(…)", token)

    def arguments(self, opening: Token) -> list[Node]:
        args = []
        with _Deeper(self, opening):
            if self.peek.text == ")":
                self.take()
                return args
            args.append(self.sum())
            while self.peek.text == ",":
                self.take()
                args.append(self.sum())
            self.expect(")", opening)
        return args


class _Deeper:
    """Counts nesting; past :data:`MAX_DEPTH` the parse stops with an error."""

    def __init__(self, parser: _Parser, token: Token):
        self.parser, self.token = parser, token

    def __enter__(self):
        self.parser.depth += 1
        if self.parser.depth > MAX_DEPTH:
            raise self.parser.fail(
                f"the expression is nested more than {MAX_DEPTH} deep", self.token
            )

    def __exit__(self, *exc):
        self.parser.depth -= 1
        return False


def names_in(tree: Node) -> list[str]:
    """Variable names in order of first appearance."""
    seen: dict[str, None] = {}
    stack = [tree]
    while stack:
        node = stack.pop()
        if node.kind == "name":
            seen.setdefault(node.value, None)
        stack.extend(reversed(node.args))
    return list(seen)
