"""``--emit`` for the layer types added for networks published outside the zoo, the merges
``minimum`` and ``dot``, and the layers with several outputs (split, chunk, a bidirectional
recurrent layer with ``merge_mode = "none"``).

The writers of :mod:`.emit` ask :func:`keras_add` and :func:`torch_add` first; these write the
node and return True for the types here (and False for the rest). Where a framework has no layer,
the emitted module defines a small one (only those it uses): Keras ``LayerScale``, the
transformer embeddings, ``TiedDense``; torch ``Part``, ``Direction``, ``Rescale``, ``Normalize``,
``Tied``, …; a ``tied`` dense layer is tied to its embedding in ``build()``. Refused, with the
reason: ConvLSTM in torch (torch.nn has none), an adapted ``Normalization`` in torch (its
statistics come from Keras's ``adapt``), a tied layer with no embedding of its shape above it.
Every value written is a validated number, tuple or word (no user text but identifier names).
"""

from __future__ import annotations

from hwcheck.families.arch.emit_args import args, refuse
from hwcheck.families.arch.extra_layers import SPLITS, split_axis, split_sizes
from hwcheck.families.arch.layers import Context, Layer, spatial_rank, split

RECURRENT = ("rnn", "lstm", "gru")


def several(layer: Layer) -> bool:
    """One output of a layer with several (its ``output`` option is set by the graph)."""
    return layer.options.get("output") is not None


def siblings(writer, layer: Layer) -> list[str]:
    """The variables of every output of the layer whose part ``layer`` is (consecutive nodes)."""
    end = layer.index + 1
    while end < len(writer.model.layers) and writer.model.layers[end].options.get("output", 0) > 0:
        end += 1
    return [f"h{i + 1}" for i in range(layer.index, end)]


def channel_axis(shape, ctx: Context, batch: bool) -> int:
    """The channels axis, counted with the batch axis (``batch``) or from the end."""
    if ctx.layout == "hwc" or len(shape) == 1:
        return -1
    return 1 if batch else 0


def keras_axes(axes) -> tuple[int, ...] | int:
    """Axes counted without the batch axis → Keras's (with it)."""
    out = tuple(a + 1 if a >= 0 else a for a in axes)
    return out[0] if len(out) == 1 else out


def needs(writer, name: str) -> None:
    if not hasattr(writer, "extra"):
        writer.extra = []
    if name not in writer.extra:
        writer.extra.append(name)


def with_classes(code: str, writer, marker: str, classes: dict[str, str]) -> str:
    """The module with the small classes it uses, written before ``marker``."""
    used = [classes[n] for n in getattr(writer, "extra", ())]
    if not used:
        return code
    head, _, tail = code.partition(marker)
    return head + "\n\n".join(used) + "\n\n\n" + marker + tail


# =========================================================================== Keras


def keras_line(w, layer: Layer, name: str, shape, sources: list[str]) -> str | None:
    """The node's line when its type is one of this module's ("" when an earlier line made
    it: the later outputs of a split); None otherwise."""
    w.__dict__.setdefault("names", {})[layer.index] = name
    t = layer.type
    target = f"h{layer.index + 1}"
    if several(layer):
        if layer.options["output"] > 0:
            return ""
        return f"    {', '.join(siblings(w, layer))} = {keras_several(w, layer, name, shape, sources[0])}"
    if t in ("minimum", "dot"):
        extra = {}
        if t == "dot":
            axes = layer.options.get("axes", (-1,))
            extra = {"axes": axes[0] if len(axes) == 1 else list(axes)}
            extra["normalize"] = True if layer.options.get("normalize") else None
        expr = f"layers.{t.title()}({args(**extra, name=name)})"
        return f"    {target} = {expr}([{', '.join(sources)}])"
    build = KERAS.get(t) or KERAS.get(t.rstrip("123d"))
    if build is None or not applies(layer):
        return None
    attention = t == "multi_head_attention"  # self-attention: query and value
    inputs = sources * 2 if attention and len(sources) == 1 else sources
    return f"    {target} = {build(w, layer, name, shape, layer.options)}({', '.join(inputs)})"


def applies(layer: Layer) -> bool:
    """Activations written by :mod:`.emit` unless an option of this round is set."""
    o = layer.options
    if layer.type == "relu":
        return any(o.get(k) is not None for k in ("max_value", "threshold", "alpha"))
    if layer.type == "softmax":
        return o.get("axis") not in (None, (-1,))
    if layer.type == "multi_head_attention":
        return o.get("output_shape") is not None
    if layer.type == "dense":
        return bool(o.get("tied"))
    return True


def keras_several(w, layer: Layer, name: str, shape, source: str) -> str:
    """The call that makes every output: keras.ops.split, or Bidirectional(merge_mode=None)."""
    o = layer.options
    if layer.type in SPLITS:
        axis = split_axis(layer, shape, w.ctx)
        sizes, _ = split_sizes(layer, shape[axis])
        cuts = [sum(sizes[: k + 1]) for k in range(len(sizes) - 1)]
        return f"keras.ops.split({source}, {cuts!r}, axis={axis + 1})"
    cls = {"rnn": "SimpleRNN", "lstm": "LSTM", "gru": "GRU"}[layer.type]
    kw = {
        "return_sequences": True if o.get("return_sequences") else None,
        "use_bias": None if o.get("bias", True) else False,
        "reset_after": False if layer.type == "gru" and not o.get("reset_after", True) else None,
    }
    inner = f"layers.{cls}({args(o['units'], **kw)})"
    return f"layers.Bidirectional({inner}, merge_mode=None, name={name!r})({source})"


def k_adaptive(w, layer, name, shape, o) -> str:
    kind = "Average" if "avg" in layer.type else "Max"
    sizes = o["output_size"]
    rank = spatial_rank(layer.type)
    size = sizes[0] if len(set(sizes)) == 1 else tuple(sizes) * (rank // len(sizes))
    return f"layers.Adaptive{kind}Pooling{rank}D({args(size, data_format=w.cf, name=name)})"


def k_layer_scale(w, layer, name, shape, o) -> str:
    needs(w, "LayerScale")
    init = o.get("init_value")
    axis = channel_axis(shape, w.ctx, True)
    return f"LayerScale({args(init_value=init, axis=axis, name=name)})"


def k_relu(w, layer, name, shape, o) -> str:
    kw = {"max_value": o.get("max_value"), "negative_slope": o.get("alpha")}
    return f"layers.ReLU({args(**kw, threshold=o.get('threshold'), name=name)})"


def k_axis_activation(w, layer, name, shape, o) -> str:
    axis = keras_axes(o.get("axis") or (-1,))
    if layer.type == "softmax":
        return f"layers.Softmax({args(axis=axis, name=name)})"
    return f"layers.Lambda(lambda x: keras.ops.log_softmax(x, axis={axis!r}), name={name!r})"


def k_plain_activation(w, layer, name, shape, o) -> str:
    if layer.type == "celu" and o.get("alpha") not in (None, 1.0):
        alpha = float(o["alpha"])
        return f"layers.Lambda(lambda x: keras.activations.celu(x, alpha={alpha!r}), name={name!r})"
    return f"layers.Activation({args(layer.type, name=name)})"


def k_per_channel(cls: str, keys: tuple[str, ...]):
    def build(w, layer, name, shape, o) -> str:
        values = {k: o.get(k) for k in keys}
        width = max((len(v) for v in values.values() if isinstance(v, tuple)), default=0)
        values = {  # Keras wants every list as long (and numbers as numbers)
            k: (list(v) * (width // len(v)) if isinstance(v, tuple) else [v] * width)
            if width > 1 and v is not None
            else (v[0] if isinstance(v, tuple) else v)
            for k, v in values.items()
        }
        listed = any(isinstance(o.get(k), tuple) and len(o[k]) > 1 for k in keys)
        if cls == "Rescaling" and w.cf and listed:
            raise refuse(layer, "keras", "Keras Rescaling broadcasts a list along the last axis")
        if cls == "Rescaling" and values["scale"] is None:  # Keras requires it
            values["scale"] = 1.0
        if cls == "Normalization":
            raw = o.get("axis")
            values["axis"] = keras_axes(raw) if raw else channel_axis(shape, w.ctx, True)
            values["invert"] = True if o.get("invert") else None
        return f"layers.{cls}({args(**values, name=name)})"

    return build


def k_unit_normalization(w, layer, name, shape, o) -> str:
    return f"layers.UnitNormalization({args(axis=keras_axes(o.get('axis') or (-1,)), name=name)})"


def k_noise(w, layer, name, shape, o) -> str:
    cls = {"alpha_dropout": "AlphaDropout", "gaussian_dropout": "GaussianDropout"}
    value = o["rate"] if layer.type in cls else o["stddev"]
    return f"layers.{cls.get(layer.type, 'GaussianNoise')}({args(value, name=name)})"


def k_conv_lstm(w, layer, name, shape, o) -> str:
    padding = o.get("padding", "valid")
    if padding not in ("valid", "same") and padding != 0:
        raise refuse(layer, "keras", "Keras ConvLSTM pads 'valid' or 'same' only")
    rank = spatial_rank(layer.type)
    kw = {
        "strides": o["stride"][0] if len(set(o["stride"])) == 1 else tuple(o["stride"]),
        "padding": "valid" if padding == 0 else padding,
        "dilation_rate": o["dilation"][0] if len(set(o["dilation"])) == 1 else o["dilation"],
        "use_bias": None if o.get("bias", True) else False,
        "return_sequences": True if o.get("return_sequences") else None,
    }
    kernel = o["kernel"][0] if len(set(o["kernel"])) == 1 else tuple(o["kernel"])
    defaults = {"strides": 1, "padding": "valid", "dilation_rate": 1}
    return f"layers.ConvLSTM{rank}D({args(o['filters'], kernel, **kw, data_format=w.cf, name=name, defaults=defaults)})"


def k_attention(w, layer, name, shape, o) -> str:
    e, h = shape[-1], o["heads"]
    kw = {
        "key_dim": o.get("key_dim") or e // h,
        "value_dim": o.get("value_dim"),
        "use_bias": None if o.get("bias", True) else False,
        "output_shape": o["output_shape"],
    }
    return f"layers.MultiHeadAttention({args(h, **kw, name=name)})"


def k_embedding_like(w, layer, name, shape, o) -> str:
    t = shape[0]
    if layer.type == "class_token":
        needs(w, "ClassToken")
        return f"ClassToken({args(name=name)})"
    needs(w, "AddedEmbedding")
    rows = o.get("segments", 2) if layer.type == "segment_embedding" else o.get("length") or t
    segment = True if layer.type == "segment_embedding" else None
    return f"AddedEmbedding({args(rows, segment=segment, name=name)})"


def tied_source(w, layer: Layer, shape, framework: str) -> int:
    """The embedding a tied dense layer reads: the last one above it of vocab = units and
    dim = the input's features (GPT-2's wte)."""
    units, width = layer.options["units"], shape[-1]
    for earlier in reversed(w.model.layers[: layer.index]):
        o = earlier.options
        if earlier.type == "embedding" and (o["vocab"], o["dim"]) == (units, width):
            return earlier.index
    raise refuse(
        layer, framework, f"tied = true: no embedding of vocab {units} and dim {width} above it"
    )


def k_dense(w, layer, name, shape, o) -> str:
    w.__dict__.setdefault("ties", []).append((name, tied_source(w, layer, shape, "keras")))
    needs(w, "TiedDense")
    if o.get("activation") not in (None, "linear"):
        raise refuse(layer, "keras", "a tied dense layer with an activation: write it after")
    return f"TiedDense({args(o['units'], name=name)})"


def t_dense(w, layer, shape, channels, o) -> str:
    if o.get("activation") not in (None, "linear"):
        raise refuse(layer, "pytorch", "a tied dense layer with an activation: write it after")
    w.__dict__.setdefault("ties", []).append((layer.index, tied_source(w, layer, shape, "pytorch")))
    needs(w, "Tied")
    return "Tied()"


KERAS = {
    "adaptive_avgpool": k_adaptive,
    "adaptive_maxpool": k_adaptive,
    "layer_scale": k_layer_scale,
    "relu": k_relu,
    "softmax": k_axis_activation,
    "log_softmax": k_axis_activation,
    "softsign": k_plain_activation,
    "celu": k_plain_activation,
    "rescaling": k_per_channel("Rescaling", ("scale", "offset")),
    "normalization": k_per_channel("Normalization", ("mean", "variance")),
    "unit_normalization": k_unit_normalization,
    "alpha_dropout": k_noise,
    "gaussian_dropout": k_noise,
    "gaussian_noise": k_noise,
    "conv_lstm": k_conv_lstm,
    "multi_head_attention": k_attention,
    "position_embedding": k_embedding_like,
    "segment_embedding": k_embedding_like,
    "class_token": k_embedding_like,
    "dense": k_dense,
}

KERAS_CLASSES = {
    "LayerScale": '''class LayerScale(layers.Layer):
    """x·γ, one γ per channel (CaiT; ConvNeXt's layer scale)."""

    def __init__(self, init_value=1e-6, axis=-1, **kwargs):
        super().__init__(**kwargs)
        self.init_value, self.axis = init_value, axis

    def build(self, shape):
        init = keras.initializers.Constant(self.init_value)
        self.gamma = self.add_weight(shape=(shape[self.axis],), initializer=init)

    def call(self, x):
        shape = [1] * len(x.shape)
        shape[self.axis] = -1
        return x * keras.ops.reshape(self.gamma, shape)''',
    "AddedEmbedding": '''class AddedEmbedding(layers.Layer):
    """A learned vector per position (or segment 0) added to a sequence [T, D]."""

    def __init__(self, rows, segment=False, **kwargs):
        super().__init__(**kwargs)
        self.rows, self.segment = rows, segment

    def build(self, shape):
        self.table = self.add_weight(shape=(self.rows, shape[-1]))

    def call(self, x):
        return x + self.table[: 1 if self.segment else x.shape[1]]''',
    "TiedDense": '''class TiedDense(layers.Layer):
    """A dense layer whose matrix is an embedding's, transposed (GPT-2's head reads the token
    embeddings): no weights of its own; tie() it to the embedding once the model is built."""

    def __init__(self, units, **kwargs):
        super().__init__(**kwargs)
        self.units = units

    def tie(self, embedding):
        self.__dict__["embedding"] = embedding  # not tracked: its matrix is counted there

    def compute_output_shape(self, shape):
        return (*shape[:-1], self.units)

    def call(self, x):
        return keras.ops.matmul(x, keras.ops.transpose(self.embedding.embeddings))''',
    "ClassToken": '''class ClassToken(layers.Layer):
    """ViT's learned [class] token before a sequence [T, D]: [T + 1, D]."""

    def build(self, shape):
        self.token = self.add_weight(shape=(shape[-1],))

    def call(self, x):
        token = keras.ops.broadcast_to(self.token, (keras.ops.shape(x)[0], 1, x.shape[-1]))
        return keras.ops.concatenate([token, x], axis=1)''',
}


# =========================================================================== PyTorch


def torch_expr(w, layer: Layer, shape) -> str | None:
    """The node's module when its type is one of this module's; None otherwise."""
    build = TORCH.get(layer.type) or TORCH.get(layer.type.rstrip("123d"))
    if several(layer):
        build = t_several
    if build is None or not applies(layer):
        return None
    channels = split(shape, w.ctx.layout)[1] if len(shape) > 1 else shape[0]
    expr = build(w, layer, shape, channels, layer.options)
    if w.ctx.layout == "hwc" and len(shape) > 1 and layer.type.startswith("adaptive_"):
        expr = f"ChannelsLast({expr})"
    return expr


def t_several(w, layer, shape, channels, o) -> str:
    if layer.type in SPLITS:
        needs(w, "Part")
        axis = split_axis(layer, shape, w.ctx)
        sizes, _ = split_sizes(layer, shape[axis])
        return f"Part({list(sizes)!r}, {axis + 1}, {o['output']})"
    needs(w, "Direction")
    cls = {"rnn": "RNN", "lstm": "LSTM", "gru": "GRU"}[layer.type]
    bias = None if o.get("bias", True) else False
    inner = f"nn.{cls}({args(shape[-1], o['units'], batch_first=True, bias=bias)})"
    return f"Direction({inner}, {bool(o.get('return_sequences'))}, backward={o['output'] == 1})"


def t_adaptive(w, layer, shape, channels, o) -> str:
    kind = "Avg" if "avg" in layer.type else "Max"
    rank = spatial_rank(layer.type)
    sizes = o["output_size"]
    size = sizes[0] if len(set(sizes)) == 1 else tuple(sizes)
    return f"nn.Adaptive{kind}Pool{rank}d({size!r})"


def t_own_class(cls: str, *keys: str, dim: bool = False, count: bool = False):
    """A small module class of the emitted file, built from the layer's options."""

    def build(w, layer, shape, channels, o) -> str:
        needs(w, cls)
        values = [o.get(k) for k in keys]
        if count:
            values.insert(0, channels)
        if dim:
            values.append(channel_axis(shape, w.ctx, True))
        return f"{cls}({', '.join(map(repr, values))})"

    return build


def t_normalization(w, layer, shape, channels, o) -> str:
    if o.get("mean") is None:
        raise refuse(
            layer,
            "pytorch",
            "an adapted Normalization holds statistics from Keras's adapt(); torch has no such "
            "layer: give mean and variance",
        )
    return t_own_class("Normalize", "mean", "variance", "invert", dim=True)(
        w, layer, shape, channels, o
    )


def t_activation(w, layer, shape, channels, o) -> str:
    t = layer.type
    if t == "softsign":
        return "nn.Softsign()"
    if t == "celu":
        return "nn.CELU()" if o.get("alpha") is None else f"nn.CELU({o['alpha']!r})"
    if t in ("softmax", "log_softmax"):
        axis = (o.get("axis") or (-1,))[0]
        if len(o.get("axis") or (-1,)) != 1:
            raise refuse(layer, "pytorch", f"torch {t} takes one dim")
        dim = axis + 1 if axis >= 0 else axis
        return f"nn.{'Softmax' if t == 'softmax' else 'LogSoftmax'}(dim={dim})"
    needs(w, "KerasReLU")
    return f"KerasReLU({o.get('max_value')!r}, {o.get('threshold') or 0.0!r}, {o.get('alpha') or 0.0!r})"


def t_unit_normalization(w, layer, shape, channels, o) -> str:
    needs(w, "UnitNorm")
    dims = tuple(a + 1 if a >= 0 else a for a in (o.get("axis") or (-1,)))
    return f"UnitNorm({dims!r})"


def t_noise(w, layer, shape, channels, o) -> str:
    if layer.type == "alpha_dropout":
        return f"nn.AlphaDropout({o['rate']!r})"
    needs(w, "Noise")
    value = o["rate"] if layer.type == "gaussian_dropout" else o["stddev"]
    return f"Noise({layer.type!r}, {value!r})"


def t_refuse(why: str):
    def build(w, layer, shape, channels, o) -> str:
        raise refuse(layer, "pytorch", why)

    return build


def t_embedding_like(w, layer, shape, channels, o) -> str:
    t, d = shape
    if layer.type == "class_token":
        needs(w, "ClassToken")
        return f"ClassToken({d})"
    needs(w, "AddedEmbedding")
    rows = o.get("segments", 2) if layer.type == "segment_embedding" else o.get("length") or t
    return f"AddedEmbedding({rows}, {d}, {layer.type == 'segment_embedding'})"


def t_merge(w, layer, shape, channels, o) -> str:
    needs(w, "MinimumOrDot")
    if layer.type == "minimum":
        return "MinimumOrDot('minimum')"
    axes = o.get("axes", (-1,))
    return f"MinimumOrDot('dot', {tuple(axes)!r}, {bool(o.get('normalize'))})"


TORCH = {
    "adaptive_avgpool": t_adaptive,
    "adaptive_maxpool": t_adaptive,
    "layer_scale": t_own_class("LayerScale", "init_value", dim=True, count=True),
    "rescaling": t_own_class("Rescale", "scale", "offset", dim=True),
    "normalization": t_normalization,
    "relu": t_activation,
    "softmax": t_activation,
    "log_softmax": t_activation,
    "softsign": t_activation,
    "celu": t_activation,
    "unit_normalization": t_unit_normalization,
    "alpha_dropout": t_noise,
    "gaussian_dropout": t_noise,
    "gaussian_noise": t_noise,
    "conv_lstm": t_refuse("torch.nn has no ConvLSTM layer"),
    "position_embedding": t_embedding_like,
    "segment_embedding": t_embedding_like,
    "class_token": t_embedding_like,
    "minimum": t_merge,
    "dot": t_merge,
    "dense": t_dense,
}

TORCH_CLASSES = {
    "Part": '''class Part(nn.Module):
    """Part ``index`` of torch.split(x, sizes, dim)."""

    def __init__(self, sizes, dim, index):
        super().__init__()
        self.sizes, self.dim, self.index = sizes, dim, index

    def forward(self, x):
        return torch.split(x, self.sizes, dim=self.dim)[self.index]''',
    "Direction": '''class Direction(nn.Module):
    """One direction of a bidirectional recurrent layer (Keras merge_mode=None): the backward
    one reads the sequence reversed and returns it in the input's order, as Keras does."""

    def __init__(self, rnn, return_sequences, backward=False):
        super().__init__()
        self.rnn, self.return_sequences, self.backward = rnn, return_sequences, backward

    def forward(self, x):
        out = self.rnn(x.flip(1) if self.backward else x)[0]
        if not self.return_sequences:
            return out[:, -1]
        return out.flip(1) if self.backward else out''',
    "LayerScale": '''class LayerScale(nn.Module):
    """x·γ, one γ per channel (CaiT; timm's LayerScale)."""

    def __init__(self, channels, init_value, dim):
        super().__init__()
        init = 1e-5 if init_value is None else init_value
        self.gamma = nn.Parameter(torch.full((channels,), float(init)))
        self.dim = dim

    def forward(self, x):
        shape = [1] * x.dim()
        shape[self.dim] = -1
        return x * self.gamma.reshape(shape)''',
    "Rescale": '''class Rescale(nn.Module):
    """Keras Rescaling: x·scale + offset (numbers, or one per channel); no weights."""

    def __init__(self, scale, offset, dim):
        super().__init__()
        self.scale = 1.0 if scale is None else scale
        self.offset = 0.0 if offset is None else offset
        self.dim = dim

    def per_channel(self, value, x):
        if not isinstance(value, tuple):
            return value
        shape = [1] * x.dim()
        shape[self.dim] = -1
        return torch.tensor(value, dtype=x.dtype).reshape(shape)

    def forward(self, x):
        return x * self.per_channel(self.scale, x) + self.per_channel(self.offset, x)''',
    "Normalize": '''class Normalize(nn.Module):
    """Keras Normalization with given mean and variance: (x − mean)/√variance (invert:
    x·√variance + mean); constants, no weights."""

    def __init__(self, mean, variance, invert, dim):
        super().__init__()
        self.mean, self.variance, self.invert, self.dim = mean, variance, invert, dim

    def per_channel(self, value, x):
        shape = [1] * x.dim()
        shape[self.dim] = -1
        return torch.tensor(value, dtype=x.dtype).reshape(shape)

    def forward(self, x):
        mean = self.per_channel(self.mean, x)
        std = self.per_channel(self.variance, x).clamp(min=1e-7).sqrt()
        return x * std + mean if self.invert else (x - mean) / std''',
    "KerasReLU": '''class KerasReLU(nn.Module):
    """Keras ReLU(max_value, threshold, negative_slope)."""

    def __init__(self, max_value, threshold, negative_slope):
        super().__init__()
        self.max_value, self.threshold, self.slope = max_value, threshold, negative_slope

    def forward(self, x):
        out = torch.where(x >= self.threshold, x, self.slope * (x - self.threshold))
        return out if self.max_value is None else out.clamp(max=self.max_value)''',
    "UnitNorm": '''class UnitNorm(nn.Module):
    """Keras UnitNormalization: x/‖x‖ over the axes."""

    def __init__(self, dims):
        super().__init__()
        self.dims = dims

    def forward(self, x):
        return x * torch.rsqrt((x * x).sum(self.dims, keepdim=True).clamp(min=1e-12))''',
    "Noise": '''class Noise(nn.Module):
    """Keras GaussianDropout(rate) or GaussianNoise(stddev): the identity at inference."""

    def __init__(self, kind, value):
        super().__init__()
        self.kind, self.value = kind, value

    def forward(self, x):
        if not self.training:
            return x
        if self.kind == "gaussian_noise":
            return x + self.value * torch.randn_like(x)
        std = (self.value / (1 - self.value)) ** 0.5
        return x * (1 + std * torch.randn_like(x))''',
    "AddedEmbedding": '''class AddedEmbedding(nn.Module):
    """A learned vector per position (or segment 0) added to a sequence [T, D]."""

    def __init__(self, rows, dim, segment=False):
        super().__init__()
        self.table = nn.Parameter(torch.zeros(rows, dim))
        self.segment = segment

    def forward(self, x):
        return x + self.table[: 1 if self.segment else x.shape[1]]''',
    "ClassToken": '''class ClassToken(nn.Module):
    """ViT's learned [class] token before a sequence [T, D]: [T + 1, D]."""

    def __init__(self, dim):
        super().__init__()
        self.token = nn.Parameter(torch.zeros(1, 1, dim))

    def forward(self, x):
        return torch.cat([self.token.expand(x.shape[0], -1, -1), x], dim=1)''',
    "Tied": '''class Tied(nn.Module):
    """A dense layer whose matrix is an embedding's (GPT-2's head reads the token embeddings):
    no weights of its own; tie() it to the embedding once the model is built."""

    def tie(self, embedding):
        self.__dict__["embedding"] = embedding  # not a child: its weight is counted there

    def forward(self, x):
        return x @ self.embedding.weight.T''',
    "MinimumOrDot": '''class MinimumOrDot(nn.Module):
    """Keras Minimum, or Keras Dot(axes, normalize): Σ over one axis of each input (counted
    with the batch axis), the other axes of the first input, then of the second."""

    def __init__(self, kind, axes=(-1,), normalize=False):
        super().__init__()
        self.kind, self.axes, self.normalize = kind, tuple(axes) * (2 // len(axes)), normalize

    def forward(self, *xs):
        if self.kind == "minimum":
            out = xs[0]
            for x in xs[1:]:
                out = torch.minimum(out, x)
            return out
        a, b = (x.movedim(axis, -1) for x, axis in zip(xs, self.axes))
        if self.normalize:
            a, b = nn.functional.normalize(a, dim=-1), nn.functional.normalize(b, dim=-1)
        rest = a.shape[1:-1] + b.shape[1:-1]
        out = torch.einsum("bpn,bqn->bpq", a.reshape(len(a), -1, a.shape[-1]),
                           b.reshape(len(b), -1, b.shape[-1]))
        return out.reshape(len(a), *rest) if rest else out.reshape(len(a), 1)''',
}


def with_own_classes(writer) -> str:
    """The writer's module with the small classes its nodes use (and its ties)."""
    if writer.ctx.framework == "keras":
        code = with_classes(writer.module(), writer, "def build():", KERAS_CLASSES)
        return with_ties(code, writer, "    return keras.Model(", keras_ties)
    code = with_classes(writer.module(), writer, "class Model(nn.Module):", TORCH_CLASSES)
    return with_ties(code, writer, "    return Model()", torch_ties)


def with_ties(code: str, writer, marker: str, lines) -> str:
    """``build()`` ties each tied dense layer to its embedding once the model exists."""
    ties = getattr(writer, "ties", ())
    if not ties:
        return code
    head, found, tail = code.partition(marker)
    if not found:  # the templates of emit.py end build() with this line
        raise ValueError(f"no '{marker.strip()}' in the emitted module")
    end = tail.index("\n")
    made = "    model = " + marker.removeprefix("    return ") + tail[:end]
    return head + "\n".join([made, *lines(writer, ties), "    return model"]) + tail[end:]


def keras_ties(writer, ties) -> list[str]:
    names = writer.names
    return [
        f"    model.get_layer({head!r}).tie(model.get_layer({names[source]!r}))"
        for head, source in ties
    ]


def torch_ties(writer, ties) -> list[str]:
    names = [name for name, _ in writer.modules]
    return [
        f"    model.layers[{names[head]!r}].tie(model.layers[{names[source]!r}])"
        for head, source in ties
    ]
