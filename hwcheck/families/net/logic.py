"""Boolean targets written as people write them: ``x1 and not x2 or x3``, ``xor(x1, …, x8)``.

A small recursive-descent parser (never ``eval``) builds a tree of tuples; :func:`evaluate`
computes it on whole columns of truth values at once (numpy boolean arrays).

Grammar (loosest first)::

    expr   := xor ('or' | '|' | '∨' | '+') xor ...
    xor    := and ('xor' | '^' | '⊕') and ...
    and    := unary ('and' | '&' | '∧' | '·' | '*') unary ...
    unary  := ('not' | '~' | '!' | '¬') unary | atom
    atom   := '(' expr ')' | x<i> | 0 | 1 | true | false
            | (xor | and | or | majority | not)(expr, ...)
"""

from __future__ import annotations

import re
from typing import Any

from hwcheck.core.errors import HwcheckError, did_you_mean, pointer

MAX_TEXT = 2_000
FUNCTIONS = ("xor", "and", "or", "majority", "not")
_TOKEN = re.compile(
    r"\s*(?:(?P<var>[xX]\d{1,3})|(?P<word>[A-Za-z_]+)|(?P<const>[01])|(?P<op>[()|+&*·∧∨^⊕~!¬,]))"
)
_WORD_OPS = {"or": "|", "and": "&", "xor": "^", "not": "~"}
_SYMBOLS = {"∨": "|", "+": "|", "∧": "&", "·": "&", "*": "&", "⊕": "^", "!": "~", "¬": "~"}


class _Parser:
    def __init__(self, text: str, where: str):
        self.text, self.where = text, where
        self.tokens = self._tokenize()
        self.i = 0

    def _tokenize(self) -> list[tuple[str, str, int]]:
        tokens, pos = [], 0
        while pos < len(self.text):
            if self.text[pos:].strip() == "":
                break
            m = _TOKEN.match(self.text, pos)
            if not m or m.end() == pos:
                at = pos + len(self.text[pos:]) - len(self.text[pos:].lstrip())
                self.fail(f"unexpected '{self.text[at]}'", at)
            kind = m.lastgroup
            value = m.group(kind)
            start = m.start(kind)
            if kind == "word":
                low = value.lower()
                if low in ("true", "false"):
                    kind, value = "const", "1" if low == "true" else "0"
                elif (
                    low in FUNCTIONS
                    and self.text[m.end() :].lstrip().startswith("(")
                    and (not tokens or tokens[-1][0] == "op" and tokens[-1][1] != ")")
                ):
                    kind, value = "func", low
                elif low in _WORD_OPS:
                    kind, value = "op", _WORD_OPS[low]
                else:
                    self.fail(
                        f"unknown name '{value}'{did_you_mean(low, (*FUNCTIONS, 'x1'))}", start
                    )
            elif kind == "op":
                value = _SYMBOLS.get(value, value)
            elif kind == "var":
                value = value.lower()
            tokens.append((kind, value, start))
            pos = m.end()
        return tokens

    def fail(self, message: str, at: int):
        raise HwcheckError(self.where, message, hint=pointer(self.text, at))

    def peek(self) -> tuple[str, str, int] | None:
        return self.tokens[self.i] if self.i < len(self.tokens) else None

    def take(self, value: str | None = None) -> tuple[str, str, int]:
        token = self.peek()
        if token is None:
            self.fail("unexpected end of the expression", len(self.text))
        if value is not None and token[1] != value:
            self.fail(f"expected '{value}'", token[2])
        self.i += 1
        return token

    def binary(self, op: str, lower) -> Any:
        items = [lower()]
        while (token := self.peek()) is not None and token == ("op", op, token[2]):
            self.take()
            items.append(lower())
        return items[0] if len(items) == 1 else (op, *items)

    def expr(self):
        return self.binary("|", self.xor)

    def xor(self):
        return self.binary("^", self.conj)

    def conj(self):
        return self.binary("&", self.unary)

    def unary(self):
        token = self.peek()
        if token is not None and token[:2] == ("op", "~"):
            self.take()
            return ("~", self.unary())
        return self.atom()

    def atom(self):
        kind, value, at = self.take()
        if kind == "var":
            index = int(value[1:])
            if index < 1:
                self.fail("variables are numbered from x1", at)
            return ("x", index)
        if kind == "const":
            return ("c", value == "1")
        if kind == "func":
            self.take("(")
            args = [self.expr()]
            while self.peek() is not None and self.peek()[1] == ",":
                self.take(",")
                args.append(self.expr())
            self.take(")")
            if value == "not" and len(args) != 1:
                self.fail("not(…) takes one argument", at)
            return (value, *args)
        if value == "(":
            inner = self.expr()
            self.take(")")
            return inner
        self.fail(f"unexpected '{value}'", at)


def parse_target(text: Any, where: str = "--target"):
    """The tree of a boolean expression (tuples), checked for syntax."""
    if not isinstance(text, str) or not text.strip():
        raise HwcheckError(where, "expected a boolean expression such as 'xor(x1, x2)'")
    if len(text) > MAX_TEXT:
        raise HwcheckError(where, f"longer than {MAX_TEXT} characters")
    parser = _Parser(text, where)
    tree = parser.expr()
    if parser.peek() is not None:
        parser.fail(f"unexpected '{parser.peek()[1]}'", parser.peek()[2])
    return tree


def variables(tree) -> set[int]:
    """The input indices (1-based) the expression uses."""
    if tree[0] == "x":
        return {tree[1]}
    if tree[0] == "c":
        return set()
    return set().union(*(variables(t) for t in tree[1:]))


def evaluate(tree, columns):
    """The expression on boolean columns ``columns[i-1]`` for ``x<i>`` (numpy arrays)."""
    import numpy as np

    op = tree[0]
    if op == "x":
        return columns[tree[1] - 1]
    if op == "c":
        return np.full(len(columns[0]), tree[1], dtype=bool)
    args = [evaluate(t, columns) for t in tree[1:]]
    if op in ("|", "or"):
        return np.logical_or.reduce(args)
    if op in ("&", "and"):
        return np.logical_and.reduce(args)
    if op in ("^", "xor"):
        return np.logical_xor.reduce(args)
    if op in ("~", "not"):
        return ~args[0]
    # majority: strictly more than half of the arguments true
    return 2 * np.sum(args, axis=0) > len(args)
