"""params and rf against torch.nn: random layers, shapes, parameter counts, rejections, and
receptive fields as the support of ∂out/∂input."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import hwcheck
from hwcheck.arch.model import load_model, trace
from hwcheck.arch.rf import seen_positions, steps
from hwcheck.errors import HwcheckError

pytestmark = pytest.mark.torch
SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def ours(spec: str):
    """(output shape, params) or the HwcheckError, pytorch convention, layout chw."""
    try:
        r = hwcheck.params(spec=spec, layout="chw", framework="pytorch")
    except HwcheckError as exc:
        return exc
    return tuple(r.output_shape), r.total_params


def theirs(module, shape):
    torch = pytest.importorskip("torch")
    try:
        with torch.no_grad():
            out = module(torch.zeros(1, *shape))
    except (RuntimeError, ValueError) as exc:
        return exc
    if 0 in out.shape:  # torch's transposed convolutions return empty tensors; §7 makes it an error
        return ValueError("empty output")
    return tuple(out.shape[1:]), sum(p.numel() for p in module.parameters())


def agree(mine, reference):
    if isinstance(reference, Exception):
        assert isinstance(mine, HwcheckError), f"torch raised {reference!r}, hwcheck gave {mine}"
    else:
        assert not isinstance(mine, Exception), f"hwcheck raised {mine}, torch gave {reference}"
        assert mine == reference


def x(values) -> str:
    return "x".join(map(str, values))


@st.composite
def conv_case(draw, transposed=False):
    dims = draw(st.integers(1, 3))
    groups = draw(st.sampled_from([1, 1, 2, 3]))
    c_in = groups * draw(st.integers(1, 3)) + draw(st.sampled_from([0, 0, 0, 1]))
    c_out = groups * draw(st.integers(1, 3)) + draw(st.sampled_from([0, 0, 0, 1]))
    size = [draw(st.integers(1, 12 if dims < 3 else 7)) for _ in range(dims)]
    k = [draw(st.integers(1, 5)) for _ in range(dims)]
    s = [draw(st.integers(1, 3)) for _ in range(dims)]
    d = [draw(st.integers(1, 3)) for _ in range(dims)]
    p = [draw(st.integers(0, 3)) for _ in range(dims)]
    op = [draw(st.integers(0, 2)) for _ in range(dims)] if transposed else None
    bias = draw(st.booleans())
    return dims, c_in, c_out, groups, size, k, s, d, p, op, bias


@SETTINGS
@given(conv_case())
def test_conv_against_torch(case):
    torch = pytest.importorskip("torch")
    dims, c_in, c_out, groups, size, k, s, d, p, _, bias = case
    spec = (
        f"{c_in}x{x(size)} | conv{dims}d filters={c_out} kernel={x(k)} stride={x(s)} dilation={x(d)} "
        f"padding={x(p)} groups={groups} bias={str(bias).lower()}"
    )
    try:
        module = getattr(torch.nn, f"Conv{dims}d")(c_in, c_out, k, s, p, d, groups, bias)
    except (RuntimeError, ValueError) as exc:
        agree(ours(spec), exc)
        return
    agree(ours(spec), theirs(module, [c_in, *size]))


@SETTINGS
@given(conv_case(transposed=True))
def test_conv_transpose_against_torch(case):
    torch = pytest.importorskip("torch")
    dims, c_in, c_out, groups, size, k, s, d, p, op, bias = case
    spec = (
        f"{c_in}x{x(size)} | conv_transpose{dims}d filters={c_out} kernel={x(k)} stride={x(s)} "
        f"dilation={x(d)} padding={x(p)} output_padding={x(op)} groups={groups} bias={str(bias).lower()}"
    )
    try:
        module = getattr(torch.nn, f"ConvTranspose{dims}d")(
            c_in, c_out, k, s, p, op, groups, bias, d
        )
    except (RuntimeError, ValueError) as exc:
        agree(ours(spec), exc)
        return
    agree(ours(spec), theirs(module, [c_in, *size]))


@SETTINGS
@given(st.integers(1, 3), st.sampled_from(["max", "avg"]), st.data())
def test_pool_against_torch(dims, kind, data):
    torch = pytest.importorskip("torch")
    size = [data.draw(st.integers(1, 12)) for _ in range(dims)]
    k = [data.draw(st.integers(1, 5)) for _ in range(dims)]
    s = [data.draw(st.integers(1, 4)) for _ in range(dims)]
    p = [data.draw(st.integers(0, 3)) for _ in range(dims)]
    ceil = data.draw(st.booleans())
    extra, kwargs = "", {}
    if kind == "max":
        d = [data.draw(st.integers(1, 3)) for _ in range(dims)]
        extra, kwargs = f" dilation={x(d)}", {"dilation": d}
    spec = f"2x{x(size)} | {kind}pool{dims}d kernel={x(k)} stride={x(s)} padding={x(p)} ceil_mode={str(ceil).lower()}{extra}"
    cls = getattr(torch.nn, f"{kind.capitalize()}Pool{dims}d")
    try:
        module = cls(k, s, p, ceil_mode=ceil, **kwargs)
    except (RuntimeError, ValueError) as exc:
        agree(ours(spec), exc)
        return
    agree(ours(spec), theirs(module, [2, *size]))


@SETTINGS
@given(
    st.sampled_from(["RNN", "LSTM", "GRU"]),
    st.integers(1, 9),
    st.integers(1, 9),
    st.integers(1, 6),
    st.booleans(),
    st.booleans(),
)
def test_recurrent_against_torch(kind, features, units, steps_, bidirectional, sequences):
    torch = pytest.importorskip("torch")
    module = getattr(torch.nn, kind)(features, units, batch_first=True, bidirectional=bidirectional)
    spec = (
        f"{steps_}x{features} | {kind.lower()} {units} bidirectional={str(bidirectional).lower()} "
        f"return_sequences={str(sequences).lower()}"
    )
    shape, count = ours(spec)
    assert count == sum(p.numel() for p in module.parameters())
    out, _ = module(torch.zeros(1, steps_, features))
    assert shape == (tuple(out.shape[1:]) if sequences else (out.shape[-1],))


@SETTINGS
@given(st.integers(1, 3), st.integers(1, 20))
def test_batchnorm_against_torch(dims, channels):
    torch = pytest.importorskip("torch")
    module = getattr(torch.nn, f"BatchNorm{dims}d")(channels)
    size = "x".join(["3"] * dims)
    assert ours(f"{channels}x{size} | batchnorm") == (
        (channels, *[3] * dims),
        sum(p.numel() for p in module.parameters()),
    )


# ----------------------------------------------------------------------- receptive fields


@st.composite
def rf_stack(draw):
    layers = []
    for _ in range(draw(st.integers(1, 4))):
        k, s, d, p = (
            draw(st.integers(1, 4)),
            draw(st.integers(1, 3)),
            draw(st.integers(1, 2)),
            draw(st.integers(0, 2)),
        )
        if draw(st.booleans()):
            layers.append(("conv", k, s, d, p))
        else:
            layers.append(("avg", k, s, 1, min(p, k // 2)))
    return draw(st.integers(12, 30)), draw(st.integers(12, 30)), layers


@SETTINGS
@given(rf_stack(), st.data())
def test_rf_is_the_support_of_the_gradient(stack, data):
    """The input positions with ∂out[unit]/∂input ≠ 0 (positive weights) are exactly the
    field hwcheck computes, clipped to the image."""
    torch = pytest.importorskip("torch")
    h, w, layers = stack
    spec = [f"1x{h}x{w}"]
    modules = []
    for kind, k, s, d, p in layers:
        if kind == "conv":
            spec.append(f"conv2d 1 {k} stride={s} dilation={d} padding={p} bias=false")
            conv = torch.nn.Conv2d(1, 1, k, s, p, d, bias=False)
            with torch.no_grad():
                conv.weight.uniform_(0.5, 1.0)
            modules.append(conv)
        else:
            spec.append(f"avgpool2d {k} stride={s} padding={p}")
            modules.append(torch.nn.AvgPool2d(k, s, p))
    text = " | ".join(spec)
    try:
        model = load_model(None, text, layout="chw", framework="pytorch")
        outs = trace(model)
    except HwcheckError:
        return  # shapes are checked against torch above
    image = torch.rand(1, 1, h, w, dtype=torch.float64, requires_grad=True)
    out = torch.nn.Sequential(*modules).double()(image)
    oh, ow = out.shape[-2:]
    i, j = data.draw(st.integers(0, oh - 1)), data.draw(st.integers(0, ow - 1))
    out[0, 0, i, j].backward()
    support = {(a, b) for a, b in (image.grad[0, 0] != 0).nonzero().tolist()}
    rows = steps(model, outs)
    in_sizes = [(h, w), *(tuple(o.shape[1:]) for o in outs[:-1])]
    seen = seen_positions(rows, (i, j), in_sizes)
    expected = {(a, b) for a in seen[0] for b in seen[1] if 0 <= a < h and 0 <= b < w}
    assert support == expected
    r = hwcheck.rf(spec=text, layout="chw", unit=f"{i},{j}")
    if r.region_clipped is not None and support:
        (r0, r1), (c0, c1) = r.region_clipped
        assert min(a for a, _ in support) >= r0 and max(a for a, _ in support) <= r1
        assert min(b for _, b in support) >= c0 and max(b for _, b in support) <= c1
    # without holes (dilation 1, stride ≤ kernel) or padding, the region is exactly the support's box
    if all(d == 1 and s <= k and p == 0 for _, k, s, d, p in layers) and support:
        assert (r0, r1) == (min(a for a, _ in support), max(a for a, _ in support))
        assert (c0, c1) == (min(b for _, b in support), max(b for _, b in support))
