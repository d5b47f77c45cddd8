"""Exact rational linear algebra: row reduction, rank, null space, pseudo-inverse.

Ranks and solvability are decided exactly for rational input (no tolerance to choose). The row
reduction is fraction-free (Bareiss's Gauss–Jordan): each row is scaled to integers (which
changes no reduced form, rank or null space), and every step replaces a row by
(p·rowᵢ − aᵢc·row_r) / p_prev, an exact integer division, so the entries stay minors of the
matrix (Sylvester's identity) instead of growing as fractions do after every operation; at the
end every pivot equals the last one, p, and the reduced row echelon form is the result over p.
A 64×64 matrix of 39-digit integers takes seconds this way, minutes with fractions.

The pseudo-inverse uses the rank factorisation X = C·R (C: the pivot columns of X, R: the
non-zero rows of its reduced row echelon form), for which X⁺ = Rᵀ(RRᵀ)⁻¹(CᵀC)⁻¹Cᵀ (Penrose's
four conditions hold; both inverses exist since C has full column rank and R full row rank).

Every pivot step is a checkpoint of the time budget and of Ctrl-C, and
:func:`reduction_cost` estimates the work from the sizes before it starts.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction

from hwcheck.core.errors import HwcheckError

Matrix = list[list[Fraction]]


@dataclass(frozen=True)
class Reduced:
    """A fraction-free reduction: ``rows`` = p·RREF (integers), its ``pivots``, and ``p``."""

    rows: list[list[int]]
    pivots: list[int]
    p: int

    def fraction(self, i: int, j: int) -> Fraction:
        return Fraction(self.rows[i][j], self.p)

    def rref(self) -> Matrix:
        return [[Fraction(v, self.p) for v in row] for row in self.rows]


def integer_rows(a: Matrix) -> list[list[int]]:
    """Each row times the least common multiple of its denominators."""
    out = []
    for row in a:
        scale = math.lcm(1, *(Fraction(v).denominator for v in row))
        out.append([int(Fraction(v) * scale) for v in row])
    return out


def reduce_integers(m: list[list[int]], where: str = "<matrix>") -> Reduced:
    """Fraction-free Gauss–Jordan of an integer matrix (Bareiss): p·RREF, pivots, p."""
    from hwcheck.core.budget import checkpoint

    gate(m, where)
    m = [row[:] for row in m]
    rows, cols = len(m), len(m[0]) if m else 0
    pivots: list[int] = []
    previous, r = 1, 0
    live = list(range(cols))  # columns still to update: the earlier pivot columns are done
    for c in range(cols):
        if r == rows:
            break
        found = next((i for i in range(r, rows) if m[i][c] != 0), None)
        if found is None:
            continue
        checkpoint(where)
        m[r], m[found] = m[found], m[r]
        lead = m[r][c]
        for i in range(rows):
            if i != r:
                _eliminate(m[i], m[r], c, lead, previous, live)
        for i, column in enumerate(pivots):  # an earlier pivot p_prev becomes lead·p_prev/p_prev
            m[i][column] = lead
        live.remove(c)
        previous = lead
        pivots.append(c)
        r += 1
    return Reduced(m, pivots, previous)


def _eliminate(row: list[int], pivot_row: list[int], c: int, lead: int, previous: int, live):
    """row ← (lead·row − row[c]·pivot_row) / previous on the live columns (exact division)."""
    f = row[c]
    for j in live:
        row[j] = (lead * row[j] - f * pivot_row[j]) // previous


MAX_REDUCTION = 2**33  # estimated work of one reduction: about 8 s of big-integer arithmetic


def reduction_cost(m: list[list[int]]) -> int:
    """An estimate of the work of :func:`reduce_integers`, from the sizes alone: rows × columns ×
    pivot steps, each an exact division of numbers of up to pivots × (the largest entry's bits)
    bits (the minors the entries become are that large: Hadamard's bound), which costs the square
    of their length in 64-bit limbs. Measured: about 10⁹ of these units a second."""
    rows, cols = len(m), len(m[0]) if m else 0
    steps = min(rows, cols)
    bits = max((abs(v).bit_length() for row in m for v in row), default=1) + 1
    limbs = -(-(steps * (bits + steps.bit_length())) // 64)
    return rows * cols * steps * limbs * limbs


def gate(m: list[list[int]], where: str) -> None:
    """Refuse, before the work, a reduction past :data:`MAX_REDUCTION`."""
    cost = reduction_cost(m)
    if cost > MAX_REDUCTION:
        bits = max(abs(v).bit_length() for row in m for v in row)
        raise HwcheckError(
            where,
            f"exact row reduction of a {len(m)}×{len(m[0])} matrix with entries of up to "
            f"{bits} bits (each row over a common denominator) needs about {cost:,} operations "
            f"(rows × columns × pivots × limbs²); at most {MAX_REDUCTION:,}",
            hint="fewer rows or columns, or entries with fewer digits",
        )


def solve_integers(
    a: list[list[int]], b: list[int], where: str = "<matrix>"
) -> tuple[list[int], int]:
    """x with a·x = b for a square non-singular integer matrix (one fraction-free reduction),
    as integer numerators over one common denominator."""
    reduced = reduce_integers([row + [t] for row, t in zip(a, b, strict=True)], where)
    if reduced.pivots[: len(a)] != list(range(len(a))):
        raise ZeroDivisionError("singular matrix")
    return [row[len(a)] for row in reduced.rows], reduced.p


def solve(a: list[list[int]], b: list[int], where: str = "<matrix>") -> list[Fraction]:
    numerators, denominator = solve_integers(a, b, where)
    return [Fraction(v, denominator) for v in numerators]


def rref(a: Matrix) -> tuple[Matrix, list[int]]:
    """The reduced row echelon form of ``a`` and its pivot columns (exact)."""
    reduced = reduce_integers(integer_rows(a))
    return reduced.rref(), reduced.pivots


def rank(a: Matrix) -> int:
    return len(reduce_integers(integer_rows(a)).pivots)


def transpose(a: Matrix) -> Matrix:
    return [list(col) for col in zip(*a, strict=True)]


def matmul(a: Matrix, b: Matrix) -> Matrix:
    bt = transpose(b)
    return [
        [sum((x * y for x, y in zip(row, col, strict=True)), Fraction(0)) for col in bt]
        for row in a
    ]


def inverse(a: Matrix, where: str = "<matrix>") -> Matrix:
    """The inverse of a square non-singular matrix, by Gauss–Jordan on [A | I]."""
    n = len(a)
    aug = [row[:] + [Fraction(int(i == j)) for j in range(n)] for i, row in enumerate(a)]
    reduced = reduce_integers(integer_rows(aug), where)
    if reduced.pivots[:n] != list(range(n)):
        raise ZeroDivisionError("singular matrix")
    return [[reduced.fraction(i, n + j) for j in range(n)] for i in range(n)]


def null_basis(red: Matrix, pivots: list[int], cols: int) -> Matrix:
    """The null-space basis read off a reduced row echelon form (pivots below ``cols``)."""
    basis = []
    for free in (c for c in range(cols) if c not in set(pivots)):
        v = [Fraction(0)] * cols
        v[free] = Fraction(1)
        for row, p in enumerate(pivots):
            v[p] = -red[row][free]
        basis.append(v)
    return basis


def pinv(a: Matrix) -> Matrix:
    """The Moore–Penrose pseudo-inverse by the rank factorisation a = C·R."""
    red, pivots = rref(a)
    if not pivots:
        return [[Fraction(0)] * len(a) for _ in a[0]]
    c = [[row[p] for p in pivots] for row in a]
    r = red[: len(pivots)]
    rt, ct = transpose(r), transpose(c)
    return matmul(matmul(rt, inverse(matmul(r, rt))), matmul(inverse(matmul(ct, c)), ct))
