"""Sliding-window arithmetic shared by model layers (params, rf) and the convolution toolkit.

One place for the formulas of CONVENTIONS §7, so that `params` and `conv-matrix` cannot
disagree about a shape.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from hwcheck.core.formula import Node, Sym, ceil, floor

N, BEFORE, AFTER = Sym("n", "n", "value"), Sym("p₁", "before", "value"), Sym("p₂", "after", "value")
KERNEL, STRIDE, DILATION = Sym("k", "k", "value"), Sym("s", "s", "value"), Sym("d", "d", "value")


def output_size_formula(
    before: bool = True, after: bool = True, dilated: bool = True, ceil_mode: bool = False
) -> Node:
    """⌊(n + p₁ + p₂ − (d·(k − 1) + 1))/s⌋ + 1, the one definition of a sliding window's output
    size; the flags leave out terms that are zero or one (for writing it out with numbers).

    >>> output_size_formula().text()
    '⌊(n + p₁ + p₂ − (d·(k − 1) + 1))/s⌋ + 1'
    """
    size = N
    if before:
        size = size + BEFORE
    if after:
        size = size + AFTER
    span = DILATION * (KERNEL - 1) + 1 if dilated else KERNEL
    rounded = ceil if ceil_mode else floor
    return rounded((size - span) / STRIDE) + 1


_OUTPUT_SIZE = output_size_formula().compile()


@dataclass(frozen=True)
class Window:
    """A sliding window along one axis: kernel, stride, dilation and padding before/after."""

    kernel: int
    stride: int
    dilation: int
    before: int
    after: int

    @property
    def span(self) -> int:
        """The dilated kernel: d·(k − 1) + 1."""
        return dilated_span(self.kernel, self.dilation)


@dataclass(frozen=True)
class UnevenWindows:
    """Windows of different lengths along one axis (adaptive pooling, 5 → 3: [0,2) [1,4) [3,5)):
    output unit i reads the input units ``bounds[i][0]`` … ``bounds[i][1] − 1``."""

    bounds: tuple[tuple[int, int], ...]

    @property
    def kernel(self) -> int:
        """The longest window."""
        return max(b - a for a, b in self.bounds)

    stride = None  # no one step between windows
    dilation = 1


def dilated_span(k: int, d: int) -> int:
    """The dilated kernel's extent d·(k − 1) + 1."""
    return d * (k - 1) + 1


def same_padding(n: int, k: int, s: int, d: int) -> tuple[int, int]:
    """TensorFlow's ``same``: output ⌈n/s⌉, total padding max((⌈n/s⌉ − 1)·s + d·(k−1) + 1 − n, 0),
    the odd pixel after.

    >>> same_padding(227, 5, 1, 1), same_padding(6, 2, 2, 1), same_padding(5, 2, 1, 1)
    ((2, 2), (0, 0), (0, 1))
    """
    total = max((-(-n // s) - 1) * s + dilated_span(k, d) - n, 0)
    return total // 2, total - total // 2


def full_padding(k: int, d: int) -> tuple[int, int]:
    """``full``: d·(k − 1) on both sides."""
    return dilated_span(k, d) - 1, dilated_span(k, d) - 1


def output_size(n: int, before: int, after: int, k: int, s: int, d: int) -> int:
    """⌊(n + before + after − d·(k − 1) − 1)/s⌋ + 1 (may be below 1: the caller says why)."""
    return _OUTPUT_SIZE({"n": n, "before": before, "after": after, "k": k, "s": s, "d": d})


def leftover(n: int, w: Window) -> int:
    """Padded positions past the last whole window: (n + p₁ + p₂ − k′) mod s (0: it fits)."""
    return (n + w.before + w.after - w.span) % w.stride


def rounded_size(n: int, w: Window, ceil_mode: bool = False) -> int:
    """:func:`output_size`, or with ⌈⌉ instead of ⌊⌋ when ``ceil_mode``."""
    floor = output_size(n, w.before, w.after, w.kernel, w.stride, w.dilation)
    return floor + 1 if ceil_mode and leftover(n, w) else floor


def pool_output_size(n: int, w: Window, ceil_mode: bool = False) -> int:
    """:func:`output_size`, or with ``ceil_mode`` torch's rule: ⌈⌉ instead of ⌊⌋, then one
    fewer when the last window would start in the right padding (may be below 1).

    >>> pool_output_size(4, Window(3, 2, 1, 0, 0)), pool_output_size(4, Window(3, 2, 1, 0, 0), True)
    (1, 2)
    """
    out = rounded_size(n, w, ceil_mode)
    if out != rounded_size(n, w) and (out - 1) * w.stride >= n + w.before:
        out -= 1
    return out


#: the words that mark a size the stride does not divide (CS231n: the hyperparameters do not fit)
DOES_NOT_FIT = "does not fit"


def explain_size(name: str, n: int, w: Window, out: int, *, ceil_mode: bool = False) -> str:
    """``H: ⌊(227 + 2 + 2 − 5)/1⌋ + 1 = 227``; a quotient that is not whole is said so."""
    text = f"{name}: {size_arithmetic(n, w, ceil_mode)} = "
    rounded = rounded_size(n, w, ceil_mode)
    if ceil_mode and out != rounded:
        return (
            text
            + f"{rounded} − 1 = {out} (the last window would start in the right padding: dropped)"
        )
    left = leftover(n, w)
    if left and not ceil_mode:
        return (
            f"{text}{out} ({DOES_NOT_FIT}: the stride {w.stride} does not divide "
            f"{n + w.before + w.after - w.span}; the last {left} of the padded input's "
            f"{n + w.before + w.after} positions {'is' if left == 1 else 'are'} covered by no window)"
        )
    return text + str(out)


def padding_pair(padding, axis: int, n: int, k: int, s: int, d: int) -> tuple[int, int]:
    """(before, after) along ``axis`` for ``valid`` / ``same`` / ``full`` or explicit pairs."""
    if padding == "valid":
        return 0, 0
    if padding == "full":
        return full_padding(k, d)
    if padding == "same":
        return same_padding(n, k, s, d)
    return padding[axis]


@lru_cache(maxsize=1024)  # a network repeats its layers: ResNet's blocks, a generated graph
def size_arithmetic(n: int, w: Window, ceil_mode: bool = False) -> str:
    """The output-size formula with the numbers substituted, up to the rounding.

    >>> size_arithmetic(227, Window(5, 1, 1, 2, 2)), size_arithmetic(7, Window(3, 2, 2, 0, 0))
    ('⌊(227 + 2 + 2 − 5)/1⌋ + 1', '⌊(7 − (2·(3 − 1) + 1))/2⌋ + 1')
    """
    formula = output_size_formula(bool(w.before), bool(w.after), w.dilation != 1, ceil_mode)
    values = {"n": n, "before": w.before, "after": w.after, "k": w.kernel}
    values |= {"s": w.stride, "d": w.dilation}
    return formula.substituted(values, str, 0)
