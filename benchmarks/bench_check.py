"""Benchmark: ``hwcheck check examples.toml`` (the course, as a student runs it), and one answers
file of 1,000 exercises mixing every command and claim kind.

Built from examples.toml (every course exercise, every command) by repeating its exercises
under new ids, with the learning rate / sizes varied where a command has them so that not
every request is a cache hit. Reports both wall times as ratios to the start-up baseline
(``import typer, rich.console``) measured in the same run; the size gates and budgets of the
hostile-input work may grow the examples.toml ratio by at most 10%.
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


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "many.toml"
        path.write_text(generate(count), encoding="utf-8")
        baseline = min(wall_times([sys.executable, "-c", "import typer, rich.console"], 5))
        examples = min(
            wall_times([sys.executable, "-m", "hwcheck", "check", "examples.toml", "--json"], 5)
        )
        total = wall_times(
            [sys.executable, "-m", "hwcheck", "check", str(path), "--json"], 1, warm_up=False
        )[0]
    cpu_base = cpu_seconds([sys.executable, "-c", "import typer, rich.console"], 5)
    cpu_examples = cpu_seconds([sys.executable, "-m", "hwcheck", "check", "examples.toml"], 5)
    print(
        f"check examples.toml: {examples:.2f} s, {examples / baseline:.2f}× the start-up baseline "
        f"(best of 5); CPU time {cpu_examples:.2f} s, {cpu_examples / cpu_base:.2f}× the "
        f"baseline's {cpu_base:.3f} s"
    )
    print(
        f"check: {count} exercises in one process: {total:.2f} s (goal ≤ 10 s); "
        f"{1000 * total / count:.1f} ms per exercise; {total / baseline:.0f}× the start-up baseline "
        f"({baseline * 1000:.0f} ms for `import typer, rich.console`)"
    )


if __name__ == "__main__":
    main()
