"""Vectorised convolution forward and backward passes (numpy), channels first.

Arrays: X ``[C_in, H, W]``, F ``[C_out, C_in, kh, kw]`` (already flipped for ``--op conv``),
∂L/∂O ``[C_out, H_out, W_out]``. The only Python loops are over the kh·kw kernel offsets (copying
or scattering one strided window each); the arithmetic is one matrix product (im2col). The same code runs in float64 and, with
``dtype=object`` arrays of ints and Fractions, in exact rational arithmetic.

For kernel offset (i, j) the input pixels it touches form the strided window
``Xpad[:, i·d : … : s, j·d : … : s]`` (one pixel per output position), so

- O[o]           = Σ_{i,j} F[o, :, i, j] · window(i, j)                    (forward)
- ∂L/∂F[o,c,i,j] = Σ_{p,q} ∂L/∂O[o,p,q] · window(i, j)[c,p,q]             (= X ⋆ ∂L/∂O)
- ∂L/∂Xpad[window(i, j)] += Σ_o F[o, :, i, j] · ∂L/∂O[o]                   (= full conv of rot180 F)
"""

from __future__ import annotations

import numpy as np

from hwcheck.families.conv.geometry import Axis


def oriented(f, op: str):
    """F as the forward pass multiplies it: rot180 of each kh×kw slice for ``--op conv`` (its own
    inverse, so it also turns ∂L/∂F of the flipped kernel back into ∂L/∂F)."""
    return f[:, :, ::-1, ::-1] if op == "conv" else f


def window(a, axes: tuple[Axis, Axis], i: int, j: int):
    """The view of padded ``a`` that kernel offset (i, j) multiplies, one pixel per output."""
    ah, aw = axes
    r0, c0 = i * ah.dilation, j * aw.dilation
    return a[
        ...,
        r0 : r0 + ah.stride * (ah.out - 1) + 1 : ah.stride,
        c0 : c0 + aw.stride * (aw.out - 1) + 1 : aw.stride,
    ]


def pad(x, axes: tuple[Axis, Axis]):
    ah, aw = axes
    return np.pad(x, ((0, 0), (ah.before, ah.after), (aw.before, aw.after)), constant_values=0)


def crop(xp, axes: tuple[Axis, Axis]):
    ah, aw = axes
    return xp[:, ah.before : ah.before + ah.n, aw.before : aw.before + aw.n]


def columns(x, axes):
    """im2col: row (c, i, j) holds the pixels kernel offset (i, j) of channel c meets, one per output."""
    xp = pad(x, axes)
    kh, kw = axes[0].kernel, axes[1].kernel
    cols = np.empty((x.shape[0], kh, kw, axes[0].out, axes[1].out), dtype=x.dtype)
    for i in range(kh):
        for j in range(kw):
            cols[:, i, j] = window(xp, axes, i, j)
    return cols.reshape(x.shape[0] * kh * kw, -1)


def forward(x, f, axes, bias=None):
    """O = X ⋆ F (+ b): one matrix product F[o, (c,i,j)] · columns[(c,i,j), (p,q)]."""
    cols = columns(x, axes)
    dtype = _dtype(x, f)
    out = _as(f.reshape(f.shape[0], -1), dtype) @ _as(cols, dtype)
    out = out.reshape(f.shape[0], axes[0].out, axes[1].out)
    if bias is not None:
        out = out + bias[:, None, None]
    return out


def grad_kernel(x, g, axes, kernel_shape):
    """∂L/∂F = X ⋆ ∂L/∂O: ∂L/∂O[o, (p,q)] · columnsᵀ[(p,q), (c,i,j)]."""
    cols = columns(x, axes)
    dtype = _dtype(x, g)
    # (columns · ∂L/∂Oᵀ)ᵀ: the long pixel axis inner in both operands (BLAS is much faster so)
    return (_as(cols, dtype) @ _as(g.reshape(g.shape[0], -1), dtype).T).T.reshape(kernel_shape)


def grad_input(f, g, axes, channels: int):
    """∂L/∂X: Fᵀ·∂L/∂O gives each offset's share; scatter it back through the windows, drop the padding."""
    ah, aw = axes
    dtype = _dtype(f, g)
    share = _as(f.reshape(f.shape[0], -1), dtype).T @ _as(g.reshape(g.shape[0], -1), dtype)
    share = share.reshape(channels, ah.kernel, aw.kernel, ah.out, aw.out)
    dxp = np.zeros((channels, ah.padded, aw.padded), dtype=dtype)
    for i in range(ah.kernel):
        for j in range(aw.kernel):
            window(dxp, axes, i, j)[...] += share[:, i, j]
    return crop(dxp, axes)


def grad_bias(g):
    """∂L/∂b[o] = Σ_{p,q} ∂L/∂O[o,p,q]."""
    return g.sum(axis=(1, 2))


def _as(a, dtype):
    return a if a.dtype == dtype else a.astype(dtype)


def _dtype(*arrays):
    return object if any(a.dtype == object for a in arrays) else np.float64
