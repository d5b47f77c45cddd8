"""Benchmarks of the symbolic engine.

1. ``hwcheck derive --preset sigmoid-mse-l2 --json`` (exercise H, all five derivatives):
   wall time of the whole command, start-up included, and in-process time.
2. 100 symbolic claim verdicts in one process (a mix: structural, simplify and numeric
   decisions, right and wrong), median and worst time per verdict.
3. Start-up of a purely numeric command never imports sympy.
4. ``equiv --domain boolean`` over {0,1}²⁰ (1,048,576 rows, numpy, in process) and the stable
   values far out (log(1 − σ(z)) and the cross-entropy at z = ±10⁵).

Run from the repository root: ``python benchmarks/bench_symbolic.py [repeats]``.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import time

from timing import ROOT, wall_times

DERIVE = [sys.executable, "-m", "hwcheck", "derive", "--preset", "sigmoid-mse-l2", "--json"]
CONTEXT = {"definitions": {"y": "sigmoid(z)", "z": "w*x + b"}}
CLAIMS = [  # (expected, claimed): the shapes of claims students write for exercises H and L
    ("lam*w + x*y*(1 - y)*(-t + y)", "(y - t)*y*(1 - y)*x + λ*w"),  # structural, correct
    ("lam*w + x*y*(1 - y)*(-t + y)", "sigmoid(w*x+b)**2*(1 - sigmoid(w*x+b))*(y - t)*x"),  # wrong
    ("y*(1 - y)*(-t + y)", "(sigmoid(w*x+b) - t)*exp(-w*x-b)/(1 + exp(-w*x-b))**2"),  # simplify
    ("t - y", "-(y - t)"),  # structural
    ("w**2/2", "0.5*w**2"),  # structural
]


def derive_in_process() -> float:
    import hwcheck

    start = time.perf_counter()
    hwcheck.derive(preset="sigmoid-mse-l2", at="w=0.1,b=0,x=2,t=0,lam=0.01").to_json()
    return time.perf_counter() - start


def claim_verdicts(count: int = 100) -> tuple[list[float], dict[str, int]]:
    from hwcheck.families.symbolic.claims import compare_expression

    times, verdicts = [], {}
    for k in range(count):
        expected, claimed = CLAIMS[k % len(CLAIMS)]
        claimed = claimed if k < len(CLAIMS) else f"{claimed} + 0*w{k}"  # new text: no cache hits
        start = time.perf_counter()
        verdict, rule, _ = compare_expression(expected, claimed, context=CONTEXT)
        times.append(time.perf_counter() - start)
        verdicts[f"{verdict} ({rule})"] = verdicts.get(f"{verdict} ({rule})", 0) + 1
    return times, verdicts


def enumeration_seconds() -> float:
    import hwcheck

    text = " + ".join(f"x{i}" for i in range(1, 21))
    start = time.perf_counter()
    r = hwcheck.equiv(text, f"abs({text})", domain="boolean", timeout=60)
    assert r.verdict == "equivalent" and r.probes == 1 << 20, r
    return time.perf_counter() - start


def far_values_seconds() -> float:
    import hwcheck

    start = time.perf_counter()
    for z in (-100_000, 100_000):
        hwcheck.derive("-t*log(sigmoid(z)) - (1 - t)*log(1 - sigmoid(z))", at=f"z={z},t=1")
    return time.perf_counter() - start


def numeric_start_imports_no_sympy() -> bool:
    code = (
        "import sys; from hwcheck.cli import main\n"
        "try:\n    main(['params', '--spec', '35x35x16 | conv2d filters=32 kernel=3', '--json'])\n"
        "except SystemExit:\n    pass\n"
        "sys.stderr.write(str('sympy' in sys.modules))"
    )
    run = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)  # noqa: PLW1510
    return run.stderr.strip().endswith("False")


def main() -> None:
    sys.path.insert(0, str(ROOT))
    repeats = int(sys.argv[1]) if len(sys.argv) > 1 else 5
    times = wall_times(DERIVE, repeats)
    print(
        f"{' '.join(DERIVE[1:])}: median {statistics.median(times):.3f} s, best {min(times):.3f} s "
        f"({repeats} runs, start-up included)"
    )
    print(f"  in process (first call, with --at): {derive_in_process():.3f} s")
    per_claim, verdicts = claim_verdicts()
    print(
        f"100 symbolic claim verdicts: median {1000 * statistics.median(per_claim):.1f} ms, "
        f"worst {1000 * max(per_claim):.1f} ms, total {sum(per_claim):.2f} s"
    )
    for name, count in sorted(verdicts.items()):
        print(f"  {count:3d} × {name}")
    print(f"numeric command leaves sympy unimported: {numeric_start_imports_no_sympy()}")
    print(f"equiv --domain boolean over {{0,1}}^20 (1,048,576 rows): {enumeration_seconds():.2f} s")
    print(
        f"cross-entropy value and derivative at z = ±1e5 (two derives): {far_values_seconds():.2f} s"
    )


if __name__ == "__main__":
    main()
