"""Layer types added for networks published outside the zoo (CONVENTIONS §7): adaptive pooling,
LayerScale, unit normalisation, noise layers and convolutional LSTMs. Each states its output
shape, parameters, MACs and receptive-field rule, as the types of :mod:`.layers` do, and is
checked against torch.nn and Keras 3 in tests/test_arch_more_layers.py.
"""

from __future__ import annotations

from math import ceil, prod

from hwcheck.core.errors import HwcheckError
from hwcheck.core.geometry import UnevenWindows, Window
from hwcheck.core.numbers import parse_int
from hwcheck.core.numfmt import fmt
from hwcheck.families.arch.layers import (
    IDENTITY,
    LAYER_TYPES,
    Context,
    Layer,
    LayerOut,
    LayerType,
    axis_names,
    channel_count,
    check_size,
    conv_input,
    conv_windows,
    join,
    norm_axes,
    norm_field,
    slide,
    spatial_rank,
    split,
)

# ------------------------------------------------------------------ adaptive pooling


def adaptive_windows(n: int, out: int) -> list[tuple[int, int]]:
    """torch's adaptive rule: output i pools [⌊i·n/out⌋, ⌈(i + 1)·n/out⌉)."""
    return [(i * n // out, ceil((i + 1) * n / out)) for i in range(out)]


def adaptive_pool(layer: Layer, shape, ctx: Context) -> LayerOut:
    """torch AdaptiveAvgPool/AdaptiveMaxPool, Keras AdaptiveAveragePooling/AdaptiveMaxPooling:
    the output size is given, each window is [⌊i·n/o⌋, ⌈(i + 1)·n/o⌉). Windows of one length and
    one step (8 → 4, 9 → 4) are a pool; others give each unit its own field (see :mod:`.rf`)."""
    spatial, channels = conv_input(layer, shape, ctx)
    sizes = layer.options["output_size"]
    sizes = sizes * len(spatial) if len(sizes) == 1 else sizes
    if len(sizes) != len(spatial):
        raise layer.fail(f"output_size has {len(sizes)} sizes for {len(spatial)} spatial axes")
    lines, field = [], []
    for name, n, o in zip(axis_names(len(spatial)), spatial, sizes):
        wins = adaptive_windows(n, o)
        shown = " ".join(f"[{a},{b})" for a, b in wins[:8]) + (" …" if o > 8 else "")
        lines.append(f"{name}: {o} windows [⌊i·{n}/{o}⌋, ⌈(i + 1)·{n}/{o}⌉): {shown}")
        lengths = {b - a for a, b in wins}
        starts = {wins[i + 1][0] - wins[i][0] for i in range(o - 1)} or {n}
        if len(lengths) == 1 and len(starts) == 1:
            field.append(Window(lengths.pop(), starts.pop(), 1, 0, 0))
        else:
            field.append(UnevenWindows(tuple(wins)))
    out = check_size(layer, join(sizes, channels, ctx.layout))
    return LayerOut(out, explain=tuple(lines), field=tuple(field))


# --------------------------------------------------------------- per-channel layers


def layer_scale(layer: Layer, shape, ctx: Context) -> LayerOut:
    """LayerScale (CaiT; ConvNeXt's γ, timm ``LayerScale``): x·γ with one γ per channel."""
    channels = channel_count(shape, ctx)
    return LayerOut(shape, channels, 0, 0, f"{fmt(channels)} (γ, one per channel)", field=IDENTITY)


def unit_normalization(layer: Layer, shape, ctx: Context) -> LayerOut:
    """Keras UnitNormalization: x/‖x‖ over ``axis`` (default the last), no weights."""
    return LayerOut(shape, field=norm_field(norm_axes(layer, shape), shape, ctx))


def noise(layer: Layer, shape, ctx: Context) -> LayerOut:
    """Keras AlphaDropout, GaussianDropout, GaussianNoise (torch nn.AlphaDropout): training-time
    noise, no weights, the identity at inference."""
    return LayerOut(shape, field=IDENTITY)


# ------------------------------------------------------------------- ConvLSTM


def conv_lstm(layer: Layer, shape, ctx: Context) -> LayerOut:
    """Keras ConvLSTM1D/2D: an LSTM whose four gates are convolutions of the input (kernel k,
    C → F) and of the state (the same kernel, F → F, 'same' padding): 4·(∏k·(C + F)·F + F)
    weights; input [T, spatial…, C], output [T, …] with ``return_sequences``, else the last."""
    rank = spatial_rank(layer.type)
    if len(shape) != rank + 2:
        raise layer.fail(
            f"expects [time, {rank} spatial axes, channels], got shape [{', '.join(map(str, shape))}]"
        )
    steps, rest = shape[0], tuple(shape[1:])
    spatial, channels = split(rest, ctx.layout)
    o = layer.options
    f, kernel = o["filters"], o["kernel"]
    wins = conv_windows(layer, spatial, ctx)
    sizes, lines = slide(layer, spatial, wins)
    k = prod(kernel)
    bias = f if o.get("bias", True) else 0
    params = 4 * (k * (channels + f) * f + bias)
    kernel_text = "·".join(map(str, kernel))
    formula = f"4·({kernel_text}·({channels} + {f})·{f}{f' + {f}' if bias else ''}) = {fmt(params)}"
    macs = steps * prod(sizes) * 4 * k * (channels + f) * f
    out = join(sizes, f, ctx.layout)
    out = (steps, *out) if o.get("return_sequences") else out
    field = "unsupported: a recurrent state widens the field with every time step"
    return LayerOut(check_size(layer, out), params, 0, macs, formula, lines, field)


for _d in (1, 2, 3):
    for _kind in ("avg", "max"):
        LAYER_TYPES[f"adaptive_{_kind}pool{_d}d"] = LayerType(
            adaptive_pool, ("output_size",), ("output_size",), ("output_size",)
        )
for _d in (1, 2):
    LAYER_TYPES[f"conv_lstm{_d}d"] = LayerType(
        conv_lstm,
        ("filters", "kernel", "stride", "padding", "dilation", "bias", "return_sequences"),
        ("filters", "kernel"),
        ("filters", "kernel"),
        {"stride": 1, "padding": "valid", "dilation": 1, "bias": True, "return_sequences": False},
    )
LAYER_TYPES["layer_scale"] = LayerType(layer_scale, ("init_value",))
LAYER_TYPES["unit_normalization"] = LayerType(unit_normalization, ("axis",), (), (), {"axis": -1})
LAYER_TYPES["alpha_dropout"] = LayerType(noise, ("rate",), ("rate",), ("rate",))
LAYER_TYPES["gaussian_dropout"] = LayerType(noise, ("rate",), ("rate",), ("rate",))
LAYER_TYPES["gaussian_noise"] = LayerType(noise, ("stddev",), ("stddev",), ("stddev",))

#: other frameworks' spellings of these types (squashed: lower case, no _ - or spaces)
SPELLINGS = {
    **{f"adaptiveaveragepooling{d}d": f"adaptive_avgpool{d}d" for d in (1, 2, 3)},
    **{f"adaptivemaxpooling{d}d": f"adaptive_maxpool{d}d" for d in (1, 2, 3)},
    "convlstm1d": "conv_lstm1d",
    "convlstm2d": "conv_lstm2d",
}


# ------------------------------------------------------------- split and chunk
#
# A split has several outputs. The graph gives each its own node, ``name:0``, ``name:1``, …
# (``name.k`` already means the copies of ``repeat``); the node's ``output`` option says which
# part it is. Every part reads the split's input, so a part's shape, rf and counts are its own.

SPLITS = ("split", "chunk")


def split_axis(layer: Layer, shape, ctx: Context) -> int:
    """``axis`` counted without the batch axis (negative from the end); default the channels."""
    raw = layer.options.get("axis")
    rank = len(shape)
    if raw is None:
        return rank - 1 if ctx.layout == "hwc" or rank == 1 else 0
    if len(raw) != 1:
        raise layer.fail(f"{layer.type} cuts along one axis, got {len(raw)}")
    if not -rank <= raw[0] < rank:
        raise layer.fail(f"axis {raw[0]} is outside a shape of {rank} axes")
    return raw[0] % rank


def split_sizes(layer: Layer, n: int) -> tuple[tuple[int, ...], str]:
    """The parts' sizes along the axis of length ``n``, and how they were found."""
    o = layer.options
    if layer.type == "chunk":  # torch.chunk: parts of ⌈n/chunks⌉, the last one smaller
        chunks = o["chunks"]
        size = -(-n // chunks)
        sizes = tuple(min(size, n - start) for start in range(0, n, size))
        if len(sizes) != chunks:
            raise layer.fail(
                f"torch.chunk cuts {n} into parts of ⌈{n}/{chunks}⌉ = {size}: "
                f"{len(sizes)} parts ({', '.join(map(str, sizes))}), not {chunks}",
                hint=f"write split sizes=[{','.join(map(str, sizes))}]",
            )
        return sizes, f"⌈{n}/{chunks}⌉ = {size} per part: {' + '.join(map(str, sizes))} = {n}"
    if o.get("sizes") is not None:
        sizes = tuple(o["sizes"])
        if sum(sizes) != n:
            raise layer.fail(f"sizes {' + '.join(map(str, sizes))} = {sum(sizes)}, not {n}")
        return sizes, f"{' + '.join(map(str, sizes))} = {n}"
    sections = o["sections"]
    if n % sections:
        raise layer.fail(f"{sections} equal parts of {n} do not exist ({n} mod {sections} ≠ 0)")
    return (n // sections,) * sections, f"{n}/{sections} = {n // sections} per part"


def split_part(layer: Layer, shape, ctx: Context) -> LayerOut:
    """Part ``output`` of torch.split/torch.chunk/keras.ops.split: the input cut along ``axis``;
    no weights; the identity for rf along the channels, a crop along a spatial axis."""
    axis = split_axis(layer, shape, ctx)
    sizes, how = split_sizes(layer, shape[axis])
    k = layer.options["output"]
    if k >= len(sizes):
        raise layer.fail(f"output {k}: the split has {len(sizes)} parts")
    start = sum(sizes[:k])
    out = tuple(sizes[k] if a == axis else n for a, n in enumerate(shape))
    line = f"axis {axis}: {how}; part {k} is [{start}, {start + sizes[k]})"
    return LayerOut(out, explain=(line,), field=split_field(shape, axis, start, sizes[k], ctx))


def split_field(shape, axis: int, start: int, size: int, ctx: Context):
    rank = len(shape)
    channel = rank - 1 if ctx.layout == "hwc" else 0
    if rank < 2 or axis == channel:
        return IDENTITY
    spatial = [a for a in range(rank) if a != channel]
    return tuple(
        Window(1, 1, 1, -start, -(shape[a] - start - size)) if a == axis else Window(1, 1, 1, 0, 0)
        for a in spatial
    )


def output_count(kind: str, table: dict, where: str) -> int:
    """How many outputs a layer table has: the parts of a split, the two directions of a
    bidirectional recurrent layer with ``merge_mode = "none"`` (Keras ``merge_mode=None``)."""
    if kind == "chunk":
        return parse_int(table.get("chunks", 0), f"{where}: chunks", minimum=2, maximum=4096)
    if kind == "split":
        if ("sizes" in table) == ("sections" in table):
            raise HwcheckError(where, "give sizes = [...] or sections = N (one of them)")
        if "sections" in table:
            return parse_int(table["sections"], f"{where}: sections", minimum=2, maximum=4096)
        return len(split_size_list(table["sizes"], f"{where}: sizes"))
    if kind in ("rnn", "lstm", "gru") and str(table.get("merge_mode", "")).lower() == "none":
        return 2
    return 1


def split_size_list(value, where: str) -> tuple[int, ...]:
    if isinstance(value, str):
        value = [v for v in value.strip().strip("[]").replace("x", ",").split(",") if v.strip()]
    if not isinstance(value, (list, tuple)) or not 2 <= len(value) <= 4096:
        raise HwcheckError(where, "expected a list of 2 to 4096 sizes, e.g. [2, 3]")
    return tuple(
        parse_int(v, f"{where}[{i}]", minimum=1, maximum=10**18) for i, v in enumerate(value)
    )


LAYER_TYPES["split"] = LayerType(split_part, ("sizes", "sections", "axis"), (), ("sections",))
LAYER_TYPES["chunk"] = LayerType(split_part, ("chunks", "axis"), ("chunks",), ("chunks",))
