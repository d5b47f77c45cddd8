"""Every layer type of CONVENTIONS §7: output shape, parameters, MACs, with the arithmetic shown.

A shape is the tuple of sizes without the batch axis, in the model's layout (``hwc``: channels
last; ``chw``: channels first). Each layer function takes the validated :class:`Layer`, the input
shape and the :class:`Context` and returns a :class:`LayerOut`: the output shape, the counts,
the formulas with the numbers substituted, and the sliding window per spatial axis that the
receptive-field recurrences need.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from math import prod
from typing import Any

from hwcheck import geometry
from hwcheck.errors import HwcheckError
from hwcheck.geometry import Window
from hwcheck.numfmt import fmt

MAX_SIZE = 10**18  # any size along one axis


@dataclass(frozen=True)
class Layer:
    index: int
    type: str
    name: str
    options: dict[str, Any]

    @property
    def where(self) -> str:
        return f"layers[{self.index}] ({self.type})"

    def fail(self, message: str, hint: str | None = None) -> HwcheckError:
        return HwcheckError(self.where, message, hint)


@dataclass(frozen=True)
class Context:
    layout: str  # "hwc" or "chw"
    framework: str  # "keras" or "pytorch"


#: How a layer maps positions, for ``rf``: windows per axis, or one of these words.
IDENTITY, GLOBAL = "identity", "global"


@dataclass(frozen=True)
class LayerOut:
    shape: tuple[int, ...]
    trainable: int = 0
    non_trainable: int = 0
    macs: int = 0
    formula: str = "0"
    explain: tuple[str, ...] = ()
    field: tuple[Window, ...] | str = IDENTITY  # or "unsupported: <why>"
    macs_formula: str = ""

    @property
    def params(self) -> int:
        return self.trainable + self.non_trainable


# --------------------------------------------------------------------------- shapes


def split(shape: tuple[int, ...], layout: str) -> tuple[tuple[int, ...], int]:
    """(spatial sizes, channels) of a shape in its layout."""
    return (shape[:-1], shape[-1]) if layout == "hwc" else (shape[1:], shape[0])


def join(spatial, channels: int, layout: str) -> tuple[int, ...]:
    return (*spatial, channels) if layout == "hwc" else (channels, *spatial)


def axis_names(rank: int) -> tuple[str, ...]:
    return {1: ("L",), 2: ("H", "W"), 3: ("D", "H", "W")}.get(
        rank, tuple(f"axis {i}" for i in range(rank))
    )


def spatial_rank(layer_type: str) -> int:
    """``conv2d`` → 2, ``maxpool1d`` → 1, ``depthwise_conv2d`` → 2."""
    return int(layer_type[-2])


def expect_rank(layer: Layer, shape, rank: int, what: str) -> None:
    if len(shape) != rank:
        raise layer.fail(
            f"expects a {what} input of rank {rank}, got shape [{', '.join(map(str, shape))}]"
        )


def check_size(layer: Layer, shape) -> tuple[int, ...]:
    for n in shape:
        if n < 1:
            raise layer.fail(f"output size {n} is below 1")
        if n > MAX_SIZE:
            raise layer.fail(f"output size {n:,} exceeds 10^18")
    return tuple(shape)


def dot(*factors) -> str:
    return "·".join(fmt(f) if isinstance(f, int) else f for f in factors)


def macs_text(positions, kernel, c_in: int, c_out: int, macs: int) -> str:
    """``227·227·5·5·3·256 = 989,356,800`` (output positions · kernel · C_in/groups · C_out)."""
    return f"{dot(*positions)}·{dot(*kernel)}·{dot(c_in, c_out)} = {fmt(macs)}"


# --------------------------------------------------------------------------- windows


def rounded_size(n: int, w: Window, ceil_mode: bool) -> int:
    """:func:`geometry.output_size`, or with ⌈⌉ instead of ⌊⌋ when ``ceil_mode``."""
    floor = geometry.output_size(n, w.before, w.after, w.kernel, w.stride, w.dilation)
    return floor + 1 if ceil_mode and (n + w.before + w.after - w.span) % w.stride else floor


def output_size(
    layer: Layer, n: int, w: Window, *, ceil_mode: bool = False, pool: bool = False
) -> int:
    """⌊(n + before + after − d·(k−1) − 1)/s⌋ + 1, with PyTorch's ceil_mode rule for pools."""
    padded = n + w.before + w.after
    out = rounded_size(n, w, ceil_mode)
    if (
        ceil_mode and (out - 1) * w.stride >= n + w.before
    ):  # the last window would start in the right padding
        out -= 1
    if out < 1:
        dilated = f" (dilated {w.span})" if w.dilation > 1 else ""
        what = "window" if pool else "kernel"
        raise layer.fail(f"{what} {w.kernel}{dilated} is larger than the padded input {padded}")
    return out


def explain_size(name: str, n: int, w: Window, out: int, *, ceil_mode: bool = False) -> str:
    """``H: ⌊(227 + 2 + 2 − 5)/1⌋ + 1 = 227``."""
    text = f"{name}: {geometry.size_arithmetic(n, w, ceil_mode)} = "
    rounded = rounded_size(n, w, ceil_mode)
    if ceil_mode and out != rounded:
        return (
            text
            + f"{rounded} − 1 = {out} (the last window would start in the right padding: dropped)"
        )
    return text + str(out)


def windows(layer: Layer, spatial) -> tuple[Window, ...]:
    o = layer.options
    rank = len(spatial)
    kernel = o["kernel"]
    stride = o.get("stride") or kernel
    dilation = o.get("dilation") or (1,) * rank
    padding = o.get("padding", "valid")
    out = []
    for axis, n in enumerate(spatial):
        k, s, d = kernel[axis], stride[axis], dilation[axis]
        before, after = geometry.padding_pair(padding, axis, n, k, s, d)
        out.append(Window(k, s, d, before, after))
    return tuple(out)


def slide(layer: Layer, spatial, wins, *, ceil_mode=False, pool=False):
    """Output sizes along every axis, and the explain lines."""
    names = axis_names(len(spatial))
    sizes = [
        output_size(layer, n, w, ceil_mode=ceil_mode, pool=pool) for n, w in zip(spatial, wins)
    ]
    lines = tuple(
        explain_size(a, n, w, m, ceil_mode=ceil_mode)
        for a, n, w, m in zip(names, spatial, wins, sizes)
    )
    return tuple(sizes), lines


# --------------------------------------------------------------------------- convolutions


def conv_input(layer: Layer, shape, ctx: Context):
    rank = spatial_rank(layer.type)
    expect_rank(layer, shape, rank + 1, f"{rank}-D (spatial axes + channels)")
    return split(shape, ctx.layout)


def check_groups(layer: Layer, channels: int, filters: int, groups: int) -> None:
    if channels % groups:
        raise layer.fail(f"groups {groups} does not divide the input channels {channels}")
    if filters % groups:
        raise layer.fail(f"groups {groups} does not divide the filters {filters}")


def conv_windows(layer: Layer, spatial, ctx: Context) -> tuple[Window, ...]:
    """:func:`windows`, refusing what torch.nn.Conv*d refuses: 'same' with a stride above 1."""
    o = layer.options
    if (
        ctx.framework == "pytorch"
        and o.get("padding") == "same"
        and any(s > 1 for s in o["stride"])
    ):
        raise layer.fail("padding 'same' is not supported for strided convolutions in PyTorch")
    return windows(layer, spatial)


def weight_formula(kernel, c_in: int, groups: int, c_out: int, bias: bool) -> tuple[int, str]:
    """``5·5·3·256 + 256 = 19,456`` (k₁·…·k_m·(C_in/groups)·C_out + C_out)."""
    c_part = str(c_in) if groups == 1 else f"({c_in}/{groups})"
    weights = prod(kernel) * (c_in // groups) * c_out
    total = weights + (c_out if bias else 0)
    text = dot(*map(str, kernel), c_part, str(c_out)) + (f" + {c_out}" if bias else "")
    return total, f"{text} = {fmt(total)}"


def conv(layer: Layer, shape, ctx: Context) -> LayerOut:
    spatial, c_in = conv_input(layer, shape, ctx)
    o = layer.options
    filters, groups = o["filters"], o.get("groups", 1)
    check_groups(layer, c_in, filters, groups)
    wins = conv_windows(layer, spatial, ctx)
    sizes, lines = slide(layer, spatial, wins)
    total, formula = weight_formula(o["kernel"], c_in, groups, filters, o["bias"])
    macs = prod(sizes) * prod(o["kernel"]) * (c_in // groups) * filters
    work = macs_text(sizes, o["kernel"], c_in // groups, filters, macs)
    return LayerOut(
        check_size(layer, join(sizes, filters, ctx.layout)),
        total,
        0,
        macs,
        formula,
        lines,
        wins,
        work,
    )


def transposed_size(n: int, w: Window, op: int, padding, framework: str) -> tuple[int, str]:
    """Output length of a transposed convolution along one axis, with the arithmetic."""
    s, k, d = w.stride, w.kernel, w.dilation
    if padding == "same":
        return n * s, f"{n}·{s} = {n * s}"
    if padding == "valid" and framework == "keras" and op == 0:
        out = n * s + max(w.span - s, 0)
        return out, f"{n}·{s} + max({w.span} − {s}, 0) = {out}"
    out = (n - 1) * s - w.before - w.after + d * (k - 1) + op + 1
    pads = "".join(f" − {p}" for p in (w.before, w.after) if p)
    extra = f" + {op}" if op else ""
    return out, f"({n} − 1)·{s}{pads} + {d}·({k} − 1){extra} + 1 = {out}"


def conv_transpose(layer: Layer, shape, ctx: Context) -> LayerOut:
    spatial, c_in = conv_input(layer, shape, ctx)
    o = layer.options
    filters, groups = o["filters"], o.get("groups", 1)
    check_groups(layer, c_in, filters, groups)
    padding = o.get("padding", "valid")
    wins, sizes, lines = [], [], []
    for axis, (n, name) in enumerate(zip(spatial, axis_names(len(spatial)))):
        k, s, d, op = (
            o["kernel"][axis],
            o["stride"][axis],
            o["dilation"][axis],
            o["output_padding"][axis],
        )
        if op and not (op < s or op < d):
            raise layer.fail(
                f"output_padding {op} must be smaller than the stride {s} or the dilation {d}"
            )
        before, after = (
            (0, 0)
            if padding in ("valid", "same")
            else geometry.padding_pair(padding, axis, n, k, s, d)
        )
        w = Window(k, s, d, before, after)
        size, text = transposed_size(n, w, op, padding, ctx.framework)
        if size < 1:
            raise layer.fail(f"output size {size} along {name} is below 1 (padding too large)")
        wins.append(w), sizes.append(size), lines.append(f"{name}: {text}")
    total, formula = weight_formula(o["kernel"], c_in, groups, filters, o["bias"])
    macs = prod(spatial) * prod(o["kernel"]) * (c_in // groups) * filters
    work = (
        macs_text(spatial, o["kernel"], c_in // groups, filters, macs) + " (every input position)"
    )
    field = "unsupported: a transposed convolution's units do not see equal windows (use the conv layers)"
    return LayerOut(
        check_size(layer, join(sizes, filters, ctx.layout)),
        total,
        0,
        macs,
        formula,
        tuple(lines),
        field,
        work,
    )


def depthwise(layer: Layer, shape, ctx: Context) -> LayerOut:
    spatial, c_in = conv_input(layer, shape, ctx)
    o = layer.options
    m = o.get("multiplier", 1)
    wins = conv_windows(layer, spatial, ctx)
    sizes, lines = slide(layer, spatial, wins)
    k = prod(o["kernel"])
    depth = k * c_in * m
    bias = c_in * m if o["bias"] else 0
    formula = (
        dot(*map(str, o["kernel"]), str(c_in), str(m))
        + (f" + {c_in}·{m}" if bias else "")
        + f" = {fmt(depth + bias)}"
    )
    macs = prod(sizes) * k * c_in * m
    work = macs_text(sizes, o["kernel"], c_in, m, macs)
    return LayerOut(
        check_size(layer, join(sizes, c_in * m, ctx.layout)),
        depth + bias,
        0,
        macs,
        formula,
        lines,
        wins,
        work,
    )


def separable(layer: Layer, shape, ctx: Context) -> LayerOut:
    """A depthwise part without bias, then a 1×1 part with it."""
    spatial, c_in = conv_input(layer, shape, ctx)
    o = layer.options
    m, filters = o.get("multiplier", 1), o["filters"]
    wins = conv_windows(layer, spatial, ctx)
    sizes, lines = slide(layer, spatial, wins)
    k = prod(o["kernel"])
    depth, point = k * c_in * m, c_in * m * filters
    bias = filters if o["bias"] else 0
    total = depth + point + bias
    formula = (
        dot(*map(str, o["kernel"]), str(c_in), str(m))
        + " + "
        + dot(str(c_in * m), str(filters))
        + (f" + {filters}" if bias else "")
        + f" = {fmt(total)}"
    )
    macs = prod(sizes) * (depth + point)
    work = f"{dot(*sizes)}·({dot(*o['kernel'], c_in, m)} + {dot(c_in * m, filters)}) = {fmt(macs)}"
    return LayerOut(
        check_size(layer, join(sizes, filters, ctx.layout)),
        total,
        0,
        macs,
        formula,
        lines,
        wins,
        work,
    )


# --------------------------------------------------------------------------- pooling


def pool(layer: Layer, shape, ctx: Context) -> LayerOut:
    spatial, channels = conv_input(layer, shape, ctx)
    o = layer.options
    wins = windows(layer, spatial)
    if o.get("padding", 0) != "same":
        for w in wins:
            if max(w.before, w.after) > w.kernel // 2:
                raise layer.fail(
                    f"padding {max(w.before, w.after)} is more than half the window {w.kernel}",
                    hint="PyTorch requires padding ≤ kernel // 2",
                )
    if (
        layer.type == "avgpool3d" and ctx.framework == "pytorch"
    ):  # torch's avg_pool3d checks the unpadded input
        for n, w in zip(spatial, wins):
            if n < w.kernel:
                raise layer.fail(
                    f"the input {n} is smaller than the window {w.kernel} (PyTorch's avg_pool3d "
                    "does not count the padding here)"
                )
    sizes, lines = slide(layer, spatial, wins, ceil_mode=o.get("ceil_mode", False), pool=True)
    return LayerOut(check_size(layer, join(sizes, channels, ctx.layout)), explain=lines, field=wins)


def global_pool(layer: Layer, shape, ctx: Context) -> LayerOut:
    if len(shape) < 2:
        raise layer.fail(
            f"needs spatial axes and channels, got shape [{', '.join(map(str, shape))}]"
        )
    spatial, channels = split(shape, ctx.layout)
    return LayerOut(
        (channels,),
        explain=(f"{' × '.join(map(str, spatial))} positions → one value per channel",),
        field=GLOBAL,
    )


def flatten(layer: Layer, shape, ctx: Context) -> LayerOut:
    size = prod(shape)
    field = GLOBAL if len(shape) > 1 else IDENTITY
    return LayerOut(
        check_size(layer, (size,)), explain=(f"{dot(*map(str, shape))} = {fmt(size)}",), field=field
    )


# --------------------------------------------------------------------------- dense, norms, others


def dense(layer: Layer, shape, ctx: Context) -> LayerOut:
    """Acts on the last axis (Keras Dense, torch.nn.Linear)."""
    n_in, units, bias = shape[-1], layer.options["units"], layer.options["bias"]
    total = n_in * units + (units if bias else 0)
    formula = dot(n_in, units) + (f" + {fmt(units)}" if bias else "") + f" = {fmt(total)}"
    macs = prod(shape[:-1]) * n_in * units
    work = f"{dot(*shape[:-1], n_in, units)} = {fmt(macs)}"
    return LayerOut(
        check_size(layer, (*shape[:-1], units)),
        total,
        0,
        macs,
        formula,
        field=last_axis_field(shape, ctx),
        macs_formula=work,
    )


def last_axis_field(shape, ctx: Context):
    """A layer mixing the last axis: harmless when that axis is the channels."""
    if len(shape) == 1 or ctx.layout == "hwc":
        return IDENTITY
    return "unsupported: it mixes the last axis, which is spatial in layout chw"


def batchnorm(layer: Layer, shape, ctx: Context) -> LayerOut:
    channels = split(shape, ctx.layout)[1] if len(shape) > 1 else shape[0]
    if ctx.framework == "keras":
        formula = f"4·{fmt(channels)} = {fmt(4 * channels)} ({fmt(2 * channels)} non-trainable: moving mean and variance)"
        return LayerOut(shape, 2 * channels, 2 * channels, 0, formula)
    return LayerOut(shape, 2 * channels, 0, 0, f"2·{fmt(channels)} = {fmt(2 * channels)}")


def layernorm(layer: Layer, shape, ctx: Context) -> LayerOut:
    n = shape[-1]
    return LayerOut(
        shape, 2 * n, 0, 0, f"2·{fmt(n)} = {fmt(2 * n)}", field=last_axis_field(shape, ctx)
    )


def elementwise(layer: Layer, shape, ctx: Context) -> LayerOut:
    if layer.type == "softmax":
        return LayerOut(shape, field=last_axis_field(shape, ctx))
    return LayerOut(shape)


def embedding(layer: Layer, shape, ctx: Context) -> LayerOut:
    """Input [T] (token indices), output [T, dim]. For ``rf`` only a first-layer embedding has a
    field: later, the axis it expands was the feature axis, not a spatial one."""
    vocab, dim = layer.options["vocab"], layer.options["dim"]
    field = (
        IDENTITY
        if layer.index == 0
        else "unsupported: an embedding after layers[0] makes the feature axis spatial"
    )
    return LayerOut(
        check_size(layer, (*shape, dim)),
        vocab * dim,
        0,
        0,
        f"{dot(vocab, dim)} = {fmt(vocab * dim)}",
        field=field,
    )


GATES = {"rnn": 1, "lstm": 4, "gru": 3}


def recurrent_formula(kind: str, i: int, u: int, framework: str) -> tuple[int, str]:
    """Per direction: keras LSTM 4·(u·(i+u)+u), pytorch 4·(u·(i+u)+2u); GRU 3·(u·(i+u)+2u)."""
    gates = GATES[kind]
    biases = 2 if kind == "gru" or framework == "pytorch" else 1
    count = gates * (u * (i + u) + biases * u)
    bias_text = f"{biases}·{u}" if biases > 1 else str(u)
    inner = f"{u}·({i} + {u}) + {bias_text}"
    return count, (f"{gates}·({inner})" if gates > 1 else inner)


def recurrent(layer: Layer, shape, ctx: Context) -> LayerOut:
    if len(shape) != 2:
        raise layer.fail(
            f"expects an input [T, features], got shape [{', '.join(map(str, shape))}]"
        )
    steps, features = shape
    o = layer.options
    units, directions = o["units"], 2 if o.get("bidirectional") else 1
    one, text = recurrent_formula(layer.type, features, units, ctx.framework)
    total = one * directions
    formula = (f"2·({text})" if directions == 2 else text) + f" = {fmt(total)}"
    macs = steps * directions * GATES[layer.type] * units * (features + units)
    out = (steps, units * directions) if o.get("return_sequences") else (units * directions,)
    field = (
        GLOBAL
        if not o.get("return_sequences") or directions == 2
        else ("unsupported: a unidirectional recurrent unit at step t sees steps 0…t, not a window")
    )
    work = f"{steps}·{directions}·{GATES[layer.type]}·{units}·({features} + {units}) = {fmt(macs)}"
    return LayerOut(out, total, 0, macs, formula, field=field, macs_formula=work)


# --------------------------------------------------------------------------- registry


@dataclass(frozen=True)
class LayerType:
    compute: Any
    keys: tuple[str, ...]  # optional and required keys (besides type, name)
    required: tuple[str, ...] = ()
    positional: tuple[str, ...] = ()  # spec shorthand order: ``conv2d 32 3``
    defaults: dict[str, Any] = field(default_factory=dict)


CONV_KEYS = ("filters", "kernel", "stride", "padding", "dilation", "groups", "bias")
CONV_DEFAULTS = {"stride": 1, "padding": "valid", "dilation": 1, "groups": 1, "bias": True}
POOL_KEYS = ("kernel", "stride", "padding", "ceil_mode")

LAYER_TYPES: dict[str, LayerType] = {}
for _d in (1, 2, 3):
    LAYER_TYPES[f"conv{_d}d"] = LayerType(
        conv, CONV_KEYS, ("filters", "kernel"), ("filters", "kernel"), CONV_DEFAULTS
    )
    LAYER_TYPES[f"conv_transpose{_d}d"] = LayerType(
        conv_transpose,
        CONV_KEYS + ("output_padding",),
        ("filters", "kernel"),
        ("filters", "kernel"),
        {**CONV_DEFAULTS, "output_padding": 0},
    )
    LAYER_TYPES[f"maxpool{_d}d"] = LayerType(
        pool,
        POOL_KEYS + ("dilation",),
        ("kernel",),
        ("kernel",),
        {"padding": 0, "ceil_mode": False, "dilation": 1},
    )
    LAYER_TYPES[f"avgpool{_d}d"] = LayerType(
        pool, POOL_KEYS, ("kernel",), ("kernel",), {"padding": 0, "ceil_mode": False}
    )
LAYER_TYPES["depthwise_conv2d"] = LayerType(
    depthwise,
    ("kernel", "stride", "padding", "dilation", "multiplier", "bias"),
    ("kernel",),
    ("kernel",),
    {"stride": 1, "padding": "valid", "dilation": 1, "multiplier": 1, "bias": True},
)
LAYER_TYPES["separable_conv2d"] = LayerType(
    separable,
    ("filters", "kernel", "stride", "padding", "dilation", "multiplier", "bias"),
    ("filters", "kernel"),
    ("filters", "kernel"),
    {"stride": 1, "padding": "valid", "dilation": 1, "multiplier": 1, "bias": True},
)
LAYER_TYPES["global_avgpool"] = LayerType(global_pool, ())
LAYER_TYPES["global_maxpool"] = LayerType(global_pool, ())
LAYER_TYPES["flatten"] = LayerType(flatten, ())
LAYER_TYPES["dense"] = LayerType(dense, ("units", "bias"), ("units",), ("units",), {"bias": True})
LAYER_TYPES["batchnorm"] = LayerType(batchnorm, ())
LAYER_TYPES["layernorm"] = LayerType(layernorm, ())
LAYER_TYPES["dropout"] = LayerType(elementwise, ("rate",), ("rate",), ("rate",))
LAYER_TYPES["embedding"] = LayerType(
    embedding, ("vocab", "dim"), ("vocab", "dim"), ("vocab", "dim")
)
for _kind in ("rnn", "lstm", "gru"):
    LAYER_TYPES[_kind] = LayerType(
        recurrent,
        ("units", "return_sequences", "bidirectional"),
        ("units",),
        ("units",),
        {"return_sequences": False, "bidirectional": False},
    )
for _act in ("relu", "sigmoid", "tanh", "softmax", "gelu"):
    LAYER_TYPES[_act] = LayerType(elementwise, ())
for _act in ("leaky_relu", "elu"):
    LAYER_TYPES[_act] = LayerType(elementwise, ("alpha",), (), ("alpha",))


def compute(layer: Layer, shape: tuple[int, ...], ctx: Context) -> LayerOut:
    """One layer's output shape, counts and formulas."""
    return LAYER_TYPES[layer.type].compute(layer, shape, ctx)


import hwcheck.arch.merge  # noqa: F401  (registers the merge layers of graphs)
