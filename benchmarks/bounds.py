"""Benchmarks of bounded exact arithmetic (issue 20, item 4): each new algorithm against the one
it replaced, both run here, in the same process, on the same input (the ratio is what counts).

1. ``net`` with non-dyadic weights: the evaluation in integers over a common denominator
   (int64 while a size bound allows) against the former numpy array of ``Fraction`` objects,
   on 10 inputs (1,024 rows), 64 relu units, biases 1/3.
2. ``lstsq``'s row reduction: fraction-free Gauss–Jordan in integers (Bareiss) against the
   former Gauss–Jordan on ``Fraction``, on a 24×25 matrix of 39-digit integers.
3. ``derive --hessian``: the second derivatives from the gradient rows, each distinct entry once,
   against ``diff(u, v)`` for each of the n² entries, on σ(w·x) with 6 variables.
4. The gates: how long the refusals of the review's cases take (the 16-input network with
   1,000-bit weights, the 64×64 matrix of 99-digit integers, the 60-variable Hessian), each
   against an empty ``Fraction`` loop of the same process as the unit.

Run from the repository root: ``python benchmarks/bounds.py [repeats]``.
"""

from __future__ import annotations

import random
import sys
import time
from fractions import Fraction
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def best(function, repeats: int) -> float:
    """The fastest of ``repeats`` runs (seconds): the least disturbed by the machine's load."""
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return min(times)


# ------------------------------------------------------------------------------------ net


def network(inputs: int = 10, units: int = 64):
    from hwcheck.families.net.network import make_layer

    rng = random.Random(1)
    weights = [[rng.choice([-2, -1, 1, 2, 3]) for _ in range(units)] for _ in range(inputs)]
    hidden = make_layer("relu", weights, [Fraction(1, 3)] * units, "layer 0")
    return [hidden, make_layer("linear", [[1]] * units, None, "layer 1")]


def forward_in_fractions(layers, x):
    """The former evaluation: an object array of Fractions through numpy."""
    import numpy as np

    a = np.array([[Fraction(int(v)) for v in row] for row in x], dtype=object)
    for layer in layers:
        z = a.dot(np.array(layer.weights, dtype=object)) + np.array(layer.bias, dtype=object)
        a = np.where(z > 0, z, 0) if layer.activation == "relu" else z
    return np.asarray(a, dtype=float)


def bench_net(repeats: int) -> None:
    from hwcheck.families.net.network import forward
    from hwcheck.families.net.results import binary_rows

    layers = network()
    x = binary_rows(10).astype(float)
    assert (forward(layers, x) == forward_in_fractions(layers, x)).all()
    before = best(lambda: forward_in_fractions(layers, x), max(1, repeats // 2))
    after = best(lambda: forward(layers, x), repeats)
    print(
        f"net, 1,024 rows × 64 relu units, biases 1/3: Fractions {before:.3f} s, integers "
        f"{after:.4f} s — {before / after:,.0f}× faster"
    )


# ---------------------------------------------------------------------------------- lstsq


def rref_in_fractions(a):
    """The former Gauss–Jordan on Fractions."""
    m = [row[:] for row in a]
    rows, cols = len(m), len(m[0])
    pivots, r = [], 0
    for c in range(cols):
        p = next((i for i in range(r, rows) if m[i][c] != 0), None)
        if p is None:
            continue
        m[r], m[p] = m[p], m[r]
        lead = m[r][c]
        m[r] = [v / lead for v in m[r]]
        for i in range(rows):
            if i != r and m[i][c] != 0:
                f = m[i][c]
                m[i] = [vi - f * vr for vi, vr in zip(m[i], m[r], strict=True)]
        pivots.append(c)
        r += 1
        if r == rows:
            break
    return m, pivots


def bench_lstsq(repeats: int, n: int = 24) -> None:
    from hwcheck.families.linalg.exact import rref

    rng = random.Random(3)
    a = [[Fraction(rng.randint(10**38, 10**39)) for _ in range(n + 1)] for _ in range(n)]
    assert rref(a) == rref_in_fractions(a)
    before = best(lambda: rref_in_fractions(a), max(1, repeats // 2))
    after = best(lambda: rref(a), repeats)
    print(
        f"row reduction, {n}×{n + 1} of 39-digit integers: Fractions {before:.3f} s, "
        f"fraction-free {after:.3f} s — {before / after:,.1f}× faster"
    )


# --------------------------------------------------------------------------------- derive


def bench_hessian(repeats: int, n: int = 6) -> None:
    import sympy

    from hwcheck.families.symbolic.derive import second_derivatives

    w = sympy.symbols(f"w1:{n + 1}", real=True)
    x = sympy.symbols(f"x1:{n + 1}", real=True)
    f = 1 / (1 + sympy.exp(-sum(a * b for a, b in zip(w, x, strict=True))))

    def direct():
        sympy.core.cache.clear_cache()  # each run from a cold cache, as a fresh process has
        return [[f.diff(u, v) for v in w] for u in w]

    def rows():
        sympy.core.cache.clear_cache()
        return second_derivatives(f, list(w))

    before = best(direct, max(1, repeats // 2))
    after = best(rows, repeats)
    print(
        f"Hessian of σ(w·x), {n} variables: diff(u, v) per entry {before:.3f} s, from the "
        f"gradient rows, each distinct entry once {after:.3f} s — {before / after:,.1f}× faster"
    )


# ---------------------------------------------------------------------------------- gates


def unit() -> float:
    """The unit of the gate timings: 10,000 Fraction additions in this process."""
    total, third = Fraction(0), Fraction(1, 3)

    def loop():
        nonlocal total
        for _ in range(10_000):
            total += third

    return best(loop, 5)


def bench_gates() -> None:
    from hwcheck.core.errors import HwcheckError
    from hwcheck.core.options import build_request
    from hwcheck.families.linalg.lstsq import lstsq
    from hwcheck.families.linalg.request import LstsqRequest
    from hwcheck.families.symbolic.derive import size_gate

    rng = random.Random(4)
    big = [[rng.randint(10**98, 10**99) for _ in range(64)] for _ in range(64)]
    request = build_request(LstsqRequest, {"X": big, "y": [1] * 64}, source="file")
    base = unit()
    for name, refuse in (
        ("lstsq 64×64 of 99-digit integers", lambda: lstsq(request)),
        ("derive --hessian of a 60-variable σ(w·x)", lambda: _gate_60(size_gate)),
    ):
        start = time.perf_counter()
        try:
            refuse()
        except HwcheckError:
            pass
        seconds = time.perf_counter() - start
        print(
            f"refusal of {name}: {seconds * 1000:.1f} ms = {seconds / base:.1f}× "
            f"10,000 Fraction additions ({base * 1000:.1f} ms)"
        )


def _gate_60(size_gate) -> None:
    import sympy

    w = sympy.symbols("w1:61", real=True)
    x = sympy.symbols("x1:61", real=True)
    f = 1 / (1 + sympy.exp(-sum(a * b for a, b in zip(w, x, strict=True))))
    size_gate(f, [str(v) for v in w], True)


def main() -> None:
    repeats = int(sys.argv[1]) if len(sys.argv) > 1 else 3
    bench_net(repeats)
    bench_lstsq(repeats)
    bench_hessian(repeats)
    bench_gates()


if __name__ == "__main__":
    main()
