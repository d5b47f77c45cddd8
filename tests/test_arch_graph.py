"""Graphs in model files: inputs, merges, repeat and blocks, the --spec groups, params and rf
over a graph — against torch.nn, Keras 3, published counts and the support of ∂out/∂input."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import hwcheck
from hwcheck.core.errors import HwcheckError
from hwcheck.families.arch.layers import Context, Layer, compute
from hwcheck.families.arch.merge import Inputs
from hwcheck.families.arch.model import MAX_LAYERS, load_model, trace
from hwcheck.families.arch.rf import seen_in_graph, steps

DATA = Path(__file__).parent / "data"
SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def error(**kwargs) -> HwcheckError:
    with pytest.raises(HwcheckError) as info:
        hwcheck.params(**kwargs)
    return info.value


def conv(name=None, filters=8, kernel=3, **extra):
    table = {"type": "conv2d", "filters": filters, "kernel": kernel, "padding": "same", **extra}
    return table | ({"name": name} if name else {})


# --------------------------------------------------------------------------- the two examples

BASIC = {  # a ResNet basic block (He et al. 2016) on a 32×32×64 feature map
    "input": [32, 32, 64],
    "layers": [
        conv("conv1", 64, bias=False),
        {"type": "batchnorm"},
        {"type": "relu"},
        conv("conv2", 64, bias=False),
        {"type": "batchnorm", "name": "bn2"},
        {"type": "add", "inputs": ["input", "bn2"]},
        {"type": "relu"},
    ],
}

SE = {  # squeeze-and-excitation (Hu et al. 2018), reduction 16
    "input": [32, 32, 64],
    "layers": [
        conv("features", 64),
        {"type": "global_avgpool"},
        {"type": "dense", "units": 4},
        {"type": "relu"},
        {"type": "dense", "units": 64},
        {"type": "sigmoid", "name": "scale"},
        {"type": "multiply", "inputs": ["features", "scale"]},
    ],
}


def test_basic_block_counts_and_inputs():
    r = hwcheck.params(model=BASIC)
    assert r.output_shape == [32, 32, 64]
    # two 3×3·64·64 convolutions without bias, two keras batch norms of 4·64
    assert r.total_params == 2 * 3 * 3 * 64 * 64 + 2 * 4 * 64
    assert r.layers[5]["inputs"] == ["input", "bn2"] and r.layers[0]["inputs"] == ["input"]
    assert r.layers[1]["inputs"] == ["conv1"]
    assert "outputs" not in r.to_json()


def test_squeeze_excitation_broadcasts_like_keras():
    r = hwcheck.params(model=SE)
    assert r.output_shape == [32, 32, 64] and r.layers[6]["params"] == 0
    os.environ.setdefault("KERAS_BACKEND", "torch")
    keras = pytest.importorskip("keras")
    x = keras.Input((32, 32, 64))
    f = keras.layers.Conv2D(64, 3, padding="same")(x)
    s = keras.layers.GlobalAveragePooling2D()(f)
    s = keras.layers.Dense(64, activation="sigmoid")(keras.layers.Dense(4, activation="relu")(s))
    model = keras.Model(x, keras.layers.Multiply()([f, s]))
    assert tuple(model.output.shape[1:]) == tuple(r.output_shape)
    assert model.count_params() == r.total_params


def test_pytorch_broadcasting_needs_equal_ranks():
    se = SE | {"framework": "pytorch", "layout": "hwc"}
    exc = error(model=se)
    assert "'features' 32×32×64" in exc.message and "'scale' 64" in exc.message
    assert exc.where.endswith("layers[6] (multiply)")


def test_resnet152_file_matches_torchvision():
    """torchvision.models.resnet152() has 60,192,808 parameters (its documentation)."""
    r = hwcheck.params(model=str(DATA / "resnet152.toml"))
    assert r.total_params == 60_192_808 and r.output_shape == [1000]
    assert r.layers[-1]["inputs"] == ["global_avgpool"]
    names = [x["name"] for x in r.layers]
    assert "layer3.35.add" in names and "layer2.0.shortcut" in names and "layer4.2.add" in names
    assert len(set(names)) == len(names)  # torchvision's names: layer2.0 then layer2.1 …
    # rf before the pool, by hand: conv1 7/2 → 7 (j 2); maxpool 3/2 → 11 (j 4); each 3×3 adds
    # 2·j: stage 1 3 blocks at j 4, then each stage's first 3×3 at the old jump, the rest at 2×
    rf, jump = 11, 4
    for blocks in (3, 8, 36, 3):
        if blocks != 3 or jump != 4:
            rf, jump = rf + 2 * jump, 2 * jump
            blocks -= 1
        rf += blocks * 2 * jump
    field = hwcheck.rf(model=str(DATA / "resnet152.toml"), layer=-3)
    assert field.rf == [rf, rf] == [1451, 1451] and field.jump == [32, 32]
    assert field.aligned == [True, True] and field.path[0] == "conv1"


def test_torch_basic_block_parameters():
    torch = pytest.importorskip("torch")
    model = BASIC | {"framework": "pytorch", "input": [64, 32, 32]}
    r = hwcheck.params(model=model)
    block = torch.nn.ModuleList(
        [
            torch.nn.Conv2d(64, 64, 3, padding=1, bias=False),
            torch.nn.BatchNorm2d(64),
            torch.nn.Conv2d(64, 64, 3, padding=1, bias=False),
            torch.nn.BatchNorm2d(64),
        ]
    )
    assert r.total_params == sum(p.numel() for p in block.parameters())
    assert r.output_shape == [64, 32, 32]  # pytorch implies channels first


# --------------------------------------------------------------------------- merges


@SETTINGS
@given(
    st.lists(st.lists(st.sampled_from([1, 2, 3]), min_size=1, max_size=4), min_size=2, max_size=3),
    st.sampled_from(["keras", "pytorch"]),
)
def test_broadcasting_against_numpy(shapes, framework):
    """keras: NumPy's rule on the shapes without the batch axis; pytorch: with it (so a lower
    rank would meet the batch axis: refused)."""
    np = pytest.importorskip("numpy")
    layer = Layer(0, "add", "add", {})
    inputs = Inputs.of(shapes, [f"x{i}" for i in range(len(shapes))])
    try:
        expected = list(np.broadcast_shapes(*map(tuple, shapes)))
    except ValueError:
        expected = None
    if framework == "pytorch" and len({len(s) for s in shapes}) > 1:
        expected = None
    try:
        got = list(compute(layer, inputs, Context("hwc", framework)).shape)
    except HwcheckError as exc:
        assert expected is None, exc
        assert "do not match" in exc.message
        return
    assert got == expected


def test_merge_shapes_and_errors():
    base = "8x8x4 | "
    assert hwcheck.params(spec=base + "concat( conv2d 3 3 padding=same )").output_shape == [8, 8, 7]
    assert hwcheck.params(spec=base + "concat axis=0 ( relu ; relu ; relu )").output_shape == [
        24,
        8,
        4,
    ]
    assert hwcheck.params(spec=base + "concat axis=-2 ( relu ; relu )").output_shape == [8, 16, 4]
    assert hwcheck.params(spec="4x8x8 layout=chw | concat ( relu ; relu )").output_shape == [
        8,
        8,
        8,
    ]
    exc = error(spec=base + "add( conv2d 3 3 padding=same )")
    assert "'input' 8×8×4 and 'add_block.conv2d' 8×8×3" in exc.message
    assert "axis 0 has 8 and 6" in error(spec=base + "concat( conv2d 3 3 )").message
    assert "at most 2" in error(spec=base + "concat axis=3 ( relu ; relu )").message
    sub = {
        "input": [4],
        "layers": [{"type": "relu"}, {"type": "subtract", "inputs": ["input", "relu", "relu"]}],
    }
    assert "exactly 2" in error(model=sub).message
    one = {"input": [4], "layers": [{"type": "add"}]}
    assert "needs its inputs named" in error(model=one).message
    two = {
        "input": [4],
        "layers": [{"type": "relu"}, {"type": "dense", "units": 2, "inputs": ["input", "relu"]}],
    }
    assert "takes one input" in error(model=two).message


def test_maximum_average_keep_the_shape_and_count_nothing():
    for kind in ("maximum", "average", "multiply", "subtract"):
        r = hwcheck.params(spec=f"6x6x2 | {kind}( conv2d 2 1 )")
        assert r.output_shape == [6, 6, 2] and r.layers[-1]["params"] == 0


# --------------------------------------------------------------------------- bad graphs


def model(*layers, **top):
    return {"input": [8, 8, 3], "layers": list(layers), **top}


def test_unknown_input_suggests():
    exc = error(model=model(conv("conv1"), {"type": "add", "inputs": ["conv_1", "input"]}))
    assert exc.where == "model: layers[1]: inputs" and "did you mean 'conv1'" in exc.message


def test_used_before_defined_and_cycles():
    exc = error(model=model(conv("a", 3, inputs=["b"]), conv("b", 3)))
    assert "defined below" in exc.message and "layers[0]" in exc.where
    exc = error(model=model(conv("a", 3, inputs=["b"]), conv("b", 3, inputs=["a"])))
    assert exc.message == "cycle: a → b → a"
    exc = error(model=model(conv("a", 3, inputs=["a"])))
    assert "cycle" in exc.message


def test_outputs():
    branches = model(conv("a", inputs=["input"]), conv("b", inputs=["input"]))
    exc = error(model=branches)
    assert "2 outputs ('a', 'b')" in exc.message and exc.where == "model: outputs"
    r = hwcheck.params(model=branches | {"outputs": ["b", "a"]})
    assert r.to_json()["outputs"] == [
        {"name": "b", "output_shape": [8, 8, 8]},
        {"name": "a", "output_shape": [8, 8, 8]},
    ]
    assert r.output_shape == [8, 8, 8]
    assert "did you mean 'a'" in error(model=branches | {"outputs": ["aa", "b"]}).message
    assert "leads to no output" in error(model=branches | {"outputs": ["b"]}).message


def test_names():
    assert "expected a name" in error(model=model(conv() | {"name": ""})).message
    assert "model's input" in error(model=model(conv(name="input"))).message
    twice = model(conv("x"), conv("x"), {"type": "add", "inputs": ["x", "input"]})
    assert "more than one layer" in error(model=twice).message
    # duplicate names that nobody references stay accepted, as before graphs
    assert hwcheck.params(model=model(conv("x"), conv("x"))).total_params > 0


def test_repeat_and_cap():
    r = hwcheck.params(model=model(conv("c", 3, repeat=4), {"type": "relu", "inputs": ["c"]}))
    assert [x["name"] for x in r.layers] == ["c.0", "c.1", "c.2", "c.3", "relu"]
    assert r.layers[4]["inputs"] == ["c.3"]
    assert "at most 10,000" in error(model=model(conv(repeat=10**9))).message
    big = model({"type": "relu", "repeat": 6000}, {"type": "relu", "repeat": 6000})
    exc = error(model=big)
    assert "more than 10,000 layers" in exc.message and exc.where == "model: layers[1]"
    assert (
        len(hwcheck.params(model=model({"type": "relu", "repeat": MAX_LAYERS})).layers)
        == MAX_LAYERS
    )


def test_blocks():
    blocks = {
        "res": {
            "defaults": {"k": 3},
            "layers": [
                conv(filters="$f", kernel="$k"),
                {"type": "relu", "name": "r"},
                {"type": "add", "inputs": ["input", "r"]},
            ],
        }
    }
    m = model(
        conv("stem", 4),
        {"block": "res", "f": 4, "repeat": 2},
        {"block": "res", "f": 4, "k": 1},
        blocks=blocks,
    )
    r = hwcheck.params(model=m)
    names = [x["name"] for x in r.layers]
    assert names[:4] == ["stem", "res.0.conv2d", "res.0.r", "res.0.add"]
    assert names[-1] == "res_1.add" and r.layers[-3]["formula"].startswith("1·1·4·4")
    assert r.layers[3]["inputs"] == ["stem", "res.0.r"]
    assert r.layers[4]["inputs"] == ["res.0.add"]
    assert "needs the parameter 'f'" in error(model=m | {"layers": [{"block": "res"}]}).message
    assert "did you mean 'f'" in error(model=m | {"layers": [{"block": "res", "ff": 1}]}).message
    assert "no block 'rse'" in error(model=m | {"layers": [{"block": "rse", "f": 1}]}).message
    loop = {"a": {"layers": [{"block": "b"}]}, "b": {"layers": [{"block": "a"}]}}
    assert "calls itself (a → b → a)" in error(model=model({"block": "a"}, blocks=loop)).message
    exc = error(model=m | {"layers": [{"block": "res", "f": "many"}]})
    assert "layers[0] (conv2d)" in exc.where and "blocks.res.layers[0]" in exc.hint


def test_unknown_top_level_key_lists_blocks_and_outputs():
    assert "did you mean 'blocks'" in error(model=model(conv(), block={})).message


# --------------------------------------------------------------------------- the spec groups


def test_spec_residual_groups():
    spec = "32x32x16 | conv2d 16 3 padding=same | add( conv2d 16 3 padding=same | relu | conv2d 16 3 padding=same ) *3 | relu"
    r = hwcheck.params(spec=spec)
    assert r.total_params == 7 * (9 * 16 * 16 + 16)
    assert r.layers[4]["name"] == "add_block.0.add" and r.layers[4]["inputs"] == [
        "conv2d",
        "add_block.0.conv2d_1",
    ]
    proj = hwcheck.params(
        spec="8x8x4 | add( conv2d 8 3 stride=2 padding=same ; conv2d 8 1 stride=2 )"
    )
    assert proj.output_shape == [4, 4, 8] and proj.layers[-1]["inputs"] == [
        "add_block.conv2d",
        "add_block.conv2d_1",
    ]
    nested = hwcheck.params(spec="8x8x4 | add( add( relu ) | relu )")
    assert [x["name"] for x in nested.layers] == [
        "add_block.add_block.relu",
        "add_block.add_block.add",
        "add_block.relu",
        "add_block.add",
    ]
    assert hwcheck.params(spec="8x8x4 | relu *3").layers[2]["name"] == "relu_2"


@pytest.mark.parametrize(
    "spec, message",
    [
        ("8x8x4 | relu ( relu )", "only merges group branches"),
        ("8x8x4 | add( relu", "expected ')'"),
        ("8x8x4 | relu )", "no group to close"),
        ("8x8x4 | add( relu ) extra", "only '*N'"),
        ("8x8x4 | relu *0", "at least 1"),
        ("8x8x4 | ( relu )", "needs a merge"),
    ],
)
def test_spec_group_errors(spec, message):
    with pytest.raises(HwcheckError) as info:
        hwcheck.params(spec=spec)
    text = info.value.message + (info.value.hint or "")
    assert message in text and info.value.where.startswith("--spec")


def test_spec_group_caret_points_at_the_layer():
    spec = "8x8x4 | add( conv2d 4 3 padding=same | conv2d 4 9 )"
    with pytest.raises(HwcheckError) as info:
        hwcheck.params(spec=spec)
    assert info.value.hint.split("\n")[1].index("^") == spec.index("conv2d 4 9")


# --------------------------------------------------------------------------- layout


def test_pytorch_implies_channels_first():
    assert hwcheck.params(spec="3x32x32 framework=pytorch | conv2d 8 3").output_shape == [8, 30, 30]
    assert hwcheck.params(spec="3x32x32 | conv2d 8 3", framework="pytorch").layout == "chw"
    given = hwcheck.params(spec="32x32x3 framework=pytorch layout=hwc | conv2d 8 3")
    assert given.output_shape == [30, 30, 8]
    assert (
        hwcheck.params(spec="32x32x3 framework=pytorch | conv2d 8 3", layout="hwc").layout == "hwc"
    )
    r = hwcheck.params(
        model={"input": [3, 8, 8], "framework": "pytorch", "layers": [{"type": "batchnorm"}]}
    )
    assert r.total_params == 2 * 3


# --------------------------------------------------------------------------- rf over graphs


def test_rf_takes_the_union_of_aligned_paths():
    r = hwcheck.rf(
        spec="32x32x1 | add( conv2d 1 3 padding=same | conv2d 1 3 padding=same ; conv2d 1 7 padding=same )"
    )
    # the two paths are centred alike: fields 5 and 7, union 7
    assert r.rf == [7, 7] and r.aligned == [True, True] and r.rf_area == 49
    assert r.path == ["add_block.conv2d_2", "add_block.add"]
    data = r.to_json()
    assert data["layers"][-1]["aligned"] == [True, True] and data["path"] == r.path


def test_rf_unaligned_axis_is_null():
    r = hwcheck.rf(spec="16x16x1 | add( conv2d 1 2 padding=same )")
    assert r.rf == [None, None] and r.aligned == [False, False] and r.rf_area is None
    assert r.start == [None, None] and r.jump == [1, 1]
    assert "not aligned" in "\n".join(r.view()[2].lines)
    one = hwcheck.rf(spec="16x16x1 | add( conv2d 1 [1,2] padding=same )")
    assert one.rf == [1, None] and one.aligned == [True, False]


def test_rf_global_path_makes_the_merge_global():
    r = hwcheck.rf(model=SE)
    assert r.to_json()["global"] is True and r.rf == [32, 32]


def test_rf_sequential_json_unchanged_but_for_inputs():
    data = hwcheck.rf(spec="16x16x1 | conv2d 1 3 | conv2d 1 3").to_json()
    assert "path" not in data and "aligned" not in data
    assert "aligned" not in data["layers"][0] and data["layers"][1]["inputs"] == ["conv2d"]


@st.composite
def random_graph(draw):
    """Shape-preserving nodes on a 1×H×W image (chw), optionally after one strided layer, joined
    by adds: convolutions with odd kernels and symmetric padding, 2×2 kernels padded after only
    (a half-pixel shift: unaligned paths), average pools."""
    nodes = []  # (kind, k, d, sources)
    if draw(st.booleans()):
        nodes.append(("stride", 3, 1, (-1,)))
    first = len(nodes) - 1
    for _ in range(draw(st.integers(2, 6))):
        choices = list(range(first, len(nodes)))
        kind = draw(st.sampled_from(["conv", "conv", "shift", "pool", "add", "add"]))
        if kind == "add" and len(choices) >= 2:
            a, b = draw(st.lists(st.sampled_from(choices), min_size=2, max_size=2, unique=True))
            nodes.append(("add", 1, 1, (a, b)))
            continue
        kind = "conv" if kind == "add" else kind
        k = draw(st.sampled_from([1, 3, 5])) if kind == "conv" else 2 if kind == "shift" else 3
        d = draw(st.integers(1, 2)) if kind == "conv" else 1
        nodes.append((kind, k, d, (draw(st.sampled_from(choices)),)))
    return draw(st.integers(20, 36)), nodes


def build(size, nodes):
    """The hwcheck model table and the torch modules of a random graph."""
    torch = pytest.importorskip("torch")
    layers, modules = [], []
    for i, (kind, k, d, sources) in enumerate(nodes):
        names = ["input" if s < 0 else f"n{s}" for s in sources]
        table = {"name": f"n{i}", "inputs": names}
        if kind == "add":
            table |= {"type": "add"}
            module = None
        elif kind == "pool":
            table |= {"type": "avgpool2d", "kernel": 3, "stride": 1, "padding": 1}
            module = torch.nn.AvgPool2d(3, 1, 1)
        else:
            stride = 2 if kind == "stride" else 1
            pad = [[0, 1], [0, 1]] if kind == "shift" else d * (k - 1) // 2
            table |= {"type": "conv2d", "filters": 1, "kernel": k, "dilation": d, "stride": stride}
            table |= {"padding": pad, "bias": False}
            c = torch.nn.Conv2d(1, 1, k, stride, 0 if kind == "shift" else pad, d, bias=False)
            with torch.no_grad():
                c.weight.uniform_(0.5, 1.0)
            module = (
                torch.nn.Sequential(torch.nn.ZeroPad2d((0, 1, 0, 1)), c) if kind == "shift" else c
            )
        layers.append(table)
        modules.append(module)
    used = {s for *_, sources in nodes for s in sources}
    free = [f"n{i}" for i in range(len(nodes)) if i not in used]
    graph = {"input": [1, size, size], "layout": "chw", "framework": "pytorch", "layers": layers}
    return graph | {"outputs": free}, modules


def forward(nodes, modules, image):
    values = []
    for (kind, *_, sources), module in zip(nodes, modules):
        ins = [image if s < 0 else values[s] for s in sources]
        values.append(ins[0] + ins[1] if kind == "add" else module(ins[0]))
    return values


def path_intervals(nodes, index):
    """(lo, hi, jump) of unit 0 along every path to ``index``, by direct interval arithmetic."""
    kind, k, d, sources = nodes[index]
    out = []
    for s in sources:
        below = [(0, 0, 1)] if s < 0 else path_intervals(nodes, s)
        for lo, hi, j in below:
            if kind == "add":
                out.append((lo, hi, j))
                continue
            before = 0 if kind == "shift" else 1 if kind == "pool" else d * (k - 1) // 2
            stride = 2 if kind == "stride" else 1
            span = d * (k - 1) + 1
            out.append((lo - before * j, hi + (span - 1 - before) * j, j * stride))
    return out


@SETTINGS
@given(random_graph(), st.data())
def test_rf_is_the_support_of_the_gradient_on_graphs(graph, data):
    """∂out[unit]/∂input ≠ 0 exactly on the union of the paths' fields (positive weights);
    hwcheck's rf is that union's width where the paths are aligned, null elsewhere."""
    torch = pytest.importorskip("torch")
    size, nodes = graph
    table, modules = build(size, nodes)
    model = load_model(table, None)
    outs = trace(model)
    rows = steps(model, outs)
    image = torch.rand(1, 1, size, size, dtype=torch.float64, requires_grad=True)
    values = forward(nodes, [m.double() if m is not None else None for m in modules], image)
    last = len(nodes) - 1
    out = values[last]
    oh, ow = out.shape[-2:]
    assert list(outs[last].shape) == [1, oh, ow]
    unit = (data.draw(st.integers(0, oh - 1)), data.draw(st.integers(0, ow - 1)))
    out[0, 0, unit[0], unit[1]].backward()
    support = {tuple(p) for p in (image.grad[0, 0] != 0).nonzero().tolist()}
    sizes = {i: tuple(o.shape[1:]) for i, o in enumerate(outs)} | {-1: (size, size)}
    assert seen_in_graph(model, rows, unit, sizes) == support
    # the field: by intervals along every path
    paths = path_intervals(nodes, last)
    centres = {(lo + hi) / 2 for lo, hi, _ in paths}
    jumps = {j for *_, j in paths}
    aligned = len(centres) == 1 and len(jumps) == 1
    r = hwcheck.rf(model=table, layer=last, unit=f"{unit[0]},{unit[1]}")
    assert (r.aligned or [True, True]) == [aligned, aligned]  # a plain stack has no 'aligned'
    width = max(hi for _, hi, _ in paths) - min(lo for lo, _, _ in paths) + 1
    assert r.rf == ([width, width] if aligned else [None, None])
    assert max(hi - lo + 1 for lo, hi, _ in paths) == rows[last].axes[0].rf  # the largest path
    assert r.field_in_layer["0"] == [rows[last].axes[0].rf] * 2  # the chain along that path
    j = jumps.pop() if len(jumps) == 1 else None
    if j is not None:
        lo, hi = min(p[0] for p in paths), max(p[1] for p in paths)
        assert r.region == [[lo + u * j, hi + u * j] for u in unit]
        inside = all(0 <= lo + u * j and hi + u * j < size for u in unit)
        if inside:  # every path's extreme taps are real pixels: the box is the support's
            rows_, cols = {a for a, _ in support}, {b for _, b in support}
            assert r.region == [[min(rows_), max(rows_)], [min(cols), max(cols)]]


def test_draw_on_a_graph_is_the_exact_union():
    r = hwcheck.rf(
        spec="9x9x1 | add( conv2d 1 [3,1] padding=same ; conv2d 1 [1,3] padding=same )",
        unit="4,4",
        draw=True,
    )
    cross = [(3, 4), (4, 3), (4, 4), (4, 5), (5, 4)]
    drawn = {
        (i, j) for i, line in enumerate(r.picture) for j, c in enumerate(line.split()) if c != "·"
    }
    assert drawn == set(cross)
    assert r.rf == [3, 3]  # the union's bounding box along each axis


def test_long_tables_are_laid_out_as_text():
    """Past 100 rows the table is aligned here, in one pass, and rendered in chunks (Rich
    splits one long text quadratically); every row and the totals are still there."""
    from hwcheck.render.text import render

    spec = "16x16x3 | " + " | ".join(["conv2d 4 3 padding=same", "relu"] * 600)
    r = hwcheck.params(spec=spec, explain=True)
    text = render(r, [], "table", 6)
    lines = text.splitlines()
    rows = [line for line in lines if line.strip().startswith(("1199 ", "0 "))]
    assert len(rows) == 2 and rows[0].index("conv2d") == rows[1].index("relu_599")
    assert f"{r.total_params:,}" in text and "layers[1198] conv2d_599: MACs" in text
    assert hwcheck.rf(spec=spec).view()[0].lines[1].split()[:3] == ["#", "name", "type"]


def test_readme_graph_examples_are_these():
    """The README's basic block and squeeze-excitation block are the models tested above."""
    import re
    import tomllib

    readme = (Path(__file__).parent.parent / "README.md").read_text(encoding="utf-8")
    blocks = [tomllib.loads(b) for b in re.findall(r"```toml\n(.*?)```", readme, re.DOTALL)]
    basic = next(b for b in blocks if any(x.get("name") == "bn2" for x in b.get("layers", [])))
    se = next(b for b in blocks if any(x.get("type") == "multiply" for x in b.get("layers", [])))

    def counts(m):
        return [(x["output_shape"], x["params"]) for x in hwcheck.params(model=m).layers]

    assert counts(basic) == counts(BASIC)
    expected = hwcheck.params(model=SE)
    got = hwcheck.params(model=se)
    assert (got.total_params, got.output_shape) == (expected.total_params, expected.output_shape)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.sampled_from(["add", "subtract", "multiply", "average", "maximum", "concat"]),
    st.lists(st.lists(st.sampled_from([1, 2, 3]), min_size=1, max_size=3), min_size=2, max_size=3),
    st.integers(-3, 2),
)
def test_merges_against_keras(kind, shapes, axis):
    """Shapes and refusals as Keras 3's merge layers give them (channels last)."""
    os.environ.setdefault("KERAS_BACKEND", "torch")
    keras = pytest.importorskip("keras")
    if kind == "subtract":
        shapes = shapes[:2]
    options = {"axis": axis} if kind == "concat" else {}
    layer = Layer(0, kind, kind, options)
    inputs = Inputs.of(shapes, [f"x{i}" for i in range(len(shapes))])
    try:
        ours = list(compute(layer, inputs, Context("hwc", "keras")).shape)
    except HwcheckError:
        ours = None
    merge = {
        "add": keras.layers.Add,
        "subtract": keras.layers.Subtract,
        "multiply": keras.layers.Multiply,
        "average": keras.layers.Average,
        "maximum": keras.layers.Maximum,
    }.get(kind)
    rank = len(shapes[0])
    if merge is None:  # keras counts the batch axis
        merge = lambda: keras.layers.Concatenate(axis=axis + 1 if axis >= 0 else axis)
        if not -rank <= axis < rank:
            assert ours is None
            return
    try:
        theirs = list(merge()([keras.Input(tuple(s)) for s in shapes]).shape[1:])
    except (ValueError, IndexError):  # Keras 3 raises IndexError for some rank mismatches
        theirs = None
    assert ours == theirs


def test_rf_of_a_branch_that_does_not_read_an_unsupported_layer():
    graph = model(
        {"type": "conv2d", "filters": 1, "kernel": 3, "name": "a"},
        {"type": "conv_transpose2d", "filters": 1, "kernel": 3, "inputs": ["a"], "name": "up"},
        {"type": "conv2d", "filters": 1, "kernel": 3, "inputs": ["a"], "name": "b"},
        outputs=["up", "b"],
    )
    branch = hwcheck.rf(model=graph, layer=2)
    assert branch.rf == [5, 5]
    up = branch.layers[1]  # shown as having no field, not as seeing the whole input
    assert up["rf"] == [None, None] and not up["global"]
    assert up["unsupported"].startswith("layers[1] (conv_transpose2d): ")
    with pytest.raises(HwcheckError, match="not supported"):
        hwcheck.rf(model=graph)  # the first output, 'up'


def test_errors_after_expansion_name_the_table_of_the_file():
    exc = error(model=model({"type": "relu", "repeat": 3}, conv(kernel=9, padding="valid")))
    assert exc.where == "model: layers[3] (conv2d)" and exc.hint == "from layers[1] of the file"


@st.composite
def channel_graph(draw):
    """Convolutions (1–4 filters, 1×1 or padded 3×3), batch norms, adds and concats."""
    nodes = []
    for _ in range(draw(st.integers(1, 7))):
        choices = list(range(-1, len(nodes)))
        kind = draw(st.sampled_from(["conv", "conv", "bn", "add", "concat"]))
        if kind in ("add", "concat"):
            sources = tuple(draw(st.lists(st.sampled_from(choices), min_size=2, max_size=3)))
            nodes.append((kind, 0, 0, sources))
        else:
            nodes.append(
                (
                    kind,
                    draw(st.integers(1, 4)),
                    draw(st.sampled_from([1, 3])),
                    (draw(st.sampled_from(choices)),),
                )
            )
    return draw(st.integers(1, 3)), nodes


@SETTINGS
@given(channel_graph())
def test_params_of_random_graphs_against_torch(graph):
    """Shapes, parameter counts and refusals of branching graphs as torch computes them."""
    torch = pytest.importorskip("torch")
    channels, nodes = graph
    layers = []
    for i, (kind, filters, k, sources) in enumerate(nodes):
        table = {"name": f"n{i}", "inputs": ["input" if s < 0 else f"n{s}" for s in sources]}
        if kind == "conv":
            table |= {"type": "conv2d", "filters": filters, "kernel": k, "padding": k // 2}
        elif kind == "bn":
            table |= {"type": "batchnorm"}
        else:
            table |= {"type": kind}
        layers.append(table)
    used = {s for *_, sources in nodes for s in sources}
    free = [f"n{i}" for i in range(len(nodes)) if i not in used]
    model = {"input": [channels, 5, 5], "framework": "pytorch", "layers": layers, "outputs": free}
    try:
        r = hwcheck.params(model=model)
        ours = [tuple(x["output_shape"]) for x in r.layers], r.total_params
    except HwcheckError:
        ours = None
    values, count = [], 0
    try:
        x = torch.zeros(1, channels, 5, 5)
        for kind, filters, k, sources in nodes:
            ins = [x if s < 0 else values[s] for s in sources]
            if kind == "conv":
                module = torch.nn.Conv2d(ins[0].shape[1], filters, k, padding=k // 2)
            elif kind == "bn":
                module = torch.nn.BatchNorm2d(ins[0].shape[1])
            if kind in ("conv", "bn"):
                count += sum(p.numel() for p in module.parameters())
                values.append(module(ins[0]))
            elif kind == "concat":
                values.append(torch.cat(ins, dim=1))
            else:
                total = ins[0]
                for t in ins[1:]:
                    total = total + t
                values.append(total)
        theirs = [tuple(v.shape[1:]) for v in values], count
    except RuntimeError:
        theirs = None
    assert ours == theirs
