"""params: published parameter counts, the course exercises, framework conventions."""

from __future__ import annotations

import pytest

import hwcheck
from hwcheck.core.errors import HwcheckError


def params(spec=None, **kw):
    return hwcheck.params(spec=spec, **kw) if spec else hwcheck.params(**kw)


def vgg16_spec() -> str:
    blocks = [(64, 2), (128, 2), (256, 3), (512, 3), (512, 3)]
    layers = ["224x224x3"]
    for filters, n in blocks:
        layers += [f"conv2d {filters} 3 padding=same"] * n + ["maxpool2d 2"]
    layers += ["flatten", "dense 4096", "dense 4096", "dense 1000"]
    return " | ".join(layers)


def test_vgg16_keras_count():
    """Keras VGG16(include_top=True), 224×224×3: 138,357,544 parameters."""
    r = params(vgg16_spec())
    assert r.total_params == 138_357_544
    assert r.layers[-4]["output_shape"] == [25088]


def test_lenet5_count():
    r = params(
        "32x32x1 | conv2d 6 5 | maxpool2d 2 | conv2d 16 5 | maxpool2d 2 | flatten | dense 120 | dense 84 | dense 10"
    )
    assert r.total_params == 61_706  # published
    # k·k·C_in·C_out + C_out per conv, n_in·units + units per dense; flatten: (((32 − 4)/2 − 4)/2)²·16 = 400
    assert [x["params"] for x in r.layers] == [
        5 * 5 * 1 * 6 + 6,
        0,
        5 * 5 * 6 * 16 + 16,
        0,
        0,
        400 * 120 + 120,
        120 * 84 + 84,
        84 * 10 + 10,
    ]


@pytest.mark.parametrize(
    "layer, expected",
    [
        ("lstm 128", 98_816),  # Keras RNN guide: Embedding(1000, 64) → LSTM(128)
        ("gru 256", 247_296),  # GRU(256), reset_after=True
        ("rnn 128", 24_704),  # SimpleRNN(128) on 64 features: 128·(64 + 128) + 128
    ],
)
def test_keras_recurrent_counts(layer, expected):
    r = params(f"10 | embedding vocab=1000 dim=64 | {layer}")
    assert r.layers[0]["params"] == 64_000
    assert r.layers[1]["params"] == expected


def test_keras_simple_rnn_after_gru_sequences():
    # Keras RNN guide: GRU(256, return_sequences=True) → SimpleRNN(128): 49,280
    r = params("10 | embedding 1000 64 | gru 256 return_sequences=true | rnn 128 | dense 10")
    assert [x["params"] for x in r.layers] == [64_000, 247_296, 49_280, 1_290]
    assert r.layers[1]["output_shape"] == [10, 256]


def test_pytorch_recurrent_biases():
    r = params("10x64 | lstm 128 | dense 1", framework="pytorch")
    assert r.layers[0]["params"] == 4 * (128 * (64 + 128) + 2 * 128)
    r = params("10x64 | rnn 128 bidirectional=true return_sequences=true", framework="pytorch")
    assert r.layers[0]["params"] == 2 * (128 * 192 + 256)
    assert r.output_shape == [10, 256]


def test_batchnorm_conventions():
    keras = params("8x8x64 | batchnorm")
    assert (keras.total_params, keras.trainable_params, keras.non_trainable_params) == (
        256,
        128,
        128,
    )
    torch_ = params("8x8x64 | batchnorm", framework="pytorch", layout="hwc")
    assert (torch_.total_params, torch_.non_trainable_params) == (128, 0)
    assert params("64x8x8 | batchnorm", layout="chw", framework="pytorch").total_params == 128


def test_exercise_b():
    r = params("35x35x16 | conv2d filters=32 kernel=3 padding=same")
    assert r.output_shape == [35, 35, 32]
    assert r.total_params == 4640
    assert r.layers[0]["formula"] == "3·3·16·32 + 32 = 4,640"


def test_exercise_c_and_variant():
    c = params(
        "227x227x3 | conv2d 256 5 padding=same | conv2d 128 5 padding=same | maxpool2d 5 stride=2 "
        "| flatten | dense 512 | dense 100"
    )
    pooled = (227 - 5) // 2 + 1  # 'same' convolutions keep 227; the pool is valid
    assert [x["params"] for x in c.layers] == [
        5 * 5 * 3 * 256 + 256,
        5 * 5 * 256 * 128 + 128,
        0,
        0,
        pooled * pooled * 128 * 512 + 512,
        512 * 100 + 100,
    ]
    assert c.layers[2]["output_shape"] == [pooled, pooled, 128] == [112, 112, 128]
    assert c.total_params == 822_974_180
    assert c.layers[0]["formula"] == "5·5·3·256 + 256 = 19,456"
    v = params(
        "227x227x3 | conv2d 128 5 padding=same | conv2d 256 5 padding=same | maxpool2d 7 stride=5 "
        "| flatten | dense 512 | dense 100"
    )
    assert v.layers[2]["output_shape"] == [(227 - 7) // 5 + 1] * 2 + [256] == [45, 45, 256]
    assert v.layers[3]["output_shape"] == [518_400]  # not 1,163,520
    assert v.layers[4]["params"] == 518_400 * 512 + 512
    convs = (5 * 5 * 3 * 128 + 128) + (5 * 5 * 128 * 256 + 256)
    assert v.total_params == convs + 265_421_312 + 51_300 == 266_301_796


def test_exercise_g():
    r = params(
        "500x7 | conv1d 16 3 | maxpool1d 2 | conv1d 32 5 | maxpool1d 2 | conv1d 64 5 | flatten "
        "| dense 128 | dense 5"
    )
    lengths = [500]
    for kind, k in [("conv", 3), ("pool", 2), ("conv", 5), ("pool", 2), ("conv", 5)]:
        lengths.append(lengths[-1] - k + 1 if kind == "conv" else lengths[-1] // k)
    flat = lengths[-1] * 64
    shapes = [x["output_shape"] for x in r.layers]
    assert shapes == [
        [lengths[1], 16],
        [lengths[2], 16],
        [lengths[3], 32],
        [lengths[4], 32],
        [lengths[5], 64],
        [flat],
        [128],
        [5],
    ]
    assert shapes == [[498, 16], [249, 16], [245, 32], [122, 32], [118, 64], [7552], [128], [5]]
    assert [x["params"] for x in r.layers] == [
        3 * 7 * 16 + 16,
        0,
        5 * 16 * 32 + 32,
        0,
        5 * 32 * 64 + 64,
        0,
        flat * 128 + 128,
        128 * 5 + 5,
    ]


def test_explain_arithmetic():
    r = params(
        "227x227x3 | conv2d 256 5 padding=same | maxpool2d 3 stride=2 padding=1 ceil_mode=true",
        explain=True,
    )
    assert r.layers[0]["size_formula"][0] == "H: ⌊(227 + 2 + 2 − 5)/1⌋ + 1 = 227"
    assert r.layers[1]["size_formula"][0] == "H: ⌈(227 + 1 + 1 − 3)/2⌉ + 1 = 114"
    texts = [line for section in r.view() for line in getattr(section, "lines", ())]
    assert any("⌊(227 + 2 + 2 − 5)/1⌋ + 1 = 227" in t for t in texts)


def test_exact_integers_beyond_2_53():
    r = params("1000000 | dense 1000000 | dense 1000000 | dense 1000000")
    assert r.total_params == 3 * (10**12 + 10**6) == 3_000_003_000_000
    big = params("1000000000000 | dense 100000")
    assert big.total_params == 10**17 + 10**5  # > 2^53, exact
    assert big.to_json()["total_params"] == 100_000_000_000_100_000


def test_grouped_depthwise_separable():
    r = params(
        "32x32x16 | conv2d 32 3 groups=4 | depthwise_conv2d 3 multiplier=2 | separable_conv2d 10 3"
    )
    assert r.layers[0]["params"] == 3 * 3 * 4 * 32 + 32
    assert r.layers[1]["params"] == 3 * 3 * 32 * 2 + 64
    assert r.layers[1]["output_shape"] == [28, 28, 64]
    assert r.layers[2]["params"] == 3 * 3 * 64 + 64 * 10 + 10


def test_transposed_keras_and_pytorch():
    n = 7  # (n − 1)·s − 2p + (k − 1) + output_padding + 1, as torch.nn.ConvTranspose2d documents
    assert params("7x7x8 | conv_transpose2d 4 3 stride=2").output_shape == [(n - 1) * 2 + 3] * 2 + [
        4
    ]
    assert params("7x7x8 | conv_transpose2d 4 1 stride=2").output_shape == [
        n * 2 + max(1 - 2, 0)
    ] * 2 + [4]  # keras
    torch_ = params("7x7x8 | conv_transpose2d 4 1 stride=2", framework="pytorch", layout="hwc")
    assert torch_.output_shape == [(n - 1) * 2 + 1] * 2 + [4]
    assert params("7x7x8 | conv_transpose2d 4 3 stride=2 padding=same").output_shape == [
        n * 2
    ] * 2 + [4]
    assert params(
        "8x7x7 | conv_transpose2d 4 3 stride=2 padding=1 output_padding=1", layout="chw"
    ).output_shape == [4, *[(n - 1) * 2 - 2 * 1 + (3 - 1) + 1 + 1] * 2]


def test_memory_and_macs():
    r = params("35x35x16 | conv2d filters=32 kernel=3 padding=same")
    assert r.total_macs == 35 * 35 * 3 * 3 * 16 * 32
    assert r.param_memory_bytes == 4 * 4640
    assert r.activation_memory_bytes == 4 * (35 * 35 * 16 + 35 * 35 * 32)


def test_columns_add_up():
    """torchinfo's check: every column adds up to its total."""
    r = params(vgg16_spec())
    assert sum(x["params"] for x in r.layers) == r.total_params
    assert sum(x["trainable"] for x in r.layers) == r.trainable_params
    assert sum(x["macs"] for x in r.layers) == r.total_macs
    assert all(x["params"] == x["trainable"] + x["non_trainable"] for x in r.layers)


def test_dense_acts_on_last_axis_and_rnn_shapes():
    assert params("4x4x8 | dense 3").output_shape == [4, 4, 3]
    assert params("20x5 | lstm 7 return_sequences=true | gru 3").output_shape == [3]
    assert params("20 | embedding 100 8 | flatten").output_shape == [160]


def test_json_is_deterministic():
    a = params(vgg16_spec()).to_json()
    b = params(vgg16_spec()).to_json()
    from hwcheck.core.jsonout import dumps

    assert dumps(a) == dumps(b)
    assert list(a)[:4] == ["hwcheck", "command", "input_shape", "layout"]
    for key in (
        "framework",
        "layers",
        "output_shape",
        "total_params",
        "trainable_params",
        "non_trainable_params",
        "total_macs",
    ):
        assert key in a
    assert set(a["layers"][0]) >= {
        "index",
        "name",
        "type",
        "output_shape",
        "params",
        "trainable",
        "non_trainable",
        "macs",
    }


def test_inline_model_and_toml_text():
    model = {
        "input": [35, 35, 16],
        "layers": [{"type": "conv2d", "filters": 32, "kernel": 3, "padding": "same"}],
    }
    assert hwcheck.params(model).total_params == 4640
    text = 'input = [35, 35, 16]\n[[layers]]\ntype = "conv2d"\nfilters = 32\nkernel = [3, 3]\npadding = "same"\n'
    assert hwcheck.params(text).total_params == 4640


def test_spec_shorthands_equal_keys():
    a = params("35x35x16 | conv2d 32 3 padding=same").to_json()
    b = params("35x35x16 | conv2d filters=32 kernel=3x3 padding=same").to_json()
    assert a == b


def test_pytorch_rejects_strided_same():
    with pytest.raises(HwcheckError, match="not supported for strided"):
        params("8x8x3 | conv2d 4 3 stride=2 padding=same", framework="pytorch")
    assert params("8x8x3 | conv2d 4 3 stride=2 padding=same").output_shape == [4, 4, 4]
    with pytest.raises(
        HwcheckError, match="not supported for strided"
    ):  # torch.nn.Conv2d(groups=C) refuses it too
        params("8x8x3 | depthwise_conv2d 3 stride=2 padding=same", framework="pytorch")
    assert params("8x8x3 | depthwise_conv2d 3 stride=2 padding=same").output_shape == [4, 4, 3]


def test_explain_transposed_and_dropped_window():
    r = params("8x7x7 | conv_transpose2d 4 3 stride=2 padding=1 output_padding=1", layout="chw")
    assert r.layers[0]["size_formula"][0] == "H: (7 − 1)·2 − 1 − 1 + 1·(3 − 1) + 1 + 1 = 14"
    assert (
        params("7x7x8 | conv_transpose2d 4 3 stride=2").layers[0]["size_formula"][0]
        == "H: 7·2 + max(3 − 2, 0) = 15"
    )
    r = params("5x1 | maxpool1d 2 stride=2 padding=1 ceil_mode=true")
    assert r.output_shape == [3, 1]
    assert r.layers[0]["size_formula"][0].startswith("L: ⌈(5 + 1 + 1 − 2)/2⌉ + 1 = 4 − 1 = 3")


# ----------------------------------------------------------------------- the model zoo


def test_zoo_names_on_the_command_line(cli):
    import json

    code, out, _ = cli("params", "--model", "lenet5", "--json")
    assert code == 0 and '"total_params": 61706' in out
    code, out, _ = cli("rf", "vgg16", "--json")  # a bare zoo name as the positional
    assert code == 0 and json.loads(out)["global"]  # the dense head sees the whole input
    code, _, err = cli("params", "--model", "vgg61")
    assert code == 2 and "'vgg16'" in err and "hwcheck models" in err


def test_zoo_name_in_an_answers_file(tmp_path, cli):
    """A zoo name in an answers file reads the packaged model, though it lies outside the file's
    folder (which model paths may not leave)."""
    answers = tmp_path / "answers.toml"
    answers.write_text(
        '[[exercise]]\nid = "vgg"\ncommand = "params"\nmodel = "vgg16"\n'
        "[exercise.claims]\ntotal_params = 138357544\n",
        encoding="utf-8",
    )
    code, out, _ = cli("check", str(answers))
    assert code == 0 and "1 passed" in out


@pytest.mark.parametrize(
    "name, layer, rf, stride, padding",
    [("mobilenet", "conv_13.pw_relu", 315, 32, 126), ("vgg16", "block5_pool", 212, 32, 90)],
)
def test_zoo_receptive_fields(name, layer, rf, stride, padding):
    """google-research/receptive_field's table: MobileNet v1 (at the last ReLU6) 315, effective
    stride 32, effective padding 126; VGG-16 (at pool5) 212, 32, 90. The effective padding is
    where unit 0's field starts, negated."""
    names = [row["name"] for row in hwcheck.params(model=name).layers]
    r = hwcheck.rf(model=name, layer=names.index(layer))
    assert r.rf == [rf, rf] and r.jump == [stride, stride]
    assert [s - (f - 1) / 2 for s, f in zip(r.start, r.rf)] == [-padding, -padding]
