"""Benchmark of ``params --memory`` (a script, not a test): ratios measured in one run.

    python benchmarks/bench_memory.py

GPT-2 small (the zoo's ``gpt2``, 125 layers) with ``--memory --batch 8 --json`` against the
same run's baselines: ``hwcheck params gpt2 --json`` (the same model without the training
figures) and ``python -c "import typer, rich.console"`` (the interpreter and the CLI's imports).
Fresh processes, start-up included (median of paired runs, A B A B …, so a busy machine slows
both sides of a pair alike), and in-process (the API call and its JSON). Goal: under 0.5 s on
an idle machine; the extra cost of --memory over plain params within 10 %.
"""

from __future__ import annotations

import statistics
import sys
import time

from timing import ROOT, wall_times

sys.path.insert(0, str(ROOT))

PAIRS = 7
HWCHECK = [sys.executable, "-m", "hwcheck", "params", "gpt2", "--json"]
MEMORY = [*HWCHECK, "--memory", "--batch", "8"]
IMPORTS = [sys.executable, "-c", "import typer, rich.console"]


def paired(a: list[str], b: list[str]) -> tuple[float, float, float]:
    """Median seconds of a and of b, and the median of the per-pair ratios a/b."""
    times_a, times_b = [], []
    wall_times(a, 0), wall_times(b, 0)  # warm-ups
    for _ in range(PAIRS):
        times_a += wall_times(a, 1, warm_up=False)
        times_b += wall_times(b, 1, warm_up=False)
    ratios = [x / y for x, y in zip(times_a, times_b)]
    return statistics.median(times_a), statistics.median(times_b), statistics.median(ratios)


def inproc(**options) -> float:
    import hwcheck

    times = []
    for _ in range(7):
        start = time.perf_counter()
        hwcheck.params(model="gpt2", **options).to_json()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    memory, plain, ratio = paired(MEMORY, HWCHECK)
    print(f"params gpt2 --memory --batch 8 --json: {memory:.3f} s (fresh process)")
    print(f"params gpt2 --json:                    {plain:.3f} s; --memory / plain = {ratio:.2f}")
    _, imports, ratio = paired(MEMORY, IMPORTS)
    print(
        f"import typer, rich.console:            {imports:.3f} s; --memory / imports = {ratio:.2f}"
    )
    with_memory, without = inproc(batch=8), inproc()
    print(
        f"in-process: {with_memory * 1000:.0f} ms with --memory, {without * 1000:.0f} ms without "
        f"({with_memory / without:.2f}x)"
    )


if __name__ == "__main__":
    main()
