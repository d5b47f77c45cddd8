"""Benchmark: the cost of naming mistakes (issue 14's speed goal).

One answers file of 1,000 exercises built as bench_check.py builds its own (every command of
examples.toml, repeated), with one claim made wrong in 30% of the exercises (an integer + 1, a
float × 1.5). ``hwcheck check`` runs it twice in fresh processes: as shipped (every wrong claim
diagnosed) and with the catalogue emptied (``hwcheck.claims.diagnose.families`` giving none, so the
diagnosis finds nothing to try). Reported as a ratio (goal < 1.5×); the diagnosis runs only for
wrong claims, so right claims cost the same either way.
"""

from __future__ import annotations

import random
import sys
import tempfile
import tomllib
from pathlib import Path

from bench_check import generate
from timing import wall_times

WRONG_SHARE = 0.3


def spoil(text: str, share: float, seed: int = 0) -> tuple[str, int]:
    """Make one numeric claim wrong in ``share`` of the exercises; returns (file, how many)."""
    doc = tomllib.loads(text)
    rng = random.Random(seed)
    spoiled = 0
    for exercise in doc["exercise"]:
        if rng.random() >= share:
            continue
        for key, value in exercise["claims"].items():
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                continue
            exercise["claims"][key] = value + 1 if isinstance(value, int) else value * 1.5
            spoiled += 1
            break
    return dump(doc), spoiled


def dump(doc: dict) -> str:
    from bench_check import toml_value

    out = []
    for ex in doc["exercise"]:
        ex = dict(ex)
        claims, tolerances = ex.pop("claims"), ex.pop("tolerances", None)
        out.append("[[exercise]]")
        out.extend(f"{k} = {toml_value(v)}" for k, v in ex.items())
        out.append("[exercise.claims]")
        out.extend(f"{toml_value(k)} = {toml_value(v)}" for k, v in claims.items())
        if tolerances:
            out.append("[exercise.tolerances]")
            out.extend(f"{toml_value(k)} = {toml_value(v)}" for k, v in tolerances.items())
        out.append("")
    return "\n".join(out)


def check_argv(path: Path, diagnosis: bool) -> list[str]:
    code = (
        "import sys\n"
        + ("" if diagnosis else "import hwcheck.claims.diagnose as m; m.families = dict\n")
        + f"sys.argv = ['hwcheck', 'check', {str(path)!r}, '--json']\n"
        "from hwcheck.cli import main\n"
        "main()\n"
    )
    return [sys.executable, "-c", code]


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "many.toml"
        text, spoiled = spoil(generate(count), WRONG_SHARE)
        path.write_text(text, encoding="utf-8")
        without = min(wall_times(check_argv(path, False), 2))
        with_ = min(wall_times(check_argv(path, True), 2))
    print(
        f"mistakes: {count} exercises, {spoiled} with a wrong claim: {with_:.2f} s with the "
        f"diagnosis, {without:.2f} s without: {with_ / without:.2f}× (goal < 1.5×)"
    )


if __name__ == "__main__":
    main()
