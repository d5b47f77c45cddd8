"""A computational graph: an expression staged into primitive nodes, forward then backward.

The expression is read by the symbolic family's safe parser (never evaluated as code) and staged
bottom-up into nodes, each one primitive with its local derivative beside it (micrograd's way):

    +  ∂/∂a = 1, ∂/∂b = 1         −  1, −1            ·  b, a           neg  −1
    1/x  −1/x²                     x^n  n·x^(n−1)      c^x  c^x·ln c     pow(a, b)  b·a^(b−1), a^b·ln a
    exp  eˣ    log  1/x    √  1/(2√x)    σ  σ(1 − σ)    tanh  1 − tanh²   relu  [x > 0]
    max/min  1 for the first argument that is the max (min), 0 for the others    abs  sign(x)

Division a/b is staged as a·(1/b), as lecture notes draw it. Parts without a variable are folded
into constants; the same sub-expression written twice is one node whose gradients add.
Values stay exact fractions through +, −, ·, 1/x and integer powers of rational inputs.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from hwcheck.core.errors import HwcheckError
from hwcheck.core.numfmt import fmt
from hwcheck.core.result import Result, Table, Text, view_only
from hwcheck.families.symbolic.parser import ALIASES

MAX_GRAPH_NODES = 200
MAX_EXACT_EXPONENT = 1024
MAX_EXACT_BITS = 20_000  # an exact power longer than this is computed in floats
SYMBOLS = {"add": "+", "sub": "−", "mul": "·", "neg": "neg"}
CALLS = {
    "sigmoid": "σ",
    "exp": "exp",
    "log": "log",
    "sqrt": "√",
    "tanh": "tanh",
    "relu": "relu",
    "max": "max",
    "min": "min",
    "abs": "abs",
    "softplus": "softplus",
    "sin": "sin",
    "cos": "cos",
    "tan": "tan",
    "sinh": "sinh",
    "cosh": "cosh",
}


@dataclass(frozen=True)
class Ref:
    """An input of a node: another node (``n3``), a variable (``x``) or a constant."""

    kind: str  # node, var, const
    name: Any  # node id, variable name or the number

    def shown(self) -> str:
        return fmt(self.name, sep=False) if self.kind == "const" else str(self.name)


@dataclass(frozen=True)
class Node:
    id: str
    op: str
    inputs: tuple[Ref, ...]
    value: Any
    local: tuple  # ∂node/∂input, one per input


# -------------------------------------------------------------------------------- primitives


def _number(x) -> Any:
    """A whole fraction as an int; −0.0 as 0.0."""
    if isinstance(x, float):
        return x + 0.0
    return int(x) if isinstance(x, Fraction) and x.denominator == 1 else x


def _float(x, op: str) -> float:
    try:
        return float(x)
    except OverflowError:
        raise HwcheckError("--at", f"{op}: a value leaves the float range") from None


def primitive(op: str, args: list, where: str) -> tuple[Any, tuple]:
    """(value, local gradients) of one primitive at its inputs."""
    infix = op in ("+", "−", "·", "neg", "1/x", "pow") or op.startswith("^")
    shown = _formula(op, [(_paren if infix else str)(fmt(a, sep=False)) for a in args])
    try:
        return _primitive(op, args)
    except OverflowError:
        raise HwcheckError(where, f"{shown} leaves the 64-bit float range") from None
    except (ZeroDivisionError, ValueError) as exc:
        reason = str(exc).replace("math domain error", "outside the function's domain")
        raise HwcheckError(where, f"{shown} is undefined ({reason})") from None


def _primitive(op: str, a: list) -> tuple[Any, tuple]:
    if op == "+":
        return a[0] + a[1], (1, 1)
    if op == "−":
        return a[0] - a[1], (1, -1)
    if op == "·":
        return a[0] * a[1], (a[1], a[0])
    if op == "neg":
        return -a[0], (-1,)
    if op == "1/x":
        if a[0] == 0:
            raise ZeroDivisionError("1/0")
        inv = 1 / a[0] if not isinstance(a[0], int) else Fraction(1, a[0])
        return inv, (-inv * inv,)
    if op.startswith("^"):
        return _power(a[0], Fraction(op[1:]))
    if op == "pow":
        return _general_power(a[0], a[1])
    if op in ("max", "min"):  # at a tie the gradient is shared, as derive and torch share it
        best = (max if op == "max" else min)(a)
        tied = [x == best for x in a]
        return best, tuple(Fraction(1, sum(tied)) if t else 0 for t in tied)
    return _function(op, a[0])


def _power(x, n: Fraction) -> tuple[Any, tuple]:
    if n.denominator == 1 and isinstance(x, (int, Fraction)) and _small_power(x, n):
        k = int(n)
        if x == 0 and k < 1:
            raise ZeroDivisionError("0 to a power below 1")
        return Fraction(x) ** k, (k * Fraction(x) ** (k - 1),)
    xf = _float(x, "x^n")
    if n.denominator == 1:
        k = int(n)
        if xf == 0 and k < 1:
            raise ZeroDivisionError("0 to a power below 1")
        return xf**k, (k * xf ** (k - 1),)
    if xf < 0 and n.denominator % 2 == 0:
        raise ValueError("an even root of a negative number")
    if xf == 0 and n < 1:
        raise ZeroDivisionError("the slope of a root at 0 is infinite")
    magnitude = abs(xf) ** float(n)
    value = -magnitude if xf < 0 and n.numerator % 2 else magnitude
    return value, (float(n) * value / xf if xf else 0.0,)


def _small_power(x, n: Fraction) -> bool:
    """An exact power stays exact only while it stays short (9**9**9 goes to floats, and out)."""
    x = Fraction(x)
    bits = max(x.numerator.bit_length(), x.denominator.bit_length(), 1)
    return abs(n) <= MAX_EXACT_EXPONENT and bits * abs(n) <= MAX_EXACT_BITS


def _general_power(base, exponent) -> tuple[Any, tuple]:
    b, e = _float(base, "pow"), _float(exponent, "pow")
    if b <= 0:
        raise ValueError("a variable power of a number ≤ 0")
    value = b**e
    return value, (e * b ** (e - 1), value * math.log(b))


def _function(op: str, x) -> tuple[Any, tuple]:
    xf = _float(x, op)
    if op == "σ":
        s = 0.5 * (1 + math.tanh(0.5 * xf))
        return s, (s * (1 - s),)
    if op == "relu":
        return max(x, 0), (1 if x > 0 else 0,)
    if op == "abs":
        return abs(x), ((x > 0) - (x < 0),)
    if op == "exp":
        value = math.exp(xf)
        return value, (value,)
    if op == "log":
        return math.log(xf), (1 / xf,)
    if op == "√":
        root = math.sqrt(xf)
        return root, (1 / (2 * root),)
    if op == "tanh":
        t = math.tanh(xf)
        return t, (1 - t * t,)
    if op == "softplus":
        return max(xf, 0) + math.log1p(math.exp(-abs(xf))), (0.5 * (1 + math.tanh(0.5 * xf)),)
    derivative = {
        "sin": math.cos,
        "cos": lambda v: -math.sin(v),
        "tan": lambda v: 1 / math.cos(v) ** 2,
        "sinh": math.cosh,
        "cosh": math.sinh,
    }[op]
    return getattr(math, op)(xf), (derivative(xf),)


# ---------------------------------------------------------------------------------- staging


class Stager:
    """Builds the nodes in topological order (inputs first), folding constants."""

    def __init__(self, at: dict):
        self.at, self.nodes, self.seen, self.used = at, [], {}, set()

    def ref(self, tree) -> Ref:
        if tree.kind == "num":
            return Ref("const", tree.value)
        if tree.kind == "name":
            name = ALIASES.get(tree.value, tree.value)  # λ is lam, as derive reads it
            if name not in self.at:
                raise HwcheckError(
                    "--at", f"no value for '{tree.value}'", hint="give every variable, e.g. x=1"
                )
            self.used.add(name)
            return Ref("var", name)
        return self.staged(*self.operation(tree))

    def operation(self, tree) -> tuple[str, list[Ref]]:
        args = [self.ref(a) for a in tree.args]
        if tree.kind in SYMBOLS:
            return SYMBOLS[tree.kind], args
        if tree.kind == "div":
            if args[0] == Ref("const", 1):
                return "1/x", [args[1]]
            return "·", [args[0], self.staged("1/x", [args[1]])]
        if tree.kind == "pow":
            if args[1].kind == "const":
                return f"^{_number(Fraction(args[1].name))}", [args[0]]
            return "pow", args
        if tree.value not in CALLS:
            raise HwcheckError(
                "expression",
                f"{tree.value} has no derivative a graph can pass back (it is flat or a spike)",
                hint="primitives: + − · / ^ " + " ".join(CALLS),
            )
        return CALLS[tree.value], args

    def staged(self, op: str, args: list[Ref]) -> Ref:
        values = [self.value_of(a) for a in args]
        if all(a.kind == "const" for a in args):
            return Ref("const", _number(primitive(op, values, "expression")[0]))
        key = (op, tuple(args))
        if key in self.seen:
            return self.seen[key]
        node_id = f"n{len(self.nodes) + 1}"
        value, local = primitive(op, values, f"node {node_id} ({op})")
        self.nodes.append(Node(node_id, op, tuple(args), _number(value), local))
        if len(self.nodes) > MAX_GRAPH_NODES:
            raise HwcheckError(
                "expression", f"more than {MAX_GRAPH_NODES} nodes to stage; too large to draw"
            )
        self.seen[key] = Ref("node", node_id)
        return self.seen[key]

    def value_of(self, ref: Ref) -> Any:
        if ref.kind == "const":
            return ref.name
        if ref.kind == "var":
            return self.at[ref.name]
        return self.nodes[int(ref.name[1:]) - 1].value


def backward(nodes: list[Node], output: Ref) -> tuple[dict, dict, dict]:
    """(∂out/∂node, ∂out/∂variable, contributions: node → [(consumer, upstream, local)])."""
    grads: dict[str, Any] = {n.id: 0 for n in nodes}
    var_grads: dict[str, Any] = {}
    parts: dict[str, list] = {}
    if output.kind == "node":
        grads[output.name] = 1
    elif output.kind == "var":
        var_grads[output.name] = 1
    for node in reversed(nodes):
        upstream = grads[node.id]
        for ref, local in zip(node.inputs, node.local, strict=True):
            if ref.kind == "const":
                continue
            target = grads if ref.kind == "node" else var_grads
            target[ref.name] = target.get(ref.name, 0) + upstream * local
            parts.setdefault(ref.name, []).append((node.id, upstream, local))
    return grads, var_grads, parts


# ------------------------------------------------------------------------------------ result


@dataclass(frozen=True)
class GraphResult(Result):
    command = "backprop"

    mode: str
    expr: str
    at: dict[str, Any]
    value: Any
    output: str
    nodes: list[dict[str, Any]]
    grads: dict[str, Any]
    contributions: dict = view_only()
    dot_path: str | None = view_only()

    def output_files(self) -> tuple:
        """``(path, bytes, option)`` of ``--dot FILE``, drawn when asked for: the command line
        writes it; an answers file or the API never starts the dot program unasked."""
        if self.dot_path is None:
            return ()
        from hwcheck.families.backprop.dot import drawn

        return (drawn(self, self.dot_path),)

    def view(self, digits: int = 6) -> list:
        f = lambda v: fmt(v, digits, sep=False)
        at = ", ".join(f"{k} = {f(v)}" for k, v in self.at.items())
        head = Text(
            (
                f"f = {self.expr} at {at}",
                f"forward: f = {self.output} = {f(self.value)}",
                (
                    "backward from ∂f/∂f = 1: each node's gradient = Σ over its users of "
                    "(their gradient)·(local gradient)"
                ),
            ),
            title="Computational graph",
        )
        nodes = Table(
            ("node", "op", "forward", "local gradients", "∂f/∂node (upstream)"),
            tuple(self._node_row(n, f) for n in self.nodes),
            title="Nodes in topological order",
            below=(2, 4),
        )
        var_rows = tuple(
            (name, _upstream(name, self.output, self.contributions, g, f))
            for name, g in self.grads.items()
        )
        return [head, nodes, Table(("variable", "∂f/∂variable"), var_rows, title="Gradients")]

    def _node_row(self, n: dict, f) -> tuple:
        """node, op, its forward formula = numbers = value, local gradients, upstream."""
        args = [_named(i, self.at, self.nodes, f) for i in n["inputs"]]
        names = [str(i) for i in n["inputs"]]
        forward = f"{_formula(n['op'], names)} = {_formula(n['op'], args)} = {f(n['value'])}"
        local = ", ".join(
            f"∂/∂{i}: {f(v)}" for i, v in zip(n["inputs"], n["local"]) if not _const(i)
        )
        upstream = _upstream(n["id"], self.output, self.contributions, n["grad"], f)
        return (n["id"], n["op"], forward, local, upstream)


def _const(i) -> bool:
    return not isinstance(i, str)


def _named(i, at: dict, nodes: list, f) -> str:
    if _const(i):
        value = i
    elif i in at:
        value = at[i]
    else:
        value = nodes[int(i[1:]) - 1]["value"]
    return _paren(f(value))


def _formula(op: str, args: list[str]) -> str:
    if op in ("+", "−", "·"):
        return f" {op} ".join(args) if op != "·" else "·".join(args)
    if op == "neg":
        return f"−{args[0]}"
    if op == "1/x":
        return f"1/{args[0]}"
    if op.startswith("^"):
        return f"{args[0]}^{op[1:]}"
    if op == "pow":
        return f"{args[0]}^{args[1]}"
    return f"{op}({', '.join(args)})"


def _upstream(name: str, output: str, parts: dict, grad, f) -> str:
    if name == output:
        return "1 (the output)"
    terms = parts.get(name, [])
    if not terms:
        return f(grad)
    shown = " + ".join(f"{_paren(f(u))}·{_paren(f(loc))}" for _, u, loc in terms)
    return f"{shown} = {f(grad)}"


def _paren(text: str) -> str:
    return f"({text})" if text.startswith("-") or "/" in text else text


def _plain_ref(ref: Ref) -> Any:
    return ref.name if ref.kind != "const" else _number(ref.name)


def graph_result(request) -> GraphResult:
    text, stager, output = staged(request.expr, dict(request.at or {}))
    grads, var_grads, parts = backward(stager.nodes, output)
    order = [v for v in dict.fromkeys(_names_in_order(stager.nodes, output)) if v in var_grads]
    return GraphResult(
        mode="graph",
        expr=text,
        at={k: _number(v) for k, v in stager.at.items()},
        value=_number(stager.value_of(output)),
        output=str(output.name),
        nodes=[_node_entry(n, grads[n.id]) for n in stager.nodes],
        grads={v: _number(var_grads[v]) for v in order},
        contributions=parts,
        dot_path=None if request.dot is None else _dot_name(request.dot),
    )


def staged(expr, at: dict) -> tuple[str, Stager, Ref]:
    """(the text, its nodes, the output) of an expression at a point (every variable given)."""
    from hwcheck.families.symbolic.parser import as_text, parse

    text = as_text(expr)
    stager = Stager(at)
    output = stager.ref(parse(text))
    if output.kind == "const":
        raise HwcheckError("expression", "has no variable: nothing to differentiate")
    extra = sorted(set(at) - stager.used)
    if extra:
        raise HwcheckError("--at", f"'{extra[0]}' is not a variable of the expression")
    return text, stager, output


def _node_entry(n: Node, grad) -> dict:
    return {
        "id": n.id,
        "op": n.op,
        "inputs": [_plain_ref(r) for r in n.inputs],
        "value": n.value,
        "local": [_number(v) for v in n.local],
        "grad": _number(grad),
    }


def _dot_name(path) -> str:
    from hwcheck.families.backprop.dot import check_name

    return check_name(path)


def _names_in_order(nodes: list[Node], output: Ref) -> list[str]:
    if output.kind == "var":
        return [output.name]
    return [r.name for n in nodes for r in n.inputs if r.kind == "var"]
