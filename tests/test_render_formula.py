"""One definition per formula (issue 13.1): the printed rule is the rule that computed the row.

The header of every optimizer column and every ``--explain`` line is rendered from the formula
the step evaluates (hwcheck/core/formula.py). Here the *printed text* is read back by a tiny parser
written for this test (never ``eval``), its symbols are given the row's values (the state
before the step, the gradient, the hyperparameters), and the result must reproduce the row's
numbers. The AMSGrad header that said v̂ = v/(1−β₂ᵗ) while the values used vᵐᵃˣ fails here.
"""

from __future__ import annotations

import math
import re

import pytest

import hwcheck
from hwcheck.families.optim import optimizers as opt

CONFIGS = [
    ("sgd", {}),
    ("sgd", {"momentum": 0.9, "dampening": 0.2, "weight_decay": 0.05}),
    ("sgd", {"momentum": 0.9, "nesterov": True}),
    ("adam", {}),
    ("adam", {"amsgrad": True, "weight_decay": 0.1}),
    ("adamw", {"weight_decay": 0.1}),
    ("adamw", {"amsgrad": True}),
    ("rmsprop", {}),
    ("rmsprop", {"centered": True, "momentum": 0.9, "weight_decay": 0.1}),
    ("adagrad", {"lr_decay": 0.5, "weight_decay": 0.01}),
]
HYPER = {
    "β₁": "beta1",
    "β₂": "beta2",
    "ε": "eps",
    "λ": "weight_decay",
    "μ": "momentum",
    "τ": "dampening",
    "α": "alpha",
    "lr_decay": "lr_decay",
}
STATE = {
    "sgd": {"b": "momentum_buffer"},
    "adam": {
        "m": "exp_avg",
        "v": "exp_avg_sq",
        "vᵐᵃˣ": "max_exp_avg_sq",
        "m̂": "exp_avg_hat",
        "v̂": "exp_avg_sq_hat",
    },
    "rmsprop": {"v": "square_avg", "ḡ": "grad_avg", "b": "momentum_buffer"},
    "adagrad": {"s": "sum"},
}
STATE["adamw"] = STATE["adam"]

SUB = str.maketrans("₀₁₂₃₄₅₆₇₈₉ₜ₋", "0123456789t-")
SUP = str.maketrans("⁰¹²³⁴⁵⁶⁷⁸⁹ᵗ", "0123456789t")
TOKEN = re.compile(
    r"\s*(?:(?P<num>\d+(?:\.\d+)?(?:e[-+]?\d+)?)"
    r"|(?P<name>β₁|β₂|Δθ|vᵐᵃˣ|m̂|v̂|ḡ|lr_decay|lr|max|[a-zA-Zα-ωθ])(?P<sub>[₀-₉ₜ₋]*)"
    r"|(?P<op>[+−·/(),√])|(?P<sup>[⁰¹²³⁴-⁹ᵗ]+))"
)


def tokens(text: str) -> list[tuple[str, str, str]]:
    out, pos = [], 0
    while pos < len(text.rstrip()):
        m = TOKEN.match(text, pos)
        assert m and m.end() > pos, f"cannot read {text[pos:]!r}"
        if m.group("name"):
            out.append(("name", m.group("name"), m.group("sub").translate(SUB)))
        elif m.group("num"):
            out.append(("num", m.group("num"), ""))
        elif m.group("op"):
            out.append(("op", m.group("op"), ""))
        else:
            out.append(("sup", m.group("sup").translate(SUP), ""))
        pos = m.end()
    return out


class Reader:
    """expr := term (± term)*; term := unary ((·|/) unary)*; unary := −unary | power;
    power := atom sup?; atom := number | name | (expr) | √atom | max(expr, expr)."""

    def __init__(self, text: str, lookup):
        self.toks, self.i, self.lookup = tokens(text), 0, lookup

    def peek(self):
        return self.toks[self.i] if self.i < len(self.toks) else ("end", "", "")

    def take(self, value=None):
        tok = self.peek()
        assert value is None or tok[1] == value, (tok, value)
        self.i += 1
        return tok

    def expr(self) -> float:
        value = self.term()
        while self.peek()[1] in ("+", "−"):
            op = self.take()[1]
            value = value + self.term() if op == "+" else value - self.term()
        return value

    def term(self) -> float:
        value = self.unary()
        while self.peek()[1] in ("·", "/"):
            op = self.take()[1]
            value = value * self.unary() if op == "·" else value / self.unary()
        return value

    def unary(self) -> float:
        if self.peek()[1] == "−":
            self.take()
            return -self.unary()
        value = self.atom()
        if self.peek()[0] == "sup":
            power = self.take()[1]
            value = value ** self.lookup("t", "") if power == "t" else value ** int(power)
        return value

    def atom(self) -> float:
        kind, text, sub = self.take()
        if kind == "num":
            return float(text)
        if text == "(":
            value = self.expr()
            self.take(")")
            return value
        if text == "√":
            return math.sqrt(max(self.atom(), 0.0))
        if text == "max":
            self.take("(")
            a = self.expr()
            self.take(",")
            b = self.expr()
            self.take(")")
            return max(a, b)
        return self.lookup(text, sub)


def check_rule(text: str, env: dict, t: int) -> tuple[str, float]:
    """Evaluate ``lhs = rhs`` (or ``lhs ← rhs``) at step ``t``; returns (lhs symbol, value)."""
    lhs, _, rhs = re.split(r" (=|←) ", text, maxsplit=1)

    def lookup(name: str, sub: str) -> float:
        if name == "t" and not sub:
            return t
        if name == "lr" and not sub:
            return env["hyper"]["lr"]
        if name in HYPER:
            return env["hyper"][HYPER[name]]
        step = str(eval_index(sub, t))
        return env["values"][name + step]

    value = Reader(rhs, lookup).expr()
    (lhs_name, lhs_sub) = tokens(lhs)[0][1:]
    return lhs_name + str(eval_index(lhs_sub, t)), value


def eval_index(sub: str, t: int) -> int:
    if sub in ("", "t"):
        return t
    return t - 1 if sub == "t-1" else int(sub)


@pytest.mark.parametrize("command, options", CONFIGS, ids=[f"{c}-{o}" for c, o in CONFIGS])
def test_printed_rules_reproduce_every_row(command, options):
    result = getattr(hwcheck, command)(steps=4, **options)
    table = result.view()[0]
    optimizer = opt.OPTIMIZERS[command](result.hyper, 1)
    rules = optimizer.step_rules()
    generic = [rule.text() for rule in rules if not rule.reassign]
    for text in generic:  # each rule is a column header (adagrad's lrₜ: a note under the table)
        assert text in table.columns or any(text in note for note in table.notes), text
    names = STATE[command]
    before = {k: dict.fromkeys(result.final, v[0]) for k, v in result.initial_state.items()}
    theta = dict(result.problem["init"])
    for step in result.steps:
        t = step["t"]
        for p in result.final:
            values = {"θ" + str(t - 1): theta[p], "g" + str(t): step["grad"][p]}
            values |= {n + str(t - 1): before[key][p] for n, key in names.items() if key in before}
            env = {"hyper": result.hyper, "values": values}
            expected = {"θ" + str(t): step["params"][p], "Δθ" + str(t): step["update"][p]}
            expected |= {
                n + str(t): step["state"][key][p]
                for n, key in names.items()
                if key in step["state"]
            }
            checked = False
            for rule, header in zip(rules, [r.text() for r in rules]):
                # the header (generic t) at every step but the one torch treats apart (SGD's
                # buffer starts at g): there the step's own text, which says b₁ = g₁
                text = rule.text(t) if (rule.first is not None and t == 1) else header
                name, value = check_rule(text, env, t)
                values[name] = value
                if name in expected:
                    assert value == pytest.approx(expected[name], rel=1e-12, abs=1e-15), text
                    checked = True
            assert checked
        before = step["state"]
        theta = step["params"]


def test_explain_lines_are_the_rules_with_numbers():
    """Every explain line of step 2 evaluates (read back by the same parser) to its result."""
    result = hwcheck.adam(steps=2, amsgrad=True, explain=True)
    lines = [line.strip() for line in result.view()[-1].lines if " = " in line]
    for line in lines[1:]:
        if line.startswith("g₂ = ∂L"):
            continue
        parts = line.split(" = ")
        numbers, value = parts[-2], float(parts[-1])
        computed = Reader(numbers.replace("(-", "(−").replace(" -", " −"), lambda n, s: 0).expr()
        assert computed == pytest.approx(value, rel=1e-4, abs=1e-6), line  # 6 digits shown


def test_amsgrad_header_names_the_maximum():
    columns = hwcheck.adam(steps=1, amsgrad=True).view()[0].columns
    assert "v̂ₜ = vᵐᵃˣₜ/(1 − β₂ᵗ)" in columns
    assert "v̂ₜ = vₜ/(1 − β₂ᵗ)" not in columns


def test_rules_render_as_latex_and_markdown():
    rules = opt.OPTIMIZERS["adam"]({"amsgrad": True, "weight_decay": 0}, 1).step_rules()
    assert rules[3].latex() == r"\hat{m}_{t} = \frac{m_{t}}{1 - {\beta_{1}}^{t}}"
    assert rules[4].markdown() == r"$\hat{v}_{t} = \frac{v^{\max}_{t}}{1 - {\beta_{2}}^{t}}$"
