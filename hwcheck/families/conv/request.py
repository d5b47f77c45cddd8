"""Request types of the convolution commands (light: no numpy or sympy here)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from hwcheck.core.options import choice, flag, integer, text

OPS = ("xcorr", "conv")
LOSSES = ("sum", "gap", "mse", "half-sse")

_PADDING = "valid, same (TensorFlow: odd pixel after), full, N, per-axis 'a,b' or pairs [[top,bottom],[left,right]]"


@dataclass(frozen=True)
class ConvMatrixRequest:
    input: Any = text(None, "input shape HxW or CxHxW", required=True)
    kernel: Any = text(None, "kernel shape khxkw (taken from --f when given)")
    stride: Any = text(1, "stride: N or per axis 'sh,sw'")
    padding: Any = text("valid", f"padding: {_PADDING}")
    dilation: Any = text(1, "dilation: N or per axis 'dh,dw'")
    op: str = choice("xcorr", OPS, "xcorr (deep-learning frameworks) or conv (kernel flipped)")
    in_channels: int | None = integer(
        None, "input channels (block matrix)", minimum=1, maximum=4096
    )
    out_channels: int | None = integer(
        None, "output channels (block matrix)", minimum=1, maximum=4096
    )
    name: Any = text("W", "name of the symbolic kernel entries (W → W00, W01, …)")
    index_base: int = integer(
        0, "first index of symbolic entries and labels: 0 or 1", minimum=0, maximum=1
    )
    f: Any = text(None, "numeric kernel (khxkw, or C_out×C_in×kh×kw as JSON): numeric matrix")
    x: Any = text(
        None,
        "input values: also print A·vec(x) beside the direct convolution (needs --f); "
        "with --transpose, ∂L/∂Y (the output's shape) for Aᵀ·vec(∂L/∂Y)",
    )
    transpose: bool = flag("show Aᵀ: the transposed convolution, mapping ∂L/∂Y to ∂L/∂X")
    sparse: bool = flag("COO triplets (row, column, value) instead of a dense matrix")


@dataclass(frozen=True)
class ConvBackpropRequest:
    x: Any = text(None, "input X: H×W, or C_in×H×W as JSON", required=True)
    f: Any = text(None, "kernel F: kh×kw, or C_out×C_in×kh×kw as JSON", required=True)
    bias: Any = text(None, "bias: a number, or one per output channel")
    stride: Any = text(1, "stride: N or per axis 'sh,sw'")
    padding: Any = text("valid", f"padding: {_PADDING}")
    dilation: Any = text(1, "dilation: N or per axis 'dh,dw'")
    op: str = choice("xcorr", OPS, "xcorr (deep-learning frameworks) or conv (kernel flipped)")
    upstream: Any = text(None, "the upstream gradient ∂L/∂O (instead of a loss preset)")
    loss: str | None = choice(
        None,
        LOSSES,
        "loss preset: sum, gap (global average pooling), "
        "mse (mean of squares, needs --target), half-sse (½·sum, needs --target); default sum",
    )
    target: Any = text(None, "target T for mse and half-sse (shape of O)")
    exact: bool = flag("exact rational arithmetic (all inputs must be rational)")
    explain: bool = flag("expand every gradient element as a sum of products")


@dataclass(frozen=True)
class ConvCostRequest:
    size: int = integer(None, "image size N (N×N)", minimum=1, maximum=1 << 24, required=True)
    kernel: int | None = integer(
        None, "kernel size K (K×K); default N: two N×N images", minimum=1, maximum=1 << 24
    )


@dataclass(frozen=True)
class SeparableRequest:
    f: Any = text(None, 'the kernel, e.g. "3 6 9; 4 8 12; 5 10 15"', required=True)
