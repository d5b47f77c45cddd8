"""A convolution written as a matrix: vec(y) = A·vec(x).

Rows are output positions (output channel, then row-major), columns input positions (input
channel, then row-major); padding zeros contribute nothing and get no column. Output (o, p, q)
reads input (c, p·s + i·d − before, q·s + j·d − before) through kernel offset (i, j), where the
entry used is F[o, c, i, j] (cross-correlation) or F[o, c, kh−1−i, kw−1−j] (true convolution).
The entries are found for all positions at once (numpy broadcasting); only the non-zeros exist
until a dense matrix is asked for.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from hwcheck.core.errors import HwcheckError
from hwcheck.families.conv.layout import Geometry

MAX_DENSE = 10**7  # entries of a dense numeric matrix (nested lists: ~10⁸ would need gigabytes)
MAX_DENSE_SYMBOLIC = 4 * 10**6
MAX_NONZEROS = 5 * 10**7


@dataclass(frozen=True)
class Triplets:
    """The non-zeros of A, sorted by (row, column): ``kernel_index`` is F's flat index."""

    rows: np.ndarray
    cols: np.ndarray
    kernel_index: np.ndarray
    shape: tuple[int, int]


def matrix_shape(g: Geometry) -> tuple[int, int]:
    (ho, wo), (h, w) = g.out_spatial, g.spatial
    return g.out_channels * ho * wo, g.in_channels * h * w


def check_size(g: Geometry, symbolic: bool, sparse: bool) -> None:
    """Every size limit, from the geometry alone: before a kernel entry is named or an index
    array built (4096×4096 1×1 kernels would otherwise name 16.7 M entries first)."""
    if g.products > MAX_NONZEROS:
        raise HwcheckError(
            "--input",
            f"the matrix would have up to {g.products:,} non-zeros (limit {MAX_NONZEROS:,})",
        )
    names = g.out_channels * g.in_channels * g.kernel[0] * g.kernel[1]
    if symbolic and names > MAX_DENSE_SYMBOLIC:
        raise HwcheckError(
            "--kernel",
            f"{names:,} symbolic kernel entries (limit {MAX_DENSE_SYMBOLIC:,})",
            hint="give numeric kernel values with --f",
        )
    if not sparse:
        check_dense(g, symbolic)


def triplets(g: Geometry) -> Triplets:
    """Every (row, column, kernel entry) of A, vectorised over channels, offsets and pixels."""
    check_size(g, symbolic=False, sparse=True)
    ah, aw = g.axes
    o, c, i, j, p, q = np.ix_(
        *(
            np.arange(n)
            for n in (g.out_channels, g.in_channels, ah.kernel, aw.kernel, ah.out, aw.out)
        )
    )
    r = p * ah.stride + i * ah.dilation - ah.before
    t = q * aw.stride + j * aw.dilation - aw.before
    inside = (r >= 0) & (r < ah.n) & (t >= 0) & (t < aw.n)
    row = (o * ah.out + p) * aw.out + q
    col = (c * ah.n + r) * aw.n + t
    ki, kj = (ah.kernel - 1 - i, aw.kernel - 1 - j) if g.op == "conv" else (i, j)
    kernel_index = ((o * g.in_channels + c) * ah.kernel + ki) * aw.kernel + kj
    shape6 = np.broadcast_shapes(inside.shape, row.shape, col.shape, kernel_index.shape)
    inside = np.broadcast_to(inside, shape6)
    rows, cols, kidx = (np.broadcast_to(a, shape6)[inside] for a in (row, col, kernel_index))
    order = np.lexsort((cols, rows))
    return Triplets(rows[order], cols[order], kidx[order], matrix_shape(g))


def check_dense(g: Geometry, symbolic: bool) -> None:
    rows, cols = matrix_shape(g)
    limit = MAX_DENSE_SYMBOLIC if symbolic else MAX_DENSE
    if rows * cols > limit:
        raise HwcheckError(
            "--input",
            f"a dense {rows:,}×{cols:,} matrix has {rows * cols:,} entries (limit {limit:,})",
            hint="use --sparse for COO triplets of the non-zeros",
        )


def dense(t: Triplets, values: list, transpose: bool = False) -> list[list]:
    """The dense matrix as nested lists; ``values[k]`` is kernel entry k (a name or a number)."""
    n_rows, n_cols = t.shape[::-1] if transpose else t.shape
    rows, cols = (t.cols, t.rows) if transpose else (t.rows, t.cols)
    out = [[0] * n_cols for _ in range(n_rows)]
    for r, c, k in zip(rows.tolist(), cols.tolist(), t.kernel_index.tolist()):
        out[r][c] = values[k]
    return out


def coo(t: Triplets, values: list, transpose: bool = False) -> list[list]:
    """``[row, column, value]`` triplets sorted by row then column."""
    rows, cols = (t.cols, t.rows) if transpose else (t.rows, t.cols)
    order = np.lexsort((cols, rows)) if transpose else np.arange(len(rows))
    return [
        [r, c, values[k]]
        for r, c, k in zip(
            rows[order].tolist(), cols[order].tolist(), t.kernel_index[order].tolist()
        )
    ]


def matvec(t: Triplets, kernel: np.ndarray, x: np.ndarray, transpose: bool = False) -> np.ndarray:
    """A·x (or Aᵀ·x) from the triplets alone: a weighted bincount, never a dense matrix."""
    rows, cols = (t.cols, t.rows) if transpose else (t.rows, t.cols)
    size = t.shape[1] if transpose else t.shape[0]
    products = kernel.reshape(-1)[t.kernel_index] * x.reshape(-1)[cols]
    if products.dtype == object:
        out = np.zeros(size, dtype=object)
        np.add.at(out, rows, products)
        return out
    return np.bincount(rows, weights=products, minlength=size)


def entry_name(name: str, indices: tuple[int, ...], base: int) -> str:
    """``W`` + indices (``W01``); joined with ``_`` when any index exceeds 9 (``W1_10``)."""
    shifted = [k + base for k in indices]
    sep = "_" if any(k > 9 for k in shifted) else ""
    return name + sep.join(str(k) for k in shifted)


def symbolic_kernel(g: Geometry, name: str, base: int) -> list[str]:
    """Names of F's entries in flat order: W[i][j] alone, W[o][c][i][j] with channels."""
    kh, kw = g.kernel
    channels = g.in_channels > 1 or g.out_channels > 1
    names = []
    for o in range(g.out_channels):
        for c in range(g.in_channels):
            for i in range(kh):
                for j in range(kw):
                    names.append(entry_name(name, (o, c, i, j) if channels else (i, j), base))
    return names
