"""Wall-clock timing of whole hwcheck processes, shared by the benchmark scripts."""

from __future__ import annotations

import os
import subprocess
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

#: Byte-code cached as an installed package has it (PYTHONDONTWRITEBYTECODE would make every run
#: recompile hwcheck while typer and rich load from their cached .pyc files).
ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
ENV["PYTHONPYCACHEPREFIX"] = os.path.join(tempfile.gettempdir(), "hwcheck-bench-pycache")


def wall_times(argv: list[str], repeat: int, *, warm_up: bool = True) -> list[float]:
    """Seconds of each of ``repeat`` fresh processes (after one untimed warm-up run)."""
    runs = [False] * warm_up + [True] * repeat
    times = []
    for timed in runs:
        start = time.perf_counter()
        subprocess.run(  # noqa: PLW1510
            argv, cwd=ROOT, env=ENV, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        if timed:
            times.append(time.perf_counter() - start)
    return times


def call_times(function, repeat: int, *args, **kwargs) -> list[float]:
    """Seconds of each of ``repeat`` calls of ``function(*args, **kwargs)`` in this process."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        function(*args, **kwargs)
        times.append(time.perf_counter() - start)
    return times
