"""Benchmark: `hwcheck grade` on 500 students × 20 claims (goal ≤ 10 s wall on 2 cores).

The key holds 20 claims of course exercises (examples.toml: integers, shapes, lists, booleans,
expressions, floats). Each seeded student answers every claim right, wrong or not at all. The
figure is compared, in the same run, with `hwcheck check` on one student's self-check file
(the same exercises, the student's answers as claims) times 500, and with `check` given all 500
such files in one process.
"""

from __future__ import annotations

import json
import random
import sys
import tempfile
import tomllib
from pathlib import Path

from timing import ROOT, wall_times

CLAIMS = {
    "B": ["output_shape", "total_params"],
    "C-variant": [
        "layers.0.params",
        "layers.1.params",
        "layers.2.output_shape",
        "layers.3.output_shape",
        "layers.4.params",
        "layers.5.params",
        "total_params",
    ],
    "E": ["rank", "separable", "u", "v"],
    "H": ["derivatives.w", "derivatives.b"],
    "I": ["steps.0.params.w", "steps.0.params.b"],
    "K": ["lr_max", "lr_opt", "rate"],
}


def toml(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return "[" + ", ".join(toml(v) for v in value) + "]"
    return json.dumps(value, ensure_ascii=False)


def exercises() -> list[dict]:
    every = tomllib.loads((ROOT / "examples.toml").read_text(encoding="utf-8"))["exercise"]
    chosen = [dict(e) for e in every if e["id"] in CLAIMS]
    for e in chosen:
        e["claims"] = {k: e["claims"][k] for k in CLAIMS[e["id"]]}
    return chosen


def answers_file(chosen: list[dict], claims: dict[str, dict]) -> str:
    """An answers file: the exercises with ``claims[id]`` as their claims."""
    out = []
    for ex in chosen:
        if not claims[ex["id"]]:
            continue
        out.append("[[exercise]]")
        out.extend(f"{k} = {toml(v)}" for k, v in ex.items() if k != "claims")
        out.append("[exercise.claims]")
        out.extend(f"{toml(k)} = {toml(v)}" for k, v in claims[ex["id"]].items())
        out.append("")
    return "\n".join(out)


def wrong(value):
    if isinstance(value, bool):
        return not value
    if isinstance(value, (int, float)):
        return value * 2 + 1
    if isinstance(value, list):
        return value[:-1]
    return "x*y + 1"


def main() -> None:
    students = int(sys.argv[1]) if len(sys.argv) > 1 else 500
    rng = random.Random(1)
    chosen = exercises()
    with tempfile.TemporaryDirectory() as temp:
        folder = Path(temp)
        key = folder / "key.toml"
        key.write_text(answers_file(chosen, {e["id"]: e["claims"] for e in chosen}), "utf-8")
        subs, selfcheck = folder / "subs", folder / "selfcheck"
        subs.mkdir()
        selfcheck.mkdir()
        for n in range(students):
            mine = {e["id"]: {} for e in chosen}
            lines = [f'student = "s{n:03d}"', "[answers]"]
            for ex in chosen:
                for k, v in ex["claims"].items():
                    pick = rng.random()
                    if pick < 0.9:
                        value = v if pick < 0.65 else wrong(v)
                        mine[ex["id"]][k] = value
                        lines.append(f"{toml(ex['id'] + '.' + k)} = {toml(value)}")
            (subs / f"s{n:03d}.toml").write_text("\n".join(lines) + "\n", "utf-8")
            (selfcheck / f"s{n:03d}.toml").write_text(answers_file(chosen, mine), "utf-8")
        python = [sys.executable, "-m", "hwcheck"]
        grade = wall_times([*python, "grade", str(key), str(subs), "--json"], 1, warm_up=True)[0]
        one = min(wall_times([*python, "check", str(selfcheck / "s000.toml"), "--json"], 3))
        files = sorted(str(p) for p in selfcheck.iterdir())
        many = wall_times([*python, "check", *files, "--json"], 1, warm_up=False)[0]
    claims = sum(len(c) for c in CLAIMS.values())
    print(
        f"grade: {students} students × {claims} claims: {grade:.2f} s (goal ≤ 10 s); "
        f"check on one student's file {one * 1000:.0f} ms × {students} = {one * students:.1f} s "
        f"(ratio {grade / (one * students):.3f}); check on all {students} files in one process "
        f"{many:.2f} s (ratio {grade / many:.2f})"
    )


if __name__ == "__main__":
    main()
