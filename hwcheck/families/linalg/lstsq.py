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

import math
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from hwcheck.core.errors import HwcheckError
from hwcheck.core.numfmt import fmt, fmt_seq
from hwcheck.core.result import Result, Table, Text
from hwcheck.families.linalg.exact import (
    integer_rows,
    null_basis,
    reduce_integers,
    solve,
    solve_integers,
)
from hwcheck.families.linalg.request import MAX_SAMPLES


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


MAX_NULL_ENTRIES = MAX_SAMPLES * MAX_SAMPLES * 4  # entries of the listed null-space basis


def lstsq(request) -> LstsqResult:
    """``request.X`` (rows of int/Fraction) and ``request.y`` (a list), read by the request."""
    X, y = request.X, request.y
    if len(y) != len(X):
        raise HwcheckError("--y", f"has {len(y)} entries but X has {len(X)} rows (samples)")
    xf = [[Fraction(v) for v in row] for row in X]
    yf = [Fraction(v) for v in y]
    n, d = len(xf), len(xf[0])
    _gate_null_space(d - min(n, d), d)  # before any work: the fewest free columns there can be
    aug = integer_rows([row + [t] for row, t in zip(xf, yf, strict=True)])
    reduced = reduce_integers(aug, "--X")  # both ranks: X's pivots lie left of column d
    r, r_aug = sum(p < d for p in reduced.pivots), len(reduced.pivots)
    _gate_null_space(d - r, d)
    w = min_norm_solution(xf, yf, reduced, r)
    loss = half_squared_residual(xf, yf, w)
    consistent = r == r_aug
    dim = d - r
    red = reduced.rref()
    return LstsqResult(
        shape=[n, d],
        rank_X=r,
        rank_Xy=r_aug,
        consistent=consistent,
        solutions=("none" if not consistent else "exactly one" if dim == 0 else "infinitely many"),
        solution_dimension=dim,
        null_space=[[_plain(v) for v in vec] for vec in null_basis(red, reduced.pivots[:r], d)],
        min_norm_solution=[_plain(v) for v in w],
        min_norm_solution_float=[_float(v) for v in w],
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


def _float(x: Fraction) -> float:
    """The nearest float; ±inf past the float range (X = 10⁻³⁰⁰, y = 10³⁰⁰ gives w = 10⁶⁰⁰)."""
    try:
        return float(x)
    except OverflowError:
        return math.inf if x > 0 else -math.inf


def _gate_null_space(free: int, d: int) -> None:
    if free * d > MAX_NULL_ENTRIES:
        raise HwcheckError(
            "--X",
            f"the null space has {free:,} basis vectors of {d:,} entries ({free * d:,} entries "
            f"to list); at most {MAX_NULL_ENTRIES:,}",
            hint="fewer unknowns (columns of X), or more independent samples",
        )


def min_norm_solution(xf, yf, reduced, r: int) -> list[Fraction]:
    """X⁺y with X = C·R (C: X's pivot columns, R: the non-zero rows of its RREF): from the
    least-squares coordinates u = (CᵀC)⁻¹Cᵀy in C (read off the reduction of [X | y] when
    Xw = y is solvable), either Rᵀ(RRᵀ)⁻¹u (an r×r system) or, with fewer free columns k than
    pivots, the solution w₀ (u on the pivots, 0 elsewhere) less its projection on the null
    space N: w₀ − N(NᵀN)⁻¹Nᵀw₀ (a k×k system); R = I when X has full column rank."""
    d = len(xf[0])
    if r == 0:
        return [Fraction(0)] * d
    pivots = reduced.pivots[:r]
    if r == len(reduced.pivots):
        u = [reduced.fraction(i, d) for i in range(r)]
    else:
        u = _least_squares_coordinates(xf, yf, pivots)
    if r == d:
        return u
    rows = [row[:d] for row in reduced.rows[:r]]  # R′ = p·R, in integers
    if d - r < r:
        return _projected_off_null_space(rows, pivots, u, reduced.p)
    q = math.lcm(1, *(v.denominator for v in u))
    gram = [[sum(a * b for a, b in zip(ri, rj, strict=True)) for rj in rows] for ri in rows]
    z, denominator = solve_integers(gram, [int(v * q) for v in u], "--X: RRᵀ")  # R′R′ᵀz = qu
    scale = Fraction(reduced.p, q * denominator)  # w = p·R′ᵀ(R′R′ᵀ)⁻¹u
    return [scale * sum(rows[i][j] * z[i] for i in range(r)) for j in range(d)]


def _projected_off_null_space(rows, pivots: list[int], u: list[Fraction], p: int):
    """w₀ − N(NᵀN)⁻¹Nᵀw₀, with the null-space basis N′ = p·N in integers (one column per free
    column f: p at f, −R′ᵢf at pivot i) and w₀ = U/q."""
    d = len(rows[0])
    free = [c for c in range(d) if c not in set(pivots)]
    basis = []
    for f in free:
        v = [0] * d
        v[f] = p
        for i, column in enumerate(pivots):
            v[column] = -rows[i][f]
        basis.append(v)
    q = math.lcm(1, *(v.denominator for v in u))
    w0 = [0] * d
    for column, value in zip(pivots, u, strict=True):
        w0[column] = int(value * q)
    gram = [[sum(a * b for a, b in zip(m, n, strict=True)) for n in basis] for m in basis]
    rhs = [sum(a * b for a, b in zip(m, w0, strict=True)) for m in basis]
    c, denominator = solve_integers(gram, rhs, "--X: NᵀN")
    return [
        Fraction(
            w0[j] * denominator - sum(basis[i][j] * c[i] for i in range(len(free))), q * denominator
        )
        for j in range(d)
    ]


def _least_squares_coordinates(xf, yf, pivots: list[int]) -> list[Fraction]:
    """u = (CᵀC)⁻¹Cᵀy over X's pivot columns C, in integers over one common denominator."""
    scale = math.lcm(1, *(v.denominator for row in xf for v in row))
    y_scale = math.lcm(1, *(t.denominator for t in yf))
    c = [[int(row[p] * scale) for p in pivots] for row in xf]
    yi = [int(t * y_scale) for t in yf]
    cols = list(zip(*c, strict=True))
    gram = [[sum(a * b for a, b in zip(ci, cj, strict=True)) for cj in cols] for ci in cols]
    rhs = [sum(a * t for a, t in zip(ci, yi, strict=True)) for ci in cols]
    return [v * scale / y_scale for v in solve(gram, rhs, "--X: CᵀC")]


def half_squared_residual(xf, yf, w: list[Fraction]) -> Fraction:
    """½‖Xw − y‖², with w over one common denominator (integer dot products, few fractions)."""
    q = math.lcm(1, *(v.denominator for v in w))
    wi = [int(v * q) for v in w]
    total = Fraction(0)
    for row, t in zip(xf, yf, strict=True):
        e = Fraction(sum(a * b for a, b in zip(row, wi, strict=True))) / q - t
        total += e * e
    return total / 2
