"""Benchmarks for params and rf (a script, not a test): ratios measured in one run.

    python benchmarks/bench_arch.py

1. ``hwcheck params`` on exercise C vs ``python -c "import typer, rich.console"`` (goal ≤ 1.5×).
2. A 2,000-layer stack through params and rf (goal < 1 s each).
3. The same model through torchinfo, where installed (we never allocate weights).
4. Graphs: ResNet-152 (tests/data/resnet152.toml, 514 nodes) through ``params`` and ``rf``,
   each a fresh process, start-up included (goal < 0.5 s wall each), and a generated
   10,000-node residual graph through params and rf (goal < 2 s), both also as ratios to the
   same run's ``import typer, rich.console``.
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

from timing import ROOT, wall_times

sys.path.insert(0, str(ROOT))

EXERCISE_C = (
    "227x227x3 | conv2d filters=256 kernel=5 padding=same | conv2d filters=128 kernel=5 padding=same "
    "| maxpool2d kernel=5 stride=2 | flatten | dense units=512 | dense units=100"
)
STACK = "64x64x3 | " + " | ".join(["conv2d filters=16 kernel=3 padding=same", "relu"] * 1000)


def wall(argv: list[str], repeat: int = 7) -> float:
    """Median wall time of a fresh process (after one warm-up run)."""
    return statistics.median(wall_times(argv, repeat))


def inproc(function, repeat: int = 5) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def startup() -> None:
    base = wall([sys.executable, "-c", "import typer, rich.console"])
    ours = wall([sys.executable, "-m", "hwcheck", "params", "--spec", EXERCISE_C])
    cli = wall([sys.executable, "-c", "import hwcheck.cli"])
    core = wall([sys.executable, "-c", f"import hwcheck; hwcheck.params(spec={EXERCISE_C!r})"])
    print(f"startup: import typer, rich.console {base * 1000:7.1f} ms")
    print(f"startup: import hwcheck.cli         {cli * 1000:7.1f} ms   (the CLI layer alone)")
    print(
        f"startup: hwcheck.params via the API {core * 1000:7.1f} ms   (core, no CLI, no rendering)"
    )
    print(
        f"startup: hwcheck params (exercise C)  {ours * 1000:7.1f} ms   ratio {ours / base:.2f}× (goal ≤ 1.5×)"
    )


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
        f"torchinfo.summary on the same stack: {t * 1000:7.1f} ms   ratio {t / ours:.1f}× slower (expected ≥ 10×)"
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
    ours = big_stack()
    torchinfo_compare(ours)
    graphs()
