"""Exact rational linear algebra: row reduction, rank, null space, pseudo-inverse.

Everything is in :class:`fractions.Fraction`, so ranks and solvability are decided exactly for
rational input (no tolerance to choose). The pseudo-inverse uses the rank factorisation X = C·R
(C: the pivot columns of X, R: the non-zero rows of its reduced row echelon form), for which
X⁺ = Rᵀ(RRᵀ)⁻¹(CᵀC)⁻¹Cᵀ (Penrose's four conditions hold; both inverses exist since C has full
column rank and R full row rank).
"""

from __future__ import annotations

from fractions import Fraction

Matrix = list[list[Fraction]]


def rref(a: Matrix) -> tuple[Matrix, list[int]]:
    """The reduced row echelon form of ``a`` and its pivot columns (Gauss–Jordan, exact)."""
    m = [row[:] for row in a]
    rows, cols = len(m), len(m[0]) if m else 0
    pivots: list[int] = []
    r = 0
    for c in range(cols):
        p = next((i for i in range(r, rows) if m[i][c] != 0), None)
        if p is None:
            continue
        m[r], m[p] = m[p], m[r]
        lead = m[r][c]
        m[r] = [v / lead for v in m[r]]
        for i in range(rows):
            if i != r and m[i][c] != 0:
                f = m[i][c]
                m[i] = [vi - f * vr for vi, vr in zip(m[i], m[r], strict=True)]
        pivots.append(c)
        r += 1
        if r == rows:
            break
    return m, pivots


def rank(a: Matrix) -> int:
    return len(rref(a)[1])


def transpose(a: Matrix) -> Matrix:
    return [list(col) for col in zip(*a, strict=True)]


def matmul(a: Matrix, b: Matrix) -> Matrix:
    bt = transpose(b)
    return [
        [sum((x * y for x, y in zip(row, col, strict=True)), Fraction(0)) for col in bt]
        for row in a
    ]


def inverse(a: Matrix) -> Matrix:
    """The inverse of a square non-singular matrix, by Gauss–Jordan on [A | I]."""
    n = len(a)
    aug = [row[:] + [Fraction(int(i == j)) for j in range(n)] for i, row in enumerate(a)]
    red, pivots = rref(aug)
    if pivots[:n] != list(range(n)):
        raise ZeroDivisionError("singular matrix")
    return [row[n:] for row in red[:n]]


def null_space(a: Matrix) -> Matrix:
    """A basis of {w : a·w = 0}: one vector per free column of the RREF."""
    red, pivots = rref(a)
    cols = len(a[0])
    basis = []
    for free in (c for c in range(cols) if c not in pivots):
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
