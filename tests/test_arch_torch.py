"""params and rf against torch.nn: random layers, shapes, parameter counts, rejections, and
receptive fields as the support of ∂out/∂input."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import hwcheck
from hwcheck.core.errors import HwcheckError
from hwcheck.families.arch.model import load_model, trace
from hwcheck.families.arch.rf import seen_positions, steps

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


# ----------------------------------------------------------------------- torch spellings, new layers


def nn():
    return pytest.importorskip("torch").nn


TORCH_LAYERS = [
    # (hwcheck spec with torch spellings, input shape (chw), torch module)
    ("Conv2d in_channels=3 out_channels=8 kernel_size=3 padding_mode=reflect padding=1", (3, 9, 9), lambda: nn().Conv2d(3, 8, 3, padding=1, padding_mode="reflect")),
    ("Conv1d in_channels=4 out_channels=4 kernel_size=3 groups=4 bias=false", (4, 9), lambda: nn().Conv1d(4, 4, 3, groups=4, bias=False)),
    ("depthwise_conv1d 3 multiplier=2", (4, 9), lambda: nn().Conv1d(4, 8, 3, groups=4)),
    ("Linear in_features=6 out_features=3", (6,), lambda: nn().Linear(6, 3)),
    ("BatchNorm2d num_features=3 affine=false", (3, 5, 5), lambda: nn().BatchNorm2d(3, affine=False)),
    ("LSTM input_size=3 hidden_size=5 bias=false batch_first=true", (7, 3), lambda: nn().LSTM(3, 5, bias=False, batch_first=True)),
    ("GRU input_size=3 hidden_size=5 bidirectional=true", (7, 3), lambda: nn().GRU(3, 5, bidirectional=True)),
    ("LSTM input_size=3 hidden_size=5 num_layers=3 bidirectional=true", (7, 3), lambda: nn().LSTM(3, 5, num_layers=3, bidirectional=True, batch_first=True)),
    ("RNN input_size=3 hidden_size=5 num_layers=2", (7, 3), lambda: nn().RNN(3, 5, num_layers=2, batch_first=True)),
    ("Embedding num_embeddings=50 embedding_dim=4", (7,), lambda: nn().Embedding(50, 4)),
    ("Dropout p=1.0", (7,), lambda: nn().Dropout(1.0)),
    ("GroupNorm num_groups=2 num_channels=4", (4, 5, 5), lambda: nn().GroupNorm(2, 4)),
    ("GroupNorm num_groups=2 affine=false", (4, 5, 5), lambda: nn().GroupNorm(2, 4, affine=False)),
    ("LayerNorm normalized_shape=[5,5]", (4, 5, 5), lambda: nn().LayerNorm([5, 5])),
    ("LayerNorm normalized_shape=5 elementwise_affine=false", (4, 5), lambda: nn().LayerNorm(5, elementwise_affine=False)),
    ("RMSNorm normalized_shape=[4,5]", (4, 5), lambda: nn().RMSNorm([4, 5])),
    ("RMSNorm normalized_shape=5 elementwise_affine=false", (4, 5), lambda: nn().RMSNorm(5, elementwise_affine=False)),
    ("PReLU", (4, 5, 5), lambda: nn().PReLU()),
    ("PReLU num_parameters=4", (4, 5, 5), lambda: nn().PReLU(4)),
    ("MultiheadAttention embed_dim=8 num_heads=2", (5, 8), None),
    ("MultiheadAttention num_heads=4 bias=false", (5, 8), None),
    ("ZeroPad2d 2", (3, 4, 5), lambda: nn().ZeroPad2d(2)),
    ("UpsamplingNearest2d scale_factor=2", (3, 4, 5), lambda: nn().UpsamplingNearest2d(scale_factor=2)),
    ("upsampling1d 3 mode=linear", (3, 4), lambda: nn().Upsample(scale_factor=3.0, mode="linear")),
    ("Upsample scale_factor=2.0 mode=bilinear", (3, 4, 5), lambda: nn().Upsample(scale_factor=2.0, mode="bilinear")),
    ("Upsample scale_factor=[1,2,3]", (2, 3, 4, 5), lambda: nn().Upsample(scale_factor=(1.0, 2.0, 3.0))),
    ("Identity", (3, 4), lambda: nn().Identity()),
    ("ReLU6", (3, 4), lambda: nn().ReLU6()),
    ("Hardswish", (3, 4), lambda: nn().Hardswish()),
    ("SiLU", (3, 4), lambda: nn().SiLU()),
    ("Mish", (3, 4), lambda: nn().Mish()),
]  # fmt: skip


class _SelfAttention:
    def __init__(self, module):
        self.module = module

    def __call__(self, x):
        return self.module(x, x, x)[0]

    def parameters(self):
        return self.module.parameters()


@pytest.mark.parametrize("layer, shape, factory", TORCH_LAYERS, ids=[t[0] for t in TORCH_LAYERS])
def test_torch_spellings_and_layers(layer, shape, factory):
    torch = pytest.importorskip("torch")
    if factory is None:  # multi-head attention: query = key = value
        bias = "bias=false" not in layer
        heads = 4 if "num_heads=4" in layer else 2
        module = _SelfAttention(torch.nn.MultiheadAttention(8, heads, bias=bias, batch_first=True))
    else:
        module = factory()
    spec = f"{x(shape)} | {layer}"
    mine = ours(spec)
    if isinstance(module, (torch.nn.RNNBase,)):
        out, _ = module(torch.zeros(1, *shape))
        shape_out = (out.shape[-1],)  # return_sequences = false: the last step
        assert mine == (shape_out, sum(p.numel() for p in module.parameters()))
        return
    if isinstance(module, torch.nn.Embedding):
        out = module(torch.zeros(1, *shape, dtype=torch.long))
        assert mine == (tuple(out.shape[1:]), sum(p.numel() for p in module.parameters()))
        return
    with torch.no_grad():
        out = module(torch.zeros(1, *shape))
    assert mine == (tuple(out.shape[1:]), sum(p.numel() for p in module.parameters()))


def test_attention_macs_include_the_products():
    """Projections T·E·(3E) + T·E·E and the products h·T·T·(d_k + d_v), d = E/h."""
    r = hwcheck.params(spec="10x8 | MultiheadAttention num_heads=2", framework="pytorch")
    assert r.total_macs == 10 * 8 * 24 + 10 * 8 * 8 + 2 * 10 * 10 * (4 + 4)


@pytest.mark.parametrize(
    "spec, message",
    [
        ("3x8 | gru 4 reset_after=false", "reset_after"),
        ("3x8 | lstm 4 bidirectional=true merge_mode=sum", "concatenate"),
        ("5x8 | multi_head_attention 2 key_dim=3", "embed_dim / heads"),
        ("4x5x5 | prelu num_parameters=3", "1 or the channels"),
        ("3x8 | conv1d in_channels=4 out_channels=2 kernel_size=3", "in_channels = 4"),
    ],
)
def test_torch_refusals(spec, message):
    exc = ours(spec)
    assert isinstance(exc, HwcheckError) and message in exc.message


# ----------------------------------------------------------------------- --emit pytorch


def run_emitted(code: str, folder):
    import runpy

    path = folder / "emitted_model.py"
    path.write_text(code, encoding="utf-8")
    return runpy.run_path(str(path))


def torch_round_trip(spec: str, folder, layout: str = "chw") -> None:
    """Every layer of the emitted torch module has hwcheck's output shape and parameter count
    (pytorch conventions)."""
    pytest.importorskip("torch")

    model = load_model(None, spec, layout=layout, framework="pytorch")
    r = hwcheck.params(spec=spec, layout=layout, framework="pytorch")
    emitted_agrees(model, r.layers, folder)


def emitted_agrees(model, rows, folder) -> None:
    """The emitted torch module, run: each node's output shape and count are the rows'."""
    torch = pytest.importorskip("torch")
    from hwcheck.families.arch.emit import emit

    module = run_emitted(emit(model, "pytorch"), folder)
    built = module["build"]()
    shapes = {}
    for name, child in built.layers.items():
        child.register_forward_hook(lambda m, i, o, name=name: shapes.__setitem__(name, o.shape))
    with torch.no_grad():
        built.eval()(module["example_input"]())
    children = list(built.layers.items())
    assert len(children) == len(rows)
    for row, (name, child) in zip(rows, children, strict=True):
        assert list(shapes[name][1:]) == row["output_shape"], row["name"]
        assert sum(p.numel() for p in child.parameters()) == row["params"], row["name"]


TORCH_EMIT = [
    ("3x32x32 | conv2d 8 3 padding=1 activation=relu | maxpool2d 2 ceil_mode=true | batchnorm | depthwise_conv2d 3 padding=same | group_norm 4 | upsampling2d 2 interpolation=bilinear | zero_padding2d [[0,1],[2,0]] | cropping2d 1 | prelu num_parameters=8 | conv_transpose2d 4 3 stride=2 padding=1 output_padding=1 | global_avgpool | dense 10 activation=softmax", "chw"),
    ("32x32x3 | conv2d 8 3 padding=same dilation=2 | separable_conv2d 6 3 multiplier=2 | avgpool2d 3 stride=2 padding=1 | batchnorm affine=false | prelu | global_maxpool keepdims=true | flatten | dense 4", "hwc"),
    ("20 | embedding 50 8 | lstm 6 return_sequences=true bidirectional=true | gru 5 return_sequences=true | rnn 3 bias=false", "chw"),
    ("20x4 | lstm 6 num_layers=3 bidirectional=true return_sequences=true | gru 5 num_layers=2", "chw"),
    ("12x16 | multi_head_attention 4 | layernorm | dense 32 activation=gelu | dense 16 | layernorm normalized_shape=[12,16] | rms_norm | flatten | repeat_vector 2 | permute [2,1] | reshape [-1,4]", "chw"),
    ("3x40 | conv1d 4 5 stride=2 padding=full | separable_conv1d 6 3 | depthwise_conv1d 3 multiplier=2 | upsampling1d 2 | zero_padding1d 2 | cropping1d [[1,0]] | avgpool1d 2 | global_avgpool", "chw"),
    ("4x10 | Upsample scale_factor=3 mode=linear | identity | Upsample scale_factor=[2]", "chw"),
    ("10x10x4 | Upsample scale_factor=2 mode=bilinear | Upsample [1,3] | conv2d 2 3", "hwc"),
    ("2x8x8x8 | conv3d 3 3 padding=1 | upsampling3d 2 | cropping3d 1 | maxpool3d 2 dilation=2 | global_maxpool", "chw"),
]  # fmt: skip


@pytest.mark.parametrize("spec, layout", TORCH_EMIT)
def test_emit_pytorch_round_trip(spec, layout, tmp_path):
    torch_round_trip(spec, tmp_path, layout)


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    conv_case(),
    st.sampled_from(["", " | batchnorm | relu6", " | maxpool2d 2", " | global_avgpool | dense 3"]),
)
def test_emit_pytorch_round_trip_random(tmp_path_factory, case, tail):
    dims, c_in, c_out, groups, size, k, s, d, p, _, bias = case
    spec = (
        f"{c_in}x{x(size)} | conv{dims}d filters={c_out} kernel={x(k)} stride={x(s)} dilation={x(d)} "
        f"padding={x(p)} groups={groups} bias={str(bias).lower()}"
    )
    if dims == 2 or "global" in tail:
        spec += tail
    try:
        hwcheck.params(spec=spec, layout="chw", framework="pytorch")
    except HwcheckError:
        return
    torch_round_trip(spec, tmp_path_factory.mktemp("emit"))


def test_emitted_code_takes_no_user_text(tmp_path):
    """Layer names are reduced to identifier characters before they reach the code: quotes,
    newlines and brackets in names cannot change the module."""
    import ast

    from hwcheck.families.arch.emit import emit

    names = ['a"; import os #', "x\n)\nprint(1)", "'''", "a b", "a_b", "9lives", "ü"]
    table = {
        "input": [3, 8, 8],
        "layout": "chw",
        "layers": [{"type": "relu", "name": n} for n in names],
    }
    model = load_model(table, None)
    for framework in ("keras", "pytorch"):
        code = emit(model, framework)
        tree = ast.parse(code)
        imported = {
            a.name
            for node in ast.walk(tree)
            if isinstance(node, ast.Import | ast.ImportFrom)
            for a in node.names
        }
        assert imported <= {"os", "keras", "layers", "torch", "nn"}
        assert "print(1)" not in code
    torch_round_trip("3x8x8 | relu name=a.b | relu name=a_b", tmp_path)  # both become a_b


@st.composite
def torch_stack(draw):
    """A random stack on a channels-first 2-D input: (spec, input shape, torch modules)."""
    c, h, w = draw(st.integers(1, 6)), draw(st.integers(2, 12)), draw(st.integers(2, 12))
    spec, modules, channels = [f"{c}x{h}x{w}"], [], c
    for _ in range(draw(st.integers(1, 4))):
        kind = draw(
            st.sampled_from(["conv", "up", "pad", "gn", "bn", "prelu", "ln", "pool", "act"])
        )
        k, s = draw(st.integers(1, 4)), draw(st.integers(1, 3))
        if kind == "conv":
            f = draw(st.integers(1, 6))
            spec.append(
                f"Conv2d in_channels={channels} out_channels={f} kernel_size={k} stride={s}"
            )
            modules.append(lambda ch=channels, f=f, k=k, s=s: nn().Conv2d(ch, f, k, s))
            channels = f
        elif kind == "up":
            spec.append(f"Upsample scale_factor={s}")
            modules.append(lambda s=s: nn().Upsample(scale_factor=float(s)))
        elif kind == "pad":
            spec.append(f"ZeroPad2d {k}")
            modules.append(lambda k=k: nn().ZeroPad2d(k))
        elif kind == "gn":
            g = draw(st.integers(1, 3))
            spec.append(f"GroupNorm num_groups={g} num_channels={channels}")
            modules.append(lambda g=g, ch=channels: nn().GroupNorm(g, ch))
        elif kind == "bn":
            spec.append(f"BatchNorm2d {'num_features=' + str(channels)}")
            modules.append(lambda ch=channels: nn().BatchNorm2d(ch))
        elif kind == "prelu":
            n = draw(st.sampled_from([1, channels]))
            spec.append(f"PReLU num_parameters={n}")
            modules.append(lambda n=n: nn().PReLU(n))
        elif kind == "ln":
            spec.append("LayerNorm normalized_shape=" + str(draw(st.integers(2, 12))))
            size = int(spec[-1].rpartition("=")[2])
            modules.append(lambda size=size: nn().LayerNorm(size))
        elif kind == "pool":
            spec.append(f"MaxPool2d kernel_size={k} stride={s} padding={k // 2}")
            modules.append(lambda k=k, s=s: nn().MaxPool2d(k, s, k // 2))
        else:
            act = draw(
                st.sampled_from(
                    [
                        "ReLU6",
                        "SiLU",
                        "SELU",
                        "Hardsigmoid",
                        "Hardswish",
                        "Softplus",
                        "Mish",
                        "GELU",
                    ]
                )
            )
            spec.append(act)
            modules.append(lambda act=act: getattr(nn(), act)())
    return " | ".join(spec), (c, h, w), modules


@SETTINGS
@given(torch_stack())
def test_random_stacks_against_torch(stack):
    """Shapes, counts and rejections of random stacks of the newer layers, as torch.nn has them."""
    torch = pytest.importorskip("torch")
    spec, shape, factories = stack
    try:
        module = torch.nn.Sequential(*(f() for f in factories))
    except (RuntimeError, ValueError) as exc:
        agree(ours(spec), exc)
        return
    agree(ours(spec), theirs(module.eval(), list(shape)))  # eval: batch statistics of one


@pytest.mark.parametrize(("groups", "shape"), [(4, [4, 1]), (2, [4, 1]), (1, [1, 1, 1])])
def test_group_norm_with_one_value_per_group_as_torch(groups, shape):
    """torch.nn.GroupNorm refuses a group of one value (in eval mode too); so does hwcheck under
    pytorch, and both agree where it is fine."""
    torch = pytest.importorskip("torch")
    module = torch.nn.GroupNorm(groups, shape[0]).eval()
    spec = f"{'x'.join(map(str, shape))} | group_norm groups={groups}"
    agree(ours(spec), theirs(module, shape))
