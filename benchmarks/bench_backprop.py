"""Benchmark: ``backprop`` on a 4-layer, 256-wide sigmoid network over a batch of 64 for 10 SGD
steps, in float64 (goal: the computation under 1 s).

Run from the repository root: ``python benchmarks/bench_backprop.py [repeats]``. Reports, as
medians of ``repeats`` runs in this one process:

- compute: hwcheck's forward, backward and steps (``results.computed``: every z, a, δ, ∂L/∂W,
  ∂L/∂b and the weights after each step, as the result keeps them, from the parsed fractions),
  against a baseline measured in the same run: the same passes written directly in numpy on
  arrays converted beforehand, with nothing kept (the ratio);
- the whole API call ``hwcheck.backprop(...)`` from text (reading 263,168 weights with the
  number grammar included) and ``to_json``.
"""

from __future__ import annotations

import random
import statistics
import sys
import time

from timing import ROOT, call_times

sys.path.insert(0, str(ROOT))

WIDTH, LAYERS, BATCH, STEPS = 256, 4, 64, 10


def _matrix(rows: int, cols: int, rng: random.Random) -> str:
    return "; ".join(
        " ".join(f"{rng.uniform(-0.1, 0.1):.4f}" for _ in range(cols)) for _ in range(rows)
    )


def problem_texts():
    rng = random.Random(0)
    layers = [
        f"sigmoid | {_matrix(WIDTH, WIDTH, rng)} | {_matrix(1, WIDTH, rng)}" for _ in range(LAYERS)
    ]
    x = _matrix(BATCH, WIDTH, rng)
    target = "; ".join(" ".join(str(rng.randint(0, 1)) for _ in range(WIDTH)) for _ in range(BATCH))
    return layers, x, target


def baseline(arrays) -> None:
    """The same forward/backward/step passes in plain numpy, nothing kept (the arrays already
    converted: the baseline pays no reading)."""
    import numpy as np

    ws, bs, x, t = arrays
    ws, bs = list(ws), list(bs)
    for _ in range(STEPS):  # one pass and one update per step, as backprop does
        acts = [x]
        for w, b in zip(ws, bs):
            acts.append(1 / (1 + np.exp(-(acts[-1] @ w + b))))
        delta = (acts[-1] - t) / len(x) * acts[-1] * (1 - acts[-1])
        for i in range(LAYERS - 1, -1, -1):
            dw, db = acts[i].T @ delta, delta.sum(axis=0)
            if i:
                delta = delta @ ws[i].T * acts[i] * (1 - acts[i])
            ws[i], bs[i] = ws[i] - 0.1 * dw, bs[i] - 0.1 * db


def median_time(function, repeats: int) -> float:
    return statistics.median(call_times(function, repeats))


def main() -> None:
    import hwcheck
    from hwcheck.families.backprop.results import computed

    repeats = int(sys.argv[1]) if len(sys.argv) > 1 else 5
    layers, x, target = problem_texts()
    start = time.perf_counter()
    result = hwcheck.backprop(layer=layers, x=x, target=target, lr=0.1, steps=STEPS)
    whole = time.perf_counter() - start
    p = result.problem
    ours = median_time(lambda: computed(p), repeats)
    from hwcheck.families.backprop.dense import arrays

    converted = arrays(p)
    base = median_time(lambda: baseline(converted), repeats)
    start = time.perf_counter()
    result.to_json()
    as_json = time.perf_counter() - start
    print(
        f"backprop {LAYERS}×{WIDTH} sigmoid, batch {BATCH}, {STEPS} steps (float64): "
        f"compute {ours:.3f} s (goal < 1 s), numpy baseline {base:.3f} s, ratio {ours / base:.2f}"
    )
    print(
        f"whole API call from text {whole:.2f} s (reading the weights included), to_json {as_json:.2f} s"
    )


if __name__ == "__main__":
    main()
