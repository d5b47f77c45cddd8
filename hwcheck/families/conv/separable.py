"""``separable``: is a kernel a rank-1 outer product u·vᵀ (exercise E)?

The rank is exact for rational input: fraction-free Gaussian elimination (Bareiss) on the
kernel scaled to integers. When the rank is 1 the factors are rational: v is the first
non-zero row made primitive (coprime integers, first entry positive), u = column / v_j.
A k_h×k_w convolution costs k_h·k_w multiplications per output; a k_h×1 then a 1×k_w one
costs k_h + k_w. The SVD gives the singular values and, for rank > 1, the best rank-1
approximation σ₁·u₁·v₁ᵀ and its Frobenius error √(σ₂² + σ₃² + …) (Eckart–Young).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from hwcheck.core.errors import HwcheckError
from hwcheck.core.numfmt import fmt, fmt_seq
from hwcheck.core.result import Result, Text
from hwcheck.families.conv.views import matrix_section


def integer_rows(a: list[list[Fraction]]) -> list[list[int]]:
    """Each row times the lcm of its denominators (the rank does not change)."""
    out = []
    for row in a:
        scale = math.lcm(*(Fraction(v).denominator for v in row))
        out.append([int(Fraction(v) * scale) for v in row])
    return out


def bareiss_rank(a: list[list[int]]) -> int:
    """Rank by fraction-free elimination: every division below is exact."""
    m = [row[:] for row in a]
    rows, cols = len(m), len(m[0])
    rank, prev = 0, 1
    for col in range(cols):
        pivot = next((r for r in range(rank, rows) if m[r][col] != 0), None)
        if pivot is None:
            continue
        m[rank], m[pivot] = m[pivot], m[rank]
        for r in range(rank + 1, rows):
            for c in range(col + 1, cols):
                m[r][c] = (m[rank][col] * m[r][c] - m[r][col] * m[rank][c]) // prev
            m[r][col] = 0
        prev = m[rank][col]
        rank += 1
        if rank == rows:
            break
    return rank


def rank_one_factors(a: list[list[Fraction]]) -> tuple[list, list]:
    """u, v with a = u·vᵀ: v = the first non-zero row made primitive, u = column j / v_j."""
    ints = integer_rows([next(r for r in a if any(v != 0 for v in r))])[0]
    g = math.gcd(*ints)
    first = next(v for v in ints if v != 0)
    v = [x // g * (1 if first > 0 else -1) for x in ints]
    j = next(k for k, x in enumerate(v) if x != 0)
    u = [_plain(Fraction(r[j]) / v[j]) for r in a]
    return u, v


def _plain(x: Fraction):
    return int(x) if x.denominator == 1 else x


@dataclass(frozen=True)
class SeparableResult(Result):
    command = "separable"

    kernel: list[list]
    kernel_shape: list[int]
    rank: int
    separable: bool
    u: list | None
    v: list | None
    multiplications_direct: int
    multiplications_separable: int | None
    singular_values: list[float]
    best_rank1_error: float
    best_rank1_relative_error: float
    best_rank1_u: list[float] | None
    best_rank1_v: list[float] | None

    def payload(self) -> dict[str, Any]:
        data = super().payload()
        for key in ("u", "v", "multiplications_separable", "best_rank1_u", "best_rank1_v"):
            if data[key] is None:
                del data[key]
        return data

    def claim_invariant(self, path: tuple) -> tuple | None:
        """u and v are defined only up to a factor (c·u, v/c): a claim is judged by u·vᵀ, the
        partner's claim (``v`` for ``u``) giving the other factor (hwcheck.claims.fair)."""
        partner = {
            "u": ("v", "column"),
            "v": ("u", "row"),
            "best_rank1_u": ("best_rank1_v", "column"),
            "best_rank1_v": ("best_rank1_u", "row"),
        }
        return ("factor", *partner[path[0]]) if len(path) == 1 and path[0] in partner else None

    def view(self, digits: int = 6) -> list:
        kh, kw = self.kernel_shape
        lines = [
            f"rank (exact, fraction-free elimination) = {self.rank}",
            "singular values: " + ", ".join(fmt(s, digits) for s in self.singular_values),
        ]
        sections: list = [matrix_section(self.kernel, "F", digits)]
        if self.separable:
            lines += [
                f"F = u·vᵀ with u = {fmt_seq(self.u, digits)}ᵀ and v = {fmt_seq(self.v, digits)}",
                f"one {kh}×{kw} convolution = a {kh}×1 convolution with u, then a 1×{kw} with v",
                (
                    f"multiplications per output: {kh}·{kw} = {self.multiplications_direct} → "
                    f"{kh} + {kw} = {self.multiplications_separable}"
                ),
            ]
        else:
            lines += [
                f"not separable: rank {self.rank}",
                (
                    f"best rank-1 approximation σ₁·u₁·v₁ᵀ: Frobenius error √(σ₂² + …) = "
                    f"{fmt(self.best_rank1_error, digits)} ({fmt(100 * self.best_rank1_relative_error, 3)}% of ‖F‖)"
                ),
            ]
            if self.best_rank1_u is not None:
                lines.append(
                    f"σ₁·u₁ = {fmt_seq(self.best_rank1_u, digits)}, v₁ = {fmt_seq(self.best_rank1_v, digits)}"
                )
        sections.append(Text(tuple(lines), title="Separability"))
        return sections


def separable(request) -> SeparableResult:
    a = request.f  # rows of int/Fraction, read by the request
    exact = [[Fraction(v) for v in row] for row in a]
    kh, kw = len(a), len(a[0])
    rank = bareiss_rank(integer_rows(exact))
    if rank == 0:
        raise HwcheckError("--f", "the kernel is all zeros")
    sv, u1, v1 = _svd(exact)
    sv = sv[:rank] + [0.0] * (len(sv) - rank)  # exactly zero beyond the exact rank
    total = math.sqrt(sum(s * s for s in sv))
    err = math.sqrt(sum(s * s for s in sv[1:]))
    u, v = rank_one_factors(exact) if rank == 1 else (None, None)
    return SeparableResult(
        kernel=[[_plain(x) for x in row] for row in exact],
        kernel_shape=[kh, kw],
        rank=rank,
        separable=rank == 1,
        u=u,
        v=v,
        multiplications_direct=kh * kw,
        multiplications_separable=kh + kw if rank == 1 else None,
        singular_values=sv,
        best_rank1_error=0.0 if rank == 1 else err,
        best_rank1_relative_error=0.0 if rank == 1 else err / total,
        best_rank1_u=None if rank == 1 else u1,
        best_rank1_v=None if rank == 1 else v1,
    )


def _svd(a):
    """Singular values and σ₁·u₁, v₁ (sign fixed so that v₁'s largest entry is positive)."""
    import numpy as np

    m = np.array([[float(x) for x in row] for row in a])
    u, s, vt = np.linalg.svd(m)
    v1 = vt[0]
    sign = 1.0 if v1[np.argmax(np.abs(v1))] >= 0 else -1.0
    return s.tolist(), (sign * s[0] * u[:, 0]).tolist(), (sign * v1).tolist()
