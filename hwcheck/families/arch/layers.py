"""Every layer type of CONVENTIONS §7: output shape, parameters, MACs, with the arithmetic shown.

A shape is the tuple of sizes without the batch axis, in the model's layout (``hwc``: channels
last; ``chw``: channels first). Each layer function takes the validated :class:`Layer`, the input
shape and the :class:`Context` and returns a :class:`LayerOut`: the output shape, the counts,
the formulas with the numbers substituted, and the sliding window per spatial axis that the
receptive-field recurrences need.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from math import prod
from typing import Any

from hwcheck.core import geometry
from hwcheck.core.errors import HwcheckError
from hwcheck.core.geometry import Window, explain_size
from hwcheck.core.numfmt import fmt

MAX_SIZE = 10**18  # any size along one axis


@dataclass(frozen=True)
class Layer:
    """One layer as validated from the model: its index, type, name and options."""

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
    """What every layer of a model shares: its layout and its counting convention."""

    layout: str  # "hwc" or "chw"
    framework: str  # "keras" or "pytorch"


#: How a layer maps positions, for ``rf``: windows per axis, or one of these words.
IDENTITY, GLOBAL = "identity", "global"


@dataclass(frozen=True)
class LayerOut:
    """A layer's output shape, counts and formulas, and how it maps positions (for ``rf``)."""

    shape: tuple[int, ...]
    trainable: int = 0
    non_trainable: int = 0
    macs: int = 0
    formula: str = "0"
    explain: tuple[str, ...] = ()
    # how positions map, for rf: windows, IDENTITY, GLOBAL or "unsupported: <why>"; every layer
    # states it (no silent identity: compute() turns a forgotten field into "unsupported")
    field: tuple[Window, ...] | str | None = None
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


def output_size(
    layer: Layer, n: int, w: Window, *, ceil_mode: bool = False, pool: bool = False
) -> int:
    """⌊(n + before + after − d·(k−1) − 1)/s⌋ + 1, with PyTorch's ceil_mode rule for pools."""
    padded = n + w.before + w.after
    out = geometry.pool_output_size(n, w, ceil_mode)
    if out < 1:
        dilated = f" (dilated {w.span})" if w.dilation > 1 else ""
        what = "window" if pool else "kernel"
        raise layer.fail(f"{what} {w.kernel}{dilated} is larger than the padded input {padded}")
    return out


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


def transposed_size(n: int, w: Window, op: int | None, padding, framework: str) -> tuple[int, str]:
    """Output length of a transposed convolution along one axis, with the arithmetic.

    ``op`` is None when ``output_padding`` was not given: Keras then uses n·s (same) and
    n·s + max(k′ − s, 0) (valid); once it is given, (n−1)·s + k′ + op (valid) and
    (n−1)·s + (k′ mod 2) + op (same), as keras.src.ops.operation_utils computes them."""
    s, k, d, span = w.stride, w.kernel, w.dilation, w.span
    keras = framework == "keras" and padding in ("valid", "same")
    if keras and op is not None:
        extra = span if padding == "valid" else span % 2
        out = (n - 1) * s + extra + op
        what = f"{span}" if padding == "valid" else f"({span} mod 2)"
        return out, f"({n} − 1)·{s} + {what} + {op} = {out}"
    if padding == "same":
        return n * s, f"{n}·{s} = {n * s}"
    if keras:
        out = n * s + max(span - s, 0)
        return out, f"{n}·{s} + max({span} − {s}, 0) = {out}"
    op = op or 0
    out = (n - 1) * s - w.before - w.after + d * (k - 1) + op + 1
    pads = "".join(f" − {p}" for p in (w.before, w.after) if p)
    extra = f" + {op}" if op else ""
    return out, f"({n} − 1)·{s}{pads} + {d}·({k} − 1){extra} + 1 = {out}"


def check_transposed(layer: Layer, ctx: Context, s: int, d: int, op: int | None) -> None:
    """What the frameworks refuse: Keras stride > 1 with dilation > 1 and op ≥ s; torch op ≥
    both s and d, and string padding."""
    if ctx.framework == "pytorch":
        if layer.options.get("padding") == "same":
            raise layer.fail(
                "padding 'same' is not supported for transposed convolutions in PyTorch",
                hint="torch.nn.ConvTranspose*d takes integer padding only",
            )
        if op and not (op < s or op < d):
            raise layer.fail(
                f"output_padding {op} must be smaller than the stride {s} or the dilation {d}"
            )
        return
    if s > 1 and d > 1:
        raise layer.fail(
            f"stride {s} together with dilation {d}: Keras refuses stride > 1 with dilation > 1"
        )
    if op is not None and op >= s:
        raise layer.fail(f"output_padding {op} must be smaller than the stride {s} (Keras)")


def conv_transpose(layer: Layer, shape, ctx: Context) -> LayerOut:
    spatial, c_in = conv_input(layer, shape, ctx)
    o = layer.options
    filters, groups = o["filters"], o.get("groups", 1)
    check_groups(layer, c_in, filters, groups)
    padding = o.get("padding", "valid")
    given = o.get("output_padding")
    wins, sizes, lines = [], [], []
    for axis, (n, name) in enumerate(zip(spatial, axis_names(len(spatial)))):
        k, s, d = o["kernel"][axis], o["stride"][axis], o["dilation"][axis]
        op = None if given is None else given[axis]
        check_transposed(layer, ctx, s, d, op)
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
    if ctx.framework == "pytorch" and o.get("padding") == "same":
        raise layer.fail(
            "padding 'same' is not supported for pooling in PyTorch",
            hint="torch.nn pools take integer padding only",
        )
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
    """Any rank; the Keras spellings GlobalAveragePooling1D/2D/3D fix the rank, as Keras does."""
    rank = layer.options.get("rank")
    if len(shape) < 2:
        raise layer.fail(
            f"needs spatial axes and channels, got shape [{', '.join(map(str, shape))}]"
        )
    if rank is not None:
        expect_rank(layer, shape, rank + 1, f"{rank}-D (spatial axes + channels)")
    spatial, channels = split(shape, ctx.layout)
    out = (
        join((1,) * len(spatial), channels, ctx.layout)
        if layer.options.get("keepdims")
        else (channels,)
    )
    return LayerOut(
        out,
        explain=(f"{' × '.join(map(str, spatial))} positions → one value per channel",),
        field=GLOBAL,
    )


def flatten(layer: Layer, shape, ctx: Context) -> LayerOut:
    size = prod(shape)
    field = GLOBAL if len(shape) > 1 else IDENTITY
    return LayerOut(
        check_size(layer, (size,)), explain=(f"{dot(*map(str, shape))} = {fmt(size)}",), field=field
    )


def upsampling_input(layer: Layer, shape, ctx: Context):
    """(spatial sizes, channels, factors); torch's ``upsample`` takes its rank from the input
    and one factor for every axis, or one per axis."""
    if layer.type != "upsample":
        return (*conv_input(layer, shape, ctx), layer.options["size"])
    if not 2 <= len(shape) <= 4:
        raise layer.fail(
            f"expects 1 to 3 spatial axes and channels, got shape [{', '.join(map(str, shape))}]"
        )
    spatial, channels = split(shape, ctx.layout)
    size = layer.options["size"]
    if len(size) == 1:
        size = size * len(spatial)
    if len(size) != len(spatial):
        raise layer.fail(f"size has {len(size)} factors, the input has {len(spatial)} spatial axes")
    return spatial, channels, size


def upsampling(layer: Layer, shape, ctx: Context) -> LayerOut:
    """Keras UpSampling1D/2D/3D, torch nn.Upsample: every spatial size times ``size``."""
    spatial, channels, size = upsampling_input(layer, shape, ctx)
    sizes = tuple(n * f for n, f in zip(spatial, size))
    lines = tuple(
        f"{a}: {n}·{f} = {m}" for a, n, f, m in zip(axis_names(len(spatial)), spatial, size, sizes)
    )
    field = "unsupported: upsampling repeats units, so fields no longer follow sliding windows"
    return LayerOut(
        check_size(layer, join(sizes, channels, ctx.layout)), explain=lines, field=field
    )


def zero_padding(layer: Layer, shape, ctx: Context) -> LayerOut:
    """Keras ZeroPadding1D/2D/3D: zeros before and after along each spatial axis."""
    spatial, channels = conv_input(layer, shape, ctx)
    pads = layer.options["padding"]
    sizes = tuple(n + b + a for n, (b, a) in zip(spatial, pads))
    lines = tuple(
        f"{x}: {n} + {b} + {a} = {m}"
        for x, n, (b, a), m in zip(axis_names(len(spatial)), spatial, pads, sizes)
    )
    wins = tuple(Window(1, 1, 1, b, a) for b, a in pads)
    return LayerOut(check_size(layer, join(sizes, channels, ctx.layout)), explain=lines, field=wins)


def cropping(layer: Layer, shape, ctx: Context) -> LayerOut:
    """Keras Cropping1D/2D/3D: drop units before and after (a negative padding, for rf)."""
    spatial, channels = conv_input(layer, shape, ctx)
    crops = layer.options["cropping"]
    sizes = tuple(n - b - a for n, (b, a) in zip(spatial, crops))
    lines = tuple(
        f"{x}: {n} − {b} − {a} = {m}"
        for x, n, (b, a), m in zip(axis_names(len(spatial)), spatial, crops, sizes)
    )
    for m in sizes:
        if m < 1:
            raise layer.fail(f"cropping leaves {m} units along an axis (at least 1 needed)")
    wins = tuple(Window(1, 1, 1, -b, -a) for b, a in crops)
    return LayerOut(check_size(layer, join(sizes, channels, ctx.layout)), explain=lines, field=wins)


def reshape(layer: Layer, shape, ctx: Context) -> LayerOut:
    """Keras Reshape(target_shape): at most one −1, filled so the element count is kept."""
    target, size = layer.options["target_shape"], prod(shape)
    known = prod(n for n in target if n != -1)
    if -1 in target:
        if size % known:
            raise layer.fail(
                f"cannot reshape {fmt(size)} elements into {list(target)}: {fmt(size)} is not a multiple of {fmt(known)}"
            )
        target = tuple(size // known if n == -1 else n for n in target)
    elif known != size:
        raise layer.fail(
            f"cannot reshape [{', '.join(map(str, shape))}] ({fmt(size)} elements) into {list(target)} ({fmt(known)} elements)"
        )
    field = (
        IDENTITY if target == tuple(shape) else "unsupported: reshape moves positions between axes"
    )
    text = f"{dot(*map(str, shape))} = {fmt(size)} → {' × '.join(map(str, target))}"
    return LayerOut(check_size(layer, target), explain=(text,), field=field)


def permute(layer: Layer, shape, ctx: Context) -> LayerOut:
    """Keras Permute(dims): dims count the axes from 1, without the batch axis."""
    dims = layer.options["dims"]
    if sorted(dims) != list(range(1, len(shape) + 1)):
        raise layer.fail(
            f"dims {list(dims)} is not a permutation of 1…{len(shape)} (the input has {len(shape)} axes, counted from 1 as Keras does)"
        )
    out = tuple(shape[d - 1] for d in dims)
    same = list(dims) == sorted(dims)
    return LayerOut(out, field=IDENTITY if same else "unsupported: permute moves axes")


def repeat_vector(layer: Layer, shape, ctx: Context) -> LayerOut:
    """Keras RepeatVector(n): [F] → [n, F]."""
    if len(shape) != 1:
        raise layer.fail(
            f"expects a vector input [features], got shape [{', '.join(map(str, shape))}]"
        )
    n = layer.options["n"]
    return LayerOut(check_size(layer, (n, shape[0])), field="unsupported: it creates a new axis")


# --------------------------------------------------------------------------- dense, norms, others


def dense(layer: Layer, shape, ctx: Context) -> LayerOut:
    """Acts on the last axis (Keras Dense, torch.nn.Linear). ``tied = true``: the weights are an
    embedding's (GPT-2's language-model head reads wte), counted there and not again; the MACs
    stay."""
    n_in, units, bias = shape[-1], layer.options["units"], layer.options["bias"]
    total = n_in * units + (units if bias else 0)
    formula = dot(n_in, units) + (f" + {fmt(units)}" if bias else "") + f" = {fmt(total)}"
    if layer.options.get("tied"):
        if bias:
            raise layer.fail("tied = true shares an embedding's weights, which have no bias")
        total, formula = 0, f"0 (tied: the embedding's {dot(units, n_in)}, counted there)"
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


def channel_count(shape, ctx: Context) -> int:
    return split(shape, ctx.layout)[1] if len(shape) > 1 else shape[0]


def affine(layer: Layer, n: int) -> tuple[int, str]:
    """γ and β of a normalisation over n values: (center + scale)·n."""
    k = layer.options.get("center", True) + layer.options.get("scale", True)
    return k * n, (f"{k}·{fmt(n)}" if k != 1 else fmt(n))


def batchnorm(layer: Layer, shape, ctx: Context) -> LayerOut:
    """γ, β (``center``/``scale``; torch ``affine``) and, in Keras, the moving mean and variance
    as 2·C non-trainable weights (torch keeps them as buffers, not parameters)."""
    channels = channel_count(shape, ctx)
    trainable, text = affine(layer, channels)
    if ctx.framework == "keras":
        total = trainable + 2 * channels
        formula = f"{text} + 2·{fmt(channels)} = {fmt(total)} ({fmt(2 * channels)} non-trainable: moving mean and variance)"
        if trainable == 2 * channels:
            formula = f"4·{fmt(channels)} = {fmt(total)} ({fmt(2 * channels)} non-trainable: moving mean and variance)"
        return LayerOut(shape, trainable, 2 * channels, 0, formula, field=IDENTITY)
    return LayerOut(shape, trainable, 0, 0, f"{text} = {fmt(trainable)}", field=IDENTITY)


def group_norm(layer: Layer, shape, ctx: Context) -> LayerOut:
    """Keras GroupNormalization, torch nn.GroupNorm: (center + scale)·C. Each output depends on
    every position of its group, so for rf the field is the whole input."""
    channels, groups = channel_count(shape, ctx), layer.options["groups"]
    if channels % groups:
        raise layer.fail(f"groups {groups} does not divide the channels {channels}")
    if ctx.framework == "pytorch" and prod(shape) // groups == 1:
        raise layer.fail(  # torch.nn.GroupNorm raises it, in eval mode too
            "each group holds a single value, and torch's GroupNorm needs more than one"
        )
    total, text = affine(layer, channels)
    field = GLOBAL if len(shape) > 1 else IDENTITY
    return LayerOut(shape, total, 0, 0, f"{text} = {fmt(total)}", field=field)


def norm_axes(layer: Layer, shape) -> tuple[int, ...]:
    """The normalised axes, 0-based without the batch axis (torch normalized_shape: the trailing
    axes, which must match)."""
    rank, o = len(shape), layer.options
    if o.get("normalized_shape") is not None:
        ns = o["normalized_shape"]
        if len(ns) > rank or tuple(shape[rank - len(ns) :]) != ns:
            raise layer.fail(
                f"normalized_shape {list(ns)} is not the input's trailing axes [{', '.join(map(str, shape))}]"
            )
        return tuple(range(rank - len(ns), rank))
    out = []
    for a in o.get("axis", (-1,)):
        if not -rank <= a < rank:
            raise layer.fail(
                f"axis {a} is outside the input's {rank} axes (0…{rank - 1} or −{rank}…−1, without the batch axis)"
            )
        out.append(a % rank)
    if len(set(out)) != len(out):
        raise layer.fail(f"axis {list(o['axis'])} names an axis twice")
    return tuple(sorted(out))


def layernorm(layer: Layer, shape, ctx: Context) -> LayerOut:
    """γ and β over the normalised axes (Keras ``axis``, torch ``normalized_shape``). With Keras's
    ``rms_scaling`` only γ (always, as Keras builds it); torch RMSNorm: γ unless ``scale = false``."""
    axes = norm_axes(layer, shape)
    n = prod(shape[a] for a in axes)
    if layer.type == "rms_norm":
        total = n if layer.options.get("scale", True) else 0
        formula = f"{fmt(total)} (γ only)" if total else "0 (no γ)"
    elif layer.options.get("rms_scaling"):
        total, formula = n, f"{fmt(n)} (γ only: RMS scaling)"
    else:
        total, text = affine(layer, n)
        formula = f"{text} = {fmt(total)}"
    return LayerOut(shape, total, 0, 0, formula, field=norm_field(axes, shape, ctx))


def norm_field(axes, shape, ctx: Context):
    """Normalising the channels only is elementwise; over every spatial axis each output depends
    on the whole input; over some spatial axes only, fields are not windows."""
    channel_axis = len(shape) - 1 if ctx.layout == "hwc" or len(shape) == 1 else 0
    spatial = set(range(len(shape))) - {channel_axis}
    if set(axes) <= {channel_axis}:
        return IDENTITY
    if spatial <= set(axes):
        return GLOBAL
    return "unsupported: it normalises over some spatial axes but not all"


def elementwise(layer: Layer, shape, ctx: Context) -> LayerOut:
    if layer.type in AXIS_ACTIVATIONS and layer.options.get("axis") is not None:
        return LayerOut(shape, field=norm_field(norm_axes(layer, shape), shape, ctx))
    if layer.type in AXIS_ACTIVATIONS or layer.options.get("activation") in AXIS_ACTIVATIONS:
        return LayerOut(shape, field=last_axis_field(shape, ctx))
    return LayerOut(shape, field=IDENTITY)


def per_channel(layer: Layer, shape, ctx: Context, keys) -> None:
    """A value given per channel (a list) must have one entry, or one per channel."""
    channels = channel_count(shape, ctx)
    for key in keys:
        value = layer.options.get(key)
        if isinstance(value, tuple) and len(value) not in (1, channels):
            raise layer.fail(f"{key} has {len(value)} values for {channels} channels")


def rescaling(layer: Layer, shape, ctx: Context) -> LayerOut:
    """Keras ``Rescaling``: x·scale + offset (numbers, or one per channel), no weights."""
    per_channel(layer, shape, ctx, ("scale", "offset"))
    return LayerOut(shape, field=IDENTITY)


def normalization(layer: Layer, shape, ctx: Context) -> LayerOut:
    """Keras ``Normalization`` over the channels: (x − mean)/√variance. Adapted, it holds the
    mean and the variance per channel and the sample count as 2·C + 1 non-trainable weights;
    given ``mean`` and ``variance`` (ConvNeXt's, EfficientNetV2's preprocessing) it holds them
    as constants: no weights."""
    channels = channel_count(shape, ctx)
    o = layer.options
    if (o.get("mean") is None) != (o.get("variance") is None):
        raise layer.fail("mean and variance go together (or neither: adapted to data)")
    if o.get("mean") is not None:
        per_channel(layer, shape, ctx, ("mean", "variance"))
        return LayerOut(shape, 0, 0, 0, "0 (mean and variance given: constants)", field=IDENTITY)
    frozen = 2 * channels + 1
    formula = f"2·{fmt(channels)} + 1 = {fmt(frozen)} (non-trainable: mean, variance, count)"
    return LayerOut(shape, 0, frozen, 0, formula, field=IDENTITY)


def prelu(layer: Layer, shape, ctx: Context) -> LayerOut:
    """One slope per element (Keras default), shared along Keras ``shared_axes`` (counted from 1),
    or torch's ``num_parameters`` (1, the default under pytorch, or the channels)."""
    o = layer.options
    if o.get("num_parameters") is not None:
        n, channels = o["num_parameters"], channel_count(shape, ctx)
        if n not in (1, channels):
            raise layer.fail(f"num_parameters {n} must be 1 or the channels {channels}")
        return LayerOut(shape, n, 0, 0, f"{fmt(n)}", field=IDENTITY)
    shared = o.get("shared_axes")
    if shared is None and ctx.framework == "pytorch":
        return LayerOut(shape, 1, 0, 0, "1 (one shared slope)", field=IDENTITY)
    shared = shared or ()
    for a in shared:
        if not 1 <= a <= len(shape):
            raise layer.fail(
                f"shared_axes {a} is outside 1…{len(shape)} (counted from 1, as Keras does)"
            )
    sizes = [n for i, n in enumerate(shape, 1) if i not in shared]
    total = prod(sizes)
    return LayerOut(
        shape,
        total,
        0,
        0,
        f"{dot(*sizes) if sizes else '1'} = {fmt(total)}" if len(sizes) > 1 else fmt(total),
        field=IDENTITY,
    )


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


def sequence_input(layer: Layer, shape) -> tuple[int, int]:
    """The [T, D] of a token sequence (positions, features)."""
    if len(shape) != 2:
        raise layer.fail(
            f"expects a sequence [T, features], got shape [{', '.join(map(str, shape))}]"
        )
    return shape


def position_embedding(layer: Layer, shape, ctx: Context) -> LayerOut:
    """A learned vector per position added to a sequence [T, D] (GPT-2's wpe, BERT's position
    embeddings, ViT's pos_embedding; torch: an nn.Embedding(length, D) or a Parameter [length, D]):
    length·D weights, ``length`` (the most positions it holds) defaulting to T. BERT's token-type
    table is ``segment_embedding``: segments·D weights, added the same way."""
    t, d = sequence_input(layer, shape)
    if layer.type == "segment_embedding":
        rows = layer.options.get("segments", 2)
    else:
        rows = layer.options.get("length") or t
        if rows < t:
            raise layer.fail(f"length {rows} holds fewer positions than the sequence's {t}")
    return LayerOut(shape, rows * d, 0, 0, f"{dot(rows, d)} = {fmt(rows * d)}", field=IDENTITY)


def class_token(layer: Layer, shape, ctx: Context) -> LayerOut:
    """ViT's learned [class] token prepended to a sequence [T, D]: [T + 1, D], D weights."""
    t, d = sequence_input(layer, shape)
    return LayerOut(
        check_size(layer, (t + 1, d)),
        d,
        0,
        0,
        fmt(d),
        field="unsupported: it prepends a learned token, shifting every position by one",
    )


GATES = {"rnn": 1, "lstm": 4, "gru": 3}


def recurrent_formula(layer: Layer, i: int, u: int, framework: str) -> tuple[int, str]:
    """Per direction: keras LSTM 4·(u·(i+u)+u), pytorch 4·(u·(i+u)+2u); GRU 3·(u·(i+u)+2u)
    (Keras ``reset_after = false``: 3·(u·(i+u)+u)); no bias term when ``bias = false``."""
    gates = GATES[layer.type]
    two = framework == "pytorch" or (layer.type == "gru" and layer.options.get("reset_after", True))
    biases = (2 if two else 1) if layer.options.get("bias", True) else 0
    count = gates * (u * (i + u) + biases * u)
    bias_text = {0: "", 1: f" + {u}", 2: f" + 2·{u}"}[biases]
    inner = f"{u}·({i} + {u}){bias_text}"
    return count, (f"{gates}·({inner})" if gates > 1 else inner)


def recurrent(layer: Layer, shape, ctx: Context) -> LayerOut:
    if len(shape) != 2:
        raise layer.fail(
            f"expects an input [T, features], got shape [{', '.join(map(str, shape))}]"
        )
    steps, features = shape
    o = layer.options
    units, directions = o["units"], 2 if o.get("bidirectional") else 1
    merge = o.get("merge_mode") or "concat"
    if merge != "concat" and directions == 1:
        raise layer.fail(f"merge_mode '{merge}' needs bidirectional = true")
    if merge == "none":  # Keras merge_mode=None: two outputs, one node per direction
        if o.get("num_layers", 1) > 1:
            raise layer.fail("merge_mode 'none' with num_layers > 1: only Keras has it, unstacked")
        directions = 1
    if ctx.framework == "pytorch":
        if merge not in ("concat", "none"):  # none: the two halves of torch's output
            raise layer.fail(
                f"merge_mode '{merge}': torch.nn recurrent layers always concatenate the directions"
            )
        if layer.type == "gru" and not o.get("reset_after", True):
            raise layer.fail(
                "reset_after = false: torch.nn.GRU always applies the reset gate after the matrix product (two bias vectors)"
            )
    total, formula, macs, work = 0, [], 0, []
    width = units * directions if merge == "concat" else units
    for i in [features] + [width] * (o.get("num_layers", 1) - 1):  # torch's stacked layers
        one, text = recurrent_formula(layer, i, units, ctx.framework)
        total += one * directions
        formula.append(f"2·({text})" if directions == 2 else text)
        macs += steps * directions * GATES[layer.type] * units * (i + units)
        work.append(f"{steps}·{directions}·{GATES[layer.type]}·{units}·({i} + {units})")
    formula = " + ".join(formula) + f" = {fmt(total)}"
    if merge == "none":
        formula += f" ({('forward', 'backward')[o.get('output', 0)]} direction)"
    out = (steps, width) if o.get("return_sequences") else (width,)
    field = (
        GLOBAL
        if not o.get("return_sequences") or directions == 2
        else ("unsupported: a unidirectional recurrent unit at step t sees steps 0…t, not a window")
    )
    if merge == "none" and o.get("output") == 1 and o.get("return_sequences"):
        field = "unsupported: the backward direction at step t sees steps t…T−1, not a window"
    work = " + ".join(work) + f" = {fmt(macs)}"
    return LayerOut(out, total, 0, macs, formula, field=field, macs_formula=work)


def attention(layer: Layer, shape, ctx: Context) -> LayerOut:
    """Self-attention on [T, E], as Keras MultiHeadAttention and torch nn.MultiheadAttention
    count it: query, key, value projections E → h·d (with biases), the output projection
    h·d_v → E, and the MACs of the products Q·Kᵀ (h·T·T·d_k) and A·V (h·T·T·d_v)."""
    if len(shape) < 2 or (ctx.framework == "pytorch" and len(shape) != 2):
        raise layer.fail(
            f"expects a sequence [T, features]{' (Keras: or more axes, all attended)' if ctx.framework == 'pytorch' else ''}, "
            f"got shape [{', '.join(map(str, shape))}]"
        )
    o = layer.options
    *positions, e = shape
    t = prod(positions)  # Keras attends over every axis but the batch and the features
    width = o.get("output_shape") or e
    if ctx.framework == "pytorch" and width != e:
        raise layer.fail("output_shape is Keras's; torch.nn.MultiheadAttention returns embed_dim")
    h, bias = o["heads"], o.get("bias", True)
    kd = o.get("key_dim")
    if kd is None:
        if e % h:
            raise layer.fail(f"heads {h} does not divide the embedding size {e}; give key_dim")
        kd = e // h
    elif ctx.framework == "pytorch" and kd * h != e:
        raise layer.fail(
            f"key_dim {kd}: torch.nn.MultiheadAttention uses embed_dim / heads = {e}/{h} per head"
        )
    vd = o.get("value_dim") or kd
    if ctx.framework == "pytorch" and vd != kd:
        raise layer.fail(
            f"value_dim {vd}: torch.nn.MultiheadAttention uses embed_dim / heads = {kd} per head"
        )
    b = 1 if bias else 0
    qk = e * h * kd + b * h * kd
    v = e * h * vd + b * h * vd
    out = h * vd * width + b * width
    total = 2 * qk + v + out

    def bt(n: int) -> str:
        return f" + {n}" if bias else ""

    formula = (
        f"2·({dot(e, h, kd)}{bt(h * kd)}) + {dot(e, h, vd)}{bt(h * vd)} + "
        f"{dot(h * vd, width)}{bt(width)} = {fmt(total)}"
    )
    proj = t * e * h * (2 * kd + vd) + t * h * vd * width
    products = h * t * t * (kd + vd)
    work = f"projections {dot(t, e, h)}·(2·{kd} + {vd}) + {dot(t, h * vd, width)} + products {dot(h, t, t)}·({kd} + {vd}) = {fmt(proj + products)}"
    return LayerOut(
        (*positions, width), total, 0, proj + products, formula, field=GLOBAL, macs_formula=work
    )


# --------------------------------------------------------------------------- registry


@dataclass(frozen=True)
class LayerType:
    """A layer type: its function, its keys (required, positional in a spec) and defaults."""

    compute: Any
    keys: tuple[str, ...]  # optional and required keys (besides type, name)
    required: tuple[str, ...] = ()
    positional: tuple[str, ...] = ()  # spec shorthand order: ``conv2d 32 3``
    defaults: dict[str, Any] = field(default_factory=dict)


CONV_KEYS = ("filters", "kernel", "stride", "padding", "dilation", "groups", "bias", "activation")
CONV_DEFAULTS = {"stride": 1, "padding": "valid", "dilation": 1, "groups": 1, "bias": True}
POOL_KEYS = ("kernel", "stride", "padding", "ceil_mode")
DEPTHWISE_KEYS = ("kernel", "stride", "padding", "dilation", "multiplier", "bias", "activation")
DEPTHWISE_DEFAULTS = {"stride": 1, "padding": "valid", "dilation": 1, "multiplier": 1, "bias": True}
NORM_KEYS = ("center", "scale", "epsilon", "momentum")
NORM_DEFAULTS = {"center": True, "scale": True}

#: Elementwise activations (types of their own, and values of ``activation = "…"``).
ACTIVATIONS = (
    "relu", "sigmoid", "tanh", "softmax", "gelu", "leaky_relu", "elu", "relu6", "silu", "selu",
    "hard_sigmoid", "hard_swish", "softplus", "mish", "softsign", "celu", "log_softmax",
    "linear",
)  # fmt: skip
#: activations that mix an axis (the last, or ``axis``) rather than act entry by entry
AXIS_ACTIVATIONS = ("softmax", "log_softmax")

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
        CONV_DEFAULTS,  # output_padding absent = not given (Keras's formulas differ once given)
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
    LAYER_TYPES[f"upsampling{_d}d"] = LayerType(
        upsampling,
        ("size", "interpolation"),
        (),
        ("size",),
        {"size": 2, "interpolation": "nearest"},
    )
    LAYER_TYPES[f"zero_padding{_d}d"] = LayerType(
        zero_padding, ("padding",), (), ("padding",), {"padding": 1}
    )
    LAYER_TYPES[f"cropping{_d}d"] = LayerType(
        cropping, ("cropping",), (), ("cropping",), {"cropping": 0}
    )
LAYER_TYPES["upsample"] = LayerType(  # torch nn.Upsample: the rank comes from the input
    upsampling, ("size", "interpolation"), (), ("size",), {"size": 2, "interpolation": "nearest"}
)
for _d in (1, 2):
    LAYER_TYPES[f"depthwise_conv{_d}d"] = LayerType(
        depthwise, DEPTHWISE_KEYS, ("kernel",), ("kernel",), DEPTHWISE_DEFAULTS
    )
    LAYER_TYPES[f"separable_conv{_d}d"] = LayerType(
        separable,
        ("filters",) + DEPTHWISE_KEYS,
        ("filters", "kernel"),
        ("filters", "kernel"),
        DEPTHWISE_DEFAULTS,
    )
for _kind in ("global_avgpool", "global_maxpool"):
    LAYER_TYPES[_kind] = LayerType(global_pool, ("keepdims",), (), (), {"keepdims": False})
    for _d in (1, 2, 3):  # Keras's GlobalAveragePooling2D, …: the rank is part of the type
        LAYER_TYPES[f"{_kind}{_d}d"] = LayerType(
            global_pool, ("keepdims",), (), (), {"keepdims": False, "rank": _d}
        )
LAYER_TYPES["flatten"] = LayerType(flatten, ())
LAYER_TYPES["reshape"] = LayerType(reshape, ("target_shape",), ("target_shape",), ("target_shape",))
LAYER_TYPES["permute"] = LayerType(permute, ("dims",), ("dims",), ("dims",))
LAYER_TYPES["repeat_vector"] = LayerType(repeat_vector, ("n",), ("n",), ("n",))
LAYER_TYPES["dense"] = LayerType(
    dense, ("units", "bias", "activation", "tied"), ("units",), ("units",), {"bias": True}
)
LAYER_TYPES["batchnorm"] = LayerType(batchnorm, NORM_KEYS, (), (), NORM_DEFAULTS)
LAYER_TYPES["layernorm"] = LayerType(
    layernorm,
    NORM_KEYS + ("axis", "rms_scaling", "normalized_shape"),
    (),
    (),
    {**NORM_DEFAULTS, "axis": -1, "rms_scaling": False},
)
LAYER_TYPES["rms_norm"] = LayerType(  # torch nn.RMSNorm, Keras RMSNormalization: γ only
    layernorm,
    ("scale", "epsilon", "axis", "normalized_shape"),
    (),
    (),
    {"axis": -1, "rms_scaling": True},
)
LAYER_TYPES["group_norm"] = LayerType(
    group_norm, ("groups",) + NORM_KEYS, (), ("groups",), {**NORM_DEFAULTS, "groups": 32}
)
LAYER_TYPES["dropout"] = LayerType(elementwise, ("rate",), ("rate",), ("rate",))
LAYER_TYPES["rescaling"] = LayerType(rescaling, ("scale", "offset"))
LAYER_TYPES["normalization"] = LayerType(normalization, ("mean", "variance", "axis", "invert"))
LAYER_TYPES["embedding"] = LayerType(
    embedding, ("vocab", "dim"), ("vocab", "dim"), ("vocab", "dim")
)
LAYER_TYPES["position_embedding"] = LayerType(position_embedding, ("length",), (), ("length",))
LAYER_TYPES["segment_embedding"] = LayerType(
    position_embedding, ("segments",), (), ("segments",), {"segments": 2}
)
LAYER_TYPES["class_token"] = LayerType(class_token, ())
for _kind in ("rnn", "lstm", "gru"):
    LAYER_TYPES[_kind] = LayerType(
        recurrent,
        (
            "units",
            "return_sequences",
            "bidirectional",
            "merge_mode",
            "bias",
            "batch_first",
            "num_layers",
        )
        + (("reset_after",) if _kind == "gru" else ()),
        ("units",),
        ("units",),
        {"return_sequences": False, "bidirectional": False, "bias": True},
    )
LAYER_TYPES["multi_head_attention"] = LayerType(
    attention,
    ("heads", "key_dim", "value_dim", "bias", "batch_first", "output_shape"),
    ("heads",),
    ("heads", "key_dim"),
    {"bias": True},
)
for _act in ACTIVATIONS:
    if _act != "linear":
        LAYER_TYPES[_act] = LayerType(elementwise, ())
for _act in ("leaky_relu", "elu", "celu"):
    LAYER_TYPES[_act] = LayerType(elementwise, ("alpha",), (), ("alpha",))
for _act in AXIS_ACTIVATIONS:  # Keras Softmax(axis), torch nn.Softmax(dim)
    LAYER_TYPES[_act] = LayerType(elementwise, ("axis",))
#: Keras ReLU(max_value, negative_slope, threshold): still no weights
LAYER_TYPES["relu"] = LayerType(elementwise, ("max_value", "threshold", "alpha"))
LAYER_TYPES["activation"] = LayerType(
    elementwise, ("activation",), ("activation",), ("activation",)
)
LAYER_TYPES["identity"] = LayerType(elementwise, ())  # Keras Identity, torch nn.Identity
LAYER_TYPES["prelu"] = LayerType(prelu, ("shared_axes", "num_parameters"))

#: Types whose torch/Keras keys restating the input size (in_channels, in_features,
#: num_features, input_size, embed_dim, …) are checked against the last axis, not the channels.
LAST_AXIS = {"dense", "rnn", "lstm", "gru", "multi_head_attention", "layernorm"}


def check_input_size(layer: Layer, shape, ctx: Context) -> None:
    """``in_channels = 3`` (and its kin) must be what the input has."""
    stated = layer.options.get("expects")
    if stated is None:
        return
    key, value = stated
    if layer.type in LAST_AXIS or len(shape) == 1:
        actual, what = shape[-1], "features on its last axis"
    else:
        actual, what = split(shape, ctx.layout)[1], f"channels (layout {ctx.layout})"
    if value != actual:
        raise layer.fail(
            f"{key} = {value}, but the input [{', '.join(map(str, shape))}] has {actual} {what}"
        )


def compute(layer: Layer, shape: tuple[int, ...], ctx: Context) -> LayerOut:
    """One layer's output shape, counts and formulas; ``activation = "…"`` adds no parameters."""
    check_input_size(layer, shape, ctx)
    out = LAYER_TYPES[layer.type].compute(layer, shape, ctx)
    if out.field is None:
        out = replace(out, field=f"unsupported: {layer.type} does not state its receptive field")
    if layer.options.get("activation") in AXIS_ACTIVATIONS and layer.type != "activation":
        mixed = last_axis_field(out.shape, ctx)
        if mixed != IDENTITY and out.field != GLOBAL:
            out = replace(out, field=mixed)
    return out
