"""Gradient descent (and Newton's method) on f(w) = ½wᵀHw, in the eigenbasis of H (exercise K).

With H = QΛQᵀ, one GD step is w ← (I − εH)w, so w(t) = Q(I − εΛ)ᵗQᵀw(0): along eigenvector i
the error is multiplied by 1 − ε·λᵢ each step. GD converges iff |1 − ελᵢ| < 1 for all i, i.e.
0 < ε < 2/λ_max (and every λᵢ > 0); the rate max|1 − ελᵢ| is smallest at ε = 2/(λ_min + λ_max).
Newton's step w ← w − εH⁻¹∇f = (1 − ε)w converges iff 0 < ε < 2. A negative eigenvalue gives
|1 − ελ| = 1 + ε|λ| > 1 for every ε > 0: GD moves away along that direction.
"""

from __future__ import annotations

from typing import Any

from hwcheck.errors import HwcheckError
from hwcheck.numfmt import fmt, fmt_seq
from hwcheck.optim.optimizers import EXPLODED


def tolerance(eigenvalues) -> float:
    """|λ| at or below this counts as 0 (round-off of the eigen-solver)."""
    return 1e-12 * max(1.0, max(abs(v) for v in eigenvalues))


def definiteness(eigenvalues) -> str:
    tol = tolerance(eigenvalues)
    lo, hi = min(eigenvalues), max(eigenvalues)
    if lo > tol:
        return "positive definite"
    if lo >= -tol:
        return "positive semidefinite" if hi > tol else "zero"
    return (
        "indefinite"
        if hi > tol
        else ("negative semidefinite" if hi >= -tol else "negative definite")
    )


def analyse(H, lr: float | None, newton: bool) -> dict[str, Any]:
    """Eigenvalues, the learning-rate bounds and the contraction rate of GD (or Newton)."""
    import numpy as np

    try:
        values, vectors = np.linalg.eigh(H)
    except np.linalg.LinAlgError as err:
        raise HwcheckError("--H", f"cannot compute the eigenvalues ({err})") from None
    eig = [float(v) for v in values]
    tol = tolerance(eig)
    lam_min, lam_max = eig[0], eig[-1]
    directions = [_sign_fixed(vectors[:, i].tolist()) for i in range(len(eig))]
    out: dict[str, Any] = {
        "method": "newton" if newton else "gd",
        "eigenvalues": eig,
        "eigenvectors": directions,
        "definiteness": definiteness(eig),
        "lr_max": 2 / lam_max if lam_max > tol else None,
        "lr_opt": 2 / (lam_min + lam_max) if lam_min > tol else None,
        "newton_lr_max": 2.0 if min(abs(v) for v in eig) > tol else None,
        "negative_curvature": [
            {"eigenvalue": v, "direction": d} for v, d in zip(eig, directions) if v < -tol
        ],
    }
    out["lr"] = _default_lr(lr, newton, out)
    out["rate"] = contraction_rate(eig, out["lr"], newton)
    out["converges"] = out["rate"] is not None and out["rate"] < 1
    return out


def _default_lr(lr, newton, info) -> float | None:
    if lr is not None:
        if not lr > 0:
            raise HwcheckError("--lr", f"must be positive, got {lr:g}")
        return lr
    return 1.0 if newton else info["lr_opt"]


def contraction_rate(eigenvalues, lr: float | None, newton: bool) -> float | None:
    """max|1 − ε·λᵢ| (GD) or |1 − ε| (Newton): the factor the error shrinks by per step.

    >>> contraction_rate([1.0, 2.0], 0.5, newton=False), contraction_rate([1.0, 2.0], 1.5, newton=True)
    (0.5, 0.5)
    """
    if lr is None:
        return None
    if newton:
        return abs(1 - lr)
    return max(abs(1 - lr * v) for v in eigenvalues)


def claim_invariant(path: tuple) -> tuple | None:
    """Eigenvectors are defined only up to sign and scale: claims on them are judged by
    direction (hwcheck.verify). ``eigenvectors`` is the list, ``eigenvectors.i`` one of them."""
    if path == ("eigenvectors",):
        return ("directions",)
    if (len(path) == 2 and path[0] == "eigenvectors") or (
        len(path) == 3 and path[0] == "negative_curvature" and path[2] == "direction"
    ):
        return ("direction",)
    return None


def _sign_fixed(v: list[float]) -> list[float]:
    """An eigenvector with its largest entry positive (eigh's sign is arbitrary)."""
    k = max(range(len(v)), key=lambda i: (abs(v[i]), -i))
    return [x if v[k] > 0 else -x for x in v] if v[k] else v


def closed_form(values, Q, lr: float, w0, t: int, newton: bool):
    """w(t) = (I − εH)ᵗw(0) = Q(I − εΛ)ᵗQᵀw(0) from H = QΛQᵀ, or (1 − ε)ᵗw(0) for Newton."""
    if newton:
        return (1 - lr) ** t * w0
    return Q @ ((1 - lr * values) ** t * (Q.T @ w0))


def iterate(
    H, lr: float, w0, steps: int, newton: bool
) -> tuple[list[dict[str, Any]], dict | None, float]:
    """Plain iteration w ← w − ε∇f (or − εH⁻¹∇f), checked against the closed form at each t.

    Returns the step records, the divergence (or None) and the largest relative difference
    between iteration and closed form."""
    import numpy as np

    start = np.array(w0, dtype=float)
    values, Q = np.linalg.eigh(H)  # once: the closed form at every t reuses it
    w = start
    records, worst = [], 0.0
    with np.errstate(all="ignore"):
        for t in range(1, steps + 1):
            step = np.linalg.solve(H, H @ w) if newton else H @ w
            w = w - lr * step
            bad = _divergence(w)
            if bad:
                return records, {"t": t, **bad}, worst
            exact = closed_form(values, Q, lr, start, t, newton)
            scale = max(1.0, float(np.abs(exact).max()))
            worst = max(worst, float(np.abs(w - exact).max()) / scale)
            records.append({"t": t, "w": w.tolist(), "loss": float(0.5 * w @ H @ w)})
    return records, None, worst


def _divergence(w) -> dict | None:
    for i, v in enumerate(w.tolist()):
        if not abs(v) <= EXPLODED:
            return {"quantity": f"w{i + 1}", "value": v}
    return None


MAX_WORK = 50_000_000


def check_work(n: int, steps: int, newton: bool) -> None:
    work = steps * n * n * (n if newton else 1)
    if work > MAX_WORK:
        raise HwcheckError(
            "--steps",
            f"{steps:,} steps on a {n}×{n} matrix is too much work (limit {MAX_WORK:,})",
            hint="use fewer steps",
        )


# ---------------------------------------------------------------------------------- view


def quadratic_view(result, digits: int) -> list:
    """The eigen-table, the bounds worked out, and the trace checked against the closed form."""
    from hwcheck.result import Table, Text

    f = lambda x: fmt(x, digits)
    lr = result.lr
    columns = ("i", "λᵢ", "eigenvector qᵢ") + (
        (f"|1 − ε·λᵢ|, ε = {f(lr)}",) if lr is not None and result.method == "gd" else ()
    )
    rows = []
    for i, (v, q) in enumerate(zip(result.eigenvalues, result.eigenvectors), start=1):
        factor = (f(abs(1 - lr * v)),) if lr is not None and result.method == "gd" else ()
        rows.append((str(i), f(v), fmt_seq(q, digits)) + factor)
    sections = [Table(columns=columns, rows=tuple(rows), title=f"H = QΛQᵀ: {result.definiteness}")]
    sections.append(
        Text(tuple(bounds_lines(result, f)), title="Learning-rate bounds", preformatted=True)
    )
    if result.steps is not None:
        sections.append(trace_table(result, f))
    return sections


def bounds_lines(result, f) -> list[str]:
    eig = result.eigenvalues
    lo, hi = eig[0], eig[-1]
    lines = [
        "GD: w(t) = (I − εH)ᵗw(0) = Q(I − εΛ)ᵗQᵀw(0); converges iff |1 − ε·λᵢ| < 1 for every i"
    ]
    if result.lr_max is not None:
        only = (
            " — bounds the positive-curvature directions only" if result.negative_curvature else ""
        )
        lines.append(
            f"lr_max = 2/λ_max = 2/{f(hi)} = {f(result.lr_max)}   (0 < ε < {f(result.lr_max)}){only}"
        )
    if result.lr_opt is not None:
        lines.append(
            f"lr_opt = 2/(λ_min + λ_max) = 2/({f(lo)} + {f(hi)}) = {f(result.lr_opt)}, "
            f"rate (κ − 1)/(κ + 1) = {f((hi - lo) / (hi + lo))} with κ = {f(hi / lo)}"
        )
    for item in result.negative_curvature:
        lines.append(
            f"negative curvature λ = {f(item['eigenvalue'])} along {fmt_seq(item['direction'], 6)}: "
            f"|1 − ε·λ| = 1 + ε·{f(-item['eigenvalue'])} > 1 for every ε > 0 — GD diverges along it"
        )
    if any(abs(v) <= tolerance(eig) for v in eig):
        lines.append(
            "a zero eigenvalue: |1 − ε·0| = 1, GD neither converges nor diverges along its direction"
        )
    if result.newton_lr_max is not None:
        lines.append(
            "Newton: w ← w − ε·H⁻¹∇f = (1 − ε)·w, so w(t) = (1 − ε)ᵗw(0); "
            f"converges iff |1 − ε| < 1: 0 < ε < {f(result.newton_lr_max)}"
        )
        if result.negative_curvature:
            kind = "saddle point" if result.definiteness == "indefinite" else "maximum"
            lines.append(
                f"(with negative curvature Newton's method is attracted to the {kind} w = 0 all the same)"
            )
    if result.rate is not None:
        lines.append(rate_line(result, f))
    return lines


def rate_line(result, f) -> str:
    lr = result.lr
    verdict = "converges" if result.converges else "does not converge"
    if result.method == "newton":
        return f"rate at ε = {f(lr)}: |1 − ε| = {f(result.rate)} — Newton {verdict}"
    terms = ", ".join(
        f"|1 − {f(lr)}·{f(v) if v >= 0 else '(' + f(v) + ')'}|" for v in result.eigenvalues[:6]
    )
    more = ", …" if len(result.eigenvalues) > 6 else ""
    return f"rate at ε = {f(lr)}: max({terms}{more}) = {f(result.rate)} — GD {verdict}"


def trace_table(result, f):
    from hwcheck.optim.commands import MAX_CELL, abridged
    from hwcheck.result import Table

    name = "w(t) = (1 − ε)ᵗw(0)" if result.method == "newton" else "w(t) = (I − εH)ᵗw(0)"
    show = lambda w: (
        "(" + ", ".join(f(v) for v in w[:MAX_CELL]) + (", …" if len(w) > MAX_CELL else "") + ")"
    )
    rows = [("0", show(result.w0), "")]
    steps, skipped = abridged(result.steps)
    rows += [(str(s["t"]), show(s["w"]), f(s["loss"])) if s else ("…", "…", "…") for s in steps]
    notes = [
        f"plain iteration agrees with the closed form to {f(result.closed_form_max_error)} (relative)"
    ] + skipped
    if result.diverged:
        d = result.diverged
        notes.append(
            f"diverged at step {d['t']}: {d['quantity']} = {f(d['value'])}, beyond {f(EXPLODED)} — "
            "the trace stops there"
        )
    return Table(
        columns=("t", name, "f(w) = ½wᵀHw"), rows=tuple(rows), title="Trace", notes=tuple(notes)
    )
