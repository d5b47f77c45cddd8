"""conv-cost (exercise O): counts against brute force and a counting radix-2 FFT."""

from __future__ import annotations

import cmath

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import hwcheck
from hwcheck.core.errors import HwcheckError
from hwcheck.families.conv.cost import (
    direct_cost,
    fft_additions_1d,
    fft_multiplications_1d,
    fft_recurrence,
)


def counting_fft(x, counts):
    """Textbook radix-2 decimation in time, counting complex multiplications and additions."""
    n = len(x)
    if n == 1:
        return list(x)
    even, odd = counting_fft(x[0::2], counts), counting_fft(x[1::2], counts)
    out = [0j] * n
    for k in range(n // 2):
        t = cmath.exp(-2j * cmath.pi * k / n) * odd[k]
        counts["m"] += 1
        out[k], out[k + n // 2] = even[k] + t, even[k] - t
        counts["a"] += 2
    return out


@pytest.mark.parametrize("p", range(9))
def test_recurrence_closed_forms_and_a_real_fft(p):
    m = 1 << p
    row = fft_recurrence(p)[-1]
    assert row["m"] == fft_multiplications_1d(p) == m * p // 2
    assert row["a"] == fft_additions_1d(p) == m * p
    counts = {"m": 0, "a": 0}
    x = np.random.default_rng(p).normal(size=m)
    assert np.allclose(counting_fft(list(x), counts), np.fft.fft(x))
    assert (counts["m"], counts["a"]) == (row["m"], row["a"])


@settings(max_examples=40, deadline=None)
@given(st.integers(1, 9), st.integers(1, 9))
def test_direct_counts_by_brute_force(n, k):
    products = {}
    for i in range(n * n):
        for j in range(k * k):
            out = (i // n + j // k, i % n + j % k)
            products[out] = products.get(out, 0) + 1
    assert len(products) == (n + k - 1) ** 2
    assert direct_cost(n, k) == (sum(products.values()), sum(c - 1 for c in products.values()))


def test_fft_route_with_padding_m_is_the_full_convolution():
    rng = np.random.default_rng(1)
    a, b = rng.normal(size=(5, 5)), rng.normal(size=(3, 3))
    r = hwcheck.conv_cost(size=5, kernel=3)
    m = r.fft_size
    assert m == 8 and m >= 5 + 3 - 1
    via_fft = np.real(np.fft.ifft2(np.fft.fft2(a, (m, m)) * np.fft.fft2(b, (m, m))))[:7, :7]
    direct = np.zeros((7, 7))
    for i in range(3):
        for j in range(3):
            direct[i : i + 5, j : j + 5] += b[i, j] * a
    assert np.allclose(via_fft, direct)


def test_exercise_o_numbers():
    r = hwcheck.conv_cost(size=64)
    assert r.kernel == 64 and r.direct_multiplications == 64**4
    assert (r.fft_size, r.log2_fft_size) == (128, 7)
    assert r.fft_count_1d == 6 * 128 and r.pointwise_products == 128**2
    assert r.fft_multiplications == 768 * 448 + 128**2 and r.fft_additions == 768 * 896
    assert r.fft_real_multiplications == 4 * r.fft_multiplications
    assert r.fft_real_additions == 2 * r.fft_multiplications + 2 * r.fft_additions
    assert r.direct_order == "O(N⁴)" and r.fft_order == "O(N² log N)" and r.winner == "fft"


def test_crossover_by_hand():
    # K = N: N = 7 → 2401 vs 6·16·32 + 256 = 3328 (direct); N = 8 → 4096 vs 3328 (FFT);
    # N = 9..11 pad to 32 → 16,384 > 11⁴ = 14,641 (direct); N = 12: 20,736 > 16,384 (FFT) and on.
    r = hwcheck.conv_cost(size=8)
    assert r.crossover_size == 8 and r.fft_wins_from == 12
    r = hwcheck.conv_cost(size=256, kernel=3)
    assert r.crossover_size is None and r.winner == "direct"


def test_integers_are_exact_at_large_sizes():
    r = hwcheck.conv_cost(size=1 << 20)
    assert r.direct_multiplications == 1 << 80 and isinstance(
        r.to_json()["direct_multiplications"], int
    )


def test_bad_size(cli):
    with pytest.raises(HwcheckError):
        hwcheck.conv_cost(size=0)
    code, _out, err = cli("conv-cost", "--size", "-3")
    assert code == 2 and err.startswith("error: --size: must be at least 1")


def test_cli_claims(cli):
    code, _out, _ = cli(
        "conv-cost",
        "--size",
        "64",
        "--claim",
        "fft_multiplications_1d=448",
        "--claim",
        "direct_multiplications=16,777,216",
    )
    assert code == 0
    code, _out, _ = cli("conv-cost", "--size", "64", "--claim", "fft_additions_1d=448")
    assert code == 1
