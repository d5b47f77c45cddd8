"""Request types of the convolution commands (light: no numpy or sympy here).

Every value is read here, once: shapes into tuples of ints, stride and dilation into one size
per axis, padding into a word or (before, after) pairs, arrays (X, F, b, ∂L/∂O, T) into nested
lists of int/Fraction (a float numpy array from the API stays one, checked), the symbolic
kernel's name checked.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from hwcheck.core.arrays import parse_shape
from hwcheck.core.errors import HwcheckError
from hwcheck.core.options import choice, flag, integer, matrix, shape, text
from hwcheck.families.conv.geometry import parse_padding, parse_per_axis
from hwcheck.families.conv.layout import read_array

MAX_SEPARABLE_ENTRIES = 64 * 64


def parse_kernel_size(value: Any, where: str) -> tuple[int, int]:
    """``3``, ``3x3``, ``[3, 5]`` → (kh, kw)."""
    sizes = parse_shape(value, where, maximum=1 << 12)
    if len(sizes) == 1:
        return sizes * 2
    if len(sizes) != 2:
        raise HwcheckError(where, f"expected khxkw, got {len(sizes)} sizes")
    return sizes


def parse_symbol_name(value: Any, where: str) -> str:
    """The symbolic kernel's letters: ``W`` → entries W00, W01, …"""
    if not isinstance(value, str) or not re.fullmatch(r"[A-Za-z][A-Za-z]{0,7}", value.strip()):
        raise HwcheckError(where, f"expected a short name of letters such as W, got {value!r}")
    return value.strip()


def _array(default: Any, help: str, **meta: Any) -> Any:
    return text(default, help, parse=read_array, **meta)


def _per_axis(default: Any, help: str) -> Any:
    return text(default, help, parse=parse_per_axis)


OPS = ("xcorr", "conv")
LOSSES = ("sum", "gap", "mse", "half-sse")

_PADDING = "valid, same (TensorFlow: odd pixel after), full, N, per-axis 'a,b' or pairs [[top,bottom],[left,right]]"


@dataclass(frozen=True)
class ConvMatrixRequest:
    input: tuple[int, ...] = shape(None, "input shape HxW or CxHxW", maximum=1 << 16, required=True)
    kernel: tuple[int, int] | None = text(
        None, "kernel shape khxkw (taken from --f when given)", parse=parse_kernel_size
    )
    stride: tuple[int, int] = _per_axis(1, "stride: N or per axis 'sh,sw'")
    padding: Any = text("valid", f"padding: {_PADDING}", parse=parse_padding)
    dilation: tuple[int, int] = _per_axis(1, "dilation: N or per axis 'dh,dw'")
    op: str = choice("xcorr", OPS, "xcorr (deep-learning frameworks) or conv (kernel flipped)")
    in_channels: int | None = integer(
        None, "input channels (block matrix)", minimum=1, maximum=4096
    )
    out_channels: int | None = integer(
        None, "output channels (block matrix)", minimum=1, maximum=4096
    )
    name: str = text(
        "W", "name of the symbolic kernel entries (W → W00, W01, …)", parse=parse_symbol_name
    )
    index_base: int = integer(
        0, "first index of symbolic entries and labels: 0 or 1", minimum=0, maximum=1
    )
    f: Any = _array(None, "numeric kernel (khxkw, or C_out×C_in×kh×kw as JSON): numeric matrix")
    x: Any = _array(
        None,
        "input values: also print A·vec(x) beside the direct convolution (needs --f); "
        "with --transpose, ∂L/∂Y (the output's shape) for Aᵀ·vec(∂L/∂Y)",
    )
    transpose: bool = flag("show Aᵀ: the transposed convolution, mapping ∂L/∂Y to ∂L/∂X")
    sparse: bool = flag("COO triplets (row, column, value) instead of a dense matrix")


@dataclass(frozen=True)
class ConvBackpropRequest:
    x: Any = _array(None, "input X: H×W, or C_in×H×W as JSON", required=True)
    f: Any = _array(None, "kernel F: kh×kw, or C_out×C_in×kh×kw as JSON", required=True)
    bias: Any = _array(None, "bias: a number, or one per output channel")
    stride: tuple[int, int] = _per_axis(1, "stride: N or per axis 'sh,sw'")
    padding: Any = text("valid", f"padding: {_PADDING}", parse=parse_padding)
    dilation: tuple[int, int] = _per_axis(1, "dilation: N or per axis 'dh,dw'")
    op: str = choice("xcorr", OPS, "xcorr (deep-learning frameworks) or conv (kernel flipped)")
    upstream: Any = _array(None, "the upstream gradient ∂L/∂O (instead of a loss preset)")
    loss: str | None = choice(
        None,
        LOSSES,
        "loss preset: sum, gap (global average pooling), "
        "mse (mean of squares, needs --target), half-sse (½·sum, needs --target); default sum",
    )
    target: Any = _array(None, "target T for mse and half-sse (shape of O)")
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
    f: list[list] = matrix(
        None,
        'the kernel, e.g. "3 6 9; 4 8 12; 5 10 15"',
        max_entries=MAX_SEPARABLE_ENTRIES,
        required=True,
    )
