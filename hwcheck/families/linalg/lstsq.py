"""``lstsq``: when does Xw = y have a solution, and which one does SGD from 0 reach? (N, U)

For X (n samples × d unknowns) and y, decided exactly for rational input:

- Xw = y is solvable iff rank X = rank [X | y] (Rouché–Capelli); then the solutions form an
  affine set of dimension d − rank X (a point when rank X = d, infinitely many otherwise);
- otherwise the least-squares minimisers of ½‖Xw − y‖² still form a set of dimension
  d − rank X, and the minimum loss is positive;
- the minimum-norm minimiser is X⁺y; with full row rank (rank X = n) it is Xᵀ(XXᵀ)⁻¹y, and with
  full column rank (XᵀX)⁻¹Xᵀy. Gradient descent or SGD from w₀ = 0 only moves along rows of X,
  so it stays in the row space and converges to this one (exercise N).

The number of samples alone decides nothing (exercise U's "n > d: infinitely many"): rank does.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from hwcheck.core.errors import HwcheckError
from hwcheck.core.numfmt import fmt, fmt_seq
from hwcheck.core.result import Result, Table, Text
from hwcheck.families.linalg.exact import matmul, null_space, pinv, rref


@dataclass(frozen=True)
class LstsqResult(Result):
    command = "lstsq"

    shape: list[int]
    rank_X: int
    rank_Xy: int
    consistent: bool
    solutions: str
    solution_dimension: int
    null_space: list[list]
    min_norm_solution: list
    min_norm_solution_float: list[float]
    min_loss: Any
    zero_loss: bool
    formula: str
    rref_Xy: list[list]

    def view(self, digits: int = 6) -> list:
        n, d = self.shape
        lines = [
            f"X is {n}×{d}: n = {n} samples, d = {d} unknowns",
            f"rank X = {self.rank_X}, rank [X | y] = {self.rank_Xy} (exact row reduction)",
            (
                f"rank X = rank [X | y], so Xw = y is solvable: {self.solutions}"
                if self.consistent
                else f"rank [X | y] > rank X, so Xw = y has no solution; least squares leaves "
                f"½‖Xw − y‖² = {fmt(self.min_loss, digits)} > 0"
            ),
            (
                f"dimension of the solution set d − rank X = {d} − {self.rank_X} = "
                f"{self.solution_dimension}"
            ),
            f"minimum-norm solution w = {self.formula} = {fmt_seq(self.min_norm_solution, digits)}",
            "gradient descent / SGD from w₀ = 0 stays in the row space of X and converges to it",
        ]
        if self.null_space:
            lines.append(
                "null space of X (add any combination): "
                + "; ".join(fmt_seq(v, digits) for v in self.null_space)
            )
        table = Table(
            tuple(f"x{j + 1}" for j in range(d)) + ("y",),
            tuple(tuple(fmt(v, digits) for v in row) for row in self.rref_Xy),
            title="Reduced row echelon form of [X | y]",
        )
        return [table, Text(tuple(lines), title="Solvability")]


def _plain(x: Fraction):
    return x.numerator if x.denominator == 1 else x


def lstsq(request) -> LstsqResult:
    """``request.X`` (rows of int/Fraction) and ``request.y`` (a list), read by the request."""
    X, y = request.X, request.y
    if len(y) != len(X):
        raise HwcheckError("--y", f"has {len(y)} entries but X has {len(X)} rows (samples)")
    xf = [[Fraction(v) for v in row] for row in X]
    yf = [Fraction(v) for v in y]
    n, d = len(xf), len(xf[0])
    aug = [row + [t] for row, t in zip(xf, yf, strict=True)]
    red, pivots = rref(aug)  # one reduction gives both ranks: X's pivots lie left of column d
    r, r_aug = sum(p < d for p in pivots), len(pivots)
    w = [row[0] for row in matmul(pinv(xf), [[t] for t in yf])]
    residual = [
        sum((a * b for a, b in zip(row, w, strict=True)), Fraction(0)) - t
        for row, t in zip(xf, yf, strict=True)
    ]
    loss = sum((e * e for e in residual), Fraction(0)) / 2
    consistent = r == r_aug
    dim = d - r
    return LstsqResult(
        shape=[n, d],
        rank_X=r,
        rank_Xy=r_aug,
        consistent=consistent,
        solutions=("none" if not consistent else "exactly one" if dim == 0 else "infinitely many"),
        solution_dimension=dim,
        null_space=[[_plain(v) for v in vec] for vec in null_space(xf)],
        min_norm_solution=[_plain(v) for v in w],
        min_norm_solution_float=[float(v) for v in w],
        min_loss=_plain(loss),
        zero_loss=loss == 0,
        formula=(
            "Xᵀ(XXᵀ)⁻¹y"
            if r == n
            else "(XᵀX)⁻¹Xᵀy"
            if r == d
            else "X⁺y (the pseudo-inverse: X has neither full row nor full column rank)"
        ),
        rref_Xy=[[_plain(v) for v in row] for row in red],
    )
