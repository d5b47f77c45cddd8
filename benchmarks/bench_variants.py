"""Benchmark: `hwcheck variants` and `grade --variants` (goals: each under 10 s on 2 cores).

1. `variants` for 300 students × 10 template exercises (every file: concrete key, Markdown and
   LaTeX handout and solution sheet, manifest), compared in the same run with `hwcheck check`
   on one student's concrete key × 300 (the work done one student at a time).
2. `grade --variants` of 500 students × 20 claims, each answering their own variant, compared
   with plain `grade` of 500 students answering the key's first variant (the same claims, one
   key for all).
"""

from __future__ import annotations

import json
import sys
import tempfile
import tomllib
from pathlib import Path

from timing import wall_times


def timed(argv: list[str], warm_up: bool = True) -> tuple[float, float]:
    """(wall seconds, CPU seconds of the process) of one run (after an untimed warm-up): on a
    shared machine the CPU figure is the one that does not depend on the other processes."""
    import resource

    if warm_up:
        wall_times(argv, 0, warm_up=True)
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    wall = wall_times(argv, 1, warm_up=False)[0]
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


EXERCISES = [
    (
        "params",
        'spec = "{h}x{h}x{c} | conv2d filters={f} kernel={k} padding=same"',
        "h = {from = 16, to = 64}\nc = [1, 3, 8, 16]\nf = [8, 16, 32, 64]\nk = [1, 3, 5, 7]",
        ["output_shape", "total_params"],
    ),
    (
        "params",
        'spec = "{h}x{h}x3 | conv2d {f} {k} stride={s} | maxpool2d 2"',
        "h = {from = 32, to = 96, step = 2}\nf = [16, 32]\nk = [3, 5]\ns = [1, 2]",
        ["output_shape", "total_params"],
    ),
    (
        "params",
        'spec = "{n}x16 | dense units={u} | dense units={v}"',
        "n = [1, 10, 100]\nu = {from = 8, to = 256, step = 8}\nv = [2, 5, 10]",
        ["output_shape", "total_params"],
    ),
    (
        "sgd",
        'lr = "{lr}"\nsteps = 2',
        "lr = {from = 0.05, to = 0.95, step = 0.05}",
        ["steps.1.params.w", "steps.1.params.b"],
    ),
    (
        "adam",
        'lr = "{lr}"\nsteps = 2',
        "lr = {from = 0.01, to = 0.5, step = 0.01}",
        ["steps.1.params.w", "steps.1.params.b"],
    ),
    (
        "gd-quadratic",
        'H = "{a} 0; 0 {b}"\nlr = 0.1',
        "a = {from = 2, to = 20}\nb = [1, 2, 3]",
        ["lr_max", "lr_opt"],
    ),
    (
        "params",
        'spec = "{h}x{h}x3 | conv2d {f} 3 padding=same | batchnorm | conv2d {g} 3"',
        "h = {from = 20, to = 60}\nf = [8, 16, 32]\ng = [8, 16, 32]",
        ["output_shape", "total_params"],
    ),
    (
        "rmsprop",
        'lr = "{lr}"\nsteps = 2',
        "lr = {from = 0.01, to = 0.3, step = 0.01}",
        ["steps.1.params.w", "steps.1.params.b"],
    ),
    (
        "params",
        'spec = "{t}x{i} | lstm units={u}"',
        "t = [10, 20, 50]\ni = [4, 8, 16]\nu = [8, 16, 32, 64]",
        ["output_shape", "total_params"],
    ),
    (
        "gd-quadratic",
        'H = "{a} 1; 1 {b}"\nlr = 0.1',
        "a = {from = 3, to = 12}\nb = {from = 3, to = 12}",
        ["lr_max", "rate"],
    ),
]


def template() -> str:
    out = ["[defaults]", "rtol = 1e-3", ""]
    for i, (command, options, vary, claims) in enumerate(EXERCISES):
        out += ["[[exercise]]", f'id = "E{i}"', f'command = "{command}"', options, "points = 2", ""]
        out += ["[exercise.vary]", vary, "", "[exercise.claims]"]
        out += [f'"{c}" = "?"' for c in claims] + [""]
    return "\n".join(out)


def toml(value) -> str:
    return json.dumps(value) if not isinstance(value, float) else repr(value)


def answers(key: Path, student: str) -> str:
    doc = tomllib.loads(key.read_text(encoding="utf-8"))
    lines = [f'student = "{student}"', "[answers]"]
    for ex in doc["exercise"]:
        lines += [f'"{ex["id"]}.{k}" = {toml(v)}' for k, v in ex["claims"].items()]
    return "\n".join(lines) + "\n"


def main() -> None:
    python = [sys.executable, "-m", "hwcheck"]
    with tempfile.TemporaryDirectory() as temp:
        folder = Path(temp)
        key = folder / "template.toml"
        key.write_text(template(), encoding="utf-8")
        roster = folder / "roster.csv"
        roster.write_text("student\n" + "".join(f"s{n:03d}\n" for n in range(500)), "utf-8")
        small = folder / "roster300.csv"
        small.write_text("student\n" + "".join(f"s{n:03d}\n" for n in range(300)), "utf-8")
        out300 = folder / "v300"
        argv = [*python, "variants", str(key), "--roster", str(small), "--seed", "1"]
        made, made_cpu = timed([*argv, "--out", str(out300)])
        one = min(wall_times([*python, "check", str(out300 / "s000" / "key.toml")], 3))
        out500 = folder / "v500"
        wall_times(
            [
                *python,
                "variants",
                str(key),
                "--roster",
                str(roster),
                "--seed",
                "1",
                "--out",
                str(out500),
            ],
            1,
            warm_up=False,
        )
        own, first = folder / "own", folder / "first"
        own.mkdir()
        first.mkdir()
        filled = folder / "filled.toml"
        import subprocess

        filled.write_text(
            subprocess.run(
                [*python, "key", str(key)], capture_output=True, text=True, check=True
            ).stdout,
            encoding="utf-8",
        )
        for n in range(500):
            student = f"s{n:03d}"
            (own / f"{student}.toml").write_text(
                answers(out500 / student / "key.toml", student), "utf-8"
            )
            (first / f"{student}.toml").write_text(answers(filled, student), "utf-8")
        graded, graded_cpu = timed(
            [*python, "grade", str(key), str(own), "--variants", str(out500), "--json"]
        )
        plain, plain_cpu = timed([*python, "grade", str(filled), str(first), "--json"])
    print(
        f"variants: 300 students × 10 exercises: {made:.2f} s wall, {made_cpu:.2f} s CPU "
        f"(goal < 10 s); check on one "
        f"concrete key {one * 1000:.0f} ms × 300 = {one * 300:.1f} s (ratio {made / (one * 300):.3f})"
    )
    print(
        f"grade --variants: 500 students × 20 claims, own variants: {graded:.2f} s wall, "
        f"{graded_cpu:.2f} s CPU (goal < 10 s); plain grade of 500 × 20 against one key "
        f"{plain:.2f} s wall, {plain_cpu:.2f} s CPU (ratio {graded / plain:.2f} wall, "
        f"{graded_cpu / plain_cpu:.2f} CPU)"
    )


if __name__ == "__main__":
    main()
