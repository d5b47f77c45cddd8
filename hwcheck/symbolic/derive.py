"""Derivatives in textbook form, the chain rule factor by factor, and values at a point.

``--define z=w*x+b --define y=sigmoid(z)`` names sub-expressions: the expression is expanded
through the definitions before differentiating (so ``y`` depends on ``w``) and each result is
written back in terms of them, e.g. ∂L/∂w = x·y·(1 − y)·(y − t) + λ·w.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from functools import lru_cache

import sympy

from hwcheck.errors import HwcheckError
from hwcheck.parse import is_name
from hwcheck.symbolic.build import ALIASES, expression, symbol
from hwcheck.symbolic.parser import FUNCTIONS, as_text, names_in, parse

TIDY_TIMEOUT = 2.0  # seconds for simplifying one derivative

#: preset → (expression, definitions, variables, textbook form used for differentiating)
PRESETS: dict[str, dict] = {
    "sigmoid-mse": {
        "expr": "1/2*(sigmoid(w*x + b) - t)**2",
        "define": ("z=w*x + b", "y=sigmoid(z)"),
        "wrt": ("w", "b"),
    },
    "sigmoid-mse-l2": {
        "expr": "1/2*(sigmoid(w*x + b) - t)**2 + lam/2*w**2",
        "define": ("z=w*x + b", "y=sigmoid(z)"),
        "wrt": ("w", "x", "b", "lam", "t"),
    },
    "sigmoid-bce": {
        "expr": "-t*log(sigmoid(w*x + b)) - (1 - t)*log(1 - sigmoid(w*x + b))",
        "define": ("z=w*x + b", "y=sigmoid(z)"),
        "wrt": ("w", "b"),
    },
    "tanh-mse": {
        "expr": "1/2*(tanh(w*x + b) - t)**2",
        "define": ("z=w*x + b", "y=tanh(z)"),
        "wrt": ("w", "b"),
    },
    "softmax2": {
        "expr": "exp(z1)/(exp(z1) + exp(z2))",
        "textbook": "sigmoid(z1 - z2)",
        "define": ("y1=sigmoid(z1 - z2)",),
        "wrt": ("z1", "z2"),
    },
}


# ---------------------------------------------------------------------------- definitions


def parse_definitions(raw, where: str = "--define") -> dict[str, str]:
    """``("z=w*x+b", "y=sigmoid(z)")``, ``"z=w*x+b; y=sigmoid(z)"`` or a table → {name: text}."""
    if isinstance(raw, dict):
        items = [(str(k), v) for k, v in raw.items()]
    else:
        parts = [raw] if isinstance(raw, str) else list(raw or ())
        items = []
        for part in parts:
            if not isinstance(part, str):
                raise HwcheckError(where, "expected name=expression")
            for piece in filter(str.strip, part.split(";")):
                name, eq, text = piece.partition("=")
                if not eq:
                    raise HwcheckError(
                        where, f"expected name=expression, got '{piece.strip()[:40]}'"
                    )
                items.append((name.strip(), text.strip()))
    out: dict[str, str] = {}
    for name, text in items:
        _check_definition_name(name, out, where)
        if not isinstance(text, str):
            raise HwcheckError(f"{where} ({name})", "expected an expression (text)")
        out[ALIASES.get(name, name)] = text
    return out


def _check_definition_name(name: str, seen: dict, where: str) -> None:
    if not is_name(name):
        raise HwcheckError(where, f"'{name[:40]}' is not a valid name")
    if name in FUNCTIONS:
        raise HwcheckError(where, f"'{name}' is a function name")
    if ALIASES.get(name, name) in seen:
        raise HwcheckError(where, f"'{name}' is defined twice")


@dataclass(frozen=True)
class Definitions:
    """Named sub-expressions: ``texts`` as given, ``local`` (in other names), ``full`` (expanded)."""

    texts: dict
    local: dict
    full: dict

    @classmethod
    def from_texts(
        cls, texts: dict[str, str], where: str = "--define", assume: str = "real"
    ) -> Definitions:
        local = {
            symbol(n, assume): expression(t, f"{where} ({n})", assume) for n, t in texts.items()
        }
        return cls(dict(texts), local, _expand_all(local, where))

    @classmethod
    def automatic(cls, expr) -> Definitions:
        """For ``--explain`` without ``--define``: z = the inner argument, y = σ(z) (or tanh, …)."""
        taken = {str(s) for s in expr.free_symbols}
        for node in sympy.preorder_traversal(expr):
            if (
                node.func.__name__ in ("sigmoid", "tanh", "softplus", "relu")
                and not node.args[0].is_Symbol
            ):
                z = symbol(_fresh("z", taken))
                y = symbol(_fresh("y", taken | {str(z)}))
                local = {z: node.args[0], y: node.func(z)}
                return cls({}, local, {z: node.args[0], y: node})
        return cls({}, {}, {})


def _expand_all(local: dict, where: str) -> dict:
    full: dict = {}
    for name, expr in local.items():
        for _ in range(len(local) + 1):
            nxt = expr.xreplace(local)
            if nxt == expr:
                break
            expr = nxt
        if expr.has(*local):
            raise HwcheckError(
                f"{where} ({name})", "the definitions refer to each other in a cycle"
            )
        full[name] = expr
    return full


def expand_definitions(expr, definitions: dict):
    """Replace every defined name by its (fully expanded) definition."""
    return expr.xreplace(definitions) if definitions else expr


def abbreviate(expr, definitions: dict):
    """Write ``expr`` with the defined names, largest definitions first."""
    for name, full in sorted(definitions.items(), key=lambda kv: -sympy.count_ops(kv[1])):
        expr = expr.subs(full, name)
    return expr


# -------------------------------------------------------------------------- textbook form


def _expanded_form(d):
    return sympy.factor_terms(sympy.expand(d))


@lru_cache(maxsize=256)
def textbook(d, definitions: tuple):
    """The tidier of two forms (σ kept opaque, so σ(1 − σ) stays), in defined names.

    ``factor_terms`` keeps the chain-rule product; the expanded form wins only when shorter
    (``x*(σ − t)`` for the cross-entropy). Expanding runs under a time bound.
    """
    from hwcheck.symbolic.equiv import run_bounded

    definitions = dict(definitions)
    tidy = sympy.factor_terms(d)
    if sympy.count_ops(d) > 2:
        finished, better = run_bounded(_expanded_form, (d,), TIDY_TIMEOUT)
        if finished and sympy.count_ops(better) < sympy.count_ops(tidy):
            tidy = better
    return sympy.factor_terms(abbreviate(tidy, definitions))


# ------------------------------------------------------------------------------- values


VALUE_TIMEOUT = 2.0  # seconds for one value at a point
MAX_VALUE_BITS = 13_000  # exact values larger than this (~3,900 digits) are given as floats
#: working precision evalf may climb to: 1 − σ(z) at z = 10⁴ cancels ~4,343 digits (the default
#: 100 silently returned −log(1 − σ(10⁴)) = 352.1 instead of 10,000)
MAX_WORKING_DIGITS = 6_000


def value_at(expr, point: dict, where: str = "--at"):
    """Exact (int / Fraction) when the result is rational, else a float; errors name the point."""
    return values_at((expr,), point, where)[0]


def values_at(exprs, point: dict, where: str = "--at") -> list:
    """Several values in one bounded worker: exactly first, then in 30-digit floating point
    (``2**x`` at x = 10**400 must not hang)."""
    from hwcheck.symbolic.equiv import run_bounded

    needed = sorted({str(s) for e in exprs for s in e.free_symbols})
    missing = [n for n in needed if n not in point]
    if missing:
        raise HwcheckError(
            where,
            "no value for " + ", ".join(missing),
            "give them all: " + ",".join(f"{n}=…" for n in needed),
        )
    shown = ", ".join(f"{n}={_short(point[n])}" for n in needed)
    for exact in (True, False):
        subs = {symbol(n): _sympy_number(point[n], exact) for n in needed}
        if needed:
            finished, values = run_bounded(_substitute_all, (tuple(exprs), subs), VALUE_TIMEOUT)
        else:
            finished, values = True, _substitute_all(tuple(exprs), {})
        if finished and values is not None:
            return [_plain_number(v, where, shown) for v in values]
    raise HwcheckError(where, f"could not evaluate at {shown} within {2 * VALUE_TIMEOUT:g} s")


def _substitute_all(exprs, subs):
    return [_substitute(e, subs) for e in exprs]


def _short(v) -> str:
    text = str(v)
    return text if len(text) <= 24 else f"{float(v):.6g}" if abs(v) < 1e300 else f"{text[:6]}…"


def _substitute(expr, subs):
    value = expr.xreplace(subs)
    if value.is_Rational and int(value.p).bit_length() + int(value.q).bit_length() > MAX_VALUE_BITS:
        value = value.evalf(30, maxn=MAX_WORKING_DIGITS)
    if not value.is_Number and not value.has(sympy.zoo, sympy.nan, sympy.oo):
        value = value.evalf(30, maxn=MAX_WORKING_DIGITS)
    return value


def _sympy_number(v, exact: bool = True):
    if not exact:
        return sympy.Float(float(v) if abs(v) < 1e300 else str(v), 30)
    if isinstance(v, Fraction):
        return sympy.Rational(v.numerator, v.denominator)
    return sympy.Integer(v) if isinstance(v, int) else sympy.Float(v, 30)


def _plain_number(value, where: str, shown: str):
    if value.has(sympy.zoo, sympy.nan, sympy.oo, -sympy.oo):
        raise HwcheckError(where, f"division by zero (or undefined) at {shown}")
    if value.is_Integer:
        return int(value)
    if value.is_Rational:
        return Fraction(int(value.p), int(value.q))
    if not value.is_real or not value.is_Number:
        raise HwcheckError(
            where, f"the value at {shown} is not a real number ({sympy.sstr(value)[:60]})"
        )
    number = float(value)
    if number in (float("inf"), float("-inf")):
        raise HwcheckError(
            where, f"the value at {shown} is beyond floating-point range (|value| > 1.8e308)"
        )
    return number


# ---------------------------------------------------------------------------- chain rule


@dataclass(frozen=True)
class Factor:
    top: str
    bottom: str
    expr: object  # sympy, in defined names


def chain_paths(
    top: str, expr, variable, definitions: dict, raw: dict, depth: int = 0
) -> list[list[Factor]]:
    """Every path top → … → variable through the definitions, as lists of local factors."""
    paths = []
    if depth > 8:
        return paths
    for name in sorted((s for s in expr.free_symbols if s in raw), key=str):
        local = abbreviate(sympy.factor_terms(expr.diff(name)), definitions)
        if local == 0:
            continue
        for rest in chain_paths(str(name), raw[name], variable, definitions, raw, depth + 1):
            paths.append([Factor(top, str(name), local)] + rest)
    direct = expr.diff(variable)
    if direct != 0:
        paths.append(
            [Factor(top, str(variable), abbreviate(sympy.factor_terms(direct), definitions))]
        )
    return paths


def _fresh(base: str, taken: set[str]) -> str:
    name, k = base, 1
    while name in taken:
        k += 1
        name = f"{base}{k}"
    return name


# ------------------------------------------------------------------------------ problem


@dataclass(frozen=True)
class Problem:
    """What to differentiate: the expression as shown, the one differentiated, and by what."""

    shown: object  # sympy, as the user wrote it (may use defined names)
    full: object  # expanded through the definitions (what is differentiated)
    definitions: Definitions
    wrt: tuple[str, ...]
    notes: tuple[str, ...]


def make_problem(expr_text, define, wrt, preset: str | None, assume: str = "real") -> Problem:
    spec = _preset(expr_text, preset)
    texts = parse_definitions(tuple(spec.get("define", ())) + tuple(define or ()))
    definitions = Definitions.from_texts(texts, assume=assume)
    text = spec.get("expr", expr_text)
    shown = expression(text, "expression", assume)
    target = expression(spec["textbook"], "expression", assume) if "textbook" in spec else shown
    full = expand_definitions(target, definitions.full)
    order = _variable_order(text, texts, full)
    names, notes = _check_wrt(tuple(wrt or spec.get("wrt") or order), definitions, full)
    if "textbook" in spec:
        notes = (f"{text} = {spec['textbook']} (exercise L); differentiated in that form",) + notes
    return Problem(shown, full, definitions, names, notes)


def _preset(expr_text, preset: str | None) -> dict:
    if preset and expr_text is not None:
        raise HwcheckError("expression", "give an expression or --preset, not both")
    if preset:
        return PRESETS[preset]
    if expr_text is None:
        raise HwcheckError(
            "expression",
            "is required (or use --preset)",
            'e.g. hwcheck derive "0.5*(sigmoid(w*x+b) - t)**2" --wrt w,b',
        )
    return {"expr": as_text(expr_text)}


def _variable_order(text: str, texts: dict[str, str], full) -> list[str]:
    order: list[str] = []
    for source in [text, *texts.values()]:
        for name in names_in(parse(source)):
            name = ALIASES.get(name, name)
            if name not in order and symbol(name) in full.free_symbols:
                order.append(name)
    return order


def _check_wrt(
    names: tuple[str, ...], definitions: Definitions, full
) -> tuple[tuple[str, ...], tuple[str, ...]]:
    out, notes = [], []
    present = {str(s) for s in full.free_symbols}
    defined = {str(s) for s in definitions.local}
    for raw in names:
        name = ALIASES.get(raw, raw)
        if not is_name(name):
            raise HwcheckError("--wrt", f"'{raw[:40]}' is not a valid variable name")
        if name in defined:
            raise HwcheckError(
                "--wrt",
                f"'{name}' is a defined abbreviation; differentiate by the variables it stands for",
            )
        if name in out:
            raise HwcheckError("--wrt", f"'{name}' is given twice")
        if name not in present:
            notes.append(f"{name} does not appear in the expression: its derivative is 0")
        out.append(name)
    if not out:
        raise HwcheckError("--wrt", "the expression has no variables to differentiate by")
    return tuple(out), tuple(notes)


def parse_point(raw) -> dict:
    """``--at w=0.1,x=2`` → {"w": Fraction(1, 10), "x": 2} (λ → lam)."""
    from hwcheck.parse import parse_assignments

    if raw is None:
        return {}
    return {ALIASES.get(k, k): v for k, v in parse_assignments(raw, "--at").items()}
