"""Benchmark: rendering stays off the hot path (issue 13, speed).

    python benchmarks/bench_render.py [repeats]

1. ``hwcheck params --json`` as a ratio to ``python -c "import typer, rich.console"`` in the same
   run (goal ≤ 1.3×), and the table and LaTeX outputs of the same command for comparison.
2. Which optional modules each output imports: the LaTeX code only for ``--format latex``,
   matplotlib only for ``--plot``.
"""

from __future__ import annotations

import statistics
import subprocess
import sys

from timing import ENV, ROOT, wall_times

SPEC = "35x35x16 | conv2d filters=32 kernel=3 padding=same"
PARAMS = [sys.executable, "-m", "hwcheck", "params", "--spec", SPEC]
PROBE = (
    "import sys\nfrom hwcheck.cli import main\ntry:\n    main(sys.argv[1:])\nexcept SystemExit:\n"
    "    pass\nprint(sorted(m for m in ('hwcheck.render.latex', 'matplotlib', 'sympy', 'numpy') "
    "if m in sys.modules), file=sys.stderr)\n"
)


def imported(args: list[str]) -> str:
    run = subprocess.run(
        [sys.executable, "-c", PROBE, *args],
        cwd=ROOT,
        env=ENV,
        capture_output=True,
        text=True,
        check=False,
    )
    return run.stderr.strip().splitlines()[-1]


def main() -> None:
    repeats = int(sys.argv[1]) if len(sys.argv) > 1 else 7
    base = statistics.median(
        wall_times([sys.executable, "-c", "import typer, rich.console"], repeats)
    )
    print(f"import typer, rich.console   {base * 1000:7.1f} ms")
    for label, extra in (
        ("--json", ["--json"]),
        ("table (pipe)", []),
        ("--format latex", ["--format", "latex"]),
    ):
        ours = statistics.median(wall_times(PARAMS + extra, repeats))
        goal = "  (goal ≤ 1.3×)" if extra == ["--json"] else ""
        print(f"hwcheck params {label:<14} {ours * 1000:7.1f} ms   ratio {ours / base:.2f}×{goal}")
    for args in (
        ["params", "--spec", SPEC, "--json"],
        ["params", "--spec", SPEC, "--format", "latex"],
        ["adam", "--steps", "4"],
    ):
        print(
            f"imports of hwcheck {' '.join(a if ' ' not in a else repr(a) for a in args)}: {imported(args)}"
        )


if __name__ == "__main__":
    main()
