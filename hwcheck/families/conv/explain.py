"""The identities of conv-backprop and each gradient element written out as a sum of products.

Labels are 1-based as in the textbook (O₁₁ = X₁₁F₁₁ + X₁₂F₁₂ + X₂₁F₂₁ + X₂₂F₂₂); with channels
the channel indices come first, separated by a comma (F₁₂,₁₁ = F[o=1, c=2, 1, 1]).
"""

from __future__ import annotations

from hwcheck.core.numfmt import fmt
from hwcheck.families.conv.geometry import describe_axis
from hwcheck.families.conv.views import label

MAX_EXPLAINED = 400  # elements expanded with --explain
MAX_TERMS = 9  # terms written out per element (then "…")


def identities(r) -> list[str]:
    """The formulas used, with what stride, dilation, padding and --op change in them."""
    g = r.geometry
    strided = any(a.stride > 1 for a in g.axes)
    dilated = any(a.dilation > 1 for a in g.axes)
    padded = any(a.before or a.after for a in g.axes)
    lines = [f"axis {k}: output {describe_axis(a)}" for k, a in enumerate(g.axes)]
    if r.op == "conv":
        lines.append("O = X ∗ F + b: true convolution, i.e. X ⋆ rot180(F) + b")
        lines.append("∂L/∂F = rot180(X ⋆ ∂L/∂O)")
        lines.append(
            "∂L/∂X = full cross-correlation of the zero-padded ∂L/∂O with F "
            "(= true full convolution of ∂L/∂O with rot180(F))"
        )
    else:
        lines.append("O = X ⋆ F + b: cross-correlation, O_pq = Σ_ij X_(p+i)(q+j)·F_ij + b")
        lines.append("∂L/∂F = X ⋆ ∂L/∂O: valid cross-correlation of X with ∂L/∂O")
        lines.append(
            "∂L/∂X = full convolution of rot180(F) with ∂L/∂O: the zero-padded ∂L/∂O "
            "cross-correlated with rot180(F) (= true full convolution of ∂L/∂O with F)"
        )
    if strided:
        lines.append(
            f"stride {r.stride}: ∂L/∂O is dilated by the stride (s−1 zeros between entries) in both identities"
        )
    if dilated:
        lines.append(
            f"dilation {r.dilation}: X is sampled every d pixels for ∂L/∂F; F is dilated for ∂L/∂X"
        )
    if padded:
        lines.append(
            f"padding {r.padding}: X is zero-padded; the padded rows and columns of ∂L/∂X are dropped"
        )
    lines.append("∂L/∂b = Σ_pq ∂L/∂O_pq (per output channel)")
    lines.append(_upstream_line(r))
    return lines


def _upstream_line(r) -> str:
    n = 1
    for size in r.output_shape[-2:]:
        n *= size
    return {
        None: "∂L/∂O is given (--upstream)",
        "sum": "L = Σ O, so ∂L/∂O = 1 everywhere",
        "gap": f"L = Σ_c mean(O_c) (global average pooling, dL/dGAP = 1), so ∂L/∂O = 1/{fmt(n)} everywhere",
        "mse": "L = mean((O − T)²), so ∂L/∂O = 2(O − T)/N",
        "half-sse": "L = ½·Σ (O − T)², so ∂L/∂O = O − T",
    }[r.loss_preset]


def name(symbol: str, index: tuple[int, ...], channels: tuple[int, ...] = ()) -> str:
    """``X₁₂``, ``F₁₂,₁₁`` (1-based; indices above 9 joined with commas)."""
    return label(symbol, index, 1, channels)


def expansions(p, upstream):
    """(element, [(∂L/∂O label, value, other label, value)…], value) for ∂L/∂F, ∂L/∂X, ∂L/∂b."""
    co, ci, kh, kw = p.f.shape
    ho, wo = upstream.shape[1:]
    if co * ci * kh * kw + ci * p.x.shape[1] * p.x.shape[2] + co > MAX_EXPLAINED:
        return ()
    multi = not (p.x_single and p.f_single)
    out = []
    for o in range(co):
        for c in range(ci):
            for i in range(kh):
                for j in range(kw):
                    out.append(_kernel_element(p, upstream, (o, c, i, j), multi))
    for c in range(ci):
        for r in range(p.x.shape[1]):
            for t in range(p.x.shape[2]):
                out.append(_input_element(p, upstream, (c, r, t), multi))
    for o in range(co):
        terms = [(_o(o, pq, multi), upstream[o][pq], "1", 1) for pq in _grid(ho, wo)]
        out.append(
            ("∂L/∂" + name("b", (o,)) if multi else "∂L/∂b", _clip(terms), upstream[o].sum())
        )
    return tuple(out)


def _grid(h, w):
    return [(a, b) for a in range(h) for b in range(w)]


def _o(o, pq, multi):
    return "∂L/∂" + name("O", pq, (o,) if multi else ())


def _kernel_element(p, g, idx, multi):
    """∂L/∂F[o,c,i,j] = Σ_pq ∂L/∂O[o,p,q]·Xpad[c, i'·d + p·s, j'·d + q·s] (i', j' flipped for conv)."""
    o, c, i, j = idx
    ah, aw = p.g.axes
    ie, je = (ah.kernel - 1 - i, aw.kernel - 1 - j) if p.g.op == "conv" else (i, j)
    terms, total = [], 0
    for pp, qq in _grid(ah.out, aw.out):
        r, t = (
            ie * ah.dilation + pp * ah.stride - ah.before,
            je * aw.dilation + qq * aw.stride - aw.before,
        )
        if 0 <= r < ah.n and 0 <= t < aw.n:
            terms.append(
                (
                    _o(o, (pp, qq), multi),
                    g[o, pp, qq],
                    name("X", (r, t), (c,) if multi else ()),
                    p.x[c, r, t],
                )
            )
            total += g[o, pp, qq] * p.x[c, r, t]
    return "∂L/∂" + name("F", (i, j), (o, c) if multi else ()), _clip(terms), total


def _input_element(p, g, idx, multi):
    """∂L/∂X[c,r,t] = Σ ∂L/∂O[o,p,q]·F[o,c,i,j] over the outputs whose window holds (r, t)."""
    c, r, t = idx
    ah, aw = p.g.axes
    terms, total = [], 0
    for o in range(p.f.shape[0]):
        for ie in range(ah.kernel):
            for je in range(aw.kernel):
                pr, qr = r + ah.before - ie * ah.dilation, t + aw.before - je * aw.dilation
                if pr % ah.stride or qr % aw.stride:
                    continue
                pp, qq = pr // ah.stride, qr // aw.stride
                if not (0 <= pp < ah.out and 0 <= qq < aw.out):
                    continue
                i, j = (ah.kernel - 1 - ie, aw.kernel - 1 - je) if p.g.op == "conv" else (ie, je)
                terms.append(
                    (
                        _o(o, (pp, qq), multi),
                        g[o, pp, qq],
                        name("F", (i, j), (o, c) if multi else ()),
                        p.f[o, c, i, j],
                    )
                )
                total += g[o, pp, qq] * p.f[o, c, i, j]
    return "∂L/∂" + name("X", (r, t), (c,) if multi else ()), _clip(terms), total


def _clip(terms):
    if len(terms) <= MAX_TERMS:
        return terms
    return terms[:4] + [("…", "…", "…", "…")] + terms[-1:]
