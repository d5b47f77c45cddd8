"""Sliding-window arithmetic shared by model layers (params, rf) and the convolution toolkit.

One place for the formulas of CONVENTIONS §7, so that `params` and `conv-matrix` cannot
disagree about a shape.
"""

from __future__ import annotations

from dataclasses import dataclass


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
    return (n + before + after - dilated_span(k, d)) // s + 1
