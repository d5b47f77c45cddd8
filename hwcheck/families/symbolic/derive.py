"""Derivatives in textbook form, the chain rule factor by factor, and values at a point.

``--define z=w*x+b --define y=sigmoid(z)`` names sub-expressions: the expression is expanded
through the definitions before differentiating (so ``y`` depends on ``w``) and each result is
written back in terms of them, e.g. ∂L/∂w = x·y·(1 − y)·(y − t) + λ·w.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

import sympy

from hwcheck.core.arrays import is_name
from hwcheck.core.errors import HwcheckError, did_you_mean
from hwcheck.core.result import Undecided
from hwcheck.families.symbolic.build import ALIASES, build, expression, symbol
from hwcheck.families.symbolic.parser import FUNCTIONS, Node, as_text, names_in, parse
from hwcheck.families.symbolic.size import count_ops

TIDY_TIMEOUT = 5.0  # seconds for tidying one derivative (a timeout is said in the notes)

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


#: parts (parse-tree nodes) an expression may have once every defined name is replaced by its
#: definition: ``--define`` chains that double the expression at each step stop here, before
#: sympy sees them
MAX_EXPANDED_NODES = 2_000


@dataclass(frozen=True)
class Definitions:
    """Named sub-expressions: ``texts`` as given, ``local`` (in other names), ``full`` (expanded),
    ``trees`` (the parsed definitions, for expanding other expressions before building)."""

    texts: dict
    local: dict
    full: dict
    trees: dict = None

    @classmethod
    def from_texts(
        cls, texts: dict[str, str], where: str = "--define", assume: str = "real"
    ) -> Definitions:
        trees = {n: parse(as_text(t, f"{where} ({n})"), f"{where} ({n})") for n, t in texts.items()}
        expander = _Expander(trees, where)
        local = {
            symbol(n, assume): expression(t, f"{where} ({n})", assume) for n, t in texts.items()
        }
        full = {
            symbol(n, assume): build(expander.expand(trees[n]), "", f"{where} ({n})", assume)
            for n in texts
        }
        return cls(dict(texts), local, full, trees)

    def expression(self, text, where: str = "expression", assume: str = "real"):
        """``text`` parsed, every defined name replaced by its definition (within the size
        gate), then built: the exponent and number bounds of the builder apply to the result."""
        text = as_text(text, where)
        if not self.trees:
            return expression(text, where, assume)
        parsed = parse(text, where)
        tree = _Expander(self.trees, "--define").expand(parsed, where)
        shown = text if tree is parsed else ""  # columns of an expanded tree point elsewhere
        return build(
            tree, shown, where if tree is parsed else f"{where} (definitions written out)", assume
        )

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
                return cls({}, local, {z: node.args[0], y: node}, {})
        return cls({}, {}, {}, {})


class _Expander:
    """Defined names replaced by their parsed definitions, with the size counted first."""

    def __init__(self, trees: dict, where: str):
        self.trees, self.where = trees, where
        self.sizes: dict[str, int] = {}
        self.done: dict[str, Node] = {}

    def size(self, tree: Node, path: tuple = ()) -> int:
        total, stack = 0, [tree]
        while stack:
            node = stack.pop()
            name = ALIASES.get(node.value, node.value) if node.kind == "name" else None
            if name in self.trees:
                total += self.size_of(name, path)
            else:
                total += 1
                stack.extend(node.args)
        return total

    def size_of(self, name: str, path: tuple) -> int:
        if name in path:
            raise HwcheckError(
                f"{self.where} ({name})", "the definitions refer to each other in a cycle"
            )
        if name not in self.sizes:
            self.sizes[name] = self.size(self.trees[name], path + (name,))
        return self.sizes[name]

    def expand(self, tree: Node, where: str | None = None) -> Node:
        size = self.size(tree)
        if size > MAX_EXPANDED_NODES:
            raise HwcheckError(
                where or self.where,
                f"with the definitions written out the expression has {size:,} parts; "
                f"the limit is {MAX_EXPANDED_NODES:,}",
                "definitions that use each other several times double the expression at each step",
            )
        return self._expand(tree)

    def _expand(self, node: Node) -> Node:
        if node.kind == "name":
            name = ALIASES.get(node.value, node.value)
            if name in self.trees:
                if name not in self.done:
                    self.done[name] = self._expand(self.trees[name])
                return self.done[name]
            return node
        if not node.args:
            return node
        args = tuple(self._expand(a) for a in node.args)
        if all(new is old for new, old in zip(args, node.args)):
            return node
        return Node(node.kind, node.value, args, node.column)


def expand_definitions(expr, definitions: dict):
    """Replace every defined name by its (fully expanded) definition."""
    return expr.xreplace(definitions) if definitions else expr


def abbreviate(expr, definitions: dict):
    """Write ``expr`` with the defined names, largest definitions first (a definition that is
    a single number or name abbreviates nothing: ``q=1`` must not turn every 1 into q)."""
    for name, full in sorted(definitions.items(), key=lambda kv: -count_ops(kv[1])):
        if not full.is_Atom:
            expr = expr.subs(full, name)
    return expr


# -------------------------------------------------------------------------- textbook form


def _expanded_form(d):
    return sympy.factor_terms(sympy.expand(d))


def without_point_masses(d):
    """f·δ(a) with f(a) = 0 is 0 as a distribution (x·δ(x)): d(sign(x)·x)/dx is sign(x)."""
    from sympy import DiracDelta

    def vanishes(term) -> bool:
        deltas = [f for f in term.args if isinstance(f, DiracDelta) and len(f.args) == 1]
        if not deltas or not deltas[0].args[0].is_Symbol:
            return False
        s = deltas[0].args[0]
        rest = sympy.Mul(*[f for f in term.args if f is not deltas[0]])
        return rest.is_polynomial(s) and rest.subs(s, 0) == 0

    return d.replace(lambda e: e.is_Mul and vanishes(e), lambda e: sympy.Integer(0))


def _chain_form(chain, definitions: dict):
    """∂L/∂v summed over the paths through the definitions, each local factor abbreviated
    (d/dz1 of −t1·log p1 is −t1·(1 − p1), not a quotient of exponentials); None when the
    definitions nest deeper than :func:`chain_paths` follows."""
    top, local, variable = chain
    local = dict(local)
    if not local or len(local) > 8:
        return None
    paths = chain_paths("L", abbreviate(top, definitions), variable, definitions, local)
    return sympy.Add(*[sympy.Mul(*[f.expr for f in path]) for path in paths])


def _tidiest(d, definitions: dict, chain=None):
    """The shortest of: factored, expanded, and (for constraints such as t3 = 1 − t1 − t2) the
    form with the polynomial definitions written out, expanded and abbreviated again — so the
    softmax cross-entropy's ∂L/∂z1 reads p1 − t1. Runs in the bounded worker."""
    d = without_point_masses(d)
    forms = [sympy.factor_terms(abbreviate(sympy.factor_terms(d), definitions))]
    if count_ops(d) > 2:
        forms.append(sympy.factor_terms(abbreviate(_expanded_form(d), definitions)))
    opaque = {n: f for n, f in definitions.items() if f.atoms(sympy.Function)}
    constraints = {n: f for n, f in definitions.items() if n not in opaque}
    through = _chain_form(chain, definitions) if chain is not None else None
    if through is not None:
        through = without_point_masses(through.xreplace(constraints))
        forms.append(sympy.factor_terms(abbreviate(_expanded_form(through), opaque)))
    if constraints:
        forms += [abbreviate(f, constraints) for f in forms]
    return min(forms, key=count_ops)


_TIDIED: dict = {}  # textbook forms found in time (a timed-out search is not remembered)


def textbook(d, definitions: tuple, chain: tuple | None = None):
    """(form, stopped): the tidiest form (σ kept opaque, so σ(1 − σ) stays), in defined names.

    ``factor_terms`` keeps the chain-rule product; the expanded form wins only when shorter
    (``x*(σ − t)`` for the cross-entropy). A derivative small enough for the size gates of
    :mod:`hwcheck.families.symbolic.size` is tidied here, with no clock (the same form on any
    machine); a larger one under a time bound, and when the bound stops it the factored form is
    given and ``stopped`` is the
    :class:`hwcheck.core.result.Undecided` naming the bound (the caller says so); else None.
    ``chain`` is (expression, local definitions as pairs, variable) for the chain-rule form.
    """
    from hwcheck.families.symbolic.size import decided_in_process
    from hwcheck.families.symbolic.worker import bounded, in_process

    key = (d, definitions, chain)
    if key in _TIDIED:
        return _TIDIED[key], None
    parts = (d, *(f for _, f in definitions), *((chain[0],) if chain is not None else ()))
    run = in_process if decided_in_process(*parts) else bounded
    definitions = dict(definitions)
    outcome = run(_tidiest, (d, definitions, chain), TIDY_TIMEOUT)
    if outcome.done:
        if len(_TIDIED) >= 256:
            _TIDIED.clear()
        _TIDIED[key] = outcome.value
        return outcome.value, None
    factored = sympy.factor_terms(abbreviate(sympy.factor_terms(d), definitions))
    return factored, outcome.stopped or Undecided("failed")


# ------------------------------------------------------------------------------- values


VALUE_TIMEOUT = 10.0  # seconds for the values at a point (one bounded worker)
MAX_VALUE_BITS = 13_000  # exact values larger than this (~3,900 digits) are given as floats
#: working precision (digits) the values may climb to: 1 − σ(z) at z = 10⁵ cancels ~43,430
#: digits; σ, softplus and log σ are first rewritten in cancellation-free forms
MAX_WORKING_DIGITS = 50_000


def value_at(expr, point: dict, where: str = "--at"):
    """Exact (int / Fraction) when the result is rational, else a float; errors name the point."""
    return values_at((expr,), point, where)[0]


def values_at(exprs, point: dict, where: str = "--at") -> list:
    """Several values in one bounded worker: exact when rational, otherwise in mpmath with the
    working precision raised until the digits settle (``2**x`` at x = 10**400 must not hang,
    log(1 − σ(5·10⁴)) is −5·10⁴, softplus(−10⁴) is 1.1·10⁻⁴³⁴³, not 0). When the time bound
    (or the open budget) stops the worker, every value is the
    :class:`hwcheck.core.result.Undecided` naming the bound that ran out."""
    from hwcheck.families.symbolic.worker import bounded

    needed = sorted({str(s) for e in exprs for s in e.free_symbols})
    missing = [n for n in needed if n not in point]
    if missing:
        raise HwcheckError(
            where,
            "no value for " + ", ".join(missing),
            "give them all: " + ",".join(f"{n}=…" for n in needed),
        )
    shown = ", ".join(f"{n}={_short(point[n])}" for n in needed)
    values = {n: point[n] for n in needed}
    outcome = _settled_here(tuple(exprs), values)
    if outcome is None:
        outcome = bounded(_evaluate_all, (tuple(exprs), values), VALUE_TIMEOUT)
    if outcome.timed_out:  # not a failure of the input: each value is undecided, not an error
        return [outcome.stopped] * len(exprs)
    if not outcome.done:
        raise HwcheckError(where, f"could not evaluate at {shown}")
    out = []
    for status, value in outcome.value:
        if status == "undefined":
            raise HwcheckError(where, f"division by zero (or undefined) at {shown}")
        if status == "complex":
            raise HwcheckError(where, f"the value at {shown} is not a real number ({value})")
        if status == "unsettled":
            raise HwcheckError(
                where,
                f"the value at {shown} cannot be computed reliably "
                f"(it needs more than {MAX_WORKING_DIGITS:,} digits)",
            )
        out.append(value)
    return out


#: the working precision (digits) the values may climb to in process, before the worker is
#: asked: 30, 120, 480, 1,920 digits are the first steps of the worker's own climb
IN_PROCESS_DIGITS = 1_920


def _settled_here(exprs: tuple, values: dict):
    """The worker's outcome, computed here with no clock, when the expressions are inside the
    size gates and every value settles within :data:`IN_PROCESS_DIGITS` digits (the worker
    climbs through the same precisions first, so it would give the same values); None when
    the worker must decide (a larger expression, a value that needs more digits or is not
    defined there, or a spent budget, which the worker reports)."""
    from hwcheck.families.symbolic.size import decided_in_process
    from hwcheck.families.symbolic.worker import Outcome, in_process

    if not decided_in_process(*exprs):
        return None
    outcome = in_process(_evaluate_all, (exprs, values, IN_PROCESS_DIGITS), VALUE_TIMEOUT)
    if not outcome.done or any(status != "ok" for status, _ in outcome.value):
        return None
    return Outcome("done", outcome.value)


def _evaluate_all(exprs, values: dict, cap: int = MAX_WORKING_DIGITS) -> list:
    """(status, value) per expression; runs in the worker. Exact first; the rest compiled
    once together for mpmath, the precision raised up to ``cap`` digits."""
    out = [_exact_value(e, values) for e in exprs]
    rest = [i for i, v in enumerate(out) if v is None]
    if rest:
        names = sorted(values)
        args = [_fraction(values[n]) for n in names]
        for i, result in zip(rest, _mp_values([exprs[i] for i in rest], names, args, cap)):
            out[i] = result
    return out


def _exact_value(expr, values: dict):
    """("ok", int | Fraction) or ("undefined", None) when exact arithmetic decides; else None."""
    exact_values = {n: _fraction(v) for n, v in values.items()}
    small = all(  # exact arithmetic on 10**400 in an exponent would not end
        v.numerator.bit_length() + v.denominator.bit_length() <= 128 for v in exact_values.values()
    )
    if not small:
        return None
    exact = expr.xreplace({symbol(n): _sympy_number(v) for n, v in exact_values.items()})
    if exact.has(sympy.zoo, sympy.nan, sympy.oo, -sympy.oo):
        return "undefined", None
    if (
        exact.is_Rational
        and int(exact.p).bit_length() + int(exact.q).bit_length() <= MAX_VALUE_BITS
    ):
        return "ok", int(exact) if exact.is_Integer else Fraction(int(exact.p), int(exact.q))
    return None


def _mp_values(exprs, names, args, cap: int = MAX_WORKING_DIGITS) -> list:
    from hwcheck.families.symbolic.functions import stable_forms
    from hwcheck.families.symbolic.numeric import FAR, mp_function, settled_value

    function = mp_function([symbol(n) for n in names], sympy.Tuple(*map(stable_forms, exprs)))
    out = []
    for i in range(len(exprs)):

        def one(*xs, i=i):
            return function(*xs)[i]

        value = settled_value(one, args, cap=cap)
        if value is None:
            complex_value = _complex_value(one, args)
            out.append(("complex", complex_value) if complex_value else ("undefined", None))
        elif value == "unsettled" or value == FAR:
            out.append(("unsettled", None))
        else:
            out.append(("ok", _mp_number(value)))
    return out


def _complex_value(function, args) -> str | None:
    import mpmath

    with mpmath.workdps(30):
        try:
            v = function(*[mpmath.mpf(a.numerator) / a.denominator for a in args])
        except Exception:  # noqa: BLE001 - only to name the value in the message
            return None
    return mpmath.nstr(v, 6) if isinstance(v, mpmath.mpc) else None


#: the smallest and largest magnitudes a float keeps at full precision
FLOAT_RANGE = (2.2250738585072014e-308, 1.7976931348623157e308)


def _mp_number(value):
    """A float, or decimal text (17 digits) for a value beyond the double range, so that
    softplus(−10⁴) ≈ 1.1·10⁻⁴³⁴³ is not printed as 0."""
    import mpmath

    if value == 0 or FLOAT_RANGE[0] <= abs(value) <= FLOAT_RANGE[1]:
        return float(value)
    return mpmath.nstr(value, 17, min_fixed=1, max_fixed=0)


def _fraction(v) -> Fraction:
    return v if isinstance(v, Fraction) else Fraction(v)


def _short(v) -> str:
    text = str(v)
    return text if len(text) <= 24 else f"{float(v):.6g}" if abs(v) < 1e300 else f"{text[:6]}…"


def _sympy_number(v, exact: bool = True):
    if not exact:
        return sympy.Float(float(v) if abs(v) < 1e300 else str(v), 30)
    if isinstance(v, Fraction):
        return sympy.Rational(v.numerator, v.denominator)
    return sympy.Integer(v) if isinstance(v, int) else sympy.Float(v, 30)


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
    unused: tuple[str, ...] = ()  # --define names the expression does not use (checked later)
    expectation: object = None  # E[L] with --expect (then also ``full``)


def make_problem(
    expr_text, define, wrt, preset: str | None, assume: str = "real", expect=(), covariance=()
) -> Problem:
    spec = _preset(expr_text, preset)
    texts = parse_definitions(tuple(spec.get("define", ())) + tuple(define or ()))
    definitions = Definitions.from_texts(texts, assume=assume)
    text = spec.get("expr", expr_text)
    shown = expression(text, "expression", assume)
    full = definitions.expression(spec.get("textbook", text), "expression", assume)
    expected = None
    if expect:
        from hwcheck.families.symbolic.expect import expectation, parse_cross_moments, parse_moments

        moments = parse_moments(parse_definitions(expect, "--expect"), definitions, assume)
        cross = parse_cross_moments(covariance, moments, definitions, assume)
        randoms = {str(s) for s in moments}
        if wrt and randoms & {ALIASES.get(n, n) for n in wrt}:
            raise HwcheckError("--wrt", "differentiate by the parameters, not the random symbols")
        full = expected = expectation(full, moments, cross)
    elif covariance:
        raise HwcheckError("--covariance", "declares cross moments of --expect symbols: give those")
    order = _variable_order(text, texts, full)
    written = _written_names(text, texts)
    if expected is not None:
        written -= randoms
    names, notes = _check_wrt(tuple(wrt or spec.get("wrt") or order), definitions, full, written)
    if "textbook" in spec:
        notes = (f"{text} = {spec['textbook']} (exercise L); differentiated in that form",) + notes
    unused = tuple(
        name
        for name in parse_definitions(tuple(define or ()))
        if name not in _referenced(text, texts)
        and not _abbreviates(full, definitions.full[symbol(name, assume)])
    )
    if expected is not None:
        from hwcheck.families.symbolic.expect import describe

        note = describe(parse_definitions(expect, "--expect"), moments, cross)
        notes = (note, *notes)
    return Problem(shown, full, definitions, names, notes, unused, expected)


def _abbreviates(expr, definition) -> bool:
    return not definition.is_Atom and expr.has(definition)


def _referenced(text: str, texts: dict[str, str]) -> set[str]:
    """Defined names the expression uses, directly or through other definitions."""
    seen: set[str] = set()
    todo = [ALIASES.get(n, n) for n in names_in(parse(text))]
    while todo:
        name = todo.pop()
        if name in texts and name not in seen:
            seen.add(name)
            todo.extend(ALIASES.get(n, n) for n in names_in(parse(texts[name])))
    return seen


def _written_names(text: str, texts: dict[str, str]) -> set[str]:
    names = {
        ALIASES.get(n, n) for source in [text, *texts.values()] for n in names_in(parse(source))
    }
    return names - set(texts)


def unused_definitions(texts: list[str], definitions: dict[str, str]) -> None:
    """``equiv``: every ``--define`` must be used by one side (or another definition used)."""
    used: set[str] = set()
    for text in texts:
        used |= _referenced(text, definitions)
    written = sorted({n for t in texts for n in names_in(parse(t))} - set(definitions))
    for name in definitions:
        if name not in used:
            raise HwcheckError(
                f"--define ({name})",
                f"'{name}' is not a variable of either expression{did_you_mean(name, written)}",
                "variables: " + (", ".join(written) or "none"),
            )


def check_definitions_used(problem: Problem, derivatives) -> None:
    """A ``--define`` that the expression never uses, not even as an abbreviation of a part of
    it or of a derivative, is a mistake (a misspelt name): exit 2."""
    for name in problem.unused:
        full = next((v for k, v in problem.definitions.full.items() if str(k) == name), None)
        if full is not None and any(_abbreviates(d, full) for d in derivatives):
            continue
        variables = sorted(str(s) for s in problem.full.free_symbols)
        raise HwcheckError(
            f"--define ({name})",
            f"'{name}' is not a variable of the expression{did_you_mean(name, variables)}",
            "variables: " + (", ".join(variables) or "none"),
        )


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
    names: tuple[str, ...], definitions: Definitions, full, written: set[str] = frozenset()
) -> tuple[tuple[str, ...], tuple[str, ...]]:
    out, notes = [], []
    present = {str(s) for s in full.free_symbols}
    defined = {str(s) for s in definitions.local}
    variables = sorted(present | set(written))
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
        if name not in present and name not in written:
            raise HwcheckError(
                "--wrt",
                f"'{raw}' is not a variable of the expression{did_you_mean(name, variables)}",
                "variables: " + (", ".join(variables) or "none"),
            )
        if name not in present:
            notes.append(f"{name} cancels out of the expression: its derivative is 0")
        out.append(name)
    if not out:
        raise HwcheckError("--wrt", "the expression has no variables to differentiate by")
    return tuple(out), tuple(notes)


# ------------------------------------------------------------------------------- Hessian

#: derivatives × operations of the expression: past these, derive refuses before any work
#: (each derivative is differentiated and tidied into textbook form; measured here, a
#: 30-variable σ(w·x) gradient, 1,800 units, takes about 5 s, and a 10-variable Hessian, 1,100
#: units of a costlier kind, about 5 s)
MAX_GRADIENT_WORK = 2_000
MAX_HESSIAN_WORK = 1_200


def size_gate(expr, names, hessian: bool) -> None:
    """Refuse, before any work, a gradient past :data:`MAX_GRADIENT_WORK` (variables ×
    operations) and a Hessian past :data:`MAX_HESSIAN_WORK`."""
    ops = count_ops(expr)
    work = len(names) * max(ops, 1)
    if work > MAX_GRADIENT_WORK:
        raise HwcheckError(
            "--wrt",
            f"{len(names)} variables × an expression of {ops:,} operations ({work:,}) is past "
            f"the bound of {MAX_GRADIENT_WORK:,} for derivatives in textbook form",
            hint="fewer --wrt variables, or a smaller expression",
        )
    if hessian:
        hessian_gate(expr, names)


def hessian_gate(expr, names) -> None:
    """Refuse, before the work, a Hessian past :data:`MAX_HESSIAN_WORK`: n(n+1)/2 distinct
    entries (the matrix is symmetric) times the operations of the expression."""
    n = len(names)
    entries, ops = n * (n + 1) // 2, count_ops(expr)
    work = entries * max(ops, 1)
    if work > MAX_HESSIAN_WORK:
        raise HwcheckError(
            "--hessian",
            f"{n} variables give {entries:,} distinct second derivatives of an expression of "
            f"{ops:,} operations ({work:,} entry-operations); at most {MAX_HESSIAN_WORK:,}",
            hint="fewer --wrt variables, or --hessian on a smaller expression",
        )


def second_derivatives(expr, symbols) -> list[list]:
    """∂²L/∂u∂v: each row from the first derivative ∂L/∂u, each distinct entry once and mirrored
    (formal partial derivatives commute, so the matrix is symmetric); a checkpoint of the time
    budget and of Ctrl-C per entry."""
    from hwcheck.core.budget import checkpoint

    n = len(symbols)
    rows: list[list] = [[None] * n for _ in range(n)]
    for i, u in enumerate(symbols):
        first = expr.diff(u)
        for j in range(i, n):
            checkpoint("--hessian")
            rows[i][j] = rows[j][i] = first.diff(symbols[j])
    return rows


def hessian_texts(matrix: list[list], definitions: dict, to_text) -> list[list[str]]:
    """Each entry factored and in defined names (x·δ(x) = 0), each distinct entry tidied once."""
    from hwcheck.core.budget import checkpoint

    done: dict = {}
    out = []
    for row in matrix:
        texts = []
        for h in row:
            if h not in done:
                checkpoint("--hessian")
                tidy = sympy.factor_terms(
                    abbreviate(sympy.factor_terms(without_point_masses(h)), definitions)
                )
                done[h] = to_text(tidy)
            texts.append(done[h])
        out.append(texts)
    return out
