"""Benchmarks of the convolution toolkit (run: python benchmarks/bench_conv.py).

1. conv-backprop on a 3×256×256 input with 16 filters 5×5 (valid, sum loss), float64,
   against torch autograd in the same run (goal: within 3× of torch CPU). Three timings:
   the numeric core (forward + both gradients), the whole command through the Python API
   with numpy arrays (adds the finite-difference check: 2 extra forward passes per tensor),
   and torch (conv2d forward + backward).
2. The sparse conv-matrix build for a 128×128 input with a 3×3 kernel (goal: well under 1 s).
Best of ``--repeat`` runs each.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np

import hwcheck
from hwcheck.families.conv import numeric
from hwcheck.families.conv.geometry import resolve_axes


def best(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def core(x, f):
    axes = resolve_axes(x.shape[1:], f.shape[2:], (1, 1), (1, 1), "valid")
    o = numeric.forward(x, f, axes)
    g = np.ones_like(o)
    return numeric.grad_kernel(x, g, axes, f.shape), numeric.grad_input(f, g, axes, x.shape[0])


def torch_autograd(torch, x, f):
    xt = torch.tensor(x[None], requires_grad=True)
    ft = torch.tensor(f, requires_grad=True)
    torch.nn.functional.conv2d(xt, ft).sum().backward()
    return ft.grad, xt.grad


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    x, f = rng.normal(size=(3, 256, 256)), rng.normal(size=(16, 3, 5, 5))

    t_core = best(lambda: core(x, f), args.repeat)
    from hwcheck.families.conv.request import ConvBackpropRequest
    from hwcheck.families.conv.spec import conv_backprop

    request = ConvBackpropRequest(x=x, f=f)  # numpy arrays straight into the request type
    t_api = best(lambda: conv_backprop(request), args.repeat)
    print(f"conv-backprop 3×256×256, 16 filters 5×5 (float64, best of {args.repeat})")
    print(f"  hwcheck numeric core (forward + ∂L/∂F + ∂L/∂X): {t_core * 1000:8.1f} ms")
    print(f"  conv-backprop runner (+ gradcheck, plain lists):  {t_api * 1000:8.1f} ms")
    try:
        import torch
    except ImportError:
        print("  torch not installed: no reference timing")
    else:
        dF, dX = core(x, f)
        tF, tX = torch_autograd(torch, x, f)
        assert np.allclose(dF, tF.numpy()) and np.allclose(dX, tX.numpy()[0]), (
            "gradients differ from torch"
        )
        t_torch = best(lambda: torch_autograd(torch, x, f), args.repeat)
        print(f"  torch conv2d + autograd:                          {t_torch * 1000:8.1f} ms")
        print(
            f"  core / torch = {t_core / t_torch:.2f}×, command / torch = {t_api / t_torch:.2f}× (goal ≤ 3×)"
        )

    kernel = "1 2 3; 4 5 6; 7 8 9"
    t_sparse = best(
        lambda: hwcheck.conv_matrix(input="128x128", f=kernel, sparse=True), args.repeat
    )
    r = hwcheck.conv_matrix(input="128x128", f=kernel, sparse=True)
    print(
        f"sparse conv-matrix 128×128 input, 3×3 kernel: {r.nnz:,} non-zeros, "
        f"{r.shape[0]:,}×{r.shape[1]:,}: {t_sparse * 1000:.1f} ms (goal well under 1 s)"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
