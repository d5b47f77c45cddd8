"""The calc family against values computed another way: torch's pooling, attention and SGD,
brute-force counting for IoU and output sizes, the gradient of the ridge objective."""

from __future__ import annotations

import math
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import hwcheck
from hwcheck.core.errors import HwcheckError


def matrix_text(rows) -> str:
    return "; ".join(" ".join(str(v) for v in row) for row in rows)


# ------------------------------------------------------------------------------ pool


@st.composite
def pool_cases(draw):
    h, w = draw(st.integers(1, 7)), draw(st.integers(1, 7))
    k = (draw(st.integers(1, h)), draw(st.integers(1, w)))
    s = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    p = (draw(st.integers(0, k[0] // 2)), draw(st.integers(0, k[1] // 2)))
    x = [[draw(st.integers(-9, 9)) for _ in range(w)] for _ in range(h)]
    return x, k, s, p, draw(st.booleans()), draw(st.booleans())


@settings(max_examples=60, deadline=None)
@given(pool_cases())
def test_pooling_is_torchs(case):
    torch = pytest.importorskip("torch")
    F = torch.nn.functional
    x, k, s, p, ceil, exclude = case
    t = torch.tensor(x, dtype=torch.float64)[None, None]
    args = {"kernel": f"{k[0]}x{k[1]}", "stride": f"{s[0]}x{s[1]}", "padding": f"{p[0]}x{p[1]}"}
    mx = hwcheck.pool(x=matrix_text(x), kind="max", ceil=ceil, **args)
    ref, idx = F.max_pool2d(t, k, s, p, ceil_mode=ceil, return_indices=True)
    assert mx.output == ref[0, 0].tolist()
    width = len(x[0])
    assert [[r * width + c for r, c in row] for row in mx.argmax] == idx[0, 0].tolist()
    avg = hwcheck.pool(x=matrix_text(x), kind="avg", ceil=ceil, exclude_pad=exclude, **args)
    ref = F.avg_pool2d(t, k, s, p, ceil_mode=ceil, count_include_pad=not exclude)[0, 0]
    for ours, theirs in zip(avg.output, ref.tolist()):
        assert [float(v) for v in ours] == pytest.approx(theirs, rel=1e-12, abs=1e-12)


def test_a_worked_max_pool():
    """CS231n's pooling figure: 2×2 max pooling with stride 2 on a 4×4 input."""
    result = hwcheck.pool(x="1 1 2 4; 5 6 7 8; 3 2 1 0; 1 2 3 4", kernel="2")
    assert result.output == [[6, 8], [3, 4]] and result.fits


def test_a_window_that_does_not_fit_is_said():
    result = hwcheck.pool(x="1 2 3; 4 5 6; 7 8 9", kernel="2")
    assert not result.fits and result.output == [[5]]
    assert "does not fit" in "\n".join(result.sizes)


@pytest.mark.parametrize(
    ("args", "where"),
    [
        ({"x": "1 2; 3 4", "kernel": "3"}, "--kernel"),
        ({"x": "1 2 3; 4 5 6; 7 8 9", "kernel": "2", "padding": "2"}, "--padding"),
        ({"x": "1 2; 3", "kernel": "1"}, "--x"),
        ({"x": "1 2; 3 4", "kernel": "1x1x1"}, "--kernel"),
    ],
)
def test_bad_pooling_names_the_option(args, where):
    with pytest.raises(HwcheckError) as err:
        hwcheck.pool(**args)
    assert err.value.where.startswith(where)


# ------------------------------------------------------------------------ attention


@settings(max_examples=40, deadline=None)
@given(
    st.integers(1, 4),
    st.integers(1, 4),
    st.integers(1, 3),
    st.booleans(),
    st.lists(st.integers(-3, 3), min_size=40, max_size=40),
)
def test_attention_is_torchs(n, d, dv, causal, pool):
    torch = pytest.importorskip("torch")
    m = n  # causal attention as torch defines it: a square mask
    Q = [[pool[(i * d + j) % 40] for j in range(d)] for i in range(n)]
    K = [[pool[(7 + i * d + j) % 40] for j in range(d)] for i in range(m)]
    V = [[pool[(19 + i * dv + j) % 40] for j in range(dv)] for i in range(m)]
    result = hwcheck.attention(
        Q=matrix_text(Q), K=matrix_text(K), V=matrix_text(V), mask="causal" if causal else "none"
    )
    t = [torch.tensor(a, dtype=torch.float64)[None] for a in (Q, K, V)]
    ref = torch.nn.functional.scaled_dot_product_attention(*t, is_causal=causal)[0]
    for ours, theirs in zip(result.output, ref.tolist(), strict=True):
        assert ours == pytest.approx(theirs, rel=1e-12, abs=1e-12)


def test_attention_by_hand():
    """Two orthogonal keys, scale 1/√1: the weights are softmax([1, 0])."""
    result = hwcheck.attention(Q="1", K="1; 0", V="10; 20")
    e = math.e / (math.e + 1)
    assert result.weights[0] == pytest.approx([e, 1 - e])
    assert result.output[0][0] == pytest.approx(10 * e + 20 * (1 - e))
    assert result.scores == [[1, 0]]  # exact: d = 1 is a perfect square


def test_attention_shapes_must_chain():
    with pytest.raises(HwcheckError, match="width"):
        hwcheck.attention(Q="1 0", K="1", V="1")
    with pytest.raises(HwcheckError, match="one value per key"):
        hwcheck.attention(Q="1", K="1; 2", V="1")


# ------------------------------------------------------------------------------- iou


def brute_area(box, pixels=False) -> int:
    x1, y1, x2, y2 = box
    if pixels:
        return len([1 for x in range(x1, x2 + 1) for y in range(y1, y2 + 1)])
    return len([1 for x in range(x1, x2) for y in range(y1, y2)])


def brute_overlap(a, b, pixels=False) -> int:
    cells = lambda box: {
        (x, y) for x in range(box[0], box[2] + pixels) for y in range(box[1], box[3] + pixels)
    }
    return len(cells(a) & cells(b))


corner = st.integers(0, 8)


@st.composite
def boxes(draw):
    x1, y1 = draw(corner), draw(corner)
    return [x1, y1, x1 + draw(st.integers(1, 5)), y1 + draw(st.integers(1, 5))]


@settings(max_examples=80, deadline=None)
@given(boxes(), boxes(), st.booleans())
def test_iou_counts_the_cells(a, b, pixels):
    result = hwcheck.iou(a=",".join(map(str, a)), b=",".join(map(str, b)), pixels=pixels)
    inter = brute_overlap(a, b, pixels)
    union = brute_area(a, pixels) + brute_area(b, pixels) - inter
    assert result.intersection == inter and result.union == union
    assert result.iou == Fraction(inter, union)


def test_the_box_formats_are_the_same_box():
    xyxy = hwcheck.iou(a="1,2,5,8", b="3,3,6,9")
    xywh = hwcheck.iou(a="1,2,4,6", b="3,3,3,6", box_format="xywh")
    cxcywh = hwcheck.iou(a="3,5,4,6", b="4.5,6,3,6", box_format="cxcywh")
    assert xyxy.iou == xywh.iou == cxcywh.iou


def test_a_box_upside_down_is_refused():
    with pytest.raises(HwcheckError, match="not a box"):
        hwcheck.iou(a="2,2,1,3", b="0,0,1,1")


# ------------------------------------------------------------------------- conv-size


@settings(max_examples=100, deadline=None)
@given(
    st.integers(1, 40), st.integers(1, 7), st.integers(1, 5), st.integers(0, 4), st.integers(1, 3)
)
def test_output_size_counts_the_windows(w, f, s, p, d):
    reach = d * (f - 1) + 1
    if reach > w + 2 * p:
        with pytest.raises(HwcheckError):
            hwcheck.conv_size(input=w, kernel=f, stride=s, padding=p, dilation=d)
        return
    result = hwcheck.conv_size(input=w, kernel=f, stride=s, padding=p, dilation=d)
    starts = list(range(0, w + 2 * p - reach + 1, s))  # every window, slid by hand
    assert result.output == len(starts)
    assert result.leftover == w + 2 * p - (starts[-1] + reach)
    assert result.fits == (result.leftover == 0)


def test_output_size_is_torchs():
    torch = pytest.importorskip("torch")
    for w, f, s, p, d in [(7, 3, 3, 0, 1), (32, 5, 2, 2, 1), (10, 3, 2, 0, 2), (227, 11, 4, 0, 1)]:
        conv = torch.nn.Conv1d(1, 1, f, stride=s, padding=p, dilation=d)
        length = conv(torch.zeros(1, 1, w)).shape[-1]
        assert (
            hwcheck.conv_size(input=w, kernel=f, stride=s, padding=p, dilation=d).output == length
        )


def test_cs231n_does_not_fit():
    """CS231n: W = 10, F = 3, P = 0, S = 2 gives 4.5: "does not fit"."""
    result = hwcheck.conv_size(input=10, kernel=3, stride=2, padding=0)
    assert not result.fits and result.output == 4 and result.exact == Fraction(9, 2)
    assert result.verify({"fits": False})[0].verdict == "correct"


@settings(max_examples=40, deadline=None)
@given(st.integers(1, 30), st.integers(1, 7), st.integers(1, 3), st.integers(1, 30))
def test_every_solved_padding_gives_the_output(w, f, s, o):
    result = hwcheck.conv_size(input=w, kernel=f, stride=s, solve="padding", output=o)
    for p in range((o - 1) * s + f + 2):
        n = w + 2 * p - f
        gives = n >= 0 and n // s + 1 == o
        assert (p in result.solutions) == gives
        assert (p in result.fitting) == (gives and n % s == 0)
    assert result.verify({"solutions": result.solutions})[0].verdict == "correct"


def test_the_padding_that_keeps_the_size():
    result = hwcheck.conv_size(input=32, kernel=5, solve="padding", output=32)
    assert result.solutions == [2] and result.fitting == [2] and result.padding == 2


# -------------------------------------------------------------------------- momentum


@pytest.mark.parametrize(
    ("beta", "dampening", "grad"), [("0.9", "0", "1"), ("0.5", "0.5", "-2"), ("0.99", "0", "0.3")]
)
def test_momentum_buffer_is_torchs(beta, dampening, grad):
    torch = pytest.importorskip("torch")
    w = torch.zeros(1, dtype=torch.float64, requires_grad=True)
    opt = torch.optim.SGD([w], lr=0.1, momentum=float(beta), dampening=float(dampening))
    result = hwcheck.momentum(beta=beta, dampening=dampening, grad=grad, steps=30)
    for t in range(30):
        opt.zero_grad()
        (float(grad) * w).sum().backward()  # a constant gradient
        opt.step()
        buf = opt.state[w]["momentum_buffer"].item()
        assert float(result.velocities[t]) == pytest.approx(buf, rel=1e-12)
    assert result.velocities == result.closed_form


def test_terminal_velocity_is_the_limit():
    result = hwcheck.momentum(beta="0.9", grad="1", steps=400)
    assert result.factor == 10 and result.terminal_velocity == 10
    assert float(result.velocities[-1]) == pytest.approx(10, rel=1e-12)
    t = result.steps_to_90
    assert abs(result.velocities[t - 1] - 10) <= 1 < abs(result.velocities[t - 2] - 10)


# ----------------------------------------------------------------------------- ridge


@settings(max_examples=40, deadline=None)
@given(
    st.integers(1, 5),
    st.integers(1, 4),
    st.integers(1, 9),
    st.lists(st.integers(-4, 4), min_size=30, max_size=30),
    st.sampled_from(["sum", "mean"]),
)
def test_the_ridge_gradient_vanishes(n, d, lam, pool, loss):
    X = [[pool[(i * d + j) % 30] for j in range(d)] for i in range(n)]
    y = [pool[(11 + i) % 30] for i in range(n)]
    result = hwcheck.ridge(X=matrix_text(X), y=" ".join(map(str, y)), lam=str(lam), loss=loss)
    w = [Fraction(v) for v in result.w]
    scale = Fraction(1, n) if loss == "mean" else 1
    residual = [sum(a * b for a, b in zip(row, w)) - t for row, t in zip(X, y)]
    gradient = [scale * sum(X[r][j] * residual[r] for r in range(n)) + lam * w[j] for j in range(d)]
    assert gradient == [0] * d  # exactly


def test_ridge_is_numpys_solve():
    np = pytest.importorskip("numpy")
    X, y, lam = np.array([[1.0, 2], [3, 4], [5, 7]]), np.array([1.0, 0, 2]), 0.5
    ref = np.linalg.solve(X.T @ X + lam * np.eye(2), X.T @ y)
    result = hwcheck.ridge(X="1 2; 3 4; 5 7", y="1 0 2", lam="0.5")
    assert result.w_float == pytest.approx(ref.tolist(), rel=1e-12)


def test_ridge_without_a_penalty_on_a_rank_deficient_x_points_to_lstsq():
    with pytest.raises(HwcheckError) as err:
        hwcheck.ridge(X="1 1; 2 2", y="1 2", lam="0")
    assert "lstsq" in err.value.hint


# --------------------------------------------------------------------- the command line


@pytest.mark.parametrize(
    "argv",
    [
        ["pool", "--x", "1 2; 3 4", "--kernel", "0"],
        ["attention", "--Q", "1 2", "--K", "1", "--V", "1"],
        ["iou", "--a", "1,2,3", "--b", "0,0,1,1"],
        ["conv-size", "--input", "3", "--kernel", "5"],
        ["conv-size", "--input", "3", "--solve", "padding"],
        ["momentum", "--beta", "1"],
        ["ridge", "--X", "1 0", "--y", "1 2", "--lam", "1"],
    ],
)
def test_bad_input_is_one_line_and_exit_2(argv, cli):
    code, out, err = cli(*argv)
    assert code == 2 and out == ""
    assert len(err.strip().splitlines()) <= 2 and err.startswith("error: ")


def test_conv_size_ceil_output_is_torchs_ceil_mode():
    """ceil_output is torch's ceil_mode size, which drops a last window that would start in
    the right padding (5, kernel 2, stride 2, padding 1: 3, not ⌈5/2⌉ + 1 = 4)."""
    torch = pytest.importorskip("torch")
    for n in range(2, 12):
        for k in range(1, 5):
            for s in range(1, 4):
                for p in range(k // 2 + 1):
                    if n + 2 * p < k:
                        continue
                    r = hwcheck.conv_size(input=n, kernel=k, stride=s, padding=p)
                    x = torch.zeros(1, 1, n)
                    theirs = torch.nn.functional.max_pool1d(x, k, s, p, ceil_mode=True)
                    assert r.ceil_output == theirs.shape[-1], (n, k, s, p)


def test_pool_explains_a_dropped_ceil_window_as_conv_layers_do():
    r = hwcheck.pool(x="1 2 3 4 5; 1 2 3 4 5", kernel="1x2", padding="0x1", ceil=True)
    assert r.output_shape == [2, 3]
    assert r.sizes[1] == (
        "columns: ⌈(5 + 1 + 1 − 2)/2⌉ + 1 = 4 − 1 = 3 "
        "(the last window would start in the right padding: dropped)"
    )
