"""Named mistakes of convolutions (issue 14): the matrix and the backward pass done the wrong way.

The kernel not flipped (convolution vs cross-correlation) renames a symbolic matrix's entries
W_ij → W_(k−1−i)(k−1−j), or recomputes the forward pass with the kernel rotated; A for Aᵀ
transposes the matrix; an off-by-one index shifts every entry's indices by one; full and valid
swapped give the other padding's sizes; ∂L/∂X without the 180° rotation scatters ∂L/∂O through
the un-rotated kernel (numeric.grad_input with F rotated).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any

from hwcheck.claims.diagnose import Candidate, Case, Mistake

_ENTRY = re.compile(r"(?P<name>[^\W\d]+)(?P<i>\d+)_(?P<j>\d+)|(?P<n2>[^\W\d]+)(?P<a>\d)(?P<b>\d)")


def _rename(matrix: Any, change: Callable[[int, int], tuple[int, int] | None]) -> Any:
    """Every symbolic entry ``W_ij`` renamed by ``change(i, j)`` (numbers stay)."""
    if isinstance(matrix, list):
        return [_rename(x, change) for x in matrix]
    if not isinstance(matrix, str):
        return matrix
    m = _ENTRY.fullmatch(matrix)
    if not m:
        return matrix
    name = m.group("name") or m.group("n2")
    i, j = (
        (int(m.group("i")), int(m.group("j")))
        if m.group("name")
        else (int(m.group("a")), int(m.group("b")))
    )
    new = change(i, j)
    if new is None:
        return matrix
    a, b = new
    return f"{name}{a}{b}" if a <= 9 and b <= 9 else f"{name}{a}_{b}"


def _matrix_of(case: Case) -> Any | None:
    data = case.data
    if (
        data.get("command") != "conv-matrix"
        or data.get("matrix") is None
        or not data.get("symbolic")
    ):
        return None
    if case.path[0] != "matrix":
        return None
    return data["matrix"]


def _at(value: Any, path: tuple) -> Any:
    for part in path[1:]:
        value = value[part]
    return value


def _not_flipped(case: Case) -> Iterator[Candidate]:
    """The kernel read the other way round: W_ij ↔ W_(kh−1−i)(kw−1−j)."""
    matrix = _matrix_of(case)
    if matrix is not None:
        base = getattr(case.result, "index_base", 0)
        kh, kw = case.data["kernel_shape"][-2:]
        flipped = _rename(
            matrix, lambda i, j: (kh - 1 - (i - base) + base, kw - 1 - (j - base) + base)
        )
        other = "cross-correlation" if case.data["op"] == "conv" else "convolution"
        yield Candidate(_at(flipped, case.path), f"the {other} matrix")
        return
    yield from _backprop(case, "output", flip_forward=True)


def _off_by_one(case: Case) -> Iterator[Candidate]:
    """Every kernel index shifted by one (0-based and 1-based mixed)."""
    matrix = _matrix_of(case)
    if matrix is None:
        return
    for step in (1, -1):
        shifted = _rename(
            matrix, lambda i, j, s=step: (i + s, j + s) if min(i + s, j + s) >= 0 else None
        )
        yield Candidate(_at(shifted, case.path), f"indices shifted by {step:+d}")


def _transposed(case: Case) -> Iterator[Candidate]:
    """A written for Aᵀ (or Aᵀ for A)."""
    data = case.data
    if data.get("command") != "conv-matrix" or data.get("matrix") is None:
        return
    if case.path == ("matrix",):
        matrix = data["matrix"]
        yield Candidate([list(row) for row in zip(*matrix)], "the transpose")
    elif case.path == ("shape",):
        yield Candidate(list(reversed(data["shape"])), "the transpose's shape")


def _full_valid_swapped(case: Case) -> Iterator[Candidate]:
    """The output size of `full` given for `valid` padding, or the reverse (stride 1)."""
    data = case.data
    if data.get("command") != "conv-matrix" or case.path not in (("output_shape",), ("shape",)):
        return
    if any(s != 1 for s in data["stride"]) or any(d != 1 for d in data["dilation"]):
        return
    n, k = data["input_shape"][-2:], data["kernel_shape"][-2:]
    pads = [sum(p) for p in data["padding"]]
    if all(p == 0 for p in pads):
        other, label = [a + b - 1 for a, b in zip(n, k)], "`full` padding"
    elif all(p == 2 * (b - 1) for p, b in zip(pads, k)):
        other, label = [a - b + 1 for a, b in zip(n, k)], "`valid` padding"
    else:
        return
    if case.path == ("output_shape",):
        yield Candidate(other, f"{label}: {'×'.join(map(str, other))}")
    else:
        value = [other[0] * other[1], data["shape"][1]]
        yield Candidate(value, f"{label}: {value[0]}×{value[1]}")


def _backprop(case: Case, key: str, *, flip_forward: bool = False) -> Iterator[Candidate]:
    import numpy as np

    from hwcheck.families.conv import numeric

    data, result = case.data, case.result
    if data.get("command") != "conv-backprop" or case.path[0] != key:
        return
    g = getattr(result, "geometry", None)
    if g is None or result.x is None or result.f is None:
        return
    x = np.array(_floats(result.x), dtype=float)
    f = np.array(_floats(result.f), dtype=float)
    upstream = np.array(_floats(data["dL_dO"]), dtype=float)
    x = x.reshape((1, *x.shape)) if x.ndim == 2 else x
    f = f.reshape((1, 1, *f.shape)) if f.ndim == 2 else f
    upstream = upstream.reshape((1, *upstream.shape)) if upstream.ndim == 2 else upstream
    f_eff = numeric.oriented(f, g.op)
    rotated = f_eff[:, :, ::-1, ::-1]
    if flip_forward:
        value = numeric.forward(x, rotated, g.axes)
        work = "the forward pass with the kernel rotated"
    else:
        value = numeric.grad_input(rotated, upstream, g.axes, g.in_channels)
        work = "∂L/∂O scattered through F without the 180° rotation"
    value = value[0] if value.shape[0] == 1 and len(data[key]) != 1 else value
    yield Candidate(_at(value.tolist(), case.path), work)


def _floats(value: Any) -> Any:
    from fractions import Fraction

    if isinstance(value, list):
        return [_floats(x) for x in value]
    return float(Fraction(value)) if isinstance(value, str) else float(value)


def _m(id_, name, explanation, applies_to, recompute, commands):
    return Mistake(id_, name, explanation, applies_to, False, recompute, commands)


CATALOGUE: tuple[Mistake, ...] = (
    _m(
        "kernel_not_flipped",
        "the kernel not flipped",
        "convolution and cross-correlation mixed up: the kernel used without (or with) its 180° rotation",
        "conv-matrix: matrix; conv-backprop: output",
        _not_flipped,
        ("conv-matrix", "conv-backprop"),
    ),
    _m(
        "transpose_instead",
        "A instead of Aᵀ",
        "the matrix written transposed (A for Aᵀ, or the reverse)",
        "conv-matrix: matrix, shape",
        _transposed,
        ("conv-matrix",),
    ),
    _m(
        "off_by_one_index",
        "an off-by-one index",
        "every kernel index shifted by one (0-based and 1-based mixed)",
        "conv-matrix: matrix",
        _off_by_one,
        ("conv-matrix",),
    ),
    _m(
        "full_valid_swapped",
        "full and valid swapped",
        "the output size of `full` padding given for `valid`, or the reverse",
        "conv-matrix: output_shape, shape",
        _full_valid_swapped,
        ("conv-matrix",),
    ),
    _m(
        "dx_not_rotated",
        "∂L/∂X without the 180° rotation",
        "∂L/∂O scattered back through F itself instead of rot180(F)",
        "conv-backprop: dL_dX",
        lambda case: _backprop(case, "dL_dX"),
        ("conv-backprop",),
    ),
)
