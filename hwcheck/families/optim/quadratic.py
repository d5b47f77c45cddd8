"""Gradient descent (and Newton's method) on f(w) = ½wᵀHw, in the eigenbasis of H (exercise K).

With H = QΛQᵀ, one GD step is w ← (I − εH)w, so w(t) = Q(I − εΛ)ᵗQᵀw(0): along eigenvector i
the error is multiplied by 1 − ε·λᵢ each step. GD converges iff |1 − ελᵢ| < 1 for all i, i.e.
0 < ε < 2/λ_max (and every λᵢ > 0); the rate max|1 − ελᵢ| is smallest at ε = 2/(λ_min + λ_max).
Newton's step w ← w − εH⁻¹∇f = (1 − ε)w converges iff 0 < ε < 2. A negative eigenvalue gives
|1 − ελ| = 1 + ε|λ| > 1 for every ε > 0: GD moves away along that direction.
"""

from __future__ import annotations

from typing import Any

from hwcheck.core.errors import HwcheckError
from hwcheck.families.optim.optimizers import EXPLODED


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


def newton_matrices(H: list[list]) -> dict[str, list[list]]:
    """∇²f and (∇²f)⁻¹ of f = ½wᵀHw (exercise V): the Hessian is H itself, not ½H, so its
    inverse is H⁻¹ (exact rationals for rational H: Gauss–Jordan on fractions)."""
    from fractions import Fraction

    from hwcheck.families.linalg.exact import inverse

    exact = [[Fraction(v) for v in row] for row in H]
    try:
        inv = inverse(exact, "--H")
    except ZeroDivisionError:
        raise HwcheckError("--H", "is singular: Newton's step H⁻¹∇f is undefined") from None
    plain = [[v.numerator if v.denominator == 1 else v for v in row] for row in inv]
    return {
        "hessian": [[v.numerator if v.denominator == 1 else v for v in r] for r in exact],
        "hessian_inverse": plain,
    }


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
    direction (hwcheck.claims.fair). ``eigenvectors`` is the list, ``eigenvectors.i`` one of them."""
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
