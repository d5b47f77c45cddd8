"""conv-matrix: exercise D entry for entry, golden outputs, and A·vec(x) = direct convolution."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import hwcheck
from hwcheck.core.errors import HwcheckError
from hwcheck.render.text import render
from tests.test_conv_backprop import _xcorr

D_A = [
    ["W11", "W10", 0, "W01", "W00", 0, 0, 0, 0],
    [0, "W11", "W10", 0, "W01", "W00", 0, 0, 0],
    [0, 0, 0, "W11", "W10", 0, "W01", "W00", 0],
    [0, 0, 0, 0, "W11", "W10", 0, "W01", "W00"],
]
D_B_FIRST = [
    ["W00", 0, 0, 0, 0, 0, 0, 0, 0],
    ["W01", "W00", 0, 0, 0, 0, 0, 0, 0],
    [0, "W01", "W00", 0, 0, 0, 0, 0, 0],
    [0, 0, "W01", 0, 0, 0, 0, 0, 0],
    ["W10", 0, 0, "W00", 0, 0, 0, 0, 0],
]


def test_exercise_d_a_entry_for_entry():
    r = hwcheck.conv_matrix(input="3x3", kernel="2x2", op="conv")
    assert r.matrix == D_A and r.shape == [4, 9] and r.output_shape == [2, 2]


def test_exercise_d_b_full_padding():
    r = hwcheck.conv_matrix(input="3x3", kernel="2x2", op="conv", padding="full")
    assert r.shape == [16, 9] and r.matrix[:5] == D_B_FIRST
    assert r.matrix[-1] == [0] * 8 + ["W11"]
    assert r.padding == [[1, 1], [1, 1]]


@pytest.mark.parametrize("fmt, ext", [("table", "txt"), ("latex", "tex"), ("json", "json")])
@pytest.mark.parametrize("part, padding", [("a", "valid"), ("b", "full")])
def test_exercise_d_golden(golden, part, padding, fmt, ext):
    r = hwcheck.conv_matrix(input="3x3", kernel="2x2", op="conv", padding=padding)
    text = render(r, None, fmt, 6, width=120)
    golden(f"conv/exercise_d_{part}.{ext}", text)  # JSON is stored indented by the fixture


def test_json_zeros_are_integers_and_names_strings():
    doc = hwcheck.conv_matrix(input="3x3", kernel="2x2", op="conv").to_json()
    assert doc["matrix"][0][2] == 0 and isinstance(doc["matrix"][0][2], int)
    assert doc["matrix"][0][0] == "W11"
    assert list(doc)[:2] == ["hwcheck", "command"] and doc["command"] == "conv-matrix"


def test_names_index_base_and_underscore_join():
    r = hwcheck.conv_matrix(input="3x3", kernel="2x2", name="K", index_base=1)
    assert r.matrix[0][:2] == ["K11", "K12"]
    r = hwcheck.conv_matrix(input="1x12", kernel="1x11")
    assert r.matrix[0][10] == "W0_10" and r.matrix[0][9] == "W09"


def test_xcorr_is_the_default():
    r = hwcheck.conv_matrix(input="3x3", kernel="2x2")
    assert r.matrix[0] == ["W00", "W01", 0, "W10", "W11", 0, 0, 0, 0]


def test_same_padding_odd_pixel_after():
    # n = 4, k = 2, s = 1: total padding 1, all of it after (TensorFlow)
    r = hwcheck.conv_matrix(input="4x4", kernel="2x2", padding="same")
    assert r.padding == [[0, 1], [0, 1]] and r.output_shape == [4, 4]
    r = hwcheck.conv_matrix(input="5x5", kernel="3x3", padding="same", stride=2)
    assert r.padding == [[1, 1], [1, 1]] and r.output_shape == [3, 3]
    r = hwcheck.conv_matrix(input="6x6", kernel="3x3", padding="same", stride=2)
    assert r.padding == [[0, 1], [0, 1]] and r.output_shape == [3, 3]


def test_channels_make_a_block_matrix():
    r = hwcheck.conv_matrix(input="2x3x3", kernel="2x2", out_channels=3)
    assert r.shape == [3 * 4, 2 * 9] and r.kernel_shape == [3, 2, 2, 2]
    assert r.matrix[0][0] == "W0000" and r.matrix[0][9] == "W0100" and r.matrix[4][0] == "W1000"


def test_symbolic_claims_compare_as_expressions():
    r = hwcheck.conv_matrix(input="3x3", kernel="2x2", op="conv")
    assert r.claim_kind(("matrix", 0, 0)) == "expression"
    verdicts = r.verify({"matrix.0": D_A[0], "matrix.1.1": "W11", "matrix.1.2": "W01"})
    assert [v.verdict for v in verdicts] == ["correct", "correct", "wrong"]


def test_product_check_and_transpose():
    r = hwcheck.conv_matrix(input="3x3", kernel="2x2", f="1 2; 3 4", x="1 2 3; 4 5 6; 7 8 9")
    assert r.product == r.direct == [[37, 47], [67, 77]] and r.agree
    assert np.array_equal(
        r.direct, _xcorr(np.arange(1, 10).reshape(3, 3), np.array([[1, 2], [3, 4]]))
    )
    r = hwcheck.conv_matrix(
        input="3x3", kernel="2x2", f="1 2; 3 4", x="1 2; 3 4", transpose=True, op="conv"
    )
    assert r.shape == [9, 4] and r.product == r.direct and r.agree


# --------------------------------------------------------------------------- properties


def _dense(r):
    return np.array(r.matrix, dtype=float)


geometries = st.fixed_dictionaries(
    {
        "h": st.integers(1, 7),
        "w": st.integers(1, 7),
        "kh": st.integers(1, 3),
        "kw": st.integers(1, 3),
        "ci": st.integers(1, 2),
        "co": st.integers(1, 2),
        "s": st.integers(1, 3),
        "d": st.integers(1, 2),
        "pad": st.sampled_from(["valid", "same", "full", "1", "[[0,1],[2,0]]"]),
        "op": st.sampled_from(["xcorr", "conv"]),
        "seed": st.integers(0, 2**16),
    }
)


def _build(g, **extra):
    rng = np.random.default_rng(g["seed"])
    f = rng.integers(-3, 4, (g["co"], g["ci"], g["kh"], g["kw"])).tolist()
    x = rng.integers(-3, 4, (g["ci"], g["h"], g["w"])).tolist()
    try:
        r = hwcheck.conv_matrix(
            input=f"{g['ci']}x{g['h']}x{g['w']}",
            f=f,
            stride=g["s"],
            dilation=g["d"],
            padding=g["pad"],
            op=g["op"],
            **extra,
        )
    except HwcheckError as exc:
        assert "larger than the padded input" in exc.message
        return None, None, None
    return r, np.array(f, dtype=float), np.array(x, dtype=float)


@settings(max_examples=60, deadline=None)
@given(geometries)
def test_matrix_times_input_is_the_direct_convolution(g):
    r, f, x = _build(g)
    if r is None:
        return
    r2 = hwcheck.conv_matrix(
        input=f"{g['ci']}x{g['h']}x{g['w']}",
        f=f.astype(int).tolist(),
        x=x.astype(int).tolist(),
        stride=g["s"],
        dilation=g["d"],
        padding=g["pad"],
        op=g["op"],
    )
    assert np.array_equal(_dense(r) @ x.reshape(-1), np.array(r2.direct).reshape(-1))
    assert r2.agree


@settings(max_examples=40, deadline=None)
@given(geometries)
def test_sparse_triplets_are_the_dense_nonzeros(g):
    r, _, _ = _build(g)
    if r is None:
        return
    s, _, _ = _build(g, sparse=True)
    dense = _dense(r)
    assert s.matrix is None and s.nnz == len(s.entries)
    rebuilt = np.zeros(dense.shape)
    for row, col, value in s.entries:
        rebuilt[row, col] = value
    assert np.array_equal(rebuilt, dense)


@settings(max_examples=40, deadline=None)
@given(geometries)
def test_transpose_times_gradient_is_the_input_gradient(g):
    r, f, x = _build(g)
    if r is None:
        return
    rng = np.random.default_rng(g["seed"] + 1)
    grad = rng.integers(-3, 4, r.output_shape).tolist()
    t = hwcheck.conv_matrix(
        input=f"{g['ci']}x{g['h']}x{g['w']}",
        f=f.astype(int).tolist(),
        x=grad,
        transpose=True,
        stride=g["s"],
        dilation=g["d"],
        padding=g["pad"],
        op=g["op"],
    )
    assert np.array_equal(np.array(t.matrix, dtype=float), _dense(r).T)
    assert np.array_equal(
        _dense(r).T @ np.array(grad, dtype=float).reshape(-1), np.array(t.direct).reshape(-1)
    )
    assert t.agree
    b = hwcheck.conv_backprop(
        x=x.tolist(),
        f=f.tolist(),
        upstream=grad,
        stride=g["s"],
        dilation=g["d"],
        padding=g["pad"],
        op=g["op"],
    )
    assert np.allclose(np.array(b.dL_dX).reshape(-1), np.array(t.direct).reshape(-1))


@pytest.mark.torch
@settings(max_examples=40, deadline=None)
@given(geometries)
def test_matrix_against_torch(g):
    """A·x = conv2d of the padded input; Aᵀ·g = autograd's input gradient (and conv_transpose2d when symmetric)."""
    torch = pytest.importorskip("torch")
    r, f, x = _build(g)
    if r is None:
        return
    (top, bottom), (left, right) = r.padding
    weight = torch.tensor(f[:, :, ::-1, ::-1].copy() if g["op"] == "conv" else f)
    xt = torch.tensor(x, requires_grad=True)
    padded = torch.nn.functional.pad(xt[None], (left, right, top, bottom))
    y = torch.nn.functional.conv2d(padded, weight, stride=g["s"], dilation=g["d"])
    assert np.allclose(_dense(r) @ x.reshape(-1), y.detach().numpy().reshape(-1))
    gy = torch.tensor(np.random.default_rng(g["seed"]).normal(size=tuple(y.shape)))
    y.backward(gy)
    assert np.allclose(_dense(r).T @ gy.numpy().reshape(-1), xt.grad.numpy().reshape(-1))
    if top == bottom and left == right:
        xtr = torch.nn.functional.conv_transpose2d(
            gy,
            weight,
            stride=g["s"],
            padding=(top, left),
            dilation=g["d"],
            output_padding=_output_padding(g, x.shape, y.shape, (top, left)),
        )
        assert np.allclose(_dense(r).T @ gy.numpy().reshape(-1), xtr.numpy().reshape(-1))


def _output_padding(g, xshape, yshape, pad):
    out = []
    for n, o, k, p in zip(xshape[1:], yshape[2:], (g["kh"], g["kw"]), pad):
        out.append(n - ((o - 1) * g["s"] - 2 * p + g["d"] * (k - 1) + 1))
    return tuple(out)


# --------------------------------------------------------------------------- sparse, limits, errors


def test_sparse_build_128x128_never_makes_the_dense_matrix():
    """Memory proportional to the non-zeros (the time is a benchmark: benchmarks/bench_conv.py)."""
    import tracemalloc

    tracemalloc.start()
    try:
        r = hwcheck.conv_matrix(input="128x128", kernel="3x3", f="1 2 3; 4 5 6; 7 8 9", sparse=True)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert r.nnz == 126 * 126 * 9 and r.shape == [126 * 126, 128 * 128]
    dense_bytes = 8 * r.shape[0] * r.shape[1]  # 2.1 GB as float64
    assert peak < 1000 * r.nnz < dense_bytes / 10


def test_dense_limit_suggests_sparse():
    with pytest.raises(HwcheckError) as info:
        hwcheck.conv_matrix(input="128x128", kernel="3x3", f="1 2 3; 4 5 6; 7 8 9")
    assert info.value.where == "--input" and "--sparse" in info.value.hint


@pytest.mark.parametrize(
    "options, where, text",
    [
        (
            {"input": "3x3", "kernel": "5x5"},
            "--kernel",
            "larger than the padded input 3 along axis 0 (height)",
        ),
        ({"input": "3x3", "kernel": "2x2", "dilation": 3}, "--kernel", "dilated 4"),
        ({"input": "3x3", "kernel": "2x2", "stride": 0}, "--stride", "at least 1"),
        ({"input": "3x3", "kernel": "2x2", "dilation": "0"}, "--dilation", "at least 1"),
        ({"input": "3x3", "kernel": "2x2", "padding": "smae"}, "--padding", "expected valid"),
        ({"input": "3x3", "kernel": "2x2", "padding": -1}, "--padding", "at least 0"),
        ({"input": "3x3", "f": "1 2; 3"}, "--f", "row 2 has 1 entries"),
        ({"input": "3x3", "f": "1 2; 3 4", "kernel": "3x3"}, "--kernel", "disagrees"),
        ({"input": "2x3x3", "f": [[[[1]]]]}, "--f", "disagrees"),
        (
            {"input": "3x3", "kernel": "2x2", "x": "1 2 3; 4 5 6; 7 8 9"},
            "--x",
            "needs a numeric kernel",
        ),
        ({"input": "3x3", "f": "1 2; 3 4", "x": "1 2; 3 4"}, "--x", "not the shape of the input"),
        ({"input": "3x3x3x3", "kernel": "2x2"}, "--input", "HxW or CxHxW"),
        ({"input": "3x3"}, "--kernel", "required"),
        ({"input": "3x3", "kernel": "2x2", "name": "W 1"}, "--name", "letters"),
    ],
)
def test_bad_input_names_the_option(options, where, text):
    with pytest.raises(HwcheckError) as info:
        hwcheck.conv_matrix(**options)
    assert info.value.where == where and text in info.value.message


def test_cli_exercise_d_and_errors(cli):
    code, out, err = cli(
        "conv-matrix",
        "--input",
        "3x3",
        "--kernel",
        "2x2",
        "--op",
        "conv",
        "--json",
        "--claim",
        "matrix.0.0=W11",
        "--claim",
        "matrix.0.1=W11",
    )
    assert code == 1 and '"verdict": "wrong"' in out
    code, out, err = cli("conv-matrix", "--input", "3x3", "--kernel", "4x4")
    assert code == 2 and err.startswith(
        "error: --kernel: kernel 4 is larger than the padded input 3"
    )
