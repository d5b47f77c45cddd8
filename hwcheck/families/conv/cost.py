"""``conv-cost``: multiplications and additions of direct vs FFT 2-D convolution (exercise O).

What is counted (integers, exact):

- direct: the full linear convolution of an N×N image with a K×K kernel. Every image pixel
  meets every kernel entry once: N²·K² multiplications; each of the (N+K−1)² outputs adds its
  products: N²·K² − (N+K−1)² additions. With K = N (two N×N images) that is O(N⁴).
- FFT: zero-pad both to M×M, M = 2ᵖ the next power of two ≥ N+K−1 (no wrap-around). A 2-D
  FFT is M row FFTs + M column FFTs; the route needs three 2-D transforms (image, kernel,
  inverse), so 6M one-dimensional radix-2 FFTs of M points, plus M² pointwise products.
  Complex operations per 1-D FFT from the radix-2 recurrences m(p) = 2m(p−1) + 2^(p−1),
  a(p) = 2a(p−1) + 2ᵖ (m(0) = a(0) = 0), whose closed forms are ½·M·log₂M and M·log₂M.
  Trivial twiddles (±1, ±i) are counted as multiplications, as the recurrence does; the 1/M²
  of the inverse transform is not counted.
"""

from __future__ import annotations

from dataclasses import dataclass

from hwcheck.core.numfmt import fmt
from hwcheck.core.result import Result, Table, Text

SEARCH_LIMIT = 1 << 14  # sizes scanned for the crossover


def next_power_of_two(n: int) -> int:
    return 1 << (n - 1).bit_length()


def fft_recurrence(p: int) -> list[dict[str, int]]:
    """m(q), a(q) for q = 0..p by the recurrences (the closed forms are checked in the tests)."""
    rows = [{"p": 0, "M": 1, "m": 0, "a": 0}]
    for q in range(1, p + 1):
        prev = rows[-1]
        rows.append(
            {
                "p": q,
                "M": 1 << q,
                "m": 2 * prev["m"] + (1 << (q - 1)),
                "a": 2 * prev["a"] + (1 << q),
            }
        )
    return rows


def fft_multiplications_1d(p: int) -> int:
    """m(p) = ½·M·log₂M with M = 2ᵖ."""
    return (p << p) >> 1


def fft_additions_1d(p: int) -> int:
    """a(p) = M·log₂M."""
    return p << p


def direct_cost(n: int, k: int) -> tuple[int, int]:
    """(multiplications, additions) of the full direct convolution."""
    products = n * n * k * k
    return products, products - (n + k - 1) ** 2


def fft_cost(n: int, k: int) -> tuple[int, int, int]:
    """(multiplications, additions, M) of the FFT route."""
    m = next_power_of_two(n + k - 1)
    p = m.bit_length() - 1
    transforms = 6 * m
    return transforms * fft_multiplications_1d(p) + m * m, transforms * fft_additions_1d(p), m


def crossover(kernel: int | None, total_ops: bool = False) -> tuple[int | None, int | None]:
    """(first N where the FFT route is cheaper, N from which it stays cheaper up to the limit)."""
    first = always = None
    for n in range(1, SEARCH_LIMIT + 1):
        k = n if kernel is None else kernel
        dm, da = direct_cost(n, k)
        fm, fa, _ = fft_cost(n, k)
        wins = (fm + fa < dm + da) if total_ops else (fm < dm)
        if wins and first is None:
            first = n
        if wins and always is None:
            always = n
        elif not wins:
            always = None
    return first, always


@dataclass(frozen=True)
class ConvCostResult(Result):
    command = "conv-cost"

    size: int
    kernel: int
    output_size: int
    fft_size: int
    log2_fft_size: int
    direct_multiplications: int
    direct_additions: int
    fft_multiplications_1d: int
    fft_additions_1d: int
    fft_count_1d: int
    pointwise_products: int
    fft_multiplications: int
    fft_additions: int
    fft_real_multiplications: int
    fft_real_additions: int
    recurrence: list[dict[str, int]]
    direct_order: str
    fft_order: str
    winner: str
    crossover_size: int | None
    fft_wins_from: int | None
    crossover_size_total_ops: int | None
    search_limit: int
    kernel_equals_size: bool

    def view(self, digits: int = 6) -> list:
        return [
            Text(tuple(self._direct_lines()), title="Direct 2-D convolution"),
            self._recurrence_table(),
            Text(tuple(self._fft_lines()), title="FFT route"),
            Text(tuple(self._verdict_lines()), title="Comparison"),
        ]

    def _direct_lines(self) -> list[str]:
        n, k, out = self.size, self.kernel, self.output_size
        return [
            f"image {n}×{n}, kernel {k}×{k}, full output {out}×{out} (N + K − 1 = {out})",
            f"multiplications: N²·K² = {n}²·{k}² = {fmt(self.direct_multiplications)}",
            (
                f"additions: N²·K² − (N+K−1)² = {fmt(n * n * k * k)} − {fmt(out * out)} = "
                f"{fmt(self.direct_additions)}"
            ),
            f"order: {self.direct_order}",
        ]

    def _recurrence_table(self) -> Table:
        rows = tuple((str(r["p"]), fmt(r["M"]), fmt(r["m"]), fmt(r["a"])) for r in self.recurrence)
        return Table(
            ("p", "M = 2ᵖ", "m(p) = 2m(p−1) + 2^(p−1)", "a(p) = 2a(p−1) + 2ᵖ"),
            rows,
            title="Radix-2 FFT of M points (complex operations)",
            align="rrrr",
            notes=("closed forms: m(p) = ½·M·log₂M, a(p) = M·log₂M",),
        )

    def _fft_lines(self) -> list[str]:
        m, p = self.fft_size, self.log2_fft_size
        return [
            f"zero-pad to M = 2ᵖ ≥ N + K − 1 = {self.output_size}: M = {m} (p = {p})",
            (
                f"one FFT of M points: m = ½·{m}·{p} = {fmt(self.fft_multiplications_1d)} multiplications, "
                f"a = {m}·{p} = {fmt(self.fft_additions_1d)} additions"
            ),
            (
                f"2-D FFT = {m} row + {m} column FFTs; image, kernel and inverse: 3·2·{m} = "
                f"{fmt(self.fft_count_1d)} one-dimensional FFTs"
            ),
            (
                f"multiplications: {fmt(self.fft_count_1d)}·{fmt(self.fft_multiplications_1d)} + {m}² pointwise = "
                f"{fmt(self.fft_multiplications)}"
            ),
            f"additions: {fmt(self.fft_count_1d)}·{fmt(self.fft_additions_1d)} = {fmt(self.fft_additions)}",
            (
                f"in real operations (a complex product = 4 real products + 2 additions, a complex "
                f"addition = 2): {fmt(self.fft_real_multiplications)} multiplications, "
                f"{fmt(self.fft_real_additions)} additions"
            ),
            f"order: {self.fft_order}",
        ]

    def _verdict_lines(self) -> list[str]:
        ratio = self.direct_multiplications / self.fft_multiplications
        lines = [
            (
                f"at N = {self.size}: {self.winner} is cheaper in multiplications "
                f"(direct/FFT = {fmt(ratio, 4)})"
            )
        ]
        k = "K = N" if self.kernel_equals_size else f"K = {self.kernel}"
        if self.crossover_size is None:
            lines.append(
                f"with {k}, the FFT route never needs fewer multiplications for N ≤ {fmt(self.search_limit)}"
            )
        else:
            lines.append(
                f"with {k}, the FFT route first needs fewer multiplications at N = {self.crossover_size}"
            )
            if self.fft_wins_from is not None:
                lines.append(
                    f"and for every N from {self.fft_wins_from} on (checked to {fmt(self.search_limit)})"
                )
            else:
                lines.append(
                    f"but not for every larger N (direct wins again by N = {fmt(self.search_limit)})"
                )
        lines.append(
            "compared: the FFT route's complex multiplications against the direct real ones, "
            "as exercise O counts them"
        )
        return lines


def conv_cost(request) -> ConvCostResult:
    n = request.size
    k = request.kernel if request.kernel is not None else n
    dm, da = direct_cost(n, k)
    fm, fa, m = fft_cost(n, k)
    p = m.bit_length() - 1
    first, always = crossover(request.kernel)
    first_total, _ = crossover(request.kernel, total_ops=True)
    same = request.kernel is None
    return ConvCostResult(
        size=n,
        kernel=k,
        output_size=n + k - 1,
        fft_size=m,
        log2_fft_size=p,
        direct_multiplications=dm,
        direct_additions=da,
        fft_multiplications_1d=fft_multiplications_1d(p),
        fft_additions_1d=fft_additions_1d(p),
        fft_count_1d=6 * m,
        pointwise_products=m * m,
        fft_multiplications=fm,
        fft_additions=fa,
        fft_real_multiplications=4 * fm,
        fft_real_additions=2 * fm + 2 * fa,
        recurrence=fft_recurrence(p),
        direct_order="O(N⁴)" if same else "O(N²·K²)",
        fft_order="O(N² log N)" if same else "O((N+K)² log(N+K))",
        winner="fft" if fm < dm else ("direct" if dm < fm else "tie"),
        crossover_size=first,
        fft_wins_from=always,
        crossover_size_total_ops=first_total,
        search_limit=SEARCH_LIMIT,
        kernel_equals_size=same,
    )
