"""Benchmarks for params and rf (a script, not a test): ratios measured in one run.

    python benchmarks/bench_arch.py            # everything
    python benchmarks/bench_arch.py startup    # the start-up section only

1. Start-up: ``hwcheck params`` on a model file (a 4-layer conv net), table and ``--json``, against
   ``python -c "import typer, rich.console"``, as the median ratio of paired runs (A B A B …,
   each pair run back to back, so a busy machine slows both sides of a pair alike; goal ≤ 1.3×).
   Output to a pipe or file is what the goal measures; on a terminal (also reported) Rich draws
   the table in colour for the terminal's width, and importing Rich's console is part of the cost.
2. A 2,000-layer stack through params and rf (goal < 1 s each).
3. The same model through torchinfo, where installed (we never allocate weights).
4. Graphs: ResNet-152 (tests/data/resnet152.toml, 514 nodes) through ``params`` and ``rf``,
   each a fresh process, start-up included (goal < 0.5 s wall each), and a generated
   10,000-node residual graph through params and rf (goal < 2 s), both also as ratios to the
   same run's ``import typer, rich.console``.
5. Windows of different lengths: the 2,000-layer stack after an adaptive pool 64 → 48 (every
   unit then keeps a field of its own, 48 per axis, through every later layer) through rf, as a
   ratio to the same stack without the pool (the recurrences alone) in the same run.
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

from timing import ROOT, call_times, wall_times

sys.path.insert(0, str(ROOT))

STACK = "64x64x3 | " + " | ".join(["conv2d filters=16 kernel=3 padding=same", "relu"] * 1000)


def wall(argv: list[str], repeat: int = 7) -> float:
    """Median wall time of a fresh process (after one warm-up run)."""
    return statistics.median(wall_times(argv, repeat))


def inproc(function, repeat: int = 5) -> float:
    return statistics.median(call_times(function, repeat))


#: The start-up model: a small conv net as students write model files (4 layers with weights).
STARTUP_MODEL = """input = [32, 32, 3]
[[layers]]
type = "conv2d"
filters = 32
kernel = 3
padding = "same"
[[layers]]
type = "maxpool2d"
kernel = 2
[[layers]]
type = "conv2d"
filters = 64
kernel = 3
padding = "same"
[[layers]]
type = "flatten"
[[layers]]
type = "dense"
units = 128
[[layers]]
type = "dense"
units = 10
"""

BASELINE = [sys.executable, "-c", "import typer, rich.console"]


def paired_ratios(argv: list[str], pairs: int = 15) -> list[float]:
    """Ratios ours / baseline of ``pairs`` back-to-back pairs of fresh processes (A B A B …)."""
    wall_times(BASELINE, 1)  # warm both sides' byte-code and the page cache
    wall_times(argv, 1)
    ratios = []
    for _ in range(pairs):
        base = wall_times(BASELINE, 1, warm_up=False)[0]
        ours = wall_times(argv, 1, warm_up=False)[0]
        ratios.append(ours / base)
    return ratios


def terminal_wall(argv: list[str], columns: int = 80) -> float:
    """Seconds of one fresh process whose stdout is a terminal (a pseudo-terminal of
    ``columns`` columns and 40 lines)."""
    import fcntl
    import os
    import pty
    import struct
    import termios

    from timing import ENV

    start = time.perf_counter()
    pid, fd = pty.fork()
    if pid == 0:  # the child: run argv on the terminal (and never return into the benchmark)
        try:
            fcntl.ioctl(0, termios.TIOCSWINSZ, struct.pack("HHHH", 40, columns, 0, 0))
            os.chdir(ROOT)
            os.execve(argv[0], argv, {**ENV, "TERM": "xterm-256color"})
        finally:
            os._exit(127)
    while True:
        try:
            if not os.read(fd, 65536):
                break
        except OSError:  # the child closed the terminal
            break
    os.waitpid(pid, 0)
    os.close(fd)
    return time.perf_counter() - start


def startup(pairs: int = 15) -> None:
    import tempfile

    with tempfile.NamedTemporaryFile("w", suffix=".toml", delete=False) as handle:
        handle.write(STARTUP_MODEL)
    base = wall(BASELINE)
    cli = wall([sys.executable, "-c", "import hwcheck.cli"])
    print(f"startup: import typer, rich.console {base * 1000:7.1f} ms")
    print(f"startup: import hwcheck.cli         {cli * 1000:7.1f} ms   (the CLI layer alone)")
    for extra in ([], ["--json"]):
        argv = [sys.executable, "-m", "hwcheck", "params", handle.name, *extra]
        ratios = paired_ratios(argv, pairs)
        quartiles = statistics.quantiles(ratios, n=4)
        label = f"params model.toml {' '.join(extra)}".strip()
        print(
            f"startup: {label:24s} median ratio {statistics.median(ratios):.2f}× "
            f"(quartiles {quartiles[0]:.2f}–{quartiles[2]:.2f}, {pairs} pairs; goal ≤ 1.3×)"
        )
    if sys.platform != "win32":  # a terminal: the table in colour, laid out for its width
        argv = [sys.executable, "-m", "hwcheck", "params", handle.name]
        for columns in (80, 200):
            terminal_wall(argv, columns)
            ratios = []
            for _ in range(pairs):
                base = wall_times(BASELINE, 1, warm_up=False)[0]
                ratios.append(terminal_wall(argv, columns) / base)
            label = f"params model.toml (tty {columns})"
            print(
                f"startup: {label:24s} median ratio {statistics.median(ratios):.2f}× "
                f"({pairs} pairs; a terminal of {columns} columns)"
            )
    Path(handle.name).unlink()


def big_stack() -> float:
    import hwcheck

    hwcheck.params(spec="8x8x1 | relu")  # warm the imports
    p = inproc(lambda: hwcheck.params(spec=STACK))
    r = inproc(lambda: hwcheck.rf(spec=STACK))
    j = inproc(lambda: hwcheck.params(spec=STACK).to_json())
    print(
        f"2,000 layers: params {p * 1000:7.1f} ms, rf {r * 1000:7.1f} ms, params + JSON {j * 1000:7.1f} ms "
        f"(goal < 1000 ms)"
    )
    return p


def torchinfo_compare(ours: float) -> None:
    try:
        import torch
        import torchinfo
    except ImportError:
        print("torchinfo: not installed, skipped")
        return
    layers = []
    for _ in range(1000):
        layers += [torch.nn.Conv2d(16, 16, 3, padding=1), torch.nn.ReLU()]
    model = torch.nn.Sequential(torch.nn.Conv2d(3, 16, 3, padding=1), *layers[2:])
    t = inproc(lambda: torchinfo.summary(model, input_size=(1, 3, 64, 64), verbose=0), repeat=1)
    print(
        f"torchinfo.summary on the same stack: {t * 1000:7.1f} ms   ratio {t / ours:.1f}× ours "
        "(it runs the model on a zero input; we never allocate weights)"
    )


def uneven_stack() -> None:
    import hwcheck

    uneven = STACK.replace("64x64x3 | ", "64x64x3 | adaptive_avgpool2d 48 | ", 1)
    assert hwcheck.rf(spec=uneven).unit_rf is not None
    even, per_unit = inproc(lambda: hwcheck.rf(spec=STACK)), inproc(lambda: hwcheck.rf(spec=uneven))
    print(
        f"2,000 layers after an uneven pool 64 → 48: rf {per_unit * 1000:7.1f} ms, "
        f"ratio {per_unit / even:.2f}× the recurrences alone ({even * 1000:.1f} ms; goal < 1000 ms)"
    )


RESNET = str(ROOT / "tests" / "data" / "resnet152.toml")


def residual_graph(nodes: int = 10_000) -> str:
    """A model file of ``nodes`` nodes: a stem, then (conv, relu, add) blocks by ``repeat``."""
    return f"""input = [32, 32, 8]
[blocks.res]
layers = [
  {{ type = "conv2d", filters = 8, kernel = 3, padding = "same" }},
  {{ type = "relu", name = "r" }},
  {{ type = "add", inputs = ["input", "r"] }},
]
[[layers]]
type = "conv2d"
filters = 8
kernel = 1
[[layers]]
block = "res"
repeat = {(nodes - 1) // 3}
"""


def graphs() -> None:
    import tempfile

    base = wall([sys.executable, "-c", "import typer, rich.console"])
    for command in ("params", "rf"):
        t = wall([sys.executable, "-m", "hwcheck", command, RESNET])
        print(
            f"ResNet-152 {command:6s} (514 nodes, fresh process) {t * 1000:7.1f} ms   "
            f"ratio {t / base:.2f}× typer+rich (goal < 500 ms)"
        )
    with tempfile.NamedTemporaryFile("w", suffix=".toml", delete=False) as handle:
        handle.write(residual_graph())
    for command in ("params", "rf"):
        for extra in ([], ["--json"]):
            t = wall([sys.executable, "-m", "hwcheck", command, handle.name, *extra], repeat=3)
            label = f"{command} {' '.join(extra)}".strip()
            print(
                f"10,000-node graph {label:13s} (fresh process) {t * 1000:7.1f} ms   "
                f"ratio {t / base:.2f}× typer+rich (goal < 2000 ms)"
            )
    Path(handle.name).unlink()


if __name__ == "__main__":
    startup()
    if sys.argv[1:] == ["startup"]:
        sys.exit(0)
    ours = big_stack()
    torchinfo_compare(ours)
    uneven_stack()
    graphs()
