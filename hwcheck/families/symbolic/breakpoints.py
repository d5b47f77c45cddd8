"""Breakpoints: where a piecewise expression changes formula, and exact probes on both sides.

Random probes miss a difference that lives far out or in a narrow band: ``w + relu(w − 10⁷)``,
``w + 1000·relu(1 − 10⁴·|w − 2.718281|)`` and ``max(w, 10⁷) − 10⁷ + w`` all agree with ``w`` at
every seeded point. A piecewise part (relu, abs, max, min, sign, heaviside, dirac) changes
formula only where its argument — its *kink* — is 0 (for max and min: where two arguments are
equal), so the difference a − b is smooth between those places. :func:`probe_breakpoints`
solves every kink exactly for each variable in which it is a polynomial (nested piecewise
parts split into their branches first: ``1 − 10⁴·|w − c|`` is the two lines ``1 ∓ 10⁴·(w − c)``),
with the other variables at a few base points, and probes at each root, just left and right of
it, between neighbouring roots and beyond the outermost ones: every piece of the line is
probed, at 10⁷ as at 0.

Values at these points are compared exactly (Fractions, :mod:`.exact`) when both sides are
piecewise-rational, else in mpmath at rising precision with no float tolerance. A point where
exactly one side is undefined (``abs(x)/x`` against ``sign(x)`` at 0) is a single point, not a
difference between functions, and is skipped.

dirac is a distribution, not a function that is 0 almost everywhere: a δ term of a − b that
does not cancel (after sympy's own rewriting of δ(g(x)) into Σ δ(x − rᵢ)/|g′(rᵢ)|) makes the
two sides different, and the counterexample is a point of its support, where the weight of
the δ is not 0 (x·δ(x) is 0 as a distribution and is dropped).

A kink that is not a polynomial in any of its variables (``relu(sin(w))``), a polynomial of
degree above :data:`MAX_DEGREE`, or more kinks, branches or points than the caps allow leaves
the pair *undecided* (:attr:`Breakpoints.unsolved` says which), never equal.
"""

from __future__ import annotations

import itertools
import random
from dataclasses import dataclass
from fractions import Fraction

MAX_KINKS = 32  # distinct kink arguments
MAX_BRANCHES = 16  # smooth branches of one kink argument
MAX_DEGREE = 8  # degree of a kink's polynomial in one variable
MAX_POINTS = 2_048  # breakpoint probes (left, at, right of every root, at every base point)
MAX_EXACT_POINTS = 16_384  # the same when both sides are piecewise-rational (compared at once)
MAX_SOLVES = 600  # polynomials solved (branches × variables × base points over all kinks)
GRID_POINTS = 256  # probes combining the critical values of several variables
BASES = 3  # base points: the other variables' values while one variable crosses its kinks


@dataclass(frozen=True)
class Breakpoints:
    points: int  # breakpoint probes made
    counterexample: dict | None = None
    unsolved: str | None = None  # why the pair is undecided (a kink that could not be solved)

    @property
    def decided(self) -> bool:
        return self.unsolved is None


# ------------------------------------------------------------------------------- the kinks


def piecewise_heads() -> tuple:
    import sympy

    from hwcheck.families.symbolic.functions import relu

    return (relu, sympy.Abs, sympy.Max, sympy.Min, sympy.sign, sympy.Heaviside, sympy.DiracDelta)


def piecewise_parts(expr) -> list:
    """The piecewise sub-expressions of ``expr``, outermost first."""
    import sympy

    heads = piecewise_heads()
    return [e for e in sympy.preorder_traversal(expr) if isinstance(e, heads)]


def kink_arguments(expr) -> list:
    """The expressions whose zeros are the places where ``expr`` changes formula."""
    import sympy

    kinks = []
    for part in piecewise_parts(expr):
        if isinstance(part, (sympy.Max, sympy.Min)):
            kinks.extend(p - q for p, q in itertools.combinations(part.args, 2))
        else:
            kinks.append(part.args[0])
    return list(dict.fromkeys(_sign_free(k) for k in kinks if k.free_symbols))


def _sign_free(g):
    """``g`` or ``−g``, one of the two always (relu(u) and max(0, u) have one kink)."""
    return -g if g.could_extract_minus_sign() else g


def smooth_branches(g, limit: int = MAX_BRANCHES) -> list | None:
    """``g`` with each piecewise part replaced by each of its formulas (None past ``limit``)."""
    parts = piecewise_parts(g)
    if not parts:
        return [g]
    out = []
    for choice in _formulas(parts[0]):
        more = smooth_branches(g.xreplace({parts[0]: choice}), limit - len(out))
        if more is None or len(out) + len(more) > limit:
            return None
        out.extend(more)
    return list(dict.fromkeys(out))


def _formulas(part) -> list:
    import sympy

    if isinstance(part, (sympy.Max, sympy.Min)):
        return list(part.args)
    u = part.args[0]
    if isinstance(part, sympy.Abs):
        return [u, -u]
    if isinstance(part, (sympy.sign, sympy.Heaviside)):
        return [sympy.Integer(-1), sympy.Integer(0), sympy.Integer(1), sympy.Rational(1, 2)]
    if isinstance(part, sympy.DiracDelta):
        return [sympy.Integer(0)]
    return [sympy.Integer(0), u]  # relu


# ------------------------------------------------------------------------------- the roots


def real_roots(h, v, base: dict, positive: bool) -> list[Fraction] | None:
    """The real zeros of ``h`` in ``v`` with the other variables at ``base`` (exact where
    rational, else to 40 digits), or None when ``h`` is not a polynomial in ``v`` there."""
    import sympy

    u = h.xreplace({s: sympy.Rational(base[s]) for s in h.free_symbols if s != v})
    if v not in u.free_symbols:
        return []
    numerator = u if u.is_polynomial(v) else sympy.fraction(sympy.together(u))[0]
    if not numerator.is_polynomial(v):
        return None
    poly = sympy.Poly(numerator, v)
    if poly.degree() > MAX_DEGREE:
        return None
    if poly.degree() == 1 and poly.domain.is_Exact:
        slope, constant = poly.all_coeffs()
        root = -constant / slope
        if root.is_Rational:
            r = Fraction(int(root.p), int(root.q))
            return [r] if r > 0 or not positive else []
    roots = (
        _rational_roots(poly) if poly.domain.is_QQ or poly.domain.is_ZZ else _numeric_roots(poly)
    )
    if roots is None:
        return None
    return sorted({r for r in roots if r > 0 or not positive})


def _rational_roots(poly) -> list[Fraction]:
    import sympy

    out = []
    for root in sympy.real_roots(poly):
        out.append(Fraction(int(root.p), int(root.q)) if root.is_Rational else _fraction(root))
    return out


def _numeric_roots(poly) -> list[Fraction] | None:
    import mpmath

    try:
        with mpmath.workdps(50):
            coefficients = [mpmath.mpf(str(c.evalf(50))) for c in poly.all_coeffs()]
            roots = mpmath.polyroots(coefficients, maxsteps=200, extraprec=200)
    except (ValueError, TypeError, ArithmeticError, mpmath.libmp.NoConvergence):
        return None
    real = [r for r in roots if abs(mpmath.im(r)) <= 1e-30 * max(1, abs(r))]
    return [Fraction(mpmath.nstr(mpmath.re(r), 40, min_fixed=-1, max_fixed=-1)) for r in real]


def _fraction(root) -> Fraction:
    import mpmath

    text = str(root.evalf(40))
    try:
        return Fraction(text)
    except ValueError:
        return Fraction(mpmath.nstr(mpmath.mpf(text), 40))


# ------------------------------------------------------------------------------ the probes


def base_points(symbols, seed: int, positive: bool) -> list[dict]:
    """Where the other variables stand while one crosses its kinks: all ones, then seeded."""
    rng = random.Random(f"breakpoints-{seed}")
    low = 5 if positive else -300
    points = [{s: Fraction(1) for s in symbols}]
    for _ in range(BASES - 1):
        points.append({s: Fraction(rng.randint(low, 300), 100) for s in symbols})
    return points


def line_values(roots: list[Fraction], positive: bool) -> list[Fraction]:
    """Each root, just left and right of it, the middle of each gap, and beyond both ends."""
    roots = sorted(set(roots))
    if not roots:
        return []
    values = [roots[0] - max(1, abs(roots[0])), roots[-1] + max(1, abs(roots[-1]))]
    values.extend((p + q) / 2 for p, q in itertools.pairwise(roots))
    for i, r in enumerate(roots):
        gaps = [abs(r - q) for q in roots[max(0, i - 1) : i + 2] if q != r]
        delta = _power_of_ten(min([max(Fraction(1), abs(r)) / 1000] + [g / 4 for g in gaps]))
        values.extend((r - delta, r, r + delta))
    return sorted({v for v in values if v > 0 or not positive})


def _power_of_ten(bound: Fraction) -> Fraction:
    """The largest 10^k ≤ ``bound`` (small denominators keep the exact values cheap)."""
    k = len(str(bound.numerator)) - len(str(bound.denominator))
    step = Fraction(10) ** k
    while step > bound:
        step /= 10
    while step * 10 <= bound:
        step *= 10
    return step


def probe_breakpoints(a, b, *, seed: int = 0, positive: bool = False) -> Breakpoints:
    """Probe ``a`` and ``b`` on both sides of every kink (see the module docstring)."""
    from hwcheck.families.symbolic.build import to_text

    symbols = sorted(a.free_symbols | b.free_symbols, key=str)
    bases = base_points(symbols, seed, positive)
    dirac = dirac_difference(a, b, symbols, bases, positive)
    if dirac is not None:
        return dirac
    a, b = without_dirac(a), without_dirac(b)
    kinks = list(dict.fromkeys(kink_arguments(a) + kink_arguments(b)))
    if len(kinks) > MAX_KINKS:
        return Breakpoints(0, unsolved=f"{len(kinks)} kinks (at most {MAX_KINKS} are solved)")
    branches = [(g, smooth_branches(g)) for g in kinks]
    unsolvable = next((g for g, found in branches if found is None), None)
    if unsolvable is not None:
        return Breakpoints(0, unsolved=f"the kink {to_text(unsolvable)} = 0 has too many branches")
    solves = sum(len(h.free_symbols) * len(bases) for _, found in branches for h in found)
    if solves > MAX_SOLVES:
        return Breakpoints(0, unsolved=f"{solves:,} kink equations (at most {MAX_SOLVES:,})")
    crossings: dict = {}  # (base index, variable) → the roots of every kink there
    for g, found in branches:
        roots = _crossings(found, bases, positive)
        if roots is None:
            return Breakpoints(0, unsolved=f"the kink {to_text(g)} = 0 could not be solved exactly")
        for i, v, values in roots:
            crossings.setdefault((i, v), set()).update(values)
    points, lines = [], {}
    for (i, v), roots in crossings.items():
        line = line_values(list(roots), positive)
        lines.setdefault(v, set()).update(line)
        points.extend({**bases[i], v: x} for x in line)
    cap = MAX_EXACT_POINTS if _rational_pair(a, b, symbols) else MAX_POINTS
    if len(points) > cap:
        return Breakpoints(0, unsolved=f"more than {cap:,} breakpoint probes")
    points.extend(_grid(symbols, bases, lines, seed))
    return compare_at(a, b, symbols, points)


def _rational_pair(a, b, symbols) -> bool:
    from hwcheck.families.symbolic.exact import exact_function

    return exact_function(symbols, a) is not None and exact_function(symbols, b) is not None


def _crossings(branches: list, bases, positive: bool) -> list | None:
    """(base index, variable, roots) for every smooth branch of a kink; None if a branch is
    a polynomial in none of its variables."""
    out = []
    for h in branches:
        solved = False
        for v in sorted(h.free_symbols, key=str):
            roots = [real_roots(h, v, base, positive) for base in bases]
            if any(r is None for r in roots):
                continue
            solved = True
            out.extend((i, v, r) for i, r in enumerate(roots))
        if not solved and h.free_symbols:
            return None
    return out


def _grid(symbols, bases, lines: dict, seed: int) -> list[dict]:
    """Points combining several variables' critical values (a corner where two kinks are
    both crossed), all of them or a seeded sample of :data:`GRID_POINTS`."""
    if len(symbols) < 2 or not lines:
        return []
    axes = [sorted({base[s] for base in bases} | set(lines.get(s, ()))) for s in symbols]
    total = 1
    for axis in axes:
        total *= len(axis)
    if total <= GRID_POINTS:
        return [dict(zip(symbols, row)) for row in itertools.product(*axes)]
    rng = random.Random(f"grid-{seed}")
    return [{s: rng.choice(axis) for s, axis in zip(symbols, axes)} for _ in range(GRID_POINTS)]


# ----------------------------------------------------------------------------- comparing


def compare_at(a, b, symbols, points: list[dict]) -> Breakpoints:
    """The first point where ``a`` and ``b`` differ: exactly when both are piecewise-rational,
    else in mpmath at rising precision (a difference must hold as the precision rises)."""
    from hwcheck.families.symbolic.exact import exact_function, scaled_function

    sa, sb = scaled_function(symbols, a), scaled_function(symbols, b)
    if sa is not None and sb is not None and points:
        return _compare_scaled(sa, sb, a, b, symbols, points)
    fa, fb = exact_function(symbols, a), exact_function(symbols, b)
    if fa is not None and fb is not None:
        return _compare_exact(fa, fb, symbols, points)
    from hwcheck.families.symbolic.numeric import mp_function

    functions = [mp_function(symbols, e) for e in (a, b, a - b)]
    for point in points:
        verdict, x, y = settle_exactly(*functions, [point[s] for s in symbols])
        if verdict == "differ":
            return Breakpoints(len(points), _counterexample(point, x, y))
    return Breakpoints(len(points))


def _compare_exact(fa, fb, symbols, points: list[dict]) -> Breakpoints:
    from hwcheck.families.symbolic.exact import columns, plain

    cols = columns([[p[s] for p in points] for s in symbols])
    (x, bad_x), (y, bad_y) = fa(cols), fb(cols)
    for i, point in enumerate(points):
        if not (bad_x[i] or bad_y[i]) and x[i] != y[i]:
            shown = (plain(x[i]), plain(y[i]))
            if shown[0] == shown[1]:  # equal as floats: the exact values show the difference
                shown = (str(x[i]), str(y[i]))
            return Breakpoints(len(points), _counterexample(point, *shown))
    return Breakpoints(len(points))


def _compare_scaled(sa, sb, a, b, symbols, points: list[dict]) -> Breakpoints:
    """:func:`_compare_exact` for piecewise polynomials in scaled integers: at each point,
    D is the least common multiple of its coordinates' and the constants' denominators, and
    every value is N / Dᵉ with N a Python integer (:func:`.exact.scaled_function`)."""
    import math

    import numpy as np

    from hwcheck.families.symbolic.exact import aligned, columns, denominators, plain

    constant = math.lcm(2, *denominators(a), *denominators(b))
    d = [math.lcm(constant, *(p[s].denominator for s in symbols)) for p in points]
    (d_column,) = columns([d])
    cols = columns([[int(p[s] * di) for p, di in zip(points, d)] for s in symbols])
    values = [sa(cols, d_column), sb(cols, d_column)]
    (x, y), e = aligned(values, d_column)
    size = len(points)
    x, y = (np.broadcast_to(np.asarray(v, dtype=object), (size,)) for v in (x, y))
    bad = [np.broadcast_to(np.asarray(v[2], dtype=bool), (size,)) for v in values]
    for i in np.flatnonzero(np.asarray(x != y, dtype=bool) & ~bad[0] & ~bad[1]):
        scale = Fraction(d[i]) ** (e if isinstance(e, int) else int(e[i]))
        shown = (plain(Fraction(x[i]) / scale), plain(Fraction(y[i]) / scale))
        if shown[0] == shown[1]:  # equal as floats: the exact values show the difference
            shown = (str(Fraction(x[i]) / scale), str(Fraction(y[i]) / scale))
        return Breakpoints(size, _counterexample(points[int(i)], *shown))
    return Breakpoints(size)


def settle_exactly(ma, mb, md, exact) -> tuple:
    """("agree" | "differ" | "skip", a, b) at one point with no fixed tolerance. ``md`` is
    a − b as sympy writes it (common terms cancelled). At precision p (30, 60 and 120
    digits, each checked against 2p) the two differ when a − b is the same number at p and 2p
    and above 10^(−p/2) of the values (and of 1), so ``w + exp(−100)`` differs from ``w`` once
    p reaches 120; they agree when a − b is 0, or is rounding (not the same at p and 2p) below
    10^(−p) of them. A point where a side is undefined, or where a − b stays the same tiny
    number at every precision (a value rounded away: 1 − σ(10⁶) against σ(−10⁶)), is
    skipped: it decides nothing."""
    import mpmath

    from hwcheck.families.symbolic.numeric import FAR

    for dps in (30, 60, 120):
        d_low = _mp(md, exact, dps)
        high = [_mp(f, exact, 2 * dps) for f in (ma, mb, md)]
        if any(v is None or v == FAR for v in [d_low, *high]):
            return "skip", None, None
        with mpmath.workdps(2 * dps):
            x, y, d = high
            scale = max(1, abs(x), abs(y))
            stable = abs(d - d_low) <= abs(d) * mpmath.mpf(10) ** -6
            if d != 0 and stable and abs(d) > scale * mpmath.mpf(10) ** (-dps // 2):
                if float(x) == float(y):  # equal as floats: show the digits that differ
                    return ("differ", *_distinguished(x, y, 2 * dps))
                return "differ", float(x), float(y)
            if (d == 0 or not stable) and abs(d) <= scale * mpmath.mpf(10) ** (-dps):
                return "agree", float(x), float(y)
    return "skip", None, None


def _distinguished(x, y, dps: int) -> tuple[str, str]:
    """``x`` and ``y`` as text with the fewest digits (20, 40, … up to ``dps``) that differ."""
    import mpmath

    digits = 20
    while digits < dps and mpmath.nstr(x, digits) == mpmath.nstr(y, digits):
        digits *= 2
    digits = min(digits, dps)
    return mpmath.nstr(x, digits), mpmath.nstr(y, digits)


def _mp(function, exact, dps: int):
    from hwcheck.families.symbolic.numeric import mp_value

    return mp_value(function, exact, dps)


def _counterexample(point: dict, x, y) -> dict:
    at = {str(s): float(v) for s, v in point.items()}
    return {"at": at, "a": "undefined" if x is None else x, "b": "undefined" if y is None else y}


# ----------------------------------------------------------------------------------- dirac


def without_dirac(expr):
    """``expr`` with every δ term set to 0 (its value away from the δ's support)."""
    import sympy

    return expr.replace(lambda e: isinstance(e, sympy.DiracDelta), lambda e: sympy.Integer(0))


def _dirac_normal(expr):
    """δ(g(x)) of one variable as sympy writes it, Σ δ(x − rᵢ)/|g′(rᵢ)| (δ(2x) = δ(x)/2)."""
    import sympy

    def rewrite(e):
        (v,) = e.args[0].free_symbols
        try:
            return e.expand(diracdelta=True, wrt=v)
        except (ValueError, TypeError, NotImplementedError, ArithmeticError):
            return e

    return expr.replace(
        lambda e: isinstance(e, sympy.DiracDelta) and len(e.args[0].free_symbols) == 1, rewrite
    )


def dirac_difference(a, b, symbols, bases, positive: bool) -> Breakpoints | None:
    """A point of the support of a δ term of a − b that does not cancel (a counterexample),
    an undecided :class:`Breakpoints`, or None when the δ terms cancel (or there are none)."""
    import sympy

    from hwcheck.families.symbolic.size import expansion_terms

    if not (a.has(sympy.DiracDelta) or b.has(sympy.DiracDelta)):
        return None
    difference = _dirac_normal(a - b)
    if expansion_terms(difference) is None:
        return Breakpoints(0, unsolved="the dirac terms are too large to expand")
    difference = sympy.expand(difference)
    atoms = sorted(difference.atoms(sympy.DiracDelta), key=sympy.default_sort_key)
    weights = {atom: difference.coeff(atom) for atom in atoms}
    rest = sympy.expand(difference - sum(w * atom for atom, w in weights.items()))
    if rest.has(sympy.DiracDelta):
        return Breakpoints(0, unsolved="a product or power of dirac terms")
    for atom, weight in weights.items():
        if weight != 0:
            found = _dirac_support(atom, weight, a, b, symbols, bases, positive)
            if found is not None:
                return found
    return None


def _dirac_support(atom, weight, a, b, symbols, bases, positive) -> Breakpoints | None:
    from hwcheck.families.symbolic.build import to_text

    g, order = atom.args[0], (atom.args[1] if len(atom.args) > 1 else 0)
    solved = False
    for v in sorted(g.free_symbols, key=str):
        for base in bases:
            roots = real_roots(g, v, base, positive)
            if roots is None:
                break
            solved = True
            for r in roots:
                point = {**base, v: r}
                if _nonzero(weight, symbols, point):
                    return Breakpoints(1, _dirac_counterexample(atom, a, b, symbols, point))
    if not solved:
        return Breakpoints(
            0, unsolved=f"the support of {to_text(atom)} could not be solved exactly"
        )
    if order != 0:
        return Breakpoints(
            0, unsolved=f"{to_text(atom)} with a weight that vanishes on its support"
        )
    return None


def _nonzero(weight, symbols, point: dict) -> bool:
    value = _value_at(weight, symbols, point)
    return value is not None and abs(value) > 1e-30


def _value_at(expr, symbols, point: dict):
    """``expr`` at ``point``: exact when it is piecewise-rational, else to 50 digits."""
    from hwcheck.families.symbolic.exact import columns, exact_function
    from hwcheck.families.symbolic.numeric import FAR, mp_function, mp_value

    exact = exact_function(symbols, expr)
    if exact is not None:
        values, undefined = exact(columns([[point[s]] for s in symbols]))
        return None if undefined[0] else float(values[0])
    value = mp_value(mp_function(symbols, expr), [point[s] for s in symbols], 50)
    return None if value in (None, FAR) else float(value)


def _dirac_counterexample(atom, a, b, symbols, point: dict) -> dict:
    """The point, and each side as its value there plus its δ weight (``1.5 + 2·δ(0)``)."""
    import sympy

    sides = []
    for side in (a, b):
        expanded = sympy.expand(_dirac_normal(side))
        value = _value_at(without_dirac(side), symbols, point)
        weight = _value_at(expanded.coeff(atom), symbols, point) if expanded.has(atom) else 0
        shown = "undefined" if value is None else value
        if weight:
            shown = f"{_g(value)} + {_g(weight)}·δ(0)" if value is not None else "undefined"
        sides.append(shown)
    return {"at": {str(s): float(v) for s, v in point.items()}, "a": sides[0], "b": sides[1]}


def _g(value) -> str:
    return "undefined" if value is None else f"{value:.6g}"
