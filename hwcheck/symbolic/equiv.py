"""Are two expressions equal? Structural, then simplify(a − b) == 0, then ``equals``, then probes.

The ladder (CONVENTIONS §5):

1. ``structural`` — sympy's canonical forms already agree (``a − b`` collapses to 0);
2. numeric probing at seeded random points — a point where the two differ (or only one is
   defined) is a counterexample, so the verdict is ``not_equivalent`` at once;
3. ``simplify`` — ``simplify(a − b) == 0`` with σ, softplus and relu written in exponentials;
4. ``equals`` — sympy's own randomized-plus-symbolic test;
5. ``numeric`` — agreement at every probe is ``equivalent`` (as WeBWorK decides).

Steps 3–4 run in a worker process that is killed when the time bound expires, so sympy can
never hang the caller; without symbolic proof and without enough defined probes the verdict is
``inconclusive`` (reason ``timeout`` or ``undefined``).
"""

from __future__ import annotations

import math
import multiprocessing
import random
import sys
import time
from dataclasses import dataclass
from fractions import Fraction

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


# ------------------------------------------------------------------------------ probing


def probe_points(symbols, count: int, seed: int, positive: bool) -> list[dict]:
    """``count`` seeded points; each coordinate k/100 with k in [−300, 300] (or (0, 3] if positive)."""
    rng = random.Random(seed)
    low = 5 if positive else -300
    names = sorted(symbols, key=str)
    return [{s: Fraction(rng.randint(low, 300), 100) for s in names} for _ in range(count)]


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


def _differ(x: float | None, y: float | None) -> bool:
    if x is None or y is None:
        return (x is None) != (y is None)
    return abs(x - y) > ATOL + RTOL * max(abs(x), abs(y))


def numeric_probe(a, b, *, seed: int = SEED, probes: int = PROBES, positive: bool = False):
    """(agreeing probe count, counterexample or None), evaluating with plain floats."""
    from hwcheck.symbolic.numeric import math_function

    symbols = sorted(a.free_symbols | b.free_symbols, key=str)
    fa, fb = math_function(symbols, a), math_function(symbols, b)
    agreed = 0
    for point in probe_points(symbols, probes * 4, seed, positive):
        values = [float(point[s]) for s in symbols]
        x, y = _evaluate(fa, values), _evaluate(fb, values)
        if _differ(x, y):
            return agreed, _counterexample(point, x, y)
        agreed += x is not None
        if agreed >= probes:
            break
    return agreed, None


def _counterexample(point: dict, x, y) -> dict:
    at = {str(s): float(v) for s, v in point.items()}
    return {"at": at, "a": "undefined" if x is None else x, "b": "undefined" if y is None else y}


# ------------------------------------------------------------------------ symbolic steps


def symbolic_proof(a, b) -> str | None:
    """``simplify`` or ``equals`` when sympy proves a = b; None otherwise (runs in the worker)."""
    import sympy

    from hwcheck.symbolic.functions import expand_nn

    ea, eb = expand_nn(a), expand_nn(b)
    for difference in (ea - eb, (ea - eb).rewrite(sympy.exp)):
        if sympy.simplify(difference) == 0:
            return "simplify"
    if ea.equals(eb) is True:
        return "equals"
    return None


def _worker(function, args, conn) -> None:  # pragma: no cover - runs in the child process
    try:
        conn.send((True, function(*args)))
    except Exception:  # noqa: BLE001 - a sympy failure just means "no answer"
        conn.send((False, None))
    finally:
        conn.close()


def run_bounded(function, args: tuple, timeout: float):
    """(finished, value): ``function(*args)`` in a worker process killed at ``timeout`` seconds.

    ``finished`` is False on timeout or failure; sympy cannot outlive the bound.
    """
    method = "fork" if sys.platform.startswith("linux") else "spawn"
    ctx = multiprocessing.get_context(method)
    receive, send = ctx.Pipe(duplex=False)
    worker = ctx.Process(target=_worker, args=(function, args, send), daemon=True)
    try:
        worker.start()
    except (AssertionError, OSError):  # a daemonic parent, or no processes left: no bound possible
        send.close()
        receive.close()
        return True, function(*args)
    send.close()
    try:
        if receive.poll(timeout):
            try:
                return receive.recv()
            except EOFError:
                return False, None
        return False, None
    finally:
        if worker.is_alive():
            worker.kill()
        worker.join()
        receive.close()


def bounded_proof(a, b, timeout: float) -> tuple[str | None, bool]:
    """(method or None, timed_out) from :func:`symbolic_proof` under the time bound."""
    started = time.monotonic()
    finished, proof = run_bounded(symbolic_proof, (a, b), timeout)
    timed_out = not finished and time.monotonic() - started >= timeout * 0.99
    return proof, timed_out


# --------------------------------------------------------------------------------- ladder


def equivalence(
    a,
    b,
    *,
    seed: int = SEED,
    probes: int = PROBES,
    timeout: float = TIMEOUT,
    positive: bool = False,
) -> Equivalence:
    """Decide whether sympy expressions ``a`` and ``b`` are equal (see the module docstring)."""
    if a == b or (a - b) == 0:
        return Equivalence("equivalent", "structural", seed, 0)
    agreed, counter = numeric_probe(a, b, seed=seed, probes=probes, positive=positive)
    if counter is not None:
        return Equivalence("not_equivalent", "numeric", seed, agreed, counter)
    proof, timed_out = bounded_proof(a, b, timeout)
    if proof:
        return Equivalence("equivalent", proof, seed, agreed)
    note = f"symbolic steps stopped after {timeout:g} s" if timed_out else None
    if agreed >= probes:
        return Equivalence("equivalent", "numeric", seed, agreed, reason=note)
    reason = "timeout" if timed_out else "undefined"
    return Equivalence("inconclusive", "numeric", seed, agreed, reason=reason)
