"""What deciding exactly costs over probing alone (issue 20.5), measured in the same run.

For each pair — claims students write (exercise H, relu rewrites, a relu sum over 8 inputs) —
the time of the whole claim ladder (``equivalence(prove=False)``: probes, the no-tolerance
confirmation, the rational check, the breakpoints) against the seeded probes alone
(``numeric_probe``, the old decision), as a ratio of medians. Then ``equiv --domain boolean``
over {0,1}²⁰ in exact int64 arithmetic.

Run from the repository root: ``python benchmarks/bench_exact_equiv.py [repeats]``.
"""

from __future__ import annotations

import statistics
import sys
import time

sys.path.insert(0, ".")

INPUTS = "+".join(f"x{i}" for i in range(1, 9))
PAIRS = [
    (
        "H, sigmoid written out",
        "lam*w + x*sigmoid(b + w*x)*(1 - sigmoid(b + w*x))*(sigmoid(b + w*x) - t)",
        "x*(sigmoid(b + w*x)**2 - sigmoid(b + w*x))*(t - sigmoid(b + w*x)) + lam*w",
    ),
    ("relu = (x + |x|)/2", "relu(w*x + b)", "(w*x + b + abs(w*x + b))/2"),
    ("max = mean + |diff|/2", "max(a, b)", "(a + b)/2 + abs(a - b)/2"),
    (
        "12 relus of 8 inputs",
        " + ".join(f"relu({INPUTS} - {k})" for k in range(12)),
        " + ".join(f"max(0, {INPUTS} - {k})" for k in range(12)),
    ),
]


def median_seconds(function, args: tuple, repeat: int, **kwargs) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        function(*args, **kwargs)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    from hwcheck.families.symbolic.build import expression
    from hwcheck.families.symbolic.equiv import equivalence, numeric_probe

    repeat = int(sys.argv[1]) if len(sys.argv) > 1 else 5
    for name, right, claim in PAIRS:
        a, b = expression(right), expression(claim)
        equivalence(a, b, prove=False)  # warm: compiled functions are cached per expression
        ladder = median_seconds(equivalence, (a, b), repeat, prove=False)
        probes = median_seconds(numeric_probe, (a, b), repeat)
        print(f"{name}: ladder {ladder * 1e3:.1f} ms, probes alone {probes * 1e3:.1f} ms, "
              f"ratio {ladder / probes:.2f}x")  # fmt: skip
    import hwcheck

    text = " + ".join(f"x{i}" for i in range(1, 21))
    start = time.perf_counter()
    r = hwcheck.equiv(text, f"abs({text})", domain="boolean", timeout=60)
    assert r.verdict == "equivalent"
    print(f"equiv --domain boolean over {{0,1}}^20, exact: {time.perf_counter() - start:.2f} s")


if __name__ == "__main__":
    main()
