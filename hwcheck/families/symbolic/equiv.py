"""Are two expressions equal? Structural, then simplify(a − b) == 0, then ``equals``, then probes.

The ladder (CONVENTIONS §5):

1. ``structural`` — sympy's canonical forms already agree (``a − b`` collapses to 0);
2. numeric probing at seeded random points, first in the box [−3, 3], then as many again at
   scales out to ±3·10⁶ (a claim that is wrong only for |x| > 10 is still caught) — a point
   where the two differ (or, in the box, only one is defined) is a counterexample, so the
   verdict is ``not_equivalent`` at once; floats first, and a disagreement is settled in
   mpmath at rising precision, so rounding never makes a counterexample;
2b. no false accepts (issue 20.5), once the probes agree: the first six probe points again
   with no tolerance (exactly, or in mpmath while the precision doubles), which finds
   ``w + 10⁻⁹·w`` and ``w + exp(−100)``; two rational functions are equal only if a − b
   cancels to 0 (a polynomial built to vanish at every probe is still not 0); and a pair with
   a piecewise part is probed on both sides of every breakpoint (:mod:`.breakpoints`: relu,
   abs, max, min, sign, heaviside; dirac as a distribution) — a kink that cannot be solved
   leaves the pair ``inconclusive`` (reason ``breakpoints: …``) unless a proof below decides;
3. ``simplify`` — a − b, with σ, softplus and relu written in exponentials, is 0: first as
   one cancelled fraction when the pair is inside the size gate (:func:`normal_form_proof`),
   else by ``simplify(a − b) == 0``;
4. ``equals`` — sympy's own randomized-plus-symbolic test;
5. ``numeric`` — agreement at every probe is ``equivalent`` (as WeBWorK decides).

What decides without a clock (the same verdict and method on any machine, under any load):
structural equality; the probes of a pair inside the size gate
(:func:`hwcheck.families.symbolic.size.bounded_by_size`), so every claim on such a pair
(``prove=False``: decided by the probes, the confirmation and the breakpoints, all in
process for such a pair); and the size-bounded ``simplify`` proof of
:func:`normal_form_proof` (exercise L: e^z1/(e^z1 + e^z2) = σ(z1 − z2)). What stays
clock-bounded: the probes of a larger pair, and sympy's ``simplify`` and ``equals`` when the
size-bounded proof does not decide — they run in a worker process
(:mod:`hwcheck.families.symbolic.worker`) stopped at the time bound, so neither sympy nor
mpmath can hang the caller. A step stopped by the clock never decides a verdict nor passes the
decision on to another method: it makes the verdict ``inconclusive`` (reason ``timeout``, with
the bound that ran out), never ``equivalent``; with every probe defined nowhere it is
``inconclusive`` (reason ``undefined``). A spent budget stops even the in-process steps before
they start (``inconclusive``, reason ``timeout``).
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from hwcheck.families.symbolic.size import bounded_by_size

PROBES = 12
SEED = 0
TIMEOUT = 5.0  # seconds for the symbolic steps
RTOL, ATOL = 1e-7, 1e-9


@dataclass(frozen=True)
class Equivalence:
    verdict: str  # equivalent, not_equivalent, inconclusive
    method: str  # structural, simplify, equals, numeric
    seed: int
    probes: int  # probes where both sides were defined
    counterexample: dict | None = None  # {"at": {...}, "a": …, "b": …}
    reason: str | None = None  # why inconclusive, or a note (symbolic steps timed out)
    probed: str | None = None  # the probed range (``12 in [−3, 3] and 12 out to ±3·10⁶``)
    stopped: Any = None  # with reason timeout: the Undecided naming the bound that ran out


# ------------------------------------------------------------------------------ probing

#: the scales of the wide probes: coordinates up to 3·10ᵏ, so a claim that differs from the
#: truth only for |x| > 10 (or > 10⁵) is caught; the first probes stay in the box [−3, 3]
WIDE_SCALES = (30, 300, 3_000, 30_000, 300_000, 3_000_000)
BOX = 3


def probe_points(symbols, count: int, seed: int, positive: bool) -> list[dict]:
    """``count`` seeded points; each coordinate k/100 with k in [−300, 300] (or (0, 3] if positive)."""
    rng = random.Random(seed)
    low = 5 if positive else -300
    names = sorted(symbols, key=str)
    return [{s: Fraction(rng.randint(low, 300), 100) for s in names} for _ in range(count)]


def wide_points(symbols, count: int, seed: int, positive: bool) -> list[dict]:
    """``count`` seeded points over :data:`WIDE_SCALES` in turn (k/100 · scale/3, |k| ≤ 300)."""
    rng = random.Random(f"wide-{seed}")
    low = 5 if positive else -300
    names = sorted(symbols, key=str)
    points = []
    for i in range(count):
        scale = WIDE_SCALES[i % len(WIDE_SCALES)]
        points.append({s: Fraction(rng.randint(low, 300), 100) * scale / BOX for s in names})
    return points


def _evaluate(function, values) -> float | None:
    """A real, finite value, or None where the expression is undefined (or overflows)."""
    try:
        v = function(*values)
    except (ArithmeticError, ValueError, TypeError):
        return None
    if isinstance(v, complex):
        if abs(v.imag) > 1e-12 * max(1.0, abs(v.real)):
            return None
        v = v.real
    try:
        v = float(v)
    except (TypeError, ValueError, OverflowError):
        return None
    return v if math.isfinite(v) else None


def _differ(x, y) -> bool:
    if x is None or y is None:
        return (x is None) != (y is None)
    return abs(x - y) > ATOL + RTOL * max(abs(x), abs(y))


@dataclass(frozen=True)
class Probed:
    agreed: int  # points where both sides were defined and agreed
    counterexample: dict | None
    largest: float  # the largest |coordinate| among the agreeing points


def numeric_probe(a, b, *, seed: int = SEED, probes: int = PROBES, positive: bool = False):
    """Probe ``a`` and ``b`` in the box, then at wide scales (run it under :func:`bounded`).

    Plain floats first; a point where they disagree (or overflow) is settled in mpmath with
    rising precision, so rounding never makes a counterexample and a true difference far out
    is still found. Outside the box a point where only one side is defined is skipped.
    """
    from hwcheck.families.symbolic.numeric import math_function, mp_function

    symbols = sorted(a.free_symbols | b.free_symbols, key=str)
    fa, fb = math_function(symbols, a), math_function(symbols, b)
    mp: list = []  # compiled on the first point that needs settling

    def settle(exact, wide):
        if not mp:
            mp.extend((mp_function(symbols, a), mp_function(symbols, b)))
        return _settle(*mp, exact, wide)

    agreed, largest = 0, 0.0
    for wide, points in (
        (False, probe_points(symbols, probes * 4, seed, positive)),
        (True, wide_points(symbols, probes * 4, seed, positive)),
    ):
        count = 0
        for point in points:
            exact = [point[s] for s in symbols]
            values = [float(v) for v in exact]
            x, y = _evaluate(fa, values), _evaluate(fb, values)
            if x is None or y is None or _differ(x, y):
                verdict, x, y = settle(exact, wide)
                if verdict == "skip":
                    continue
                if verdict == "differ":
                    return Probed(agreed, _counterexample(point, x, y), largest)
                if x is None:  # undefined on both sides: not a probe
                    continue
            agreed += 1
            count += 1
            largest = max([largest] + [abs(v) for v in values])
            if count >= probes:
                break
    return Probed(agreed, None, largest)


def _settle(ma, mb, exact, wide: bool):
    """("agree" | "differ" | "skip", a, b) at one point, in mpmath at 30, 120, 480, 1920 digits."""
    from hwcheck.families.symbolic.numeric import FAR, agree, mp_value

    previous = None
    for dps in (30, 120, 480, 1920):
        x, y = mp_value(ma, exact, dps), mp_value(mb, exact, dps)
        if FAR in (x, y):
            return "skip", None, None
        if previous is not None and agree(previous[0], x, 12) and agree(previous[1], y, 12):
            if (x is None) != (y is None):
                return ("skip" if wide else "differ"), _float(x), _float(y)
            if x is None or not _differ(x, y):
                return "agree", _float(x), _float(y)
            return "differ", _float(x), _float(y)
        previous = (x, y)
    return "skip", None, None


def _float(v):
    if v is None:
        return None
    f = float(v)
    return f if math.isfinite(f) else (str(v) if v is not None else None)


def _counterexample(point: dict, x, y) -> dict:
    at = {str(s): float(v) for s, v in point.items()}
    return {"at": at, "a": "undefined" if x is None else x, "b": "undefined" if y is None else y}


def describe_range(probes: int, positive: bool) -> str:
    """The probed range, for the rule: ``12 in [−3, 3] and 12 out to ±3·10⁶``."""
    box, far = ("(0, 3]", "3·10⁶") if positive else ("[−3, 3]", "±3·10⁶")
    return f"{probes} in {box} and {probes} out to {far}"


# ------------------------------------------------------------------------ symbolic steps


def symbolic_proof(a, b) -> str | None:
    """``simplify`` or ``equals`` when sympy proves a = b; None otherwise (runs in the worker)."""
    import sympy

    from hwcheck.families.symbolic.functions import expand_nn

    ea, eb = expand_nn(a), expand_nn(b)
    for difference in (ea - eb, (ea - eb).rewrite(sympy.exp)):
        if sympy.simplify(difference) == 0:
            return "simplify"
    if ea.equals(eb) is True:
        return "equals"
    return None


def normal_form_proof(a, b) -> str | None:
    """``simplify`` when a − b, with σ, softplus and relu written in exponentials, cancels to 0
    as one fraction (the rational normal form sympy's ``simplify`` also reaches), None when it
    does not or when the difference is past the size gate (:func:`.size.fraction_terms`): a
    proof bounded by the input's size, decided in process with no clock."""
    import sympy

    from hwcheck.families.symbolic.functions import expand_nn
    from hwcheck.families.symbolic.size import bounded_by_size, fraction_terms

    if max(piecewise_depth(a), piecewise_depth(b)) > MAX_PIECEWISE_DEPTH:
        return None  # writing nested relus as max takes sympy time exponential in the depth
    difference = (expand_nn(a) - expand_nn(b)).rewrite(sympy.exp)
    if not bounded_by_size(difference) or fraction_terms(difference) is None:
        return None
    return "simplify" if sympy.cancel(difference) == 0 else None


#: relu / max / min / abs nested deeper than this are not written as max in process
MAX_PIECEWISE_DEPTH = 3


def piecewise_depth(expr) -> int:
    """How deeply piecewise parts nest in ``expr`` (relu(relu(x) − 1) is 2)."""
    from hwcheck.families.symbolic.breakpoints import piecewise_heads

    heads = piecewise_heads()
    inner = max((piecewise_depth(arg) for arg in expr.args), default=0)
    return inner + isinstance(expr, heads)


# --------------------------------------------------------------------------------- ladder


def equivalence(
    a,
    b,
    *,
    seed: int = SEED,
    probes: int = PROBES,
    timeout: float = TIMEOUT,
    positive: bool = False,
    prove: bool = True,
) -> Equivalence:
    """Decide whether sympy expressions ``a`` and ``b`` are equal (see the module docstring).

    Each step either finishes or makes the verdict ``inconclusive`` (reason ``timeout``): a
    step stopped by the clock never hands the decision to another method, so the same pair
    gets the same verdict and method on any machine, or ``inconclusive``. With ``prove``
    False (claims), agreement at every probe of a small pair is ``equivalent`` by ``numeric``
    at once, without the symbolic proof: no clock takes part in the verdict.
    """
    if a == b or (a - b) == 0:
        return Equivalence("equivalent", "structural", seed, 0)
    if _spent():
        return _timed_out(seed, 0, None, _stopped(timeout))
    if bounded_by_size(a) and bounded_by_size(b):  # no clock: the same verdict on any machine
        probe = _Done(numeric_probe(a, b, seed=seed, probes=probes, positive=positive))
    else:
        probe = bounded(numeric_probe, (a, b), timeout, seed=seed, probes=probes, positive=positive)
    probed = describe_range(probes, positive)
    found = probe.value if probe.done else None
    if found is not None and found.counterexample is not None:
        return Equivalence(
            "not_equivalent", "numeric", seed, found.agreed, found.counterexample, probed=probed
        )
    agreed = found.agreed if found is not None else 0
    if probe.done and agreed:
        confirmed = _confirmed(a, b, seed, positive, timeout)
        if confirmed is not None:
            return Equivalence("not_equivalent", "numeric", seed, agreed, confirmed, probed=probed)
    if probe.done and agreed and not _piecewise(a, b):
        rational = _rational(a, b, seed, positive, agreed, probed, timeout)
        if rational is not None:
            return rational
    if probe.done and _piecewise(a, b):
        limits = {"timeout": timeout, "positive": positive, "prove": prove, "probes": probes}
        return _across_breakpoints(a, b, agreed, probed, seed, **limits)
    if not prove and found is not None and agreed >= probes:
        return Equivalence("equivalent", "numeric", seed, agreed, probed=probed)
    return _proved(a, b, seed, agreed, probed, timeout, probe, probes)


def _proved(a, b, seed, agreed, probed, timeout, probe, probes, cut=None) -> Equivalence:
    """The symbolic steps once the probes agree: ``simplify`` in process, then in the worker;
    agreement at every probe (and, for a piecewise pair, at every breakpoint) is ``numeric``."""
    if not _spent() and probe.done and normal_form_proof(a, b):
        return Equivalence("equivalent", "simplify", seed, agreed, probed=probed)
    proof = bounded(symbolic_proof, (a, b), timeout)
    if proof.done and proof.value:
        return Equivalence("equivalent", proof.value, seed, agreed, probed=probed)
    if proof.timed_out or probe.timed_out:
        return _timed_out(seed, agreed, probed, proof.stopped or probe.stopped)
    if cut is not None and not cut.decided:
        return _undecided(seed, agreed, probed, cut.unsolved)
    if agreed >= probes:
        return Equivalence("equivalent", "numeric", seed, agreed, probed=probed)
    return Equivalence("inconclusive", "numeric", seed, agreed, reason="undefined", probed=probed)


# ------------------------------------------------------------------------- confirmation

#: agreeing probes confirmed with no tolerance (the first of the box, the first of the wide)
CONFIRM_BOX, CONFIRM_WIDE = 4, 2


def _confirmed(a, b, seed: int, positive: bool, timeout: float) -> dict | None:
    """A counterexample among the first probe points, compared with no tolerance (exactly, or
    in mpmath at rising precision: :func:`.breakpoints.compare_at`), or None. The probes
    agree within rtol 10⁻⁷, which hides ``w + 10⁻⁹·w`` and ``w + exp(−100)``; here a
    difference that holds as the precision rises is a difference, however small."""
    from hwcheck.families.symbolic.breakpoints import compare_at
    from hwcheck.families.symbolic.worker import in_process

    symbols = sorted(a.free_symbols | b.free_symbols, key=str)
    points = probe_points(symbols, CONFIRM_BOX, seed, positive)
    points += wide_points(symbols, CONFIRM_WIDE, seed, positive)
    if bounded_by_size(a) and bounded_by_size(b):
        step = in_process(compare_at, (a, b, symbols, points), timeout)
    else:
        step = bounded(compare_at, (a, b, symbols, points), timeout)
    return step.value.counterexample if step.done else None


def _rational(a, b, seed, positive, agreed, probed, timeout) -> Equivalence | None:
    """Two rational functions are equal exactly when a − b cancels to 0. When it does not,
    they differ (a polynomial that vanishes at every probe is still not 0), and a point
    showing it is searched among further seeded points, exactly. None when the pair is not
    rational or cancels (the ladder goes on as before). Inside the size gate this is decided
    in process; past it, ``cancel`` runs in the worker, and a timeout is ``inconclusive``."""
    from hwcheck.families.symbolic.breakpoints import compare_at
    from hwcheck.families.symbolic.exact import exact_function
    from hwcheck.families.symbolic.size import fraction_terms

    symbols = sorted(a.free_symbols | b.free_symbols, key=str)
    if exact_function(symbols, a) is None or exact_function(symbols, b) is None:
        return None
    difference = a - b
    if bounded_by_size(difference) and fraction_terms(difference) is not None:
        cancels = _Done(cancels_to_zero(difference))
    else:
        cancels = bounded(cancels_to_zero, (difference,), timeout)
    if cancels.timed_out or not cancels.done:
        return _timed_out(seed, agreed, probed, cancels.stopped or _stopped(timeout))
    if cancels.value:
        return None
    more = [f(symbols, RATIONAL_POINTS, seed + 1, positive) for f in (probe_points, wide_points)]
    found = compare_at(a, b, symbols, more[0] + more[1])
    if found.counterexample is not None:
        return Equivalence(
            "not_equivalent", "numeric", seed, agreed, found.counterexample, probed=probed
        )
    why = "a − b does not cancel to 0, but no point showing the difference was found"
    return Equivalence("inconclusive", "simplify", seed, agreed, reason=why, probed=probed)


def cancels_to_zero(difference) -> bool:
    """``cancel(difference) == 0``: a rational function that is 0 everywhere it is defined."""
    import sympy

    return sympy.cancel(difference) == 0


RATIONAL_POINTS = 64  # further seeded points (each range) to show a rational difference


# ------------------------------------------------------------------------- breakpoints


def _piecewise(a, b) -> bool:
    from hwcheck.families.symbolic.breakpoints import piecewise_heads

    heads = piecewise_heads()
    return a.has(*heads) or b.has(*heads)


def _across_breakpoints(
    a, b, agreed, probed, seed, *, timeout, positive, prove, probes
) -> Equivalence:
    """A piecewise pair whose probes agree: probed on both sides of every breakpoint
    (:mod:`.breakpoints`), in process for a pair inside the size gate (no clock), else in the
    worker. A kink that cannot be solved leaves the pair to the symbolic proof, and without
    one it is ``inconclusive`` (reason ``breakpoints``), never ``equivalent``."""
    from hwcheck.families.symbolic.breakpoints import Breakpoints, probe_breakpoints
    from hwcheck.families.symbolic.worker import in_process

    arguments = {"seed": seed, "positive": positive}
    if bounded_by_size(a) and bounded_by_size(b):
        step = in_process(_call, (probe_breakpoints, (a, b), arguments), timeout)
    else:
        step = bounded(probe_breakpoints, (a, b), timeout, **arguments)
    if step.timed_out:
        return _timed_out(seed, agreed, probed, step.stopped or _stopped(timeout))
    cut = step.value if step.done else Breakpoints(0, unsolved="they could not be computed")
    probed = f"{probed} and {cut.points} at breakpoints" if cut.points else probed
    if cut.counterexample is not None:
        return Equivalence(
            "not_equivalent", "numeric", seed, agreed, cut.counterexample, probed=probed
        )
    if cut.decided and not prove:
        return Equivalence("equivalent", "numeric", seed, agreed, probed=probed)
    if not cut.decided and not prove:
        if not _spent() and normal_form_proof(a, b):
            return Equivalence("equivalent", "simplify", seed, agreed, probed=probed)
        return _undecided(seed, agreed, probed, cut.unsolved)
    return _proved(a, b, seed, agreed, probed, timeout, _Done(None), probes, cut)


def _undecided(seed: int, agreed: int, probed: str | None, why: str | None) -> Equivalence:
    reason = f"breakpoints: {why}" if why else "breakpoints"
    return Equivalence("inconclusive", "numeric", seed, agreed, reason=reason, probed=probed)


def _timed_out(seed: int, agreed: int, probed: str | None, stopped) -> Equivalence:
    return Equivalence(
        "inconclusive", "numeric", seed, agreed, reason="timeout", probed=probed, stopped=stopped
    )


def _stopped(timeout: float):
    from hwcheck.families.symbolic.worker import stopped_by

    return stopped_by(timeout)


@dataclass(frozen=True)
class _Done:
    value: object
    done: bool = True
    timed_out: bool = False
    stopped: object = None


def _spent() -> bool:
    from hwcheck.core.budget import spent

    return spent()


def bounded(function, args: tuple, timeout: float, **kwargs):
    """:func:`hwcheck.families.symbolic.worker.bounded` with keyword arguments."""
    from hwcheck.families.symbolic.worker import bounded as run

    return run(_call, (function, args, kwargs), timeout)


def _call(function, args, kwargs):
    return function(*args, **kwargs)
