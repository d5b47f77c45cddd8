"""Padding, stride and dilation arithmetic (CONVENTIONS §7), per spatial axis.

Output size: floor((n + before + after − d·(k−1) − 1) / s) + 1.
``same``: output ceil(n/s), total padding max((ceil(n/s) − 1)·s + d·(k−1) + 1 − n, 0), the odd
pixel after (TensorFlow's rule). ``full``: d·(k−1) on both sides.
"""

from __future__ import annotations

from dataclasses import dataclass

from hwcheck.core.arrays import parse_array, parse_shape, shape_of
from hwcheck.core.errors import HwcheckError
from hwcheck.core.geometry import Window, output_size, padding_pair, size_arithmetic
from hwcheck.core.numbers import parse_int

MODES = ("valid", "same", "full")
MAX_SIDE = 1 << 20


@dataclass(frozen=True)
class Axis(Window):
    """One spatial axis of a convolution: the window over an input of size ``n``."""

    n: int

    @property
    def padded(self) -> int:
        return self.n + self.before + self.after

    @property
    def out(self) -> int:
        return output_size(self.n, self.before, self.after, self.kernel, self.stride, self.dilation)


def parse_per_axis(value, where: str, axes: int = 2) -> tuple[int, ...]:
    """Stride or dilation: ``2`` or ``"2,1"`` / ``"2x1"`` / ``[2, 1]``; each at least 1."""
    sizes = parse_shape(value, where, maximum=MAX_SIDE)
    if len(sizes) == 1:
        return sizes * axes
    if len(sizes) != axes:
        raise HwcheckError(where, f"expected 1 or {axes} values, got {len(sizes)}")
    return sizes


def parse_padding(value, where: str, axes: int = 2):
    """``valid``/``same``/``full`` (a word) or per-axis ``(before, after)`` pairs."""
    if isinstance(value, str) and value.strip().lower() in MODES:
        return value.strip().lower()
    if isinstance(value, str) and value.strip().isalpha():
        raise HwcheckError(
            where, f"expected valid, same, full, a number or pairs, got '{value.strip()}'"
        )
    array = parse_array(value, where, max_entries=64)
    shape = shape_of(array)
    if shape == (1,):
        array, shape = array[0], ()
    if shape == ():
        return ((_pad(array, where),) * 2,) * axes
    if shape == (axes,):
        return tuple((_pad(v, where),) * 2 for v in array)
    if shape == (axes, 2):
        return tuple((_pad(a, where), _pad(b, where)) for a, b in array)
    raise HwcheckError(
        where, f"expected N, {axes} values or {axes} pairs [before, after], got shape {list(shape)}"
    )


def _pad(value, where: str) -> int:
    return parse_int(value, where, minimum=0, maximum=MAX_SIDE)


def resolve_axes(
    spatial, kernel, stride, dilation, padding, where: str = "--kernel"
) -> tuple[Axis, ...]:
    """The spatial axes of one convolution; a kernel larger than the padded input is an error."""
    axes = []
    for i, (n, k, s, d) in enumerate(zip(spatial, kernel, stride, dilation)):
        before, after = padding_pair(padding, i, n, k, s, d)
        axis = Axis(kernel=k, stride=s, dilation=d, before=before, after=after, n=n)
        if axis.span > axis.padded:
            dilated = f" (dilated {axis.span})" if d > 1 else ""
            raise HwcheckError(
                where,
                f"kernel {k}{dilated} is larger than the padded input "
                f"{axis.padded} along axis {i} ({('height', 'width')[i] if len(spatial) == 2 else i})",
            )
        axes.append(axis)
    return tuple(axes)


def describe_axis(axis: Axis) -> str:
    """The output-size formula with the numbers substituted."""
    return f"{size_arithmetic(axis.n, axis)} = {axis.out}"
