"""Shapes and arrays of one convolution: parsing X, F, b into channels-first numpy arrays."""

from __future__ import annotations

from dataclasses import dataclass

from hwcheck.conv.geometry import Axis, parse_padding, parse_per_axis, resolve_axes
from hwcheck.errors import HwcheckError
from hwcheck.parse import parse_array, shape_of


@dataclass(frozen=True)
class Geometry:
    """Everything about a convolution but its numbers."""

    in_channels: int
    out_channels: int
    axes: tuple[Axis, Axis]
    op: str  # "xcorr" or "conv"

    @property
    def kernel(self) -> tuple[int, int]:
        return self.axes[0].k, self.axes[1].k

    @property
    def spatial(self) -> tuple[int, int]:
        return self.axes[0].n, self.axes[1].n

    @property
    def out_spatial(self) -> tuple[int, int]:
        return self.axes[0].out, self.axes[1].out

    def padding_pairs(self) -> list[list[int]]:
        return [[a.before, a.after] for a in self.axes]


def geometry(in_channels, out_channels, spatial, kernel, request) -> Geometry:
    """Resolve stride, dilation and padding of ``request`` for these sizes."""
    stride = parse_per_axis(request.stride, "--stride")
    dilation = parse_per_axis(request.dilation, "--dilation")
    padding = parse_padding(request.padding, "--padding")
    axes = resolve_axes(spatial, kernel, stride, dilation, padding)
    return Geometry(in_channels, out_channels, axes, request.op)


def parse_rank(value, where: str, ranks: tuple[int, ...], what: str):
    """A numeric array of one of the allowed ranks → (nested list, shape)."""
    array = parse_array(value, where)
    shape = shape_of(array)
    if len(shape) not in ranks:
        raise HwcheckError(where, f"expected {what}, got an array of shape {list(shape)}")
    return array, shape


def as_array(nested, exact: bool):
    """Nested lists of ints/Fractions → numpy float64, or object (exact) arrays."""
    import numpy as np

    if exact:
        return np.array(nested, dtype=object)
    return np.array(_floats(nested), dtype=np.float64)


def _floats(nested):
    if isinstance(nested, list):
        return [_floats(v) for v in nested]
    return float(nested)


def all_integers(nested) -> bool:
    if isinstance(nested, list):
        return all(all_integers(v) for v in nested)
    return isinstance(nested, int)


def to_plain(array, exact: bool):
    """numpy → nested lists of ints/Fractions (exact) or floats, at the edge."""
    if exact:
        return _exact(array.tolist())
    return array.astype(float).tolist()


def _exact(nested):
    from fractions import Fraction

    if isinstance(nested, list):
        return [_exact(v) for v in nested]
    if isinstance(nested, Fraction) and nested.denominator == 1:
        return int(nested)
    return nested
