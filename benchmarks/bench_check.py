"""Benchmark: ``hwcheck check examples.toml`` (the course, as a student runs it), and one answers
file of 1,000 exercises mixing every command and claim kind.

Built from examples.toml (every course exercise, every command) by repeating its exercises
under new ids, with the learning rate / sizes varied where a command has them so that not
every request is a cache hit. Reports both wall times as ratios to the start-up baseline
(``import typer, rich.console``) measured in the same run: for examples.toml the median of
``--runs`` runs (default 11), interleaved with as many baseline runs; the size gates and budgets
of the hostile-input work may grow the examples.toml ratio by at most 10%.

    python benchmarks/bench_check.py --examples-only --runs 11
"""

from __future__ import annotations

import sys
import tempfile
import tomllib
from pathlib import Path

from timing import ENV, ROOT, wall_times


def cpu_seconds(argv: list[str], repeat: int) -> float:
    """Least CPU time (user + system, with the children it waited for) of ``repeat`` processes:
    steadier than wall time on a machine shared with other work."""
    import os
    import subprocess

    best = float("inf")
    for _ in range(repeat + 1):  # the first run warms the byte-code cache
        process = subprocess.Popen(
            argv, cwd=ROOT, env=ENV, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        _, _, usage = os.wait4(process.pid, 0)
        process.returncode = 0
        best = min(best, usage.ru_utime + usage.ru_stime)
    return best


def toml_value(value) -> str:
    import json

    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{json.dumps(k)} = {toml_value(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    return json.dumps(value)


def generate(count: int) -> str:
    examples = tomllib.loads((ROOT / "examples.toml").read_text(encoding="utf-8"))["exercise"]
    out = []
    for i in range(count):
        ex = dict(examples[i % len(examples)])
        ex["id"] = f"{ex['id']}-{i}"
        claims = ex.pop("claims")
        tolerances = ex.pop("tolerances", None)
        out.append("[[exercise]]")
        out.extend(f"{k} = {toml_value(v)}" for k, v in ex.items())
        out.append("[exercise.claims]")
        out.extend(f"{toml_value(k)} = {toml_value(v)}" for k, v in claims.items())
        if tolerances:
            out.append("[exercise.tolerances]")
            out.extend(f"{toml_value(k)} = {toml_value(v)}" for k, v in tolerances.items())
        out.append("")
    return "\n".join(out)


def median(values: list[float]) -> float:
    ordered = sorted(values)
    middle = len(ordered) // 2
    return ordered[middle] if len(ordered) % 2 else (ordered[middle - 1] + ordered[middle]) / 2


def examples_ratio(runs: int) -> tuple[float, float]:
    """Median wall time of ``runs`` processes of ``check examples.toml`` and of the start-up
    baseline, the two interleaved (one of each in turn) so that the load of a shared machine
    weighs on both alike: (examples seconds, baseline seconds)."""
    examples, baseline = [], []
    base = [sys.executable, "-c", "import typer, rich.console"]
    check = [sys.executable, "-m", "hwcheck", "check", "examples.toml", "--json"]
    wall_times(base, 1)  # warm the byte-code caches
    wall_times(check, 1)
    for _ in range(runs):
        baseline += wall_times(base, 1, warm_up=False)
        examples += wall_times(check, 1, warm_up=False)
    return median(examples), median(baseline)


def main() -> None:
    import argparse

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("count", nargs="?", type=int, default=1000, help="exercises of the file")
    parser.add_argument("--runs", type=int, default=11, help="runs of check examples.toml")
    parser.add_argument(
        "--examples-only", action="store_true", help="only check examples.toml (no big file)"
    )
    args = parser.parse_args()
    examples, baseline = examples_ratio(args.runs)
    print(
        f"check examples.toml: median of {args.runs} runs {examples:.2f} s, "
        f"{examples / baseline:.2f}× the start-up baseline (median {baseline * 1000:.0f} ms for "
        "`import typer, rich.console`, interleaved in the same run)"
    )
    if args.examples_only:
        return
    count = args.count
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "many.toml"
        path.write_text(generate(count), encoding="utf-8")
        total = wall_times(
            [sys.executable, "-m", "hwcheck", "check", str(path), "--json"], 1, warm_up=False
        )[0]
    cpu_base = cpu_seconds([sys.executable, "-c", "import typer, rich.console"], 5)
    cpu_examples = cpu_seconds([sys.executable, "-m", "hwcheck", "check", "examples.toml"], 5)
    print(
        f"check examples.toml: CPU time {cpu_examples:.2f} s (least of 5), "
        f"{cpu_examples / cpu_base:.2f}× the baseline's {cpu_base:.3f} s"
    )
    print(
        f"check: {count} exercises in one process: {total:.2f} s (goal ≤ 10 s); "
        f"{1000 * total / count:.1f} ms per exercise; {total / baseline:.0f}× the start-up baseline "
        f"({baseline * 1000:.0f} ms for `import typer, rich.console`)"
    )


if __name__ == "__main__":
    main()
