"""``conv-backprop``: forward and backward pass through one convolution, with every gradient.

O = X ⋆ F + b (F flipped first for ``--op conv``). Given ∂L/∂O (``--upstream`` or a loss
preset), ∂L/∂F = X ⋆ ∂L/∂O, ∂L/∂X = full convolution of rot180(F) with ∂L/∂O (stride: ∂L/∂O
dilated by s) and ∂L/∂b = Σ ∂L/∂O, computed by :mod:`hwcheck.families.conv.numeric` and checked by
central finite differences of the loss.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import numpy as np

from hwcheck.core.errors import HwcheckError
from hwcheck.core.numfmt import fmt, fmt_seq, fmt_shape
from hwcheck.core.result import Result, Text, view_only
from hwcheck.families.conv import numeric
from hwcheck.families.conv.explain import MAX_EXPLAINED, expansions, identities
from hwcheck.families.conv.layout import (
    Geometry,
    as_array,
    geometry,
    ranked,
    same_shape,
    to_plain,
)
from hwcheck.families.conv.views import grids

MAX_PRODUCTS = 4 * 10**9  # multiplications of one forward pass (float64)
MAX_PRODUCTS_EXACT = 2 * 10**5  # … in exact rational arithmetic
ENTRYWISE_LIMIT = 400  # entries of X, F and b checked one by one; above: random directions
H_FLOAT = 1e-3


@dataclass(frozen=True)
class ConvBackpropResult(Result):
    command = "conv-backprop"

    input_shape: list[int]
    kernel_shape: list[int]
    output_shape: list[int]
    op: str
    stride: list[int]
    dilation: list[int]
    padding: list[list[int]]
    exact: bool
    output: Any
    dL_dO: Any
    dL_dF: Any
    dL_dX: Any
    dL_db: Any
    loss: Any
    loss_preset: str | None
    gradcheck_max_abs_err: Any
    gradcheck_method: str
    gradcheck_checked: int
    x: Any = view_only()
    f: Any = view_only()
    geometry: Any = view_only()
    explained: Any = view_only()

    def payload(self) -> dict[str, Any]:
        data = super().payload()
        if data["loss"] is None:
            del data["loss"]
        return data

    def view(self, digits: int = 6) -> list:
        sections: list = [
            Text(tuple(identities(self)), title="Backpropagation through a convolution")
        ]
        for title, array in (
            ("X", self.x),
            ("F", self.f),
            ("O", self.output),
            ("∂L/∂O", self.dL_dO),
            ("∂L/∂F", self.dL_dF),
            ("∂L/∂X", self.dL_dX),
        ):
            sections.extend(grids(array, title, digits))
        sections.append(Text(tuple(self._summary(digits))))
        if self.explained is not None:
            lines = self._expanded(digits) or [
                f"more than {MAX_EXPLAINED} gradient elements: not expanded"
            ]
            sections.append(Text(tuple(lines), title="Every element", preformatted=True))
        return sections

    def _summary(self, digits: int) -> list[str]:
        db = (
            fmt_seq(self.dL_db, digits) if isinstance(self.dL_db, list) else fmt(self.dL_db, digits)
        )
        lines = [f"∂L/∂b = Σ ∂L/∂O = {db}"]
        if self.loss is not None:
            lines.append(f"L ({self.loss_preset}) = {fmt(self.loss, digits)}")
        how = (
            "each entry of X, F and b on its own"
            if self.gradcheck_method == "entrywise"
            else "one seeded random ±1 direction through X, F and b"
        )
        lines.append(
            f"finite differences ({self.gradcheck_method}, {how}): max |analytic − numeric| = "
            f"{fmt(self.gradcheck_max_abs_err, 3)}"
        )
        return lines

    def _expanded(self, digits: int) -> list[str]:
        lines = []
        for name, terms, value in self.explained:
            symbolic = " + ".join(f"{a}·{b}" for a, _, b, _ in terms) or "0"
            numbers = " + ".join(
                f"{_factor(u, digits)}·{_factor(v, digits)}" for _, u, _, v in terms
            )
            lines.append(f"{name} = {symbolic} = {numbers or '0'} = {fmt(value, digits)}")
        return lines


def _factor(value, digits: int) -> str:
    """A factor of a product: negative numbers in parentheses, ``0.25·(-1)``."""
    text = fmt(value, digits, sep=False)
    return f"({text})" if text.startswith("-") else text


# ------------------------------------------------------------------------------- inputs


@dataclass(frozen=True)
class Problem:
    """Channels-first arrays and the geometry; ``single`` marks the 2-D (one-channel) forms."""

    x: Any
    f: Any  # as the user wrote it; flipped for the forward pass when op == conv
    bias: Any
    g: Geometry
    x_single: bool
    f_single: bool
    exact: bool

    @property
    def f_eff(self):
        return numeric.oriented(self.f, self.g.op)


def problem_of(request) -> Problem:
    """X, F, b and the geometry of the request's arrays (read by the request), shapes checked."""
    x, xshape = ranked(request.x, "--x", (2, 3), "an H×W or C_in×H×W array", exact=request.exact)
    f, fshape = ranked(
        request.f, "--f", (2, 4), "a kh×kw or C_out×C_in×kh×kw kernel", exact=request.exact
    )
    c_in = 1 if len(xshape) == 2 else xshape[0]
    c_out, f_in = (1, 1) if len(fshape) == 2 else fshape[:2]
    if f_in != c_in:
        raise HwcheckError(
            "--f",
            f"F has C_in = {f_in} ({fmt_shape(fshape)}) but X has {c_in} channels "
            f"({fmt_shape(xshape)})",
            hint="F is C_out×C_in×kh×kw, X is C_in×H×W",
        )
    g = geometry(c_in, c_out, xshape[-2:], fshape[-2:], request, "--f")
    _check_size(g, request.exact)
    exact = request.exact
    xa = as_array(x, exact).reshape(c_in, *xshape[-2:])
    fa = as_array(f, exact).reshape(c_out, c_in, *fshape[-2:])
    bias = _bias(request.bias, c_out, exact)
    return Problem(xa, fa, bias, g, len(xshape) == 2, len(fshape) == 2, exact)


def _check_size(g: Geometry, exact: bool) -> None:
    limit = MAX_PRODUCTS_EXACT if exact else MAX_PRODUCTS
    if g.products > limit:
        mode = "exact arithmetic" if exact else "one forward pass"
        raise HwcheckError(
            "--x",
            f"{g.products:,} multiplications exceed the limit for {mode} ({limit:,})",
            hint="drop --exact for large inputs" if exact else None,
        )


def _bias(value, c_out: int, exact: bool):
    if value is None:
        return as_array([0] * c_out, exact)
    array, shape = ranked(value, "--bias", None, exact=exact)
    array = array.tolist() if hasattr(array, "tolist") else array
    if shape == ():
        array = [array] * c_out if c_out == 1 else None
    elif shape != (c_out,):
        array = None
    if array is None:
        raise HwcheckError(
            "--bias", f"expected one bias per output channel ({c_out}), got shape {list(shape)}"
        )
    return as_array(array, exact)


# ------------------------------------------------------------------------------- losses


def loss_value(preset: str, o, target, exact: bool):
    """L(O) for the presets: sum, gap (Σ_c mean O_c), mse (mean of squares), half-sse (½·Σ)."""
    one = Fraction(1) if exact else 1.0
    if preset == "sum":
        return o.sum()
    if preset == "gap":
        return o.sum() * (one / (o.shape[1] * o.shape[2]))
    d = o - target
    return (d * d).sum() * (one / d.size if preset == "mse" else one / 2)


def loss_gradient(preset: str, o, target, exact: bool):
    """∂L/∂O of each preset."""
    one = Fraction(1) if exact else 1.0
    if preset == "sum":
        return np.full(o.shape, one, dtype=o.dtype)
    if preset == "gap":
        return np.full(o.shape, one / (o.shape[1] * o.shape[2]), dtype=o.dtype)
    d = o - target
    return d * (2 * one / d.size) if preset == "mse" else d * one


def _array_for(value, where: str, o, p: Problem, what: str):
    """--upstream / --target: an array with exactly O's shape (both shapes printed otherwise)."""
    array, shape = ranked(value, where, None, exact=p.exact)
    if not same_shape(shape, o.shape):
        raise HwcheckError(
            where,
            f"{what} has shape {fmt_shape(shape)}, but O has shape {fmt_shape(_user_shape(o, p))}",
        )
    return as_array(array, p.exact).reshape(o.shape)  # same entries, O's layout


def _user_shape(o, p: Problem) -> list[int]:
    return list(o.shape[1:]) if p.x_single and p.f_single else list(o.shape)


# ------------------------------------------------------------------------------- gradcheck


def gradcheck(loss_of, params: dict, grads: dict, exact: bool, squared_loss: bool):
    """Central differences along v against the analytic ⟨∇L, v⟩.

    Small problems: v runs over every single entry of X, F and b, and L is at most quadratic
    along such a line, so (L(θ+hv) − L(θ−hv)) / 2h is exact up to rounding. Large problems:
    one seeded random ±1 direction through X, F and b at once; O is then quadratic along v
    and a squared loss quartic, which the five-point stencil
    (−L(2h) + 8L(h) − 8L(−h) + L(−2h)) / 12h differentiates exactly. In exact mode (h = 1)
    the error is exactly 0 when the gradients are right.
    """
    h = Fraction(1) if exact else H_FLOAT
    entrywise = sum(a.size for a in params.values()) <= ENTRYWISE_LIMIT
    stencil = (
        ((1, Fraction(1, 2)), (-1, Fraction(-1, 2)))
        if entrywise or not squared_loss
        else (
            (2, Fraction(-1, 12)),
            (1, Fraction(8, 12)),
            (-1, Fraction(-8, 12)),
            (-2, Fraction(1, 12)),
        )
    )
    worst, checked = 0, 0
    for v in _unit_steps(params) if entrywise else _random_direction(params, exact):
        numeric_d = (
            sum(_weight(w, exact) * loss_of(**_moved(params, v, n * h)) for n, w in stencil) / h
        )
        analytic = sum((grads[k] * v[k]).sum() for k in v)
        worst = max(worst, abs(numeric_d - analytic))
        checked += 1
    return worst, ("entrywise" if entrywise else "directional"), checked


def _moved(params: dict, v: dict, step) -> dict:
    return {k: params[k] + step * v[k] if k in v else params[k] for k in params}


def _weight(w: Fraction, exact: bool):
    return w if exact else float(w)


def _unit_steps(params: dict):
    for name, theta in params.items():
        for k in range(theta.size):
            v = np.zeros(theta.shape, dtype=theta.dtype)
            v.flat[k] = 1
            yield {name: v}


def _random_direction(params: dict, exact: bool):
    rng = np.random.default_rng(0)
    yield {
        name: rng.choice(np.array([-1, 1]), size=theta.shape).astype(
            object if exact else np.float64
        )
        for name, theta in params.items()
    }


# ------------------------------------------------------------------------------- runner


def conv_backprop(request) -> ConvBackpropResult:
    p = problem_of(request)
    o = numeric.forward(p.x, p.f_eff, p.g.axes, p.bias)
    preset, target, upstream = _upstream(request, o, p)
    df_eff = numeric.grad_kernel(p.x, upstream, p.g.axes, p.f.shape)
    df = numeric.oriented(df_eff, p.g.op)
    dx = numeric.grad_input(p.f_eff, upstream, p.g.axes, p.g.in_channels)
    db = numeric.grad_bias(upstream)
    loss = loss_value(preset, o, target, p.exact) if preset else None

    def loss_of(x, f, b):
        out = numeric.forward(x, numeric.oriented(f, p.g.op), p.g.axes, b)
        return loss_value(preset, out, target, p.exact) if preset else (upstream * out).sum()

    err, method, checked = gradcheck(
        loss_of,
        {"x": p.x, "f": p.f, "b": p.bias},
        {"x": dx, "f": df, "b": db},
        p.exact,
        squared_loss=preset in ("mse", "half-sse"),
    )
    return _result(request, p, o, upstream, df, dx, db, loss, preset, (err, method, checked))


def _upstream(request, o, p: Problem):
    """(preset or None, target, ∂L/∂O)."""
    if request.upstream is not None:
        if request.loss is not None:
            raise HwcheckError("--upstream", "give either --upstream or --loss, not both")
        return (
            None,
            None,
            _array_for(request.upstream, "--upstream", o, p, "the upstream gradient ∂L/∂O"),
        )
    preset = request.loss or "sum"
    target = None
    if preset in ("mse", "half-sse"):
        if request.target is None:
            raise HwcheckError(
                "--target", f"is required with --loss {preset}", hint="the target T has O's shape"
            )
        target = _array_for(request.target, "--target", o, p, "the target")
    elif request.target is not None:
        raise HwcheckError("--target", f"is only used with --loss mse or half-sse, not {preset}")
    return preset, target, loss_gradient(preset, o, target, p.exact)


def _result(
    request, p: Problem, o, upstream, df, dx, db, loss, preset, check
) -> ConvBackpropResult:
    single_out = p.x_single and p.f_single

    def plain(a):
        return to_plain(a, p.exact)

    out_arrays = [plain(a[0] if single_out else a) for a in (o, upstream)]
    err, method, checked = check
    explained = expansions(p, upstream) if request.explain else None
    return ConvBackpropResult(
        input_shape=list(p.x.shape[1:] if p.x_single else p.x.shape),
        kernel_shape=list(p.f.shape[2:] if p.f_single else p.f.shape),
        output_shape=list(o.shape[1:] if single_out else o.shape),
        op=p.g.op,
        stride=[a.stride for a in p.g.axes],
        dilation=[a.dilation for a in p.g.axes],
        padding=p.g.padding_pairs(),
        exact=p.exact,
        output=out_arrays[0],
        dL_dO=out_arrays[1],
        dL_dF=plain(df[0, 0] if p.f_single else df),
        dL_dX=plain(dx[0] if p.x_single else dx),
        dL_db=plain(db)[0] if p.f_single else plain(db),
        loss=_scalar(loss, p.exact),
        loss_preset=preset,
        gradcheck_max_abs_err=_scalar(err, p.exact),
        gradcheck_method=method,
        gradcheck_checked=checked,
        x=plain(p.x[0] if p.x_single else p.x),
        f=plain(p.f[0, 0] if p.f_single else p.f),
        geometry=p.g,
        explained=explained,
    )


def _scalar(value, exact: bool):
    if value is None:
        return None
    if exact:
        value = Fraction(value)
        return int(value) if value.denominator == 1 else value
    return float(value)
