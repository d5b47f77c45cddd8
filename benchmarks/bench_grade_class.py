"""Benchmark: what the class-run safeguards cost (folder walk, identity rule, roster).

Measured in one process, each against a baseline taken in the same run:

- walking a folder of 20,000 answers files in 200 subfolders with the bounded, link-refusing
  stack walk (``submissions.discover``) against the recursive ``os.walk`` it replaced (the
  same files as sorted paths, links followed as files, no depth bound);
- grading 1,000 students of a one-exercise key with ``--roster`` (identity rule, roster order,
  missing rows) against the same class without it.
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
from pathlib import Path

from timing import ROOT, call_times

sys.path.insert(0, str(ROOT))

KEY = (ROOT / "tests/data/grade/one_conv_key.toml").read_text(encoding="utf-8")


def best(fn, repeat: int = 3) -> float:
    return statistics.median(call_times(fn, repeat))


def walk_figures(root: Path) -> None:
    from hwcheck.answers.grade.submissions import discover

    for d in range(200):
        sub = root / "walk" / f"g{d:03d}"
        sub.mkdir(parents=True)
        for i in range(100):
            (sub / f"s{i:03d}.toml").write_text("[answers]\n")
    folder = root / "walk"
    ours = best(lambda: discover(folder))
    base = best(lambda: sorted(old_walk(folder)))
    print(
        f"walk 20,000 files: discover {ours:.3f} s, the old os.walk {base:.3f} s, ratio {ours / base:.2f}"
    )


def old_walk(folder: Path):
    """The walk before: os.walk (recursive in Python 3.11), a Path per file."""
    for root, dirs, files in os.walk(folder, followlinks=False):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for f in files:
            if not f.startswith(".") and f.lower().endswith((".toml", ".csv")):
                yield Path(root) / f


def roster_figures(root: Path) -> None:
    from hwcheck.answers.grade.key import load_key
    from hwcheck.answers.grade.run import grade_class
    from hwcheck.answers.grade.submissions import expand
    from hwcheck.answers.roster import read_roster

    (root / "key.toml").write_text(KEY)
    folder = root / "class"
    folder.mkdir()
    for i in range(1000):
        answer = "[33, 33, 32]" if i % 3 else "[35, 35, 32]"
        (folder / f"s{i:04d}.toml").write_text(
            f'[answers]\n"B.total_params" = 4640\n"B.output_shape" = {answer}\n'
        )
    ids = [f"s{i:04d}" for i in range(1100)]  # 100 with no submission
    (root / "roster.csv").write_text("student\n" + "\n".join(reversed(ids)) + "\n")
    key = load_key(str(root / "key.toml"))
    found = list(expand([str(folder)]))
    roster = read_roster(str(root / "roster.csv"))
    ours = best(lambda: grade_class(key, found, None, roster))
    base = best(lambda: grade_class(key, found, None))
    print(
        f"grade 1,000 students: --roster {ours:.3f} s, without {base:.3f} s, ratio {ours / base:.2f}"
    )


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        walk_figures(Path(tmp))
        roster_figures(Path(tmp))


if __name__ == "__main__":
    main()
