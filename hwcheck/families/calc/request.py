"""Requests of the calc family (light: the option helpers only)."""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from functools import partial

from hwcheck.core.arrays import parse_shape
from hwcheck.core.errors import HwcheckError
from hwcheck.core.numbers import parse_number
from hwcheck.core.options import choice, flag, integer, matrix, text, vector

MAX_SIDE = 256  # rows and columns of a pooled matrix
MAX_TOKENS = 64  # rows of Q, K and V
MAX_SAMPLES = 64  # rows of X in ridge


def _sizes(raw, where: str, *, minimum: int) -> tuple[int, int]:
    """``2`` → (2, 2); ``2x3`` / ``2,3`` → (2, 3): one size per axis of a matrix."""
    sizes = parse_shape(raw, where, minimum=minimum, maximum=MAX_SIDE)
    if len(sizes) > 2:
        raise HwcheckError(where, f"expected one size or two (rows x columns), got {len(sizes)}")
    return (sizes[0], sizes[-1])


def _exact(raw, where: str, *, minimum=None, below=None) -> int | Fraction:
    """A number kept exact (``0.9`` is 9/10), within the bounds the option states."""
    value = parse_number(raw, where)
    if minimum is not None and value < minimum:
        raise HwcheckError(where, f"must be at least {minimum}, got {raw}")
    if below is not None and value >= below:
        raise HwcheckError(where, f"must be below {below}, got {raw}")
    return value


def exact(default, help: str, *, minimum=None, below=None, **meta):
    return text(default, help, parse=partial(_exact, minimum=minimum, below=below), **meta)


def sizes(default, help: str, *, minimum: int = 1):
    return text(default, help, parse=partial(_sizes, minimum=minimum))


@dataclass(frozen=True)
class PoolRequest:
    x: list = matrix(
        None,
        "The input matrix (one channel): '1 3 2 4; 5 6 1 2; 7 2 3 0; 1 0 4 8'.",
        required=True,
        max_entries=MAX_SIDE * MAX_SIDE,
    )
    kind: str = choice("max", ("max", "avg"), "max or avg pooling.")
    kernel: tuple = sizes(2, "Window size: 2, or 2x3 (rows x columns).")
    stride: tuple | None = sizes(None, "Step between windows: 2 or 2x1 (default: the kernel).")
    padding: tuple = sizes(
        0, "Padding on each side: 1, or 1x0 (at most half the kernel).", minimum=0
    )
    ceil: bool = flag("ceil_mode: round the output size up (a last, partial window).")
    exclude_pad: bool = flag(
        "avg: divide by the input entries in the window only (torch count_include_pad=False)."
    )


@dataclass(frozen=True)
class AttentionRequest:
    Q: list = matrix(
        None, "Queries, one per row (n × d): '1 0; 0 1'.", required=True, max_entries=MAX_TOKENS**2
    )
    K: list = matrix(None, "Keys, one per row (m × d).", required=True, max_entries=MAX_TOKENS**2)
    V: list = matrix(
        None, "Values, one per row (m × d_v).", required=True, max_entries=MAX_TOKENS**2
    )
    mask: str = choice("none", ("none", "causal"), "causal: query i sees keys 0…i only.")
    scale: object = exact(None, "Score scale (default 1/√d, d the width of Q and K).", minimum=0)


@dataclass(frozen=True)
class IouRequest:
    a: list = vector(None, "The first box: x1,y1,x2,y2 (or as --format says).", required=True)
    b: list = vector(None, "The second box, written as the first.", required=True)
    box_format: str = choice(
        "xyxy",
        ("xyxy", "xywh", "cxcywh"),
        "xyxy: corners (torchvision's default); xywh: top-left and size; cxcywh: centre and size.",
    )
    pixels: bool = flag("Count pixels: a box from column 1 to 3 is 3 wide (PASCAL VOC's +1).")


@dataclass(frozen=True)
class ConvSizeRequest:
    input: int = integer(
        None, "Input size W along one axis.", minimum=1, maximum=10**9, required=True
    )
    kernel: int = integer(3, "Kernel size F.", minimum=1, maximum=10**9)
    stride: int = integer(1, "Stride S.", minimum=1, maximum=10**9)
    padding: int = integer(0, "Padding P on each side.", minimum=0, maximum=10**9)
    dilation: int = integer(1, "Dilation D.", minimum=1, maximum=10**6)
    solve: str | None = choice(
        None,
        ("padding", "stride", "kernel"),
        "Find every value of this hyperparameter that gives the output size --output.",
    )
    output: int | None = integer(
        None, "The output size wanted (with --solve).", minimum=1, maximum=10**9
    )


@dataclass(frozen=True)
class MomentumRequest:
    beta: object = exact(Fraction(9, 10), "Momentum β, 0 ≤ β < 1.", minimum=0, below=1)
    dampening: object = exact(0, "Dampening d (torch.optim.SGD; 0 by default).", minimum=0)
    lr: object = exact(Fraction(1, 10), "Learning rate η.", minimum=0)
    grad: object = exact(1, "The constant gradient g.")
    steps: int = integer(10, "Steps of the trace to show.", minimum=1, maximum=10_000)


@dataclass(frozen=True)
class RidgeRequest:
    X: list = matrix(
        None, "The data matrix X, one sample per row.", required=True, max_entries=MAX_SAMPLES**2
    )
    y: list = vector(None, "The targets, one per row of X.", required=True, max_entries=MAX_SAMPLES)
    lam: object = exact(None, "The penalty λ ≥ 0.", minimum=0, required=True)
    loss: str = choice(
        "sum",
        ("sum", "mean"),
        "sum: ‖Xw − y‖² + λ‖w‖² (scikit-learn's Ridge); mean: (1/n)‖Xw − y‖² + λ‖w‖².",
    )
