"""``conv-matrix``: the result, its view, and the runner."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from hwcheck.core.errors import HwcheckError
from hwcheck.core.numfmt import fmt, fmt_shape
from hwcheck.core.result import Result, Table, Text, view_only
from hwcheck.families.conv import matrix as M
from hwcheck.families.conv.geometry import describe_axis
from hwcheck.families.conv.layout import Geometry, all_integers, geometry, ranked, same_shape
from hwcheck.families.conv.views import grid_labels, grids, matrix_section


@dataclass(frozen=True)
class ConvMatrixResult(Result):
    command = "conv-matrix"

    input_shape: list[int]
    kernel_shape: list[int]
    output_shape: list[int]
    shape: list[int]
    matrix: list[list] | None
    op: str
    stride: list[int]
    dilation: list[int]
    padding: list[list[int]]
    symbolic: bool
    transposed: bool
    nnz: int
    entries: list[list] | None = None
    product: list | None = None
    direct: list | None = None
    max_abs_diff: Any = None
    agree: bool | None = None
    geometry: Any = view_only()
    index_base: int = view_only(0)

    def payload(self) -> dict[str, Any]:
        data = super().payload()
        for key in ("entries", "product", "direct", "max_abs_diff", "agree"):
            if data[key] is None:
                del data[key]
        return data

    def claim_kind(self, path: tuple) -> str | None:
        if self.symbolic and path and path[0] in ("matrix", "entries"):
            return "expression"
        return None

    def view(self, digits: int = 6) -> list:
        sections = [Text(tuple(self._explanation()), title="Convolution as a matrix")]
        if self.matrix is not None:
            sections.append(self._matrix_view(digits))
        else:
            sections.append(self._triplet_view(digits))
        if self.product is not None:
            sections.extend(self._check_view(digits))
        return sections

    def _explanation(self) -> list[str]:
        g = self.geometry
        lines = [
            (
                f"input {fmt_shape(self.input_shape)}, kernel {fmt_shape(self.kernel_shape)}, "
                f"output {fmt_shape(self.output_shape)}"
            )
        ]
        lines += [f"output size, axis {k}: {describe_axis(a)}" for k, a in enumerate(g.axes)]
        if self.op == "conv":
            lines.append(
                "true convolution: the kernel is flipped, y_pq = Σ_ij W[kh−1−i, kw−1−j]·x[p·s+i·d, q·s+j·d]"
            )
        else:
            lines.append(
                "cross-correlation: y_pq = Σ_ij W_ij·x[p·s+i·d, q·s+j·d] (positions in the padded input)"
            )
        lines.append(
            "rows: output positions, row-major; columns: input positions, row-major; "
            "padding zeros get no column"
        )
        rows, cols = self.shape
        if self.transposed:
            lines.append(
                f"Aᵀ ({rows}×{cols}) is the transposed convolution (conv_transpose2d with the same "
                "kernel, stride, padding, dilation): it maps ∂L/∂Y to ∂L/∂X = Aᵀ·vec(∂L/∂Y)"
            )
        else:
            lines.append(f"vec(y) = A·vec(x), A is {rows}×{cols} with {self.nnz:,} non-zeros")
        return lines

    def _labels(self) -> tuple[list[str], list[str]]:
        outs = grid_labels("y", tuple(self.output_shape), self.index_base)
        ins = grid_labels("x", tuple(self.input_shape), self.index_base)
        return (ins, outs) if self.transposed else (outs, ins)

    def _matrix_view(self, digits: int):
        rows, cols = self._labels()
        title = "Aᵀ" if self.transposed else "A"
        return matrix_section(
            self.matrix, title, digits, rows, cols, more=", --sparse lists the non-zeros"
        )

    def _triplet_view(self, digits: int) -> Table:
        shown = self.entries[:60]
        notes = (
            (f"showing 60 of {len(self.entries):,} non-zeros; --json has all",)
            if len(self.entries) > 60
            else ()
        )
        return Table(
            ("row", "column", "value"),
            tuple((str(r), str(c), fmt(v, digits)) for r, c, v in shown),
            title=("Aᵀ" if self.transposed else "A") + " as COO triplets",
            notes=notes,
            align="rrl",
        )

    def _check_view(self, digits: int) -> list:
        what = "Aᵀ·vec(g)" if self.transposed else "A·vec(x)"
        ref = "direct transposed convolution (∂L/∂X)" if self.transposed else "direct convolution"
        agree = "agree" if self.agree else "DISAGREE"
        return (
            grids(self.product, f"{what}, reshaped", digits)
            + grids(self.direct, ref, digits)
            + [
                Text(
                    (
                        f"{what} and the {ref} {agree}: max |difference| = {fmt(self.max_abs_diff, digits)}",
                    )
                )
            ]
        )


# ------------------------------------------------------------------------------- runner


def conv_matrix(request) -> ConvMatrixResult:
    """A over the request's values (shapes, sizes per axis, arrays: read by the request)."""
    input_shape = request.input
    if len(input_shape) not in (2, 3):
        raise HwcheckError("--input", f"expected HxW or CxHxW, got {len(input_shape)} sizes")
    kernel, values_f, in_c, out_c = _kernel(request, input_shape)
    g = geometry(
        in_c,
        out_c,
        input_shape[-2:],
        kernel,
        request,
        "--f" if request.kernel is None else "--kernel",
    )
    symbolic = values_f is None
    M.check_size(g, symbolic, request.sparse)
    shapes = _shapes(input_shape, values_f, g)
    values = M.symbolic_kernel(g, request.name, request.index_base) if symbolic else _flat(values_f)
    t = M.triplets(g)
    matrix = entries = None
    if request.sparse:
        entries = M.coo(t, values, request.transpose)
    else:
        M.check_dense(g, symbolic)
        matrix = M.dense(t, values, request.transpose)
    rows, cols = t.shape[::-1] if request.transpose else t.shape
    check = _product_check(request, g, t, values_f, shapes) if request.x is not None else {}
    return ConvMatrixResult(
        input_shape=shapes[0],
        kernel_shape=shapes[1],
        output_shape=shapes[2],
        shape=[rows, cols],
        matrix=matrix,
        op=g.op,
        stride=[a.stride for a in g.axes],
        dilation=[a.dilation for a in g.axes],
        padding=g.padding_pairs(),
        symbolic=symbolic,
        transposed=request.transpose,
        nnz=len(t.rows),
        entries=entries,
        geometry=g,
        index_base=request.index_base,
        **check,
    )


def _kernel(request, input_shape):
    """(kernel size, numeric F or None, C_in, C_out), all consistent with each other."""
    in_c = input_shape[0] if len(input_shape) == 3 else None
    values_f = None
    if request.f is not None:
        values_f, fshape = ranked(request.f, "--f", (2, 4), "a kh×kw kernel or C_out×C_in×kh×kw")
        kernel = fshape[-2:]
        if len(fshape) == 4:
            in_c = _agree("--f", "C_in", fshape[1], in_c, "--input")
            _agree("--f", "C_out", fshape[0], request.out_channels, "--out-channels")
            _agree("--f", "C_in", fshape[1], request.in_channels, "--in-channels")
            return kernel, values_f, fshape[1], fshape[0]
        if request.kernel is not None and request.kernel != kernel:
            raise HwcheckError(
                "--kernel",
                f"{fmt_shape(request.kernel)} disagrees with --f, which is {fmt_shape(kernel)}",
            )
        if (in_c or 1) > 1 or (request.in_channels or 1) > 1 or (request.out_channels or 1) > 1:
            raise HwcheckError(
                "--f", "with several channels give F as C_out×C_in×kh×kw (JSON nesting)"
            )
        return kernel, values_f, 1, 1
    if request.kernel is None:
        raise HwcheckError("--kernel", "is required (or give a numeric kernel with --f)")
    in_c = (
        _agree("--in-channels", "C_in", request.in_channels, in_c, "--input")
        if request.in_channels
        else in_c
    )
    return request.kernel, None, in_c or 1, request.out_channels or 1


def _agree(where: str, what: str, value, other, other_where: str):
    if other is not None and value is not None and other != value:
        raise HwcheckError(where, f"{what} = {value} disagrees with {other_where} ({other})")
    return value if value is not None else other


def _shapes(input_shape, values_f, g: Geometry):
    """input, kernel and output shapes as the user wrote them (channel axes only when present)."""
    kh, kw = g.kernel
    ho, wo = g.out_spatial
    channels = g.in_channels > 1 or g.out_channels > 1 or len(input_shape) == 3
    in_shape = (
        [g.in_channels, *input_shape[-2:]]
        if (len(input_shape) == 3 or g.in_channels > 1)
        else list(input_shape)
    )
    k_shape = [g.out_channels, g.in_channels, kh, kw] if channels else [kh, kw]
    out_shape = [g.out_channels, ho, wo] if channels else [ho, wo]
    return in_shape, k_shape, out_shape


def _flat(nested) -> list:
    """Kernel entries in flat order: ints stay ints, other rationals become floats."""
    out = []

    def walk(v):
        if isinstance(v, list):
            for item in v:
                walk(item)
        else:
            out.append(v if isinstance(v, int) else float(v))

    walk(nested)
    return out


def _product_check(request, g: Geometry, t, values_f, shapes) -> dict:
    """A·vec(x) (or Aᵀ·vec(g)) from the triplets, beside the direct (transposed) convolution."""
    import numpy as np

    from hwcheck.families.conv import numeric
    from hwcheck.families.conv.layout import as_array, to_plain

    if values_f is None:
        raise HwcheckError("--x", "needs a numeric kernel (--f) to multiply")
    in_shape, _k_shape, out_shape = shapes
    expect = out_shape if request.transpose else in_shape
    x, xshape = ranked(request.x, "--x", (2, 3), f"an array of shape {fmt_shape(expect)}")
    if not same_shape(xshape, expect):
        what = "the output (∂L/∂Y)" if request.transpose else "the input"
        raise HwcheckError(
            "--x", f"shape {fmt_shape(xshape)} is not the shape of {what}, {fmt_shape(expect)}"
        )
    exact = all_integers(x) and all_integers(values_f)
    xa = as_array(x, exact)
    f_user = as_array(values_f, exact).reshape(g.out_channels, g.in_channels, *g.kernel)
    product = M.matvec(
        t, f_user, xa, request.transpose
    )  # the triplets index F as the user wrote it
    fa = numeric.oriented(f_user, g.op)
    if request.transpose:
        direct = numeric.grad_input(
            fa, xa.reshape(g.out_channels, *g.out_spatial), g.axes, g.in_channels
        )
    else:
        direct = numeric.forward(xa.reshape(g.in_channels, *g.spatial), fa, g.axes)
    product = product.reshape(direct.shape)
    diff = np.abs((product - direct).astype(float)).max() if product.size else 0.0
    target = in_shape if request.transpose else out_shape
    return {
        "product": to_plain(product.reshape(target), exact),
        "direct": to_plain(direct.reshape(target), exact),
        "max_abs_diff": float(diff),
        "agree": bool(diff <= 1e-9 * (1 + float(np.abs(direct.astype(float)).max()))),
    }
