"""Vectorised convolution forward and backward passes (numpy), channels first.

Arrays: X ``[C_in, H, W]``, F ``[C_out, C_in, kh, kw]`` (already flipped for ``--op conv``),
∂L/∂O ``[C_out, H_out, W_out]``. The only Python loop is over the kh·kw kernel offsets; each
offset is one matrix product over every pixel at once. The same code runs in float64 and, with
``dtype=object`` arrays of ints and Fractions, in exact rational arithmetic.

For kernel offset (i, j) the input pixels it touches form the strided window
``Xpad[:, i·d : … : s, j·d : … : s]`` (one pixel per output position), so

- O[o]           = Σ_{i,j} F[o, :, i, j] · window(i, j)                    (forward)
- ∂L/∂F[o,c,i,j] = Σ_{p,q} ∂L/∂O[o,p,q] · window(i, j)[c,p,q]             (= X ⋆ ∂L/∂O)
- ∂L/∂Xpad[window(i, j)] += Σ_o F[o, :, i, j] · ∂L/∂O[o]                   (= full conv of rot180 F)
"""

from __future__ import annotations

import numpy as np

from hwcheck.conv.geometry import Axis


def window(a, axes: tuple[Axis, Axis], i: int, j: int):
    """The view of padded ``a`` that kernel offset (i, j) multiplies, one pixel per output."""
    ah, aw = axes
    r0, c0 = i * ah.dilation, j * aw.dilation
    return a[..., r0:r0 + ah.stride * (ah.out - 1) + 1:ah.stride,
             c0:c0 + aw.stride * (aw.out - 1) + 1:aw.stride]


def pad(x, axes: tuple[Axis, Axis]):
    ah, aw = axes
    return np.pad(x, ((0, 0), (ah.before, ah.after), (aw.before, aw.after)), constant_values=0)


def crop(xp, axes: tuple[Axis, Axis]):
    ah, aw = axes
    return xp[:, ah.before:ah.before + ah.n, aw.before:aw.before + aw.n]


def forward(x, f, axes, bias=None):
    """O = X ⋆ F (+ b), valid cross-correlation of the padded input."""
    xp = pad(x, axes)
    out = np.zeros((f.shape[0], axes[0].out, axes[1].out), dtype=_dtype(x, f))
    for i in range(f.shape[2]):
        for j in range(f.shape[3]):
            out += np.tensordot(f[:, :, i, j], window(xp, axes, i, j), axes=1)
    if bias is not None:
        out += bias[:, None, None]
    return out


def grad_kernel(x, g, axes, kernel_shape):
    """∂L/∂F = X ⋆ ∂L/∂O: each offset's window against the upstream gradient."""
    xp = pad(x, axes)
    df = np.zeros(kernel_shape, dtype=_dtype(x, g))
    for i in range(kernel_shape[2]):
        for j in range(kernel_shape[3]):
            df[:, :, i, j] = np.tensordot(g, window(xp, axes, i, j), axes=([1, 2], [1, 2]))
    return df


def grad_input(f, g, axes, channels: int):
    """∂L/∂X: scatter Fᵀ·∂L/∂O back through every offset's window, then drop the padding."""
    ah, aw = axes
    dxp = np.zeros((channels, ah.padded, aw.padded), dtype=_dtype(f, g))
    for i in range(f.shape[2]):
        for j in range(f.shape[3]):
            window(dxp, axes, i, j)[...] += np.tensordot(f[:, :, i, j].T, g, axes=1)
    return crop(dxp, axes)


def grad_bias(g):
    """∂L/∂b[o] = Σ_{p,q} ∂L/∂O[o,p,q]."""
    return g.sum(axis=(1, 2))


def _dtype(*arrays):
    return object if any(a.dtype == object for a in arrays) else np.float64
