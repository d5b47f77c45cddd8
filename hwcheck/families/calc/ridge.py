"""``ridge``: the ridge-regression optimum in closed form, exact for rational data.

Minimising ‖Xw − y‖² + λ‖w‖² (``--loss sum``, scikit-learn's Ridge without intercept) sets the
gradient 2Xᵀ(Xw − y) + 2λw to 0: (XᵀX + λI)·w = Xᵀy. With ``--loss mean``,
(1/n)‖Xw − y‖² + λ‖w‖², it is (XᵀX + nλI)·w = Xᵀy. For λ > 0 the matrix is positive definite,
so w* is unique; λ = 0 is least squares (unique only when X has full column rank).
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

from hwcheck.core.errors import HwcheckError
from hwcheck.core.numfmt import fmt
from hwcheck.core.result import Matrix, Result, Text, view_only


@dataclass(frozen=True)
class RidgeResult(Result):
    command = "ridge"

    shape: list[int]
    lam: object
    loss: str
    normal_matrix: list[list]
    rhs: list
    w: list
    w_float: list[float]
    objective: object
    lines: tuple = view_only(())

    def view(self, digits: int = 6) -> list:
        entries = tuple(tuple(fmt(v, digits) for v in row) for row in self.normal_matrix)
        return [
            Matrix(entries, title="A = XᵀX + λ′I"),
            Text(self.lines, title="ridge optimum"),
        ]


def _seq(values) -> str:
    return ", ".join(fmt(v) for v in values)


def _plain(x):
    return x.numerator if isinstance(x, Fraction) and x.denominator == 1 else x


def ridge(request) -> RidgeResult:
    X, y = [[Fraction(v) for v in row] for row in request.X], [Fraction(v) for v in request.y]
    n, d = len(X), len(X[0])
    if len(y) != n:
        raise HwcheckError("--y", f"{len(y)} targets for {n} rows of X: one per row")
    lam = Fraction(request.lam) * (n if request.loss == "mean" else 1)
    A = [
        [sum(X[r][i] * X[r][j] for r in range(n)) + (lam if i == j else 0) for j in range(d)]
        for i in range(d)
    ]
    rhs = [sum(X[r][i] * y[r] for r in range(n)) for i in range(d)]
    w = _solve(A, rhs)
    residual = [sum(X[r][j] * w[j] for j in range(d)) - y[r] for r in range(n)]
    data = sum(e * e for e in residual) / (n if request.loss == "mean" else 1)
    objective = data + Fraction(request.lam) * sum(v * v for v in w)
    scaled = (
        f"nλ = {n}·{fmt(request.lam)} = {fmt(lam)}" if request.loss == "mean" else f"λ = {fmt(lam)}"
    )
    lines = (
        f"∇ = 0 gives (XᵀX + λ′I)·w = Xᵀy with λ′ = {scaled}",
        f"Xᵀy = ({_seq(rhs)})",
        f"w* = (XᵀX + λ′I)⁻¹Xᵀy = ({_seq(w)})",
        f"objective at w*: {fmt(objective)}",
    )
    return RidgeResult(
        shape=[n, d],
        lam=_plain(Fraction(request.lam)),
        loss=request.loss,
        normal_matrix=[[_plain(v) for v in row] for row in A],
        rhs=[_plain(v) for v in rhs],
        w=[_plain(v) for v in w],
        w_float=[float(v) for v in w],
        objective=_plain(objective),
        lines=lines,
    )


def _solve(A: list[list[Fraction]], b: list[Fraction]) -> list[Fraction]:
    """Gauss–Jordan elimination with exact fractions; a singular A (λ = 0, rank-deficient X)
    is refused: the minimiser is not unique (``lstsq`` describes the whole set)."""
    from hwcheck.families.linalg.exact import rref

    reduced, pivots = rref([row + [v] for row, v in zip(A, b)])
    if pivots != list(range(len(A))):
        raise HwcheckError(
            "--lam",
            "XᵀX + λI is singular (λ = 0 and X without full column rank): the minimiser "
            "is not unique",
            "hwcheck lstsq describes every solution and the minimum-norm one",
        )
    return [reduced[i][-1] for i in range(len(A))]
