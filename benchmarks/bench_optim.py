"""Benchmark: `hwcheck adam --steps 10000 --json` wall time, start-up included (goal < 1 s).

Run from the repository root: ``python benchmarks/bench_optim.py [repeats]``. Prints the
median and best wall time of the whole command, and the in-process split (trace, to_json,
JSON text) so a regression can be located.
"""

from __future__ import annotations

import statistics
import sys
import time

from timing import ROOT, wall_times

COMMAND = [sys.executable, "-m", "hwcheck", "adam", "--steps", "10000", "--json"]


def split() -> dict[str, float]:
    sys.path.insert(0, str(ROOT))
    import hwcheck
    from hwcheck.core.jsonout import dumps

    t0 = time.perf_counter()
    result = hwcheck.adam(steps=10_000)
    t1 = time.perf_counter()
    document = result.to_json()
    t2 = time.perf_counter()
    dumps(document, plain=True)  # as the CLI writes it
    t3 = time.perf_counter()
    return {"trace": t1 - t0, "to_json": t2 - t1, "json text": t3 - t2}


def main() -> None:
    repeats = int(sys.argv[1]) if len(sys.argv) > 1 else 5
    times = wall_times(COMMAND, repeats)
    print(
        f"{' '.join(COMMAND[1:])}: median {statistics.median(times):.3f} s, best {min(times):.3f} s "
        f"({repeats} runs; goal < 1 s)"
    )
    for part, seconds in split().items():
        print(f"  in process: {part:10s} {seconds:.3f} s")


if __name__ == "__main__":
    main()
