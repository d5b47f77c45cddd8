"""The layer types and spellings added for networks written around before: each against real
Keras 3 and torch.nn (shapes and parameter counts), skipped when a framework is absent."""

from __future__ import annotations

import os

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import hwcheck
from hwcheck.core.errors import HwcheckError
from hwcheck.families.arch.extra_layers import adaptive_windows

os.environ.setdefault("KERAS_BACKEND", "torch")


def ours(spec: str, **kw):
    r = hwcheck.params(spec=spec, **kw)
    return tuple(r.output_shape), r.total_params


def keras_of(shape, *layers):
    keras = pytest.importorskip("keras")
    x = keras.Input(shape=shape)
    y = x
    for layer in layers:
        y = layer(y, y) if isinstance(layer, keras.layers.MultiHeadAttention) else layer(y)
    return tuple(y.shape[1:]), keras.Model(x, y).count_params()


# ---------------------------------------------------------------------- Keras layers


def test_normalization_with_given_statistics_holds_no_weights():
    keras = pytest.importorskip("keras")
    L = keras.layers
    given_stats = L.Normalization(mean=[0.485, 0.456, 0.406], variance=[0.05, 0.05, 0.05])
    assert ours(
        "8x8x3 | normalization mean=[0.485,0.456,0.406] variance=[0.05,0.05,0.05]"
    ) == keras_of((8, 8, 3), given_stats)
    assert ours("8x8x3 | normalization") == keras_of((8, 8, 3), L.Normalization())


@pytest.mark.parametrize(
    ("spec", "build"),
    [
        (
            "8x8x3 | softsign | celu | log_softmax",
            lambda L: [L.Activation("softsign"), L.Activation("celu"), L.Activation("log_softmax")],
        ),
        ("8x8x3 | softmax axis=1", lambda L: [L.Softmax(axis=1)]),
        (
            "8x8x3 | relu max_value=4 threshold=0.5 negative_slope=0.1",
            lambda L: [L.ReLU(max_value=4.0, threshold=0.5, negative_slope=0.1)],
        ),
        (
            "8x8x3 | alpha_dropout 0.1 | gaussian_noise 0.2 | gaussian_dropout 0.3",
            lambda L: [L.AlphaDropout(0.1), L.GaussianNoise(0.2), L.GaussianDropout(0.3)],
        ),
        (
            "8x8x3 | upsampling2d 2 interpolation=bicubic",
            lambda L: [L.UpSampling2D(2, interpolation="bicubic")],
        ),
        ("8x8x3 | unit_normalization", lambda L: [L.UnitNormalization()]),
        (
            "8x8x3 | rescaling scale=[1,2,3] offset=[0,0,1]",
            lambda L: [L.Rescaling(scale=[1, 2, 3], offset=[0, 0, 1])],
        ),
        ("5x8x8x3 | conv_lstm2d 4 3", lambda L: [L.ConvLSTM2D(4, 3)]),
        (
            "5x8x8x3 | ConvLSTM2D 4 3 stride=2 padding=same return_sequences=true",
            lambda L: [L.ConvLSTM2D(4, 3, strides=2, padding="same", return_sequences=True)],
        ),
        (
            "5x8x3 | ConvLSTM1D 4 3 return_sequences=true padding=same",
            lambda L: [L.ConvLSTM1D(4, 3, return_sequences=True, padding="same")],
        ),
        ("5x8x3 | conv_lstm1d 2 5 bias=false", lambda L: [L.ConvLSTM1D(2, 5, use_bias=False)]),
        (
            "5x6 | multi_head_attention 2 4 output_shape=7",
            lambda L: [L.MultiHeadAttention(2, 4, output_shape=7)],
        ),
        ("3x5x6 | multi_head_attention 2 4", lambda L: [L.MultiHeadAttention(2, 4)]),
        ("7x7x3 | AdaptiveAveragePooling2D 3", lambda L: [L.AdaptiveAveragePooling2D(3)]),
        ("9x4 | AdaptiveMaxPooling1D 4", lambda L: [L.AdaptiveMaxPooling1D(4)]),
    ],
)
def test_keras_layers_written_around_before(spec, build):
    keras = pytest.importorskip("keras")
    layers = build(keras.layers)
    first = spec.split(" | ")[0]
    shape = tuple(int(n) for n in first.split("x"))
    assert ours(spec) == keras_of(shape, *layers)


def test_keras_merges_minimum_dot_concatenate_and_one_input():
    keras = pytest.importorskip("keras")
    L = keras.layers
    x = keras.Input((5,))
    a, b = L.Dense(4)(x), L.Dense(4)(x)
    for spec, merged in [
        ("5 | minimum( dense 4 ; dense 4 )", L.Minimum()([a, b])),
        ("5 | dot axes=1 ( dense 4 ; dense 4 )", L.Dot(axes=1)([a, b])),
        ("5 | Concatenate( dense 4 ; dense 4 )", L.Concatenate()([a, b])),
    ]:
        model = keras.Model(x, merged)
        assert ours(spec) == (tuple(merged.shape[1:]), model.count_params())
    t = keras.Input((4, 5))
    dotted = L.Dot(axes=(2, 2))([L.Dense(5)(t), L.Dense(5)(t)])
    assert ours("4x5 | dot axes=[2,2] ( dense 5 ; dense 5 )") == (
        tuple(dotted.shape[1:]),
        keras.Model(t, dotted).count_params(),
    )
    assert tuple(L.Add()([a]).shape) == (None, 4)  # one input: Keras passes it through


def test_a_one_input_merge_in_a_model_file(tmp_path):
    model = tmp_path / "m.toml"
    model.write_text(
        'input = "8x8x3"\n[[layers]]\ntype = "conv2d"\nname = "c"\nfilters = 4\nkernel = 1\n'
        '[[layers]]\ntype = "Add"\ninputs = ["c"]\n',
        encoding="utf-8",
    )
    assert hwcheck.params(model=str(model)).output_shape == [8, 8, 4]


# ---------------------------------------------------------------------- torch layers


@settings(max_examples=40, deadline=None)
@given(st.integers(1, 20), st.integers(1, 20))
def test_adaptive_windows_are_torchs(n, out):
    """Each output of torch's adaptive average pooling is the mean of our window."""
    torch = pytest.importorskip("torch")
    out = min(out, n)
    x = torch.arange(n, dtype=torch.float64)[None, None] ** 2
    pooled = torch.nn.functional.adaptive_avg_pool1d(x, out)[0, 0].tolist()
    values = x[0, 0].tolist()
    for (a, b), mean in zip(adaptive_windows(n, out), pooled, strict=True):
        assert sum(values[a:b]) / (b - a) == pytest.approx(mean, rel=1e-12)


@pytest.mark.parametrize(
    ("spec", "module", "shape"),
    [
        ("3x7x7 | AdaptiveAvgPool2d 3", lambda nn: nn.AdaptiveAvgPool2d(3), (3, 7, 7)),
        (
            "3x7x9 | AdaptiveMaxPool2d output_size=[2,4]",
            lambda nn: nn.AdaptiveMaxPool2d((2, 4)),
            (3, 7, 9),
        ),
        ("2x10 | adaptive_avgpool1d 5", lambda nn: nn.AdaptiveAvgPool1d(5), (2, 10)),
        ("8x4x4 | layer_scale", None, (8, 4, 4)),
        (
            "3x8x8 | softsign | celu alpha=0.5 | log_softmax dim=0",
            lambda nn: nn.Sequential(nn.Softsign(), nn.CELU(0.5), nn.LogSoftmax(dim=1)),
            (3, 8, 8),
        ),
        ("3x8x8 | AlphaDropout 0.1", lambda nn: nn.AlphaDropout(0.1), (3, 8, 8)),
        (
            "3x8x8 | upsample 2 mode=bicubic",
            lambda nn: nn.Upsample(scale_factor=2, mode="bicubic"),
            (3, 8, 8),
        ),
    ],
)
def test_torch_layers_written_around_before(spec, module, shape):
    torch = pytest.importorskip("torch")
    out, params = ours(spec, framework="pytorch", layout="chw")
    if module is None:  # LayerScale as timm writes it: one γ per channel, shape (C, 1, 1)
        gamma = torch.nn.Parameter(torch.ones(shape[0], 1, 1))
        assert params == gamma.numel() and out == shape
        return
    m = module(torch.nn)
    y = m(torch.zeros(1, *shape))
    assert out == tuple(y.shape[1:]) and params == sum(p.numel() for p in m.parameters())


def test_unequal_adaptive_windows_give_each_unit_its_field():
    """5 → 3 pools [0,2) [1,4) [3,5): fields of 2, 3 and 2 (tests/test_rf_uneven.py)."""
    unevenly = hwcheck.rf(spec="5x5x3 | adaptive_avgpool2d 3")
    assert unevenly.rf == [3, 3] and unevenly.unit_rf == [[2, 3, 2]] * 2
    evenly = hwcheck.rf(spec="7x7x3 | adaptive_avgpool2d 3")  # [0,3) [2,5) [4,7): a pool 3, 2
    assert evenly.rf == [3, 3] and evenly.jump == [2, 2]


def test_equal_adaptive_windows_are_a_pool_for_rf():
    adaptive = hwcheck.rf(spec="8x8x3 | adaptive_avgpool2d 4")
    pooled = hwcheck.rf(spec="8x8x3 | avgpool2d 2")
    assert adaptive.rf == pooled.rf and adaptive.jump == pooled.jump


@pytest.mark.parametrize(
    "spec",
    [
        "8x8x3 | normalization mean=[0.1,0.2] variance=[1,2]",
        "8x8x3 | normalization mean=[0.1,0.2,0.3]",
        "8x8x3 | rescaling scale=[1,2]",
        "8x8x3 | adaptive_avgpool2d output_size=[2,2,2]",
        "8x8x3 | conv_lstm2d 4 3",
        "5 | dot axes=0 ( dense 4 ; dense 4 )",
        "5 | dot axes=1 ( dense 4 ; dense 3 )",
    ],
)
def test_what_the_frameworks_refuse_is_refused(spec):
    with pytest.raises(HwcheckError):
        hwcheck.params(spec=spec)
