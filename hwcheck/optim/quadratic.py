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


#: exact inertia up to this size (O(n³) operations on fractions)
EXACT_MAX_ROWS = 60


def inertia(H) -> list[int] | None:
    """The signs (−1, 0, +1) of the eigenvalues of a rational symmetric H, ascending, exactly.

    Sylvester's law of inertia: a congruence SᵀHS keeps the counts of negative, zero and positive
    eigenvalues. Symmetric elimination reaches a block diagonal: a non-zero diagonal pivot d is an
    eigenvalue sign of d; with every diagonal entry zero, a pivot block [[0, a], [a, 0]] has one
    of each sign; an all-zero rest is zeros. None when H is not exact or is too large.

    >>> inertia([[10**20, 0], [0, 1]]), inertia([[0, 1], [1, 0]]), inertia([[1, 1], [1, 1]])
    ([1, 1], [-1, 1], [0, 1])
    """
    from fractions import Fraction

    n = len(H)
    if n > EXACT_MAX_ROWS or any(isinstance(x, float) for row in H for x in row):
        return None
    A = [[Fraction(x) for x in row] for row in H]
    signs: list[int] = []
    while A:
        k = next((i for i in range(len(A)) if A[i][i]), None)
        if k is not None:
            signs.append(1 if A[k][k] > 0 else -1)
            A = _eliminate(A, [k])
            continue
        pair = next(((i, j) for i in range(len(A)) for j in range(i) if A[i][j]), None)
        if pair is None:
            signs.extend([0] * len(A))
            break
        signs.extend([-1, 1])
        A = _eliminate(A, list(pair))
    return sorted(signs)


def _eliminate(A, pivots: list[int]):
    """The Schur complement of A's pivot block (one entry, or a 2×2 [[0, a], [a, 0]] block)."""
    rest = [i for i in range(len(A)) if i not in pivots]
    if len(pivots) == 1:
        (p,) = pivots
        return [[A[i][j] - A[i][p] * A[p][j] / A[p][p] for j in rest] for i in rest]
    p, q = pivots
    a = A[p][q]  # inverse of [[0, a], [a, 0]] is [[0, 1/a], [1/a, 0]]
    return [[A[i][j] - (A[i][p] * A[q][j] + A[i][q] * A[p][j]) / a for j in rest] for i in rest]


def definiteness(eigenvalues, signs: list[int] | None = None) -> str:
    if signs is None:
        tol = tolerance(eigenvalues)
        signs = [0 if abs(v) <= tol else (1 if v > 0 else -1) for v in eigenvalues]
    lo, hi = min(signs), max(signs)
    if lo > 0:
        return "positive definite"
    if lo == 0:
        return "positive semidefinite" if hi > 0 else "zero"
    return "indefinite" if hi > 0 else ("negative semidefinite" if hi == 0 else "negative definite")


def analyse(H, lr: float | None, newton: bool, exact=None) -> dict[str, Any]:
    """Eigenvalues, the learning-rate bounds and the contraction rate of GD (or Newton).

    The sign of each eigenvalue (definiteness, whether lr_opt exists, singularity) is decided
    exactly from the rational matrix ``exact`` when given (:func:`inertia`); otherwise an
    eigenvalue within :func:`tolerance` of 0 counts as 0."""
    import numpy as np

    try:
        values, vectors = np.linalg.eigh(H)
    except np.linalg.LinAlgError as err:
        raise HwcheckError("--H", f"cannot compute the eigenvalues ({err})") from None
    eig = [float(v) for v in values]
    tol = tolerance(eig)
    signs = (inertia(exact) if exact is not None else None) or [
        0 if abs(v) <= tol else (1 if v > 0 else -1) for v in eig
    ]
    lam_min, lam_max = eig[0], eig[-1]
    directions = [_sign_fixed(vectors[:, i].tolist()) for i in range(len(eig))]
    out: dict[str, Any] = {
        "method": "newton" if newton else "gd",
        "eigenvalues": eig,
        "eigenvectors": directions,
        "definiteness": definiteness(eig, signs),
        # (the float guards: a positive 1e-400 is 0.0 once in floating point)
        "lr_max": 2 / lam_max if signs[-1] > 0 and lam_max > 0 else None,
        "lr_opt": 2 / (lam_min + lam_max) if signs[0] > 0 and lam_min + lam_max > 0 else None,
        "newton_lr_max": 2.0 if 0 not in signs and 0.0 not in eig else None,
        "negative_curvature": [
            {"eigenvalue": v, "direction": d}
            for v, d, sign in zip(eig, directions, signs)
            if sign < 0
        ],
    }
    out["lr"] = _default_lr(lr, newton, out)
    out["rate"] = contraction_rate(eig, out["lr"], newton)
    rate = out["rate"]
    positive = signs[0] > 0 and out["lr_max"] is not None  # then lr_opt < lr_max
    near_one = not newton and positive and rate == 1.0 and (lr is None or lr < out["lr_max"])
    out["converges"] = rate is not None and (rate < 1 or near_one)  # 1 − 2e-20 rounds to 1.0
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
    if result.newton_lr_max is None:  # a zero eigenvalue (decided exactly for rational H)
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
