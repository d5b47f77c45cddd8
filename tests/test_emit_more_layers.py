"""``--emit keras`` and ``--emit pytorch`` for the layer types and merges added for networks
published outside the zoo, and for the layers with several outputs (split, chunk, bidirectional
with merge_mode none): the emitted module, run in real Keras 3 / torch, has hwcheck's output
shapes and parameter counts node by node; what a framework lacks is refused on one line."""

from __future__ import annotations

import os
import runpy

import pytest

import hwcheck
from hwcheck.core.errors import HwcheckError
from hwcheck.families.arch.emit import emit, node_names
from hwcheck.families.arch.model import load_model

os.environ.setdefault("KERAS_BACKEND", "torch")

MORE = (
    "adaptive_avgpool2d 4 | adaptive_maxpool2d output_size=2x3 | layer_scale init_value=0.1"
    " | unit_normalization | alpha_dropout 0.1 | gaussian_dropout 0.2 | gaussian_noise 0.3"
    " | rescaling scale=[0.5,1,2,1,1,1] offset=1 | normalization mean=[0,1,2,3,4,5]"
    " variance=[1,1,2,2,4,4] | softsign | celu alpha=0.5 | relu max_value=6 threshold=0.5"
    " | softmax axis=0 | log_softmax"
)
KERAS_SPECS = [
    f"16x16x6 | {MORE} | flatten",
    "6x16x16 layout=chw | adaptive_avgpool2d 4 | layer_scale | normalization mean=[0,1,2,3,4,5] variance=4 | unit_normalization axis=0",
    "5x8x8x3 | conv_lstm2d 4 3 padding=same return_sequences=true | conv_lstm2d 2 3",
    "5x8x3 | conv_lstm1d 4 3 stride=2",
    "8x4 | minimum( dense 4 ; dense 4 ) | dot( dense 4 ; dense 4 )",
    "8x4 | dot axes=[1,1] normalize=true ( dense 4 ; dense 6 )",
    "8x8x6 | split sizes=[2,4] | concat( conv2d 4 1 ; relu )",
    "4x4x9 | chunk 3 | add( ; ; )",
    "6x8x8 layout=chw | split 2 axis=1 | concat axis=1 ( conv2d 6 1 ; )",
    "10x8 | lstm 16 bidirectional=true merge_mode=none return_sequences=true | concat( ; dense 16 )",
    "10x8 | gru 6 bidirectional=true merge_mode=none | add( ; )",
    "6x8 | multi_head_attention 2 output_shape=5",
    "4x5x8 | multi_head_attention 2",
    "10 | embedding 50 8 | position_embedding 16 | segment_embedding | class_token | layernorm",
    "8x8x3 | upsampling2d 2 interpolation=bicubic",
    "8x8x3 | activation activation=softsign | conv2d 4 3 activation=log_softmax | dense 4 activation=celu",
]  # fmt: skip
TORCH_SPECS = [
    ("6x16x16", MORE, "chw"),
    ("16x16x6", "adaptive_avgpool2d 4 | layer_scale | rescaling scale=[1,2,3,4,5,6]", "hwc"),
    ("6x8x8", "split sizes=[2,4] | concat( conv2d 4 1 ; relu )", "chw"),
    ("8x8x6", "chunk 2 axis=0 | concat axis=0 ( conv2d 6 3 padding=1 ; )", "hwc"),
    ("10x8", "lstm 16 bidirectional=true merge_mode=none return_sequences=true | concat( ; )", "chw"),
    ("10x8", "gru 6 bidirectional=true merge_mode=none | add( ; dense 6 )", "chw"),
    ("8x4", "minimum( dense 4 ; dense 4 ) | dot( dense 4 ; dense 4 )", "chw"),
    ("8x4", "dot axes=[1,1] normalize=true ( dense 4 ; dense 6 )", "chw"),
    ("10", "embedding 50 8 | position_embedding 16 | segment_embedding | class_token", "chw"),
    ("3x8x8", "upsampling2d 2 interpolation=bicubic", "chw"),
    ("3x8x8", "activation activation=softsign | conv2d 4 3 activation=log_softmax | dense 4 activation=celu", "chw"),
]  # fmt: skip


def run_module(code: str, folder) -> dict:
    path = folder / "emitted_model.py"
    path.write_text(code, encoding="utf-8")
    return runpy.run_path(str(path))


@pytest.mark.parametrize("spec", KERAS_SPECS)
def test_keras_round_trip(spec, tmp_path):
    """Every node's Keras layer (found by its emitted name) has hwcheck's shape and count; a
    layer with several outputs has their shapes and the sum of their counts."""
    pytest.importorskip("keras")
    model = load_model(None, spec)
    rows = hwcheck.params(spec=spec).layers
    built = run_module(emit(model, "keras"), tmp_path)["build"]()
    assert built.count_params() == sum(row["params"] for row in rows)
    names = node_names(model.layers)
    for row, name in zip(rows, names, strict=True):
        if ":" in row["name"]:
            continue
        layer = built.get_layer(name)
        assert list(layer.output.shape[1:]) == row["output_shape"], row["name"]
        assert layer.count_params() == row["params"], row["name"]
    for row, name in zip(rows, names):
        if row["name"].endswith(":0") and row["type"] != "split" and row["type"] != "chunk":
            both = built.get_layer(name)
            parts = [r for r in rows if r["name"].rsplit(":", 1)[0] == row["name"][:-2]]
            assert [list(y.shape[1:]) for y in both.output] == [r["output_shape"] for r in parts]
            assert both.count_params() == sum(r["params"] for r in parts)


def torch_round_trip(model, rows, folder) -> None:
    torch = pytest.importorskip("torch")
    module = run_module(emit(model, "pytorch"), folder)
    built = module["build"]()
    shapes = {}
    for name, child in built.layers.items():
        child.register_forward_hook(lambda m, i, o, name=name: shapes.__setitem__(name, o.shape))
    with torch.no_grad():
        built.eval()(module["example_input"](2))
    children = list(built.layers.items())
    assert len(children) == len(rows)
    for row, (name, child) in zip(rows, children, strict=True):
        assert list(shapes[name][1:]) == row["output_shape"], row["name"]
        assert sum(p.numel() for p in child.parameters()) == row["params"], row["name"]


@pytest.mark.parametrize("shape, layers, layout", TORCH_SPECS)
def test_torch_round_trip(shape, layers, layout, tmp_path):
    spec = f"{shape} layout={layout} framework=pytorch | {layers}"
    torch_round_trip(load_model(None, spec), hwcheck.params(spec=spec).layers, tmp_path)


@pytest.mark.parametrize(
    "spec, framework, match",
    [
        ("5x8x8x3 | conv_lstm2d 4 3", "pytorch", "torch.nn has no ConvLSTM"),
        ("8x8x3 | normalization", "pytorch", "give mean and variance"),
        ("10 | embedding 50 8 | dense 40 tied=true bias=false", "pytorch", "no embedding of"),
        ("10 | embedding 50 8 | dense 50 tied=true bias=false activation=relu", "keras", "tied"),
        ("3x8x8 layout=chw | rescaling scale=[1,2,3]", "keras", "along the last axis"),
        ("5x8x8x3 | conv_lstm2d 4 3 padding=1", "keras", "'valid' or 'same'"),
    ],
)
def test_what_a_framework_lacks_is_refused(spec, framework, match, cli):
    with pytest.raises(HwcheckError, match=match):
        emit(load_model(None, spec), framework)
    code, out, err = cli("params", "--spec", spec, "--emit", framework)
    assert code == 2 and out == "" and err.startswith("error: ") and f"--emit {framework}" in err


def test_torch_classes_compute_what_keras_computes(tmp_path):
    """The torch classes written for Keras-only layers agree with Keras on values, not only shapes."""
    keras = pytest.importorskip("keras")
    torch = pytest.importorskip("torch")
    import numpy as np

    spec = (
        "4x4x3 layout=hwc framework=pytorch | relu max_value=1.5 threshold=0.25 alpha=0.1"
        " | normalization mean=[0.5,1,2] variance=[1,4,9] | rescaling scale=[2,3,4] offset=0.5"
        " | unit_normalization"
    )
    module = run_module(emit(load_model(None, spec), "pytorch"), tmp_path)
    x = np.random.default_rng(0).normal(size=(2, 4, 4, 3)).astype("float32")
    ours = module["build"]().eval()(torch.from_numpy(x)).detach().numpy()
    L = keras.layers
    theirs = keras.Sequential(
        [
            keras.Input((4, 4, 3)),
            L.ReLU(max_value=1.5, threshold=0.25, negative_slope=0.1),
            L.Normalization(mean=[0.5, 1, 2], variance=[1, 4, 9]),
            L.Rescaling([2, 3, 4], offset=0.5),
            L.UnitNormalization(),
        ]
    )(x)
    np.testing.assert_allclose(ours, keras.ops.convert_to_numpy(theirs), rtol=1e-5, atol=1e-6)


def test_split_and_direction_classes_match_torch(tmp_path):
    """Part k is torch.split's k-th; the two Directions carry torch's bidirectional weights."""
    torch = pytest.importorskip("torch")
    spec = (
        "10x8 framework=pytorch | lstm 4 bidirectional=true merge_mode=none"
        " return_sequences=true | concat axis=-1 ( ; )"
    )
    module = run_module(emit(load_model(None, spec), "pytorch"), tmp_path)
    built = module["build"]().eval()
    both = torch.nn.LSTM(8, 4, batch_first=True, bidirectional=True)
    forward, backward = built.layers["lstm_0"].rnn, built.layers["lstm_1"].rnn
    for name, p in both.named_parameters():
        target = backward if name.endswith("_reverse") else forward
        getattr(target, name.removesuffix("_reverse")).data.copy_(p.data)
    x = torch.randn(2, 10, 8)
    torch.testing.assert_close(built(x), both(x)[0])


SHUFFLE = {  # a split inside a block, the block repeated (ShuffleNet's channel split)
    "input": [8, 8, 8],
    "blocks": {
        "shuffle": {
            "layers": [
                {"type": "split", "sections": 2, "name": "s"},
                {"type": "conv2d", "filters": 4, "kernel": 3, "padding": "same",
                 "inputs": ["s:1"], "name": "c"},
                {"type": "concat", "inputs": ["s:0", "c"]},
            ]
        }
    },
    "layers": [{"block": "shuffle", "repeat": 2}],
}  # fmt: skip


def test_a_split_in_a_repeated_block_round_trips(tmp_path):
    pytest.importorskip("keras")
    rows = hwcheck.params(model=SHUFFLE).layers
    assert [r["name"] for r in rows][:2] == ["shuffle.0.s:0", "shuffle.0.s:1"]
    assert sum(r["params"] for r in rows) == 2 * (3 * 3 * 4 * 4 + 4)
    model = load_model(SHUFFLE, None)
    built = run_module(emit(model, "keras"), tmp_path)["build"]()
    assert built.count_params() == sum(r["params"] for r in rows)
    assert list(built.output.shape[1:]) == [8, 8, 8]
    torch_model = load_model({**SHUFFLE, "framework": "pytorch", "layout": "hwc"}, None)
    torch_round_trip(torch_model, rows, tmp_path)


def every_layer_type():
    from hwcheck.families.arch.layers import LAYER_TYPES

    return sorted(LAYER_TYPES)


@pytest.mark.parametrize("kind", every_layer_type())
@pytest.mark.parametrize("framework", ["keras", "pytorch"])
@pytest.mark.parametrize("layout", ["hwc", "chw"])
def test_every_layer_type_emits_a_module_that_runs_or_is_refused(kind, framework, layout, tmp_path):
    """Each type on a sample input (tests/test_arch_model.py): the emitted module builds and
    has hwcheck's output shape and total count, or the emit is a one-line refusal."""
    from tests.test_arch_model import sample

    spec = sample(kind)
    pytest.importorskip("keras" if framework == "keras" else "torch")
    try:
        model = load_model(None, spec, layout=layout, framework=framework)
        code = emit(model, framework)
    except HwcheckError as exc:
        assert "\n" not in exc.message
        return
    r = hwcheck.params(spec=spec, layout=layout, framework=framework)
    module = run_module(code, tmp_path)
    built = module["build"]()
    if framework == "keras":
        shape, count = list(built.output.shape[1:]), built.count_params()
    else:
        import torch

        with torch.no_grad():
            out = built.eval()(module["example_input"](2))
        shape, count = list(out.shape[1:]), sum(p.numel() for p in built.parameters())
    assert (shape, count) == (r.output_shape, r.total_params)


@pytest.mark.parametrize("kind", ["add", "minimum", "maximum", "concat"])
@pytest.mark.parametrize("framework", ["keras", "pytorch"])
def test_a_one_input_merge_emits(kind, framework, tmp_path):
    """Keras's ``Minimum()([x])``: the merge of one tensor passes it through, in both files."""
    pytest.importorskip("keras" if framework == "keras" else "torch")
    model = {
        "input": [4, 6],
        "framework": framework,
        "layers": [{"type": "dense", "units": 3, "name": "d"}, {"type": kind, "inputs": ["d"]}],
    }
    rows = hwcheck.params(model=model).layers
    if framework == "pytorch":
        return torch_round_trip(load_model(model, None), rows, tmp_path)
    built = run_module(emit(load_model(model, None), "keras"), tmp_path)["build"]()
    assert (list(built.output.shape[1:]), built.count_params()) == ([4, 3], 21)


TIED = "10 | embedding 50 8 name=wte | layernorm | dense 50 tied=true bias=false name=head"


@pytest.mark.parametrize("framework", ["keras", "pytorch"])
def test_a_tied_head_reads_the_embeddings_matrix(framework, tmp_path):
    """GPT-2's head: the emitted dense layer has no weights and computes x·Wᵀ with the
    embedding's W, so the model's count is hwcheck's (the matrix counted once)."""
    pytest.importorskip("keras" if framework == "keras" else "torch")
    import numpy as np

    r = hwcheck.params(spec=TIED, framework=framework)
    module = run_module(emit(load_model(None, TIED), framework), tmp_path)
    built = module["build"]()
    if framework == "keras":
        import keras

        assert built.count_params() == r.total_params == 50 * 8 + 2 * 8
        head, wte = built.get_layer("head"), built.get_layer("wte")
        x = np.random.default_rng(0).normal(size=(2, 10, 8)).astype("float32")
        want = x @ keras.ops.convert_to_numpy(wte.embeddings).T
        got = keras.ops.convert_to_numpy(head(x))
    else:
        import torch

        assert sum(p.numel() for p in built.parameters()) == r.total_params
        torch_round_trip(load_model(None, TIED, framework="pytorch"), r.layers, tmp_path)
        x = torch.randn(2, 10, 8)
        want = (x @ built.layers["wte"].weight.T).detach().numpy()
        got = built.layers["head"](x).detach().numpy()
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)


def test_a_tied_head_without_its_embedding_is_refused():
    with pytest.raises(HwcheckError, match="no embedding of vocab 40 and dim 8"):
        emit(load_model(None, "10x8 | dense 40 tied=true bias=false"), "pytorch")


@pytest.mark.parametrize(
    "name, published",
    [("gpt2", 124_439_808), ("bert_base", 109_482_240), ("vit_b16", 86_567_656)],
)
def test_zoo_transformers_emit_to_torch_with_their_published_counts(name, published, tmp_path):
    """Built on torch's meta device (no memory for the weights): GPT-2's tied head included."""
    torch = pytest.importorskip("torch")
    from hwcheck.families.arch import zoo

    model = load_model(zoo.table(name), None)
    module = run_module(emit(model, "pytorch"), tmp_path)
    with torch.device("meta"):
        built = module["build"]()
    assert sum(p.numel() for p in built.parameters()) == published


@pytest.mark.parametrize(
    "left, right, axes, normalize",
    [
        ((2, 5, 4), (2, 5, 6), (1, 1), True),
        ((2, 5, 4), (2, 7, 4), (-1,), False),
        ((2, 4), (2, 4), (1,), False),
        ((2, 3, 4), (2, 4, 5), (2, 1), False),
    ],
)
def test_the_torch_dot_is_keras_dot(left, right, axes, normalize, tmp_path):
    keras = pytest.importorskip("keras")
    torch = pytest.importorskip("torch")
    import numpy as np

    code = emit(load_model(None, "8x4 | dot( dense 4 ; dense 4 )"), "pytorch")
    space = run_module(code, tmp_path)  # the class as the emitted file defines it
    rng = np.random.default_rng(0)
    a, b = rng.normal(size=left).astype("float32"), rng.normal(size=right).astype("float32")
    keras_axes = list(axes) if len(axes) > 1 else axes[0]
    want = keras.layers.Dot(axes=keras_axes, normalize=normalize)([a, b])
    got = space["MinimumOrDot"]("dot", axes, normalize)(torch.from_numpy(a), torch.from_numpy(b))
    np.testing.assert_allclose(got.numpy(), keras.ops.convert_to_numpy(want), atol=1e-5)
