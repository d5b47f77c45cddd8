"""Benchmarks for the one writer of outputs and the Gradescope bundle (a script, not a test):
ratios against baselines measured in the same run.

    python benchmarks/bench_writer.py

1. ``write_bytes`` (checks, a temporary file, fsync, rename, signals held) against a plain
   ``Path.write_bytes`` and against a plain write with fsync, for 1 KiB and 1 MiB: what "whole
   or nothing" costs over writing in place.
2. ``grade KEY --gradescope-bundle`` (the wheel written from the package files, in memory) as a
   fresh process, against ``hwcheck --version`` (start-up) and against ``pip wheel --no-deps``
   of the checkout (how the bundle's wheel was built before), each the median of paired runs.
"""

from __future__ import annotations

import os
import shutil
import statistics
import sys
import tempfile
from pathlib import Path

from timing import ENV, ROOT, call_times, wall_times

sys.path.insert(0, str(ROOT))

KEY = ROOT / "tests" / "data" / "grade" / "key.toml"


def median_seconds(function, repeat: int = 31) -> float:
    return statistics.median(call_times(function, repeat))


def plain_with_fsync(path: Path, data: bytes) -> None:
    with open(path, "wb") as out:
        out.write(data)
        out.flush()
        os.fsync(out.fileno())


def writer(folder: Path) -> None:
    for size in (1024, 1 << 20):
        writer_size(folder / f"out-{size}.bin", os.urandom(size))


def writer_size(target: Path, data: bytes) -> None:
    from hwcheck.render.files import write_bytes

    mine = median_seconds(lambda: write_bytes(str(target), data, "--csv"))
    plain = median_seconds(lambda: target.write_bytes(data))
    synced = median_seconds(lambda: plain_with_fsync(target, data))
    print(
        f"write_bytes {len(data):>9,} B: {mine * 1e3:7.2f} ms = {mine / plain:5.1f}× a plain "
        f"write, {mine / synced:4.2f}× a plain write with fsync"
    )


def pip_wheel(folder: Path) -> list[str]:
    copy = folder / "src"
    if not copy.exists():
        copy.mkdir()
        for name in ("pyproject.toml", "README.md"):
            shutil.copy2(ROOT / name, copy)
        shutil.copytree(
            ROOT / "hwcheck", copy / "hwcheck", ignore=shutil.ignore_patterns("__pycache__")
        )
    return [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "--no-index",
            "-q", "-w", str(folder / "wheels"), str(copy)]  # fmt: skip


def bundle(folder: Path) -> None:
    hwcheck = [sys.executable, "-m", "hwcheck"]
    out = str(folder / "autograder.zip")
    bundle_times, start_times, pip_times = [], [], []
    for _ in range(5):  # paired: a busy machine slows every side of a round alike
        bundle_times += wall_times([*hwcheck, "grade", str(KEY), "--gradescope-bundle", out], 1)
        start_times += wall_times([*hwcheck, "--version"], 1)
        pip_times += wall_times(pip_wheel(folder), 1)
    b, s, p = (statistics.median(t) for t in (bundle_times, start_times, pip_times))
    print(
        f"bundle: {b:.2f} s = {b / s:.1f}× hwcheck's start-up ({s:.2f} s); pip wheel alone {p:.2f} s"
    )
    print(f"bundle / pip wheel alone: {b / p:.2f}×")


if __name__ == "__main__":
    os.environ.update({k: v for k, v in ENV.items() if k.startswith("PYTHON")})
    with tempfile.TemporaryDirectory(prefix="hwcheck-bench-writer-") as temp:
        writer(Path(temp))
        bundle(Path(temp))
