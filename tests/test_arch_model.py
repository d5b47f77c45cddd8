"""Model files and the --spec grammar: every bad input is one HwcheckError naming the place."""

from __future__ import annotations

import io
import string

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import hwcheck
from hwcheck.core.errors import HwcheckError
from hwcheck.families.arch.model import load_model, parse_spec

C_TOML = """\
input = [227, 227, 3]

[[layers]]
type = "conv2d"
filters = 256
kernel = 5
padding = "same"
name = "conv1"

[[layers]]
type = "conv2d"
filters = 128
kernel = [5, 5]
padding = "same"
name = "conv2"

[[layers]]
type = "maxpool2d"
kernel = 5
stride = 2

[[layers]]
type = "flatten"

[[layers]]
type = "dense"
units = 512

[[layers]]
type = "dense"
units = 100
"""


def error(**kw) -> HwcheckError:
    with pytest.raises(HwcheckError) as info:
        hwcheck.params(**kw)
    return info.value


def test_toml_file_and_stdin(tmp_path, monkeypatch):
    path = tmp_path / "model.toml"
    path.write_text(C_TOML)
    r = hwcheck.params(str(path))
    assert r.total_params == 822_974_180 and r.layers[0]["name"] == "conv1"
    monkeypatch.setattr("sys.stdin", io.StringIO(C_TOML))
    assert hwcheck.params("-").total_params == 822_974_180


def test_malformed_toml_has_line_and_column(tmp_path):
    path = tmp_path / "bad.toml"
    path.write_text("input = [227, 227, 3]\n[[layers]]\ntype = conv2d\n")
    exc = error(model=str(path))
    assert exc.where == str(path) and "line 3" in exc.message and "column" in exc.message


@pytest.mark.parametrize(
    "model, where, message",
    [
        ({"layers": [{"type": "relu"}]}, "model: input", "missing"),
        ({"input": [0, 3], "layers": [{"type": "relu"}]}, "model: input", "at least 1"),
        ({"input": [2.5, 3], "layers": [{"type": "relu"}]}, "model: input", "integer"),
        (
            {"input": [], "layers": [{"type": "batchnorm"}]},
            "model: input",
            "got 0",
        ),  # found by hypothesis
        (
            {"input": [8, 8, 3], "layers": [{"type": "conv2", "filters": 1, "kernel": 3}]},
            "model: layers[0]",
            "unknown layer type 'conv2' — did you mean 'conv2d'",
        ),
        (
            {
                "input": [8, 8, 3],
                "layers": [
                    {"type": "relu"},
                    {"type": "relu"},
                    {"type": "relu"},
                    {"type": "conv2d", "filter": 4, "kernel": 3},
                ],
            },
            "model: layers[3] (conv2d)",
            "unknown key 'filter' — did you mean 'filters'?",
        ),
        (
            {"input": [8, 8, 3], "layers": [{"type": "conv2d", "kernel": 3}]},
            "model: layers[0] (conv2d)",
            "missing key 'filters'",
        ),
        (
            {"input": [8, 8, 3], "layers": [{"type": "conv2d", "filters": "many", "kernel": 3}]},
            "model: layers[0] (conv2d): filters",
            "not a number",
        ),
        (
            {"input": [8, 8, 3], "layers": [{"type": "conv2d", "filters": 4, "kernel": [3, 3, 3]}]},
            "model: layers[0] (conv2d): kernel",
            "expected 2 values",
        ),
        (
            {
                "input": [8, 8, 3],
                "layers": [{"type": "conv2d", "filters": 4, "kernel": 3, "bias": "yes"}],
            },
            "model: layers[0] (conv2d): bias",
            "true or false",
        ),
        (
            {
                "input": [9, 9, 3],
                "layers": [{"type": "conv2d", "filters": 4, "kernel": 7, "dilation": 2}],
            },
            "model: layers[0] (conv2d)",
            "kernel 7 (dilated 13) is larger than the padded input 9",
        ),
        (
            {
                "input": [8, 8, 3],
                "layers": [{"type": "conv2d", "filters": 4, "kernel": 3, "groups": 2}],
            },
            "model: layers[0] (conv2d)",
            "groups 2 does not divide the input channels 3",
        ),
        (
            {"input": [8, 8, 4], "layers": [{"type": "maxpool2d", "kernel": 3, "padding": 2}]},
            "model: layers[0] (maxpool2d)",
            "more than half",
        ),
        (
            {"input": [8, 8, 4], "layers": [{"type": "dense", "units": 0}]},
            "model: layers[0] (dense): units",
            "at least 1",
        ),
        (
            {"input": [8, 8, 4], "layers": [{"type": "dropout", "rate": 1.5}]},
            "model: layers[0] (dropout): rate",
            "[0, 1]",
        ),
        (
            {"input": [8, 4], "layers": [{"type": "conv2d", "filters": 1, "kernel": 3}]},
            "model: layers[0] (conv2d)",
            "rank 3",
        ),
        ({"input": [8, 8, 4], "layers": []}, "model: layers", "at least one"),
        (
            {"input": [8, 8, 4], "layers": [{"type": "relu"}], "layot": "chw"},
            "model: layot",
            "did you mean 'layout'",
        ),
        (
            {"input": [8, 8, 4], "layers": [{"type": "relu"}], "framework": "jax"},
            "model: framework",
            "keras, pytorch",
        ),
    ],
)
def test_validation_messages(model, where, message):
    exc = error(model=model)
    assert exc.where == where
    assert message in exc.message


def test_spec_errors_point_with_a_caret():
    spec = "227x227x3 | conv2d filters=256 kernal=5"
    exc = error(spec=spec)
    assert exc.where == "--spec: layers[0] (conv2d)"
    assert exc.message == "unknown key 'kernal' — did you mean 'kernel'?"
    line, caret = exc.hint.split("\n")
    assert line == spec and caret.index("^") == spec.index("kernal")
    spec = "9x9x3 | relu | conv2d filters=4 kernel=7 dilation=2"
    exc = error(spec=spec)
    assert exc.where == "--spec: layers[1] (conv2d)"
    assert exc.hint.split("\n")[1].index("^") == spec.index("conv2d")


@pytest.mark.parametrize(
    "spec, where, message",
    [
        ("conv2d 3 3", "--spec: input", "starts with the input shape"),
        ("8x8x3", "--spec", "no layers"),
        ("8x8x3 |  | relu", "--spec: layers[0]", "empty segment"),
        ("8x8x3 | conv2d 4 3 5 6", "--spec: layers[0] (conv2d)", "expected key=value"),
        ("8x8x3 | conv2d 4 kernel=3 kernel=3", "--spec: layers[0] (conv2d)", "given twice"),
        ("8x8x3 | conv2d 4 3 padding=[[1,1]", "--spec", "unclosed '['"),
        (
            "8x8x3 | conv2d 4 3 padding=sideways",
            "--spec: layers[0] (conv2d): padding",
            "expected valid, same",
        ),
        ("8x8x3 colour=red | relu", "--spec: input", "unexpected 'colour=red'"),
        ("8x8x3 | dense", "--spec: layers[0] (dense)", "missing key 'units'"),
        ("8x8x3 | convolution 3", "--spec: layers[0]", "unknown layer type"),
    ],
)
def test_spec_syntax_errors(spec, where, message):
    exc = error(spec=spec)
    assert exc.where == where and message in exc.message
    assert exc.hint is not None and "^" in exc.hint


def test_model_or_spec_exactly_once():
    assert "either" in error(model={"input": [3]}, spec="3 | relu").message
    assert error().where == "<model>"


def test_missing_file():
    exc = error(model="/nonexistent/model.toml")
    assert "no such file" in exc.message


def test_padding_forms():
    p = lambda spec: hwcheck.params(spec=spec).output_shape
    assert p("10x10x1 | conv2d 1 3 padding=full") == [12, 12, 1]
    assert p("10x10x1 | conv2d 1 3 padding=1x0") == [10, 8, 1]
    assert p("10x10x1 | conv2d 1 3 padding=[[0,2],[1,1]]") == [10, 10, 1]
    assert p("10x10x1 | conv2d 1 4 stride=3 padding=same") == [4, 4, 1]
    assert p("10x10x1 | Conv2D 1 3 | MaxPooling2D 2") == [4, 4, 1]  # Keras spellings


def test_layout_chw():
    r = hwcheck.params(
        spec="3x227x227 | conv2d 256 5 padding=same | maxpool2d 5 stride=2 | flatten", layout="chw"
    )
    assert r.layers[0]["output_shape"] == [256, 227, 227] and r.layers[1]["output_shape"] == [
        256,
        112,
        112,
    ]
    assert hwcheck.params(spec="3x32x32 layout=chw | conv2d 8 3").output_shape == [8, 30, 30]


def test_sizes_are_bounded():
    assert "10^18" in error(spec="10x1 | conv_transpose1d 1 1 stride=1000000000000000000").message
    assert "at most" in error(spec="1" + " | relu" * 10_001).message
    assert "at most" in error(spec="10000000000000000000 | relu").message


def test_large_stack():
    """2,000 layers are within bounds (their speed is measured in benchmarks/bench_arch.py)."""
    spec = "64x64x3 | " + " | ".join(["conv2d 8 3 padding=same", "relu"] * 1000)
    r = hwcheck.params(spec=spec)
    assert len(r.layers) == 2000
    assert r.total_params == 3 * 3 * 3 * 8 + 8 + 999 * (3 * 3 * 8 * 8 + 8)


# ------------------------------------------------------------------------ property tests


@settings(max_examples=60, deadline=None)
@given(st.binary(max_size=300))
def test_random_bytes_never_crash(tmp_path_factory, data):
    path = tmp_path_factory.mktemp("fuzz") / "m.toml"
    path.write_bytes(data)
    try:
        hwcheck.params(str(path))
    except HwcheckError:
        pass


toml_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-3, 300)
    | st.floats(allow_nan=True)
    | st.text(max_size=8)
    | st.sampled_from(["same", "valid", "full", "3x3", "conv2d", "dense"]),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=6), inner, max_size=4)
    ),
    max_leaves=12,
)
layer_tables = st.fixed_dictionaries(
    {
        "type": st.sampled_from(
            [
                "conv2d",
                "conv1d",
                "conv_transpose2d",
                "maxpool2d",
                "avgpool1d",
                "dense",
                "flatten",
                "lstm",
                "batchnorm",
                "embedding",
                "depthwise_conv2d",
                "global_avgpool",
                "bogus",
            ]
        )
    },
    optional={
        k: toml_values | st.integers(0, 6)
        for k in (
            "filters",
            "kernel",
            "stride",
            "padding",
            "dilation",
            "groups",
            "units",
            "output_padding",
            "ceil_mode",
            "vocab",
            "dim",
            "multiplier",
            "bias",
            "filtre",
        )
    },
)


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.integers(-1, 12), min_size=0, max_size=4) | toml_values,
    st.lists(layer_tables | toml_values, max_size=5),
    st.sampled_from([None, "hwc", "chw"]),
)
def test_random_models_raise_only_hwcheck_errors(shape, layers, layout):
    model = {"input": shape, "layers": layers}
    for command in (hwcheck.params, hwcheck.rf):
        try:
            command(model, layout=layout)
        except HwcheckError:
            pass


@settings(max_examples=60, deadline=None)
@given(st.text(alphabet=string.printable + "×|[]=", max_size=80))
def test_random_specs_raise_only_hwcheck_errors(spec):
    try:
        parse_spec(spec)
        load_model(None, spec)
    except HwcheckError:
        pass


# ----------------------------------------------------------------------- spellings, fields, --emit

SAMPLE_INPUTS = {  # a spec fragment each layer type accepts, on an input it accepts
    "embedding": ("7", "embedding 10 4"),
    "split": ("6x6x2", "split 2 | concat( ; )"),  # several outputs: a merge reads them
    "chunk": ("6x6x2", "chunk 2 | concat( ; )"),
    "repeat_vector": ("6", "repeat_vector 3"),
    "rnn": ("7x3", "rnn 4"),
    "lstm": ("7x3", "lstm 4"),
    "gru": ("7x3", "gru 4"),
    "multi_head_attention": ("7x8", "multi_head_attention 2"),
    "reshape": ("4x4x2", "reshape [2,-1]"),
    "permute": ("4x4x2", "permute [2,1,3]"),
    "activation": ("4x4x2", "activation relu"),
    "dropout": ("4x4x2", "dropout 0.5"),
    "group_norm": ("4x4x2", "group_norm 2"),
    "dense": ("4x4x2", "dense 3"),
    "conv_lstm1d": ("5x6x2", "conv_lstm1d 2 1"),
    "conv_lstm2d": ("5x6x6x2", "conv_lstm2d 2 1"),
    "alpha_dropout": ("4x4x2", "alpha_dropout 0.1"),
    "gaussian_dropout": ("4x4x2", "gaussian_dropout 0.1"),
    "gaussian_noise": ("4x4x2", "gaussian_noise 0.1"),
    "position_embedding": ("6x2", "position_embedding"),
    "segment_embedding": ("6x2", "segment_embedding"),
    "class_token": ("6x2", "class_token"),
}


def sample(kind: str) -> str:
    from hwcheck.families.arch.layers import LAYER_TYPES, spatial_rank

    if kind in SAMPLE_INPUTS:
        shape, layer = SAMPLE_INPUTS[kind]
        return f"{shape} | {layer}"
    spec = LAYER_TYPES[kind]
    values = {
        "filters": "2",
        "kernel": "1",
        "target_shape": "[-1]",
        "units": "2",
        "output_size": "3",
    }
    layer = " ".join([kind] + [f"{k}={values[k]}" for k in spec.required])
    rank = spatial_rank(kind) if kind[-1] == "d" and kind[-2].isdigit() else 2
    return f"{'x'.join(['6'] * rank)}x2 | {layer}"


def test_every_layer_type_states_its_receptive_field():
    """No silent identity: each layer type's LayerOut names its field (STYLE: no silent defaults)."""
    from hwcheck.families.arch.layers import LAYER_TYPES, Context, compute
    from hwcheck.families.arch.merge import MERGES

    for kind in (k for k in MERGES if k != "dot"):  # merges take several inputs: a graph
        r = hwcheck.rf(spec=f"8x8x3 | {kind}( conv2d 3 3 padding=same ; conv2d 3 1 )")
        assert r.rf == [3, 3], kind
    with pytest.raises(HwcheckError, match="dot product"):  # pairs of positions: no window
        hwcheck.rf(spec="8x8x3 | dot( conv2d 3 3 padding=same ; conv2d 3 1 )")
    for kind in (k for k in LAYER_TYPES if k not in MERGES):
        model = load_model(None, sample(kind))
        out = LAYER_TYPES[kind].compute(model.layers[0], model.input_shape, Context("hwc", "keras"))
        assert out.field is not None, kind
        compute(model.layers[0], model.input_shape, Context("hwc", "keras"))


def test_rf_through_padding_and_cropping():
    """Zero padding moves the field's start left by the padding, cropping right by the crop;
    neither changes its size (a 1-wide window)."""
    padded = hwcheck.rf(spec="10x10x1 | zero_padding2d 2 | conv2d 1 3")
    cropped = hwcheck.rf(spec="10x10x1 | cropping2d [[3,0],[1,1]] | conv2d 1 3")
    plain = hwcheck.rf(spec="10x10x1 | conv2d 1 3")
    assert padded.rf == cropped.rf == plain.rf == [3, 3]
    assert padded.start == [plain.start[0] - 2] * 2
    assert cropped.start == [plain.start[0] + 3, plain.start[1] + 1]
    for layer in ("upsampling2d 2", "reshape [-1,1]", "multi_head_attention 2"):
        shape = "7x8" if "attention" in layer else "8x8x1"
        try:
            r = hwcheck.rf(spec=f"{shape} | {layer}")
        except HwcheckError as exc:
            assert "not supported" in exc.message
        else:
            assert r.jump is None  # global: attention sees every position


def test_spec_accepts_both_frameworks_spellings():
    a = hwcheck.params(spec="9x9x3 | Conv2D filters=8 kernel_size=3 strides=2 use_bias=false")
    b = hwcheck.params(spec="9x9x3 | conv2d 8 3 stride=2 bias=false")
    assert a.total_params == b.total_params == 3 * 3 * 3 * 8
    exc = error(spec="9x9x3 | conv2d 8 3 strides=2 stride=2")
    assert "say the same thing" in exc.message
    exc = error(
        model={"input": [9, 9, 3], "layers": [{"type": "conv2d", "filters": 8, "kernel_sise": 3}]}
    )
    assert "did you mean 'kernel_size'" in exc.message
    exc = error(spec="9x9x3 | conv2d 8 3 padding_mode=mirror")
    assert "zeros, reflect" in exc.message


def test_emit_on_the_command_line(cli):
    import ast
    import json

    code, out, err = cli(
        "params", "--spec", "8x8x3 | conv2d 4 3 | flatten | dense 2", "--emit", "keras"
    )
    assert code == 0 and err == ""
    ast.parse(out)
    assert "layers.Conv2D(" in out and "def build()" in out
    code, out, _ = cli(
        "params", "--spec", "3x8x8 layout=chw | conv2d 4 3", "--emit", "pytorch", "--json"
    )
    payload = json.loads(out)
    assert payload["framework"] == "pytorch" and "nn.Conv2d(" in payload["code"]
    ast.parse(payload["code"])
    assert all(len(line) <= 100 for line in payload["code"].splitlines())
    code, _, err = cli("params", "--spec", "8x8x3 | maxpool2d 2 ceil_mode=true", "--emit", "keras")
    assert code == 2 and "Keras pools have no ceil_mode" in err


def test_messages_name_the_key_as_written():
    exc = error(
        model={"input": [9, 9, 3], "layers": [{"type": "Conv2D", "filters": 8, "kernel_size": 0}]}
    )
    assert exc.where.endswith("kernel_size")
    model = load_model(
        {"input": [9, 9, 3], "layers": [{"type": "Conv2D", "filters": 8, "kernel_size": 3}]}, None
    )
    assert set(model.layers[0].options) == {
        "filters",
        "kernel",
        "stride",
        "padding",
        "dilation",
        "groups",
        "bias",
    }
