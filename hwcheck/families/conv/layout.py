"""Shapes and arrays of one convolution: parsing X, F, b into channels-first numpy arrays."""

from __future__ import annotations

from dataclasses import dataclass

from hwcheck.core.arrays import parse_array, shape_of
from hwcheck.core.errors import HwcheckError
from hwcheck.families.conv.geometry import Axis, resolve_axes


@dataclass(frozen=True)
class Geometry:
    """Everything about a convolution but its numbers."""

    in_channels: int
    out_channels: int
    axes: tuple[Axis, Axis]
    op: str  # "xcorr" or "conv"

    @property
    def kernel(self) -> tuple[int, int]:
        return self.axes[0].kernel, self.axes[1].kernel

    @property
    def spatial(self) -> tuple[int, int]:
        return self.axes[0].n, self.axes[1].n

    @property
    def out_spatial(self) -> tuple[int, int]:
        return self.axes[0].out, self.axes[1].out

    @property
    def products(self) -> int:
        """Multiplications of one forward pass, C_out·C_in·kh·kw·H_out·W_out (at most A's non-zeros)."""
        kh, kw = self.kernel
        ho, wo = self.out_spatial
        return self.out_channels * self.in_channels * kh * kw * ho * wo

    def padding_pairs(self) -> list[list[int]]:
        return [[a.before, a.after] for a in self.axes]


def geometry(
    in_channels, out_channels, spatial, kernel, request, kernel_where: str = "--kernel"
) -> Geometry:
    """Resolve stride, dilation and padding of ``request`` (read by the request: per-axis
    tuples, and a padding word or (before, after) pairs) for these sizes."""
    stride, dilation, padding = request.stride, request.dilation, request.padding
    axes = resolve_axes(spatial, kernel, stride, dilation, padding, kernel_where)
    return Geometry(in_channels, out_channels, axes, request.op)


def read_array(value, where: str):
    """An array option (X, F, b, ∂L/∂O, T), read once by the request: nested lists of
    int/Fraction from text or Python lists. A numpy array from the Python API skips the text
    parser: integers become nested ints, floats stay a float64 array after the same checks
    (numeric, finite, non-empty)."""
    if _is_ndarray(value) and value.dtype.kind in "iu":
        return parse_array(value.tolist(), where)
    if _is_ndarray(value):
        return _checked_ndarray(value, where)
    return parse_array(value, where)


def ranked(value, where: str, ranks: tuple[int, ...] | None, what: str = "", *, exact: bool = True):
    """An array read by :func:`read_array`, of one of the allowed ranks → (array, shape).

    A float64 array stays one unless exact values are needed (then each float is the shortest
    decimal it prints as, as the number grammar reads it: 0.1 → 1/10).
    """
    if _is_ndarray(value):
        shape = tuple(value.shape)
        array = _fractions(value.tolist()) if exact else value
    else:
        array, shape = value, shape_of(value)
    if ranks is not None and 2 in ranks and len(shape) < 2:  # a number or one row: a 1×n matrix
        array, shape = _as_matrix(array, shape)
    if ranks is not None and len(shape) not in ranks:
        raise HwcheckError(where, f"expected {what}, got an array of shape {list(shape)}")
    return array, shape


def _as_matrix(array, shape):
    if _is_ndarray(array):
        return array.reshape(1, -1), (1, max(array.size, 1))
    if len(shape) == 0:
        return [[array]], (1, 1)
    return [array], (1, shape[0])


def same_shape(a, b) -> bool:
    """Shapes equal up to leading 1s ([2, 2] and [1, 2, 2]; a row [3] and [1, 1, 3])."""
    a, b = list(a), list(b)
    while a and a[0] == 1:
        a.pop(0)
    while b and b[0] == 1:
        b.pop(0)
    return a == b


def _is_ndarray(value) -> bool:
    return type(value).__module__ == "numpy" and hasattr(value, "shape") and hasattr(value, "dtype")


def _fractions(nested):
    """Nested floats → Fractions of their shortest decimals (numbers.parse_number's rule)."""
    from fractions import Fraction

    if isinstance(nested, list):
        return [_fractions(v) for v in nested]
    return Fraction(repr(float(nested)))


def _checked_ndarray(value, where: str):
    import numpy as np

    if value.dtype.kind not in "iuf":
        raise HwcheckError(where, f"expected a numeric array, got dtype {value.dtype}")
    if value.size == 0:
        raise HwcheckError(where, "empty matrix")
    array = np.asarray(value, dtype=np.float64)
    if not np.isfinite(array).all():
        raise HwcheckError(where, "contains a non-finite number")
    return array


def as_array(nested, exact: bool):
    """Nested lists of ints/Fractions → numpy float64, or object (exact) arrays."""
    import numpy as np

    if _is_ndarray(nested):
        return nested.astype(np.float64) if not exact else np.array(nested.tolist(), dtype=object)
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
