"""params against real Keras 3 (torch backend): layers built in Keras directly, random stacks
(shapes, counts and rejections), both frameworks' key spellings, ``activation=``, and the
``--emit keras`` round trip. Skipped when Keras is not installed."""

from __future__ import annotations

import os
import runpy

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import hwcheck
from hwcheck.core.errors import HwcheckError
from hwcheck.families.arch.emit import emit
from hwcheck.families.arch.model import load_model

os.environ.setdefault("KERAS_BACKEND", "torch")
keras = pytest.importorskip("keras")
L = keras.layers

SETTINGS = settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def ours(spec: str, **kw):
    """(output shape, params) or the HwcheckError, keras convention."""
    try:
        r = hwcheck.params(spec=spec, **kw)
    except HwcheckError as exc:
        return exc
    return tuple(r.output_shape), r.total_params


def theirs(shape, *layers, dtype="float32"):
    """(output shape, count_params) of ``layers`` applied in turn, or the exception Keras raised."""
    try:
        x = keras.Input(shape=shape, dtype=dtype)
        y = x
        for layer in layers:
            y = layer(y, y) if isinstance(layer, L.MultiHeadAttention) else layer(y)
        model = keras.Model(x, y)
    except (ValueError, TypeError) as exc:
        return exc
    if 0 in y.shape[1:]:  # Keras builds empty tensors; CONVENTIONS §7 makes a size below 1 an error
        return ValueError("empty output")
    return tuple(y.shape[1:]), model.count_params()


def agree(mine, reference):
    if isinstance(reference, Exception):
        assert isinstance(mine, HwcheckError), f"Keras raised {reference!r}, hwcheck gave {mine}"
    else:
        assert not isinstance(mine, Exception), f"hwcheck raised {mine}, Keras gave {reference}"
        assert mine == reference


def keras_layer(factory):
    """A Keras layer, or the exception its constructor raises (Keras checks some arguments there)."""
    try:
        return factory()
    except (ValueError, TypeError) as exc:
        return exc


# ----------------------------------------------------------------------- conformance (15.5)


def test_transposed_output_padding_zero_is_keras():
    """The repro of issue 15: Keras gives [1, 1], not n·s = [2, 1]."""
    spec = "2x1 | conv_transpose1d filters=1 kernel=2 padding=same output_padding=0"
    agree(ours(spec), theirs((2, 1), L.Conv1DTranspose(1, 2, padding="same", output_padding=0)))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.integers(1, 9),
    st.integers(1, 5),
    st.integers(1, 3),
    st.integers(1, 2),
    st.sampled_from(["valid", "same"]),
    st.one_of(st.none(), st.integers(0, 2)),
)
def test_transposed_against_keras(n, k, s, d, padding, op):
    spec = f"{n}x2 | conv_transpose1d 3 {k} stride={s} dilation={d} padding={padding}"
    spec += "" if op is None else f" output_padding={op}"
    layer = keras_layer(
        lambda: L.Conv1DTranspose(
            3, k, strides=s, dilation_rate=d, padding=padding, output_padding=op
        )
    )
    agree(ours(spec), layer if isinstance(layer, Exception) else theirs((n, 2), layer))


def test_global_pool_3d_spellings_and_rank():
    agree(
        ours("4x4x4x3 | GlobalAveragePooling3D"), theirs((4, 4, 4, 3), L.GlobalAveragePooling3D())
    )
    agree(ours("4x4x4x3 | GlobalMaxPooling3D"), theirs((4, 4, 4, 3), L.GlobalMaxPooling3D()))
    agree(ours("5x4 | GlobalAveragePooling2D"), theirs((5, 4), L.GlobalAveragePooling2D()))
    agree(
        ours("5x6x4 | GlobalMaxPooling2D keepdims=true"),
        theirs((5, 6, 4), L.GlobalMaxPooling2D(keepdims=True)),
    )


def test_dropout_rate_one():
    agree(ours("5x4 | Dropout rate=1.0"), theirs((5, 4), L.Dropout(1.0)))


def test_pytorch_refuses_same_on_transposed_and_pools():
    torch = pytest.importorskip("torch")
    with pytest.raises(TypeError):
        torch.nn.ConvTranspose1d(2, 3, 3, padding="same")(torch.zeros(1, 2, 8))
    with pytest.raises(TypeError):
        torch.nn.MaxPool1d(2, padding="same")(torch.zeros(1, 2, 8))
    for layer in ("conv_transpose1d 3 3 padding=same", "maxpool1d 2 padding=same"):
        exc = ours(f"2x8 | {layer}", framework="pytorch", layout="chw")
        assert isinstance(exc, HwcheckError) and "PyTorch" in exc.message


# ----------------------------------------------------------------------- spellings (10.5)


SPELLINGS = [
    # (hwcheck spec with Keras/torch spellings, input shape, Keras layer)
    ("conv2d filters=8 kernel_size=3 strides=2 use_bias=false", (9, 9, 3), lambda: L.Conv2D(8, 3, strides=2, use_bias=False)),
    ("conv2d out_channels=8 kernel_size=[3,1] dilation_rate=2", (9, 9, 3), lambda: L.Conv2D(8, (3, 1), dilation_rate=2)),
    ("conv2d 8 3 in_channels=3", (9, 9, 3), lambda: L.Conv2D(8, 3)),
    ("maxpool2d pool_size=3 strides=2", (9, 9, 3), lambda: L.MaxPooling2D(3, 2)),
    ("AveragePooling1D pool_size=2", (9, 3), lambda: L.AveragePooling1D(2)),
    ("dense out_features=7 in_features=3", (5, 3), lambda: L.Dense(7)),
    ("Linear out_features=7 use_bias=false", (3,), lambda: L.Dense(7, use_bias=False)),
    ("dropout p=0.5", (3,), lambda: L.Dropout(0.5)),
    ("batchnorm num_features=3", (9, 9, 3), lambda: L.BatchNormalization()),
    ("lstm hidden_size=5 input_size=3", (7, 3), lambda: L.LSTM(5)),
    ("embedding num_embeddings=100 embedding_dim=8", (7,), lambda: L.Embedding(100, 8)),
    ("Embedding input_dim=100 output_dim=8", (7,), lambda: L.Embedding(100, 8)),
    ("DepthwiseConv2D kernel_size=3 depth_multiplier=2", (9, 9, 3), lambda: L.DepthwiseConv2D(3, depth_multiplier=2)),
    ("GroupNorm num_groups=2 num_channels=4 eps=1e-5", (6, 6, 4), lambda: L.GroupNormalization(2)),
    ("LeakyReLU negative_slope=0.1", (6, 4), lambda: L.LeakyReLU(negative_slope=0.1)),
    ("MultiHeadAttention num_heads=2 key_dim=4 embed_dim=8", (5, 8), lambda: L.MultiHeadAttention(2, 4)),
    ("UpSampling2D size=[2,3]", (4, 5, 2), lambda: L.UpSampling2D((2, 3))),
    ("Reshape target_shape=[-1,2]", (4, 5, 2), lambda: L.Reshape((-1, 2))),
]  # fmt: skip


@pytest.mark.parametrize("layer, shape, factory", SPELLINGS, ids=[s[0] for s in SPELLINGS])
def test_spellings_against_keras(layer, shape, factory):
    dtype = "int32" if "mbedding" in layer else "float32"
    agree(ours(f"{'x'.join(map(str, shape))} | {layer}"), theirs(shape, factory(), dtype=dtype))


@pytest.mark.parametrize(
    "spec, where",
    [
        ("9x9x3 | conv2d 8 3 in_channels=4", "in_channels = 4"),
        ("5x3 | dense 7 in_features=2", "in_features = 2"),
        ("9x9x3 | batchnorm num_features=4", "num_features = 4"),
        ("7x3 | lstm 5 input_size=4", "input_size = 4"),
        ("5x8 | multi_head_attention 2 embed_dim=6", "embed_dim = 6"),
    ],
)
def test_stated_input_sizes_are_checked(spec, where):
    exc = ours(spec)
    assert isinstance(exc, HwcheckError) and where in exc.message


def test_two_spellings_of_one_key_and_suggestions():
    exc = ours("9x9x3 | conv2d 8 kernel=3 kernel_size=3")
    assert "say the same thing" in exc.message
    exc = ours("9x9x3 | conv2d 8 3 stirdes=2")
    assert "did you mean 'strides'" in exc.message
    exc = ours("9x9x3 | maxpool2d pool_sise=2")
    assert "pool_size" in exc.message
    assert isinstance(ours("9x9x3 | conv2d 8 pool_size=3"), HwcheckError)  # pools only


@pytest.mark.parametrize(
    "act", ["relu", "relu6", "silu", "swish", "selu", "hard_sigmoid", "hard_swish", "softplus", "mish", "gelu", "linear", "softmax"]
)  # fmt: skip
def test_activation_argument_against_keras(act):
    """activation= is an activation after the layer: the same shape and no parameters."""
    agree(
        ours(f"9x9x3 | conv2d 8 3 activation={act}"),
        theirs((9, 9, 3), L.Conv2D(8, 3, activation=act)),
    )
    agree(ours(f"5x3 | dense 4 activation={act}"), theirs((5, 3), L.Dense(4, activation=act)))
    agree(ours(f"5x3 | activation {act}"), theirs((5, 3), L.Activation(act)))
    assert isinstance(ours("5x3 | dense 4 activation=glu"), HwcheckError)


# ----------------------------------------------------------------------- the layers users meet


LAYERS = [
    ("upsampling1d 3", (5, 2), lambda: L.UpSampling1D(3)),
    ("upsampling2d 2 interpolation=bilinear", (4, 5, 2), lambda: L.UpSampling2D(2, interpolation="bilinear")),
    ("upsampling3d [1,2,3]", (2, 3, 4, 2), lambda: L.UpSampling3D((1, 2, 3))),
    ("zero_padding1d [[1,2]]", (5, 2), lambda: L.ZeroPadding1D((1, 2))),
    ("zero_padding2d [[1,2],[0,3]]", (4, 5, 2), lambda: L.ZeroPadding2D(((1, 2), (0, 3)))),
    ("zero_padding3d 1", (2, 3, 4, 2), lambda: L.ZeroPadding3D(1)),
    ("cropping1d [[1,2]]", (5, 2), lambda: L.Cropping1D((1, 2))),
    ("cropping2d [[1,0],[2,1]]", (4, 5, 2), lambda: L.Cropping2D(((1, 0), (2, 1)))),
    ("cropping3d 1", (3, 3, 4, 2), lambda: L.Cropping3D(1)),
    ("cropping2d 3", (4, 5, 2), lambda: L.Cropping2D(3)),
    ("reshape [5,8]", (4, 5, 2), lambda: L.Reshape((5, 8))),
    ("reshape [3,-1]", (4, 5, 2), lambda: L.Reshape((3, -1))),
    ("permute [3,1,2]", (4, 5, 2), lambda: L.Permute((3, 1, 2))),
    ("repeat_vector 4", (6,), lambda: L.RepeatVector(4)),
    ("prelu", (4, 5, 2), lambda: L.PReLU()),
    ("prelu shared_axes=[1,2]", (4, 5, 2), lambda: L.PReLU(shared_axes=[1, 2])),
    ("group_norm 2", (4, 5, 6), lambda: L.GroupNormalization(2)),
    ("group_norm 4", (4, 5, 6), lambda: L.GroupNormalization(4)),
    ("group_norm 3 center=false", (4, 5, 6), lambda: L.GroupNormalization(3, center=False)),
    ("batchnorm center=false", (4, 5, 6), lambda: L.BatchNormalization(center=False)),
    ("batchnorm center=false scale=false", (4, 5, 6), lambda: L.BatchNormalization(center=False, scale=False)),
    ("layernorm axis=[-2,-1]", (4, 5, 6), lambda: L.LayerNormalization(axis=[-2, -1])),
    ("layernorm axis=[0,1,2]", (4, 5, 6), lambda: L.LayerNormalization(axis=[1, 2, 3])),
    ("layernorm rms_scaling=true", (4, 5, 6), lambda: L.LayerNormalization(rms_scaling=True)),
    ("layernorm scale=false", (4, 6), lambda: L.LayerNormalization(scale=False)),
    ("RMSNormalization", (4, 6), lambda: L.RMSNormalization()),
    ("gru 4 reset_after=false", (5, 3), lambda: L.GRU(4, reset_after=False)),
    ("gru 4 reset_after=false bias=false", (5, 3), lambda: L.GRU(4, reset_after=False, use_bias=False)),
    ("rnn 4 bias=false return_sequences=true", (5, 3), lambda: L.SimpleRNN(4, use_bias=False, return_sequences=True)),
    ("lstm 4 use_bias=false", (5, 3), lambda: L.LSTM(4, use_bias=False)),
    ("Conv1D filters=4 kernel_size=3 dilation_rate=2 padding=causal", (9, 3), lambda: L.Conv1D(4, 3, dilation_rate=2, padding="causal")),
    ("Conv1D filters=4 kernel_size=3 strides=2 padding=causal", (9, 3), lambda: L.Conv1D(4, 3, strides=2, padding="causal")),
    ("depthwise_conv1d 3 multiplier=2", (9, 3), lambda: L.DepthwiseConv1D(3, depth_multiplier=2)),
    ("separable_conv1d 5 3 multiplier=2 padding=same", (9, 3), lambda: L.SeparableConv1D(5, 3, depth_multiplier=2, padding="same")),
    ("SeparableConv1D filters=5 kernel_size=3 strides=2", (9, 3), lambda: L.SeparableConv1D(5, 3, strides=2)),
    ("multi_head_attention 2 key_dim=4", (5, 8), lambda: L.MultiHeadAttention(2, 4)),
    ("multi_head_attention 3 key_dim=4 value_dim=5 bias=false", (5, 8), lambda: L.MultiHeadAttention(3, 4, value_dim=5, use_bias=False)),
    ("relu6", (5, 3), lambda: L.ReLU(max_value=6)),
    ("Softmax", (5, 3), lambda: L.Softmax()),
]  # fmt: skip


@pytest.mark.parametrize("layer, shape, factory", LAYERS, ids=[s[0] for s in LAYERS])
def test_layers_against_keras(layer, shape, factory):
    agree(ours(f"{'x'.join(map(str, shape))} | {layer}"), theirs(shape, factory()))


@pytest.mark.parametrize("merge", ["concat", "sum", "mul", "ave"])
@pytest.mark.parametrize("kind, cls", [("lstm", "LSTM"), ("gru", "GRU"), ("rnn", "SimpleRNN")])
@pytest.mark.parametrize("sequences", [False, True])
def test_bidirectional_merge_modes(merge, kind, cls, sequences):
    spec = f"6x3 | {kind} 4 bidirectional=true merge_mode={merge} return_sequences={str(sequences).lower()}"
    layer = L.Bidirectional(getattr(L, cls)(4, return_sequences=sequences), merge_mode=merge)
    agree(ours(spec), theirs((6, 3), layer))


def test_attention_counts_and_macs():
    """Keras MultiHeadAttention(2, key_dim=4, value_dim=3) on [5, 8]: q, k 8·2·4 + 8 each, v
    8·2·3 + 6, output 6·8 + 8 = 254; MACs: projections 5·8·2·(4 + 4 + 3) + 5·6·8, products
    2·5·5·(4 + 3)."""
    r = hwcheck.params(spec="5x8 | multi_head_attention 2 key_dim=4 value_dim=3")
    x = keras.Input((5, 8))
    mha = L.MultiHeadAttention(2, 4, value_dim=3)
    mha(x, x)
    assert r.total_params == mha.count_params() == 254
    assert r.total_macs == 5 * 8 * 2 * (4 + 4 + 3) + 5 * 6 * 8 + 2 * 5 * 5 * (4 + 3)


def test_transformer_encoder_block():
    """Attention, LayerNorm and a feed-forward block, as Keras counts them."""
    spec = "16x32 | multi_head_attention 4 key_dim=8 | layernorm epsilon=1e-6 | dense 64 activation=relu | dense 32 | dropout 0.1 | layernorm"
    reference = theirs(
        (16, 32),
        L.MultiHeadAttention(4, 8),
        L.LayerNormalization(epsilon=1e-6),
        L.Dense(64, activation="relu"),
        L.Dense(32),
        L.Dropout(0.1),
        L.LayerNormalization(),
    )
    agree(ours(spec), reference)


# ----------------------------------------------------------------------- random stacks


@st.composite
def keras_stack(draw):
    """A random stack on a 2-D input: (spec, input shape, Keras layer factories)."""
    h, w, c = draw(st.integers(3, 14)), draw(st.integers(3, 14)), draw(st.integers(1, 4))
    spec, layers = [f"{h}x{w}x{c}"], []
    for _ in range(draw(st.integers(1, 4))):
        kind = draw(
            st.sampled_from(
                ["conv", "sep", "dw", "pool", "tconv", "up", "pad", "crop", "norm", "act"]
            )
        )
        k, s = draw(st.integers(1, 4)), draw(st.integers(1, 3))
        d = draw(st.integers(1, 2))
        padding = draw(st.sampled_from(["valid", "same"]))
        f = draw(st.integers(1, 5))
        if kind == "conv":  # Keras refuses stride > 1 with dilation > 1 in every convolution;
            d = 1 if s > 1 else d  # hwcheck refuses it only for transposed ones (see README)
            spec.append(f"conv2d {f} {k} strides={s} dilation_rate={d} padding={padding}")
            layers.append(
                lambda f=f, k=k, s=s, d=d, p=padding: L.Conv2D(
                    f, k, strides=s, dilation_rate=d, padding=p
                )
            )
        elif kind == "sep":
            spec.append(f"separable_conv2d {f} {k} strides={s} padding={padding} multiplier={d}")
            layers.append(
                lambda f=f, k=k, s=s, d=d, p=padding: L.SeparableConv2D(
                    f, k, strides=s, padding=p, depth_multiplier=d
                )
            )
        elif kind == "dw":
            spec.append(f"depthwise_conv2d {k} strides={s} padding={padding}")
            layers.append(lambda k=k, s=s, p=padding: L.DepthwiseConv2D(k, strides=s, padding=p))
        elif kind == "pool":
            cls = draw(st.sampled_from(["MaxPooling2D", "AveragePooling2D"]))
            spec.append(f"{cls} pool_size={k} strides={s} padding={padding}")
            layers.append(lambda cls=cls, k=k, s=s, p=padding: getattr(L, cls)(k, s, padding=p))
        elif kind == "tconv":
            op = draw(st.one_of(st.none(), st.integers(0, 2)))
            spec.append(
                f"Conv2DTranspose {f} {k} strides={s} padding={padding}"
                + ("" if op is None else f" output_padding={op}")
            )
            layers.append(
                lambda f=f, k=k, s=s, p=padding, op=op: L.Conv2DTranspose(
                    f, k, strides=s, padding=p, output_padding=op
                )
            )
        elif kind == "up":
            spec.append(f"UpSampling2D size={s}")
            layers.append(lambda s=s: L.UpSampling2D(s))
        elif kind == "pad":
            spec.append(f"ZeroPadding2D [[{k},{s}],[{d},0]]")
            layers.append(lambda k=k, s=s, d=d: L.ZeroPadding2D(((k, s), (d, 0))))
        elif kind == "crop":
            spec.append(f"Cropping2D [[{k - 1},{s - 1}],[{d},0]]")
            layers.append(lambda k=k, s=s, d=d: L.Cropping2D(((k - 1, s - 1), (d, 0))))
        elif kind == "norm":
            which = draw(st.sampled_from(["BatchNormalization", "LayerNormalization", "PReLU"]))
            spec.append(which)
            layers.append(lambda which=which: getattr(L, which)())
        else:
            act = draw(st.sampled_from(["relu6", "silu", "mish", "hard_swish", "selu"]))
            spec.append(f"Activation {act}")
            layers.append(lambda act=act: L.Activation(act))
    if draw(st.booleans()):
        spec += ["GlobalAveragePooling2D", "Dense units=3"]
        layers += [L.GlobalAveragePooling2D, lambda: L.Dense(3)]
    return " | ".join(spec), (h, w, c), layers


@SETTINGS
@given(keras_stack())
def test_random_stacks_against_keras(stack):
    spec, shape, factories = stack
    built = [keras_layer(f) for f in factories]
    failed = next((b for b in built if isinstance(b, Exception)), None)
    agree(ours(spec), failed if failed is not None else theirs(shape, *built))


# ----------------------------------------------------------------------- --emit keras


def run_emitted(code: str, folder):
    """The emitted module, run as a script would be: its ``build()``'s model."""
    path = folder / "emitted_model.py"
    path.write_text(code, encoding="utf-8")
    return runpy.run_path(str(path))["build"]()


def round_trip(spec: str, folder, **kw) -> None:
    """Every layer's output shape and parameter count in the emitted Keras model are hwcheck's."""
    model = load_model(None, spec, **kw)
    r = hwcheck.params(spec=spec, framework="keras", **kw)
    built = run_emitted(emit(model, "keras"), folder)
    names = [x.name for x in built.layers[1:]]
    assert len(names) == len(r.layers)
    for row, layer in zip(r.layers, built.layers[1:]):
        assert list(layer.output.shape[1:]) == row["output_shape"], (row["name"], layer.name)
        assert layer.count_params() == row["params"], (row["name"], layer.name)


EMIT_CASES = [
    "32x32x3 | conv2d 8 3 padding=1 activation=relu | maxpool2d 2 | batchnorm | depthwise_conv2d 3 padding=same | group_norm 4 | upsampling2d 2 | cropping2d 1 | zero_padding2d [[0,1],[2,0]] | prelu shared_axes=[1,2] | conv_transpose2d 4 3 stride=2 padding=1 output_padding=1 | global_avgpool | dense 10 activation=softmax",
    "3x16x16 layout=chw | conv2d 8 3 padding=same | batchnorm | maxpool2d 2 padding=[[0,1],[0,1]] | group_norm 2 | upsampling2d 2 | conv_transpose2d 2 2 stride=2 | global_maxpool keepdims=true | flatten",
    "20 | embedding 50 8 | lstm 6 return_sequences=true bidirectional=true merge_mode=sum | gru 5 reset_after=false return_sequences=true | rnn 3 bias=false",
    "12x16 | multi_head_attention 4 key_dim=4 | layernorm | dense 32 activation=gelu | dense 16 | layernorm rms_scaling=true | rms_norm | flatten | repeat_vector 2 | permute [2,1] | reshape [-1,4]",
    "40x3 | conv1d 4 3 dilation=2 padding=causal | conv1d 4 5 stride=2 padding=full | separable_conv1d 6 3 | depthwise_conv1d 3 multiplier=2 | upsampling1d 2 | zero_padding1d 2 | cropping1d [[1,0]] | avgpool1d 2 | global_avgpool1d",
    "8x8x8x2 | conv3d 3 3 padding=same | upsampling3d 2 | cropping3d 1 | maxpool3d 2 | global_maxpool3d",
]


@pytest.mark.parametrize("spec", EMIT_CASES)
def test_emit_keras_round_trip(spec, tmp_path):
    round_trip(spec, tmp_path)


@pytest.mark.parametrize("name", ["lenet5", "lstm_classifier", "mobilenet"])
def test_emit_keras_round_trip_zoo(name, tmp_path):
    """The zoo's smaller models, emitted and built in Keras: every layer agrees."""
    from hwcheck.families.arch import zoo

    model = load_model(zoo.table(name), None)
    r = hwcheck.params(model=name, framework="keras")
    built = run_emitted(emit(model, "keras"), tmp_path)
    for row, layer in zip(r.layers, built.layers[1:], strict=True):
        assert list(layer.output.shape[1:]) == row["output_shape"], row["name"]
        assert layer.count_params() == row["params"], row["name"]


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(keras_stack())
def test_emit_keras_round_trip_random(tmp_path_factory, stack):
    spec = stack[0]
    try:
        load_model(None, spec)
        hwcheck.params(spec=spec)
    except HwcheckError:
        return
    round_trip(spec, tmp_path_factory.mktemp("emit"))


def test_rescaling_and_normalization_count_as_keras():
    """EfficientNet's preprocessing: Rescaling holds nothing, Normalization its mean, variance
    (per channel) and sample count, 2·C + 1 non-trainable weights."""
    keras = pytest.importorskip("keras")
    inputs = keras.Input((8, 8, 3))
    x = keras.layers.Rescaling(1 / 255)(inputs)
    x = keras.layers.Normalization(axis=-1)(x)
    reference = keras.Model(inputs, x)
    r = hwcheck.params(spec="8x8x3 | Rescaling scale=0.5 | Normalization")
    assert [row["params"] for row in r.layers] == [
        layer.count_params() for layer in reference.layers[1:]
    ]
    assert r.non_trainable_params == 7 == reference.count_params()
