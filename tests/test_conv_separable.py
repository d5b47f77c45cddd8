"""separable (exercise E): exact rank, rational factors, and the two-pass convolution."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import hwcheck
from hwcheck.core.errors import HwcheckError
from hwcheck.families.conv import numeric
from hwcheck.families.conv.geometry import resolve_axes


def test_exercise_e():
    r = hwcheck.separable(f="3 6 9; 4 8 12; 5 10 15")
    assert r.rank == 1 and r.separable and r.u == [3, 4, 5] and r.v == [1, 2, 3]
    assert (r.multiplications_direct, r.multiplications_separable) == (9, 6)
    assert r.singular_values[1:] == [0.0, 0.0] and r.best_rank1_error == 0.0


def _conv(img, kernel):
    axes = resolve_axes(img.shape, kernel.shape, (1, 1), (1, 1), "valid")
    return numeric.forward(img[None], kernel[None, None], axes)[0]


def test_exercise_e_two_passes_equal_one():
    img = np.random.default_rng(0).normal(size=(8, 9))
    k = np.array([[3, 6, 9], [4, 8, 12], [5, 10, 15]], dtype=float)
    r = hwcheck.separable(f=k.astype(int).tolist())
    u, v = np.array(r.u, dtype=float)[:, None], np.array(r.v, dtype=float)[None, :]
    assert np.allclose(_conv(_conv(img, u), v), _conv(img, k))


def test_not_separable_gives_rank_and_best_rank_one_error():
    r = hwcheck.separable(f="1 2; 3 4")
    assert r.rank == 2 and not r.separable and "u" not in r.to_json()
    s = np.linalg.svd(np.array([[1, 2], [3, 4]], dtype=float), compute_uv=False)
    assert np.isclose(r.best_rank1_error, s[1])
    approx = np.outer(r.best_rank1_u, r.best_rank1_v)
    assert np.isclose(np.linalg.norm(approx - [[1, 2], [3, 4]]), s[1])


def test_rational_factors():
    r = hwcheck.separable(f="1/2 1/3; -1 -2/3")
    assert r.rank == 1 and r.v == [3, 2] and r.u == [Fraction(1, 6), Fraction(-1, 3)]
    assert r.to_json()["u"] == ["1/6", "-1/3"]


def test_exact_rank_where_floats_would_hesitate():
    # rows differ by 1e-12: rank 2 exactly, though the SVD's σ₂ is tiny
    r = hwcheck.separable(f="1 2; 1.000000000001 2")
    assert r.rank == 2 and r.best_rank1_relative_error < 1e-11


ints = st.integers(-6, 6)


@settings(max_examples=60, deadline=None)
@given(st.lists(ints, min_size=1, max_size=5), st.lists(ints, min_size=1, max_size=5))
def test_outer_products_are_found(u, v):
    a = np.outer(u, v)
    if not a.any():
        with pytest.raises(HwcheckError):
            hwcheck.separable(f=a.tolist())
        return
    r = hwcheck.separable(f=a.tolist())
    assert r.rank == 1
    assert np.array_equal(np.outer([float(x) for x in r.u], r.v), a)


@settings(max_examples=60, deadline=None)
@given(st.integers(1, 5), st.integers(1, 5), st.integers(0, 2**16))
def test_rank_matches_numpy_on_small_integers(h, w, seed):
    a = np.random.default_rng(seed).integers(-2, 3, (h, w))
    if not a.any():
        return
    assert hwcheck.separable(f=a.tolist()).rank == np.linalg.matrix_rank(a)


@pytest.mark.parametrize(
    "value, text",
    [
        ("1 2; 3", "row 2 has 1 entries"),
        ("", "empty"),
        ("0 0; 0 0", "all zeros"),
        ("1 x; 2 3", "not a number"),
    ],
)
def test_bad_kernels(value, text):
    with pytest.raises(HwcheckError) as info:
        hwcheck.separable(f=value)
    assert info.value.where == "--f" and text in info.value.message


def test_cli(cli):
    code, out, _ = cli(
        "separable",
        "--f",
        "3 6 9; 4 8 12; 5 10 15",
        "--claim",
        "u=[3,4,5]",
        "--claim",
        "v=[1,2,3]",
        "--claim",
        "multiplications_separable=6",
    )
    assert code == 0 and "9 → 3 + 3 = 6" in out
    code, out, _ = cli("separable", "--f", "1 2; 3 4", "--claim", "rank=1")
    assert code == 1 and "not separable: rank 2" in out
