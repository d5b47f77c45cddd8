"""conv-backprop: exercise F, the identities, finite differences and torch autograd."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import hwcheck
from hwcheck.core.errors import HwcheckError
from hwcheck.core.jsonout import dumps
from hwcheck.render.text import render

X = "1 2 3; 4 5 6; 7 8 9"
F = "1 0; 0 -1"
Q = Fraction(1, 4)


def test_exercise_f_gap_follow_up_exact():
    r = hwcheck.conv_backprop(x=X, f=F, loss="gap", exact=True)
    assert r.output == [[-4, -4], [-4, -4]]
    assert r.dL_dO == [[Q, Q], [Q, Q]]
    assert r.dL_dF == [[3, 4], [6, 7]]
    assert r.dL_dX == [[Q, Q, 0], [Q, 0, -Q], [0, -Q, -Q]]
    assert r.dL_db == 1 and r.loss == -4 and r.gradcheck_max_abs_err == 0
    # the worked values again, by the definitions: O = X ⋆ F, ∂L/∂F = X ⋆ ∂L/∂O, ∂L/∂X = pad(∂L/∂O) ⋆ rot180(F)
    x, f, g = np.arange(1, 10).reshape(3, 3), np.array([[1, 0], [0, -1]]), np.full((2, 2), 0.25)
    assert np.array_equal(r.output, _xcorr(x, f)) and r.loss == _xcorr(x, f).mean()
    assert np.array_equal(np.array(r.dL_dF, dtype=float), _xcorr(x, g))
    assert np.array_equal(np.array(r.dL_dX, dtype=float), _xcorr(np.pad(g, 1), f[::-1, ::-1]))
    doc = r.to_json()
    assert doc["dL_dO"][0][0] == "1/4" and doc["dL_dX"][1][2] == "-1/4" and doc["dL_dF"][0][0] == 3


def test_exercise_f_in_floats_agrees():
    r = hwcheck.conv_backprop(x=X, f=F, loss="gap")
    assert r.dL_dO == [[0.25, 0.25], [0.25, 0.25]] and r.dL_dF == [[3.0, 4.0], [6.0, 7.0]]
    assert r.gradcheck_max_abs_err < 1e-9 and r.gradcheck_method == "entrywise"


def test_exercise_f_identities_by_hand():
    """∂L/∂F = X ⋆ ∂L/∂O and ∂L/∂X = zero-padded ∂L/∂O ⋆ rot180(F), computed independently."""
    rng = np.random.default_rng(3)
    x, f, g = rng.normal(size=(5, 6)), rng.normal(size=(2, 3)), rng.normal(size=(4, 4))
    r = hwcheck.conv_backprop(x=x.tolist(), f=f.tolist(), upstream=g.tolist())
    assert np.allclose(r.dL_dF, _xcorr(x, g))
    padded = np.pad(g, ((1, 1), (2, 2)))
    assert np.allclose(r.dL_dX, _xcorr(padded, f[::-1, ::-1]))
    assert np.isclose(r.dL_db, g.sum())


def test_explain_expands_every_element():
    r = hwcheck.conv_backprop(x=X, f=F, loss="gap", exact=True, explain=True)
    text = render(r, None, "table", 6)
    assert (
        "∂L/∂F₁₁ = ∂L/∂O₁₁·X₁₁ + ∂L/∂O₁₂·X₁₂ + ∂L/∂O₂₁·X₂₁ + ∂L/∂O₂₂·X₂₂ = 1/4·1 + 1/4·2 + 1/4·4 + 1/4·5 = 3"
        in text
    )
    assert "∂L/∂X₃₃ = ∂L/∂O₂₂·F₂₂ = 1/4·(-1) = -1/4" in text
    assert "explain" not in r.to_json()


def test_golden_exercise_f(golden):
    r = hwcheck.conv_backprop(x=X, f=F, loss="gap", exact=True, explain=True)
    golden("conv/exercise_f.txt", render(r, None, "table", 6, width=120))
    golden("conv/exercise_f.json", render(r, None, "json", 6))  # the fixture stores JSON indented


def test_loss_presets():
    t = "0 1; 2 3"
    o = np.array([[-4, -4], [-4, -4]], dtype=float)
    tt = np.array([[0, 1], [2, 3]], dtype=float)
    r = hwcheck.conv_backprop(x=X, f=F, loss="mse", target=t)
    assert np.isclose(r.loss, np.mean((o - tt) ** 2)) and np.allclose(r.dL_dO, 2 * (o - tt) / 4)
    r = hwcheck.conv_backprop(x=X, f=F, loss="half-sse", target=t, exact=True)
    assert (
        r.loss == Fraction(int(((o - tt) ** 2).sum()), 2)
        and r.dL_dO == (o - tt).astype(int).tolist()
    )
    r = hwcheck.conv_backprop(x=X, f=F)
    assert r.loss_preset == "sum" and r.loss == -16 and r.dL_dO == [[1.0, 1.0], [1.0, 1.0]]
    r = hwcheck.conv_backprop(x=X, f=F, upstream="1 0; 0 0")
    assert "loss" not in r.to_json() and r.dL_dF == [[1, 2], [4, 5]]


def test_bias_and_channels():
    x = [[[1, 2], [3, 4]], [[0, 1], [1, 0]]]
    f = [[[[1]], [[2]]], [[[0]], [[-1]]], [[[1]], [[1]]]]  # 3 output channels, 2 input, 1×1
    r = hwcheck.conv_backprop(x=x, f=f, bias="1, 2, 3", exact=True)
    assert r.output_shape == [3, 2, 2] and r.kernel_shape == [3, 2, 1, 1]
    assert r.output[0] == [[2, 5], [6, 5]] and r.dL_db == [4, 4, 4]
    assert r.dL_dX == [[[2, 2], [2, 2]], [[2, 2], [2, 2]]]
    w = np.array(f)[:, :, 0, 0]  # a 1×1 convolution is a channel mix: O = W·X + b, ∂L/∂X = Wᵀ·1
    assert np.array_equal(
        r.output, np.einsum("oc,chw->ohw", w, x) + np.array([1, 2, 3])[:, None, None]
    )
    assert np.array_equal(r.dL_dX, np.einsum("oc,ohw->chw", w, np.ones((3, 2, 2))))


def test_large_inputs_use_directional_differences():
    rng = np.random.default_rng(0)
    r = hwcheck.conv_backprop(
        x=rng.normal(size=(2, 20, 20)).tolist(),
        f=rng.normal(size=(3, 2, 3, 3)).tolist(),
        stride=2,
        padding="same",
        loss="half-sse",
        target=np.zeros((3, 10, 10)).tolist(),
    )
    assert r.gradcheck_method == "directional" and r.gradcheck_checked == 1
    assert r.gradcheck_max_abs_err < 1e-6


def test_deterministic_json():
    a = dumps(hwcheck.conv_backprop(x=X, f=F, loss="gap").to_json())
    b = dumps(hwcheck.conv_backprop(x=X, f=F, loss="gap").to_json())
    assert a == b


# --------------------------------------------------------------------------- torch


cases = st.fixed_dictionaries(
    {
        "h": st.integers(2, 8),
        "w": st.integers(2, 8),
        "kh": st.integers(1, 3),
        "kw": st.integers(1, 3),
        "ci": st.integers(1, 3),
        "co": st.integers(1, 3),
        "s": st.integers(1, 3),
        "d": st.integers(1, 2),
        "p": st.integers(0, 2),
        "op": st.sampled_from(["xcorr", "conv"]),
        "loss": st.sampled_from(["sum", "gap", "mse", "half-sse", None]),
        "seed": st.integers(0, 2**16),
    }
)


@pytest.mark.torch
@settings(max_examples=60, deadline=None)
@given(cases)
def test_against_torch_autograd(c):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(c["seed"])
    x, f, b = (
        rng.normal(size=(c["ci"], c["h"], c["w"])),
        rng.normal(size=(c["co"], c["ci"], c["kh"], c["kw"])),
        rng.normal(size=c["co"]),
    )
    xt, ft, bt = (torch.tensor(a, requires_grad=True) for a in (x, f, b))
    weight = torch.flip(ft, dims=(2, 3)) if c["op"] == "conv" else ft
    try:
        o = torch.nn.functional.conv2d(
            xt[None], weight, bt, stride=c["s"], padding=c["p"], dilation=c["d"]
        )[0]
    except RuntimeError:
        with pytest.raises(HwcheckError):
            hwcheck.conv_backprop(
                x=x.tolist(), f=f.tolist(), stride=c["s"], padding=c["p"], dilation=c["d"]
            )
        return
    target = rng.normal(size=tuple(o.shape))
    upstream = rng.normal(size=tuple(o.shape))
    loss = {
        "sum": lambda: o.sum(),
        "gap": lambda: o.mean(dim=(1, 2)).sum(),
        "mse": lambda: ((o - torch.tensor(target)) ** 2).mean(),
        "half-sse": lambda: 0.5 * ((o - torch.tensor(target)) ** 2).sum(),
        None: lambda: (o * torch.tensor(upstream)).sum(),
    }[c["loss"]]()
    loss.backward()
    options = {"loss": c["loss"]} if c["loss"] else {"upstream": upstream.tolist()}
    if c["loss"] in ("mse", "half-sse"):
        options["target"] = target.tolist()
    r = hwcheck.conv_backprop(
        x=x.tolist(),
        f=f.tolist(),
        bias=b.tolist(),
        stride=c["s"],
        padding=c["p"],
        dilation=c["d"],
        op=c["op"],
        **options,
    )
    assert np.allclose(r.output, o.detach().numpy())
    assert np.allclose(r.dL_dF, ft.grad.numpy()) and np.allclose(r.dL_dX, xt.grad.numpy())
    assert np.allclose(r.dL_db, bt.grad.numpy())
    if c["loss"]:
        assert np.isclose(r.loss, loss.item())
    assert r.gradcheck_max_abs_err < 1e-6


# --------------------------------------------------------------------------- bad input


@pytest.mark.parametrize(
    "options, where, text",
    [
        ({"x": "1 2; 3", "f": F}, "--x", "row 2 has 1 entries, row 1 has 2"),
        ({"x": "", "f": F}, "--x", "empty"),
        ({"x": X, "f": "[[[1]]]"}, "--f", "expected a kh×kw"),
        ({"x": [[[1, 2], [3, 4]]] * 2, "f": [[1]]}, "--f", "X has 2 channels"),
        ({"x": X, "f": F, "upstream": "1 2 3"}, "--upstream", "O has shape 2×2"),
        ({"x": X, "f": F, "upstream": "1 2; 3 4", "loss": "sum"}, "--upstream", "not both"),
        ({"x": X, "f": F, "loss": "mse"}, "--target", "required"),
        ({"x": X, "f": F, "loss": "gap", "target": "1 1; 1 1"}, "--target", "only used"),
        ({"x": X, "f": F, "stride": 0}, "--stride", "at least 1"),
        ({"x": X, "f": F, "dilation": 0}, "--dilation", "at least 1"),
        (
            {"x": X, "f": "1 2 3 4; 5 6 7 8"},
            "--f",
            "kernel 4 is larger than the padded input 3 along axis 1 (width)",
        ),
        ({"x": X, "f": F, "bias": "1 2"}, "--bias", "one bias per output channel (1)"),
        ({"x": X, "f": F, "loss": "cross-entropy"}, "loss", "expected one of"),
        (
            {"x": np.ones((70, 70)).tolist(), "f": np.ones((20, 20)).tolist(), "exact": True},
            "--x",
            "exact arithmetic",
        ),
    ],
)
def test_bad_input_names_the_option(options, where, text):
    with pytest.raises(HwcheckError) as info:
        hwcheck.conv_backprop(**options)
    assert info.value.where == where and text in info.value.message


def test_cli(cli):
    code, out, err = cli(
        "conv-backprop",
        "--x",
        X,
        "--f",
        F,
        "--loss",
        "gap",
        "--exact",
        "--claim",
        "dL_dF=[[3,4],[6,7]]",
        "--claim",
        "dL_dO=1/4 1/4; 1/4 1/4",
        "--json",
    )
    assert code == 0 and out.count('"verdict": "correct"') == 2
    code, out, err = cli("conv-backprop", "--x", X, "--f", F, "--upstream", "1 2 3")
    assert code == 2 and err.startswith(
        "error: --upstream: the upstream gradient ∂L/∂O has shape 3, but O has shape 2×2"
    )


# --------------------------------------------------------------------------- identities with stride


def _dilate(g, s):
    out = np.zeros(((g.shape[0] - 1) * s + 1, (g.shape[1] - 1) * s + 1))
    out[::s, ::s] = g
    return out


def _xcorr(a, k):
    return np.array(
        [
            [
                np.sum(a[i : i + k.shape[0], j : j + k.shape[1]] * k)
                for j in range(a.shape[1] - k.shape[1] + 1)
            ]
            for i in range(a.shape[0] - k.shape[0] + 1)
        ]
    )


@settings(max_examples=40, deadline=None)
@given(
    st.integers(3, 9),
    st.integers(1, 3),
    st.integers(1, 3),
    st.integers(0, 2),
    st.integers(0, 2**16),
)
def test_stated_identities_with_stride_and_padding(n, k, s, p, seed):
    """∂L/∂F = Xpad ⋆ dilate_s(∂L/∂O); ∂L/∂X = full conv of rot180(F) with dilate_s(∂L/∂O), cropped."""
    if k > n + 2 * p:
        return
    rng = np.random.default_rng(seed)
    x, f = rng.normal(size=(n, n)), rng.normal(size=(k, k))
    out = (n + 2 * p - k) // s + 1
    g = rng.normal(size=(out, out))
    r = hwcheck.conv_backprop(x=x.tolist(), f=f.tolist(), upstream=g.tolist(), stride=s, padding=p)
    gd = _dilate(g, s)
    xp = np.pad(x, p)
    assert np.allclose(r.dL_dF, _xcorr(xp, gd)[:k, :k])
    full = _xcorr(
        np.pad(gd, k - 1), f[::-1, ::-1]
    )  # full convolution of rot180(F) with dilated ∂L/∂O
    dxp = np.zeros_like(xp)
    dxp[: full.shape[0], : full.shape[1]] = full[: xp.shape[0], : xp.shape[1]]
    assert np.allclose(r.dL_dX, dxp[p : p + n, p : p + n])


@settings(max_examples=30, deadline=None)
@given(cases)
def test_explained_elements_add_up_to_the_gradients(c):
    rng = np.random.default_rng(c["seed"])
    x = rng.integers(-3, 4, (c["ci"], c["h"], c["w"])).tolist()
    f = rng.integers(-3, 4, (c["co"], c["ci"], c["kh"], c["kw"])).tolist()
    try:
        r = hwcheck.conv_backprop(
            x=x, f=f, stride=c["s"], padding=c["p"], dilation=c["d"], op=c["op"], explain=True
        )
    except HwcheckError as exc:  # the only way these inputs can fail
        assert "larger than the padded input" in exc.message
        return
    values = [value for _, _, value in r.explained]
    expected = np.concatenate([np.ravel(r.dL_dF), np.ravel(r.dL_dX), np.ravel(r.dL_db)])
    assert np.allclose(values, expected)
    for _, terms, value in r.explained:
        if all(t[0] != "…" for t in terms):
            assert np.isclose(sum(float(u) * float(v) for _, u, _, v in terms), float(value))


@pytest.mark.torch
@settings(max_examples=30, deadline=None)
@given(
    st.integers(2, 9), st.integers(2, 9), st.integers(1, 4), st.integers(1, 4), st.integers(1, 2)
)
def test_same_padding_matches_torch_at_stride_1(h, w, kh, kw, d):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(h * 100 + w * 10 + kh)
    x, f = rng.normal(size=(h, w)), rng.normal(size=(kh, kw))
    r = hwcheck.conv_backprop(x=x.tolist(), f=f.tolist(), padding="same", dilation=d)
    ref = torch.nn.functional.conv2d(
        torch.tensor(x)[None, None], torch.tensor(f)[None, None], padding="same", dilation=d
    )
    assert np.allclose(r.output, ref.numpy()[0, 0])
